"""Tasks are small Python files (tasks/*.py) that define TASK; the file stem is the task's name.

Built-in tasks ship in the top-level tasks/ folder of a checkout and inside the wheel as r1eval/_builtin_tasks;
--tasks-dir adds a user's folders, which may override a built-in of the same name.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from r1eval.config import ScoringConfig
from r1eval.errors import TaskError
from r1eval.types import METRIC_FAMILIES, VOTING_FAMILIES, Completion, Problem, Verdict


@dataclass(frozen=True)
class LoadContext:
    """What a task's loader may depend on: where offline mirrors live, and the run seed (choice shuffles)."""

    data_dir: str | None = None
    seed: int = 0


class Scorer(Protocol):
    """Grades a batch of completions (a batch lets scorers use process pools or sandbox pools). `scoring` is the
    run's ScoringConfig (sandbox, time bounds, workers): the pipeline passes it with every batch."""

    name: str

    def score(self, items: Sequence[tuple[Problem, Completion]], scoring: ScoringConfig) -> list[Verdict]: ...


class DataSource(Protocol):
    def load(self, ctx: LoadContext) -> list[Problem]: ...

    def describe(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Task:
    name: str
    version: int
    source: DataSource
    prompt: Callable[[Problem], list[dict[str, str]]]  # chat messages, user turn only (no system prompt)
    scorer: Scorer
    default_n: int = 1
    size: int | None = None  # number of problems in the full benchmark, for `r1eval tasks`
    description: str = ""
    breakdown_keys: tuple[str, ...] = ()  # Problem.meta keys to break results down by (e.g. "level")
    cons: bool = True  # older task files' flag: majority vote makes sense; used only when no families are declared
    meta: Mapping[str, Any] = field(default_factory=dict)
    metric_families: tuple[str, ...] = ()  # types.METRIC_FAMILIES: math, choice, code, rating, lm-eval

    def __post_init__(self) -> None:
        families = tuple(self.metric_families) or (("math",) if self.cons else ("code",))
        unknown = [f for f in families if f not in METRIC_FAMILIES]
        if unknown:
            raise TaskError(f"task {self.name}: unknown metric family {', '.join(unknown)}; use "
                            f"{', '.join(METRIC_FAMILIES)}")
        object.__setattr__(self, "metric_families", families)

    @property
    def votes(self) -> bool:
        """Whether cons@n (majority vote over answers) is computed: a math or choice family."""
        return bool(VOTING_FAMILIES & set(self.metric_families))

    def load(self, ctx: LoadContext) -> list[Problem]:
        return self.source.load(ctx)


def builtin_tasks_dir() -> Path:
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "_builtin_tasks"
    return packaged if packaged.is_dir() else here.parents[2] / "tasks"


def discover(tasks_dirs: Sequence[str | Path] = ()) -> dict[str, Path]:
    """Map task name -> file; later folders override earlier ones (user dirs override built-ins)."""
    found: dict[str, Path] = {}
    for folder in (builtin_tasks_dir(), *map(Path, tasks_dirs)):
        if not folder.is_dir():
            raise TaskError(f"tasks folder '{folder}' does not exist")
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith("_"):
                found[path.stem] = path
    return found


def _import_task(name: str, path: Path) -> Task:
    spec = importlib.util.spec_from_file_location(f"r1eval_task_{name}", path)
    if spec is None or spec.loader is None:
        raise TaskError(f"cannot import task file {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's task file is user input: report it in one line
        raise TaskError(f"task file {path} failed to import: {type(exc).__name__}: {exc}") from exc
    task = getattr(module, "TASK", None)
    if not isinstance(task, Task):
        raise TaskError(f"task file {path} defines no TASK = Task(...)")
    if task.name != name:
        raise TaskError(f"task file {path} names its task '{task.name}'; it must match the file name '{name}'")
    return task


def load_tasks(names: Sequence[str], tasks_dirs: Sequence[str | Path] = ()) -> list[Task]:
    available = discover(tasks_dirs)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise TaskError(f"unknown task '{unknown[0]}'; available: {', '.join(sorted(available))}")
    return [_import_task(n, available[n]) for n in names]


def all_tasks(tasks_dirs: Sequence[str | Path] = ()) -> list[Task]:
    return load_tasks(sorted(discover(tasks_dirs)), tasks_dirs)
