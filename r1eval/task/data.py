"""Dataset sources: the Hugging Face hub at a pinned revision, or an offline JSONL mirror (--data-dir)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from r1eval.errors import DataError
from r1eval.task.registry import LoadContext
from r1eval.types import Problem

Row = Mapping[str, Any]
ToProblem = Callable[[Row, LoadContext], Problem]


@dataclass(frozen=True)
class HubSource:
    """Rows from `datasets.load_dataset(repo, config, split=split, revision=revision)` or a mirror file.

    `to_problem` maps a hub row; `mirror_to_problem` maps a mirror row (defaults to `to_problem`).
    """

    repo: str
    split: str
    revision: str
    mirror: str  # file name inside --data-dir
    to_problem: ToProblem
    config: str | None = None
    mirror_to_problem: ToProblem | None = None
    gated: bool = False

    def describe(self) -> dict[str, Any]:
        return {"hub": self.repo, "config": self.config, "split": self.split, "revision": self.revision,
                "mirror": self.mirror}

    def load(self, ctx: LoadContext) -> list[Problem]:
        if ctx.data_dir:
            convert = self.mirror_to_problem or self.to_problem
            return [convert(row, ctx) for row in read_jsonl_rows(Path(ctx.data_dir) / self.mirror)]
        return [self.to_problem(row, ctx) for row in self._hub_rows()]

    def _hub_rows(self) -> Iterable[Row]:
        try:
            import datasets
        except ImportError as exc:  # pragma: no cover - datasets is a core dependency
            raise DataError("the 'datasets' package is missing: pip install datasets") from exc
        try:
            return datasets.load_dataset(self.repo, self.config, split=self.split, revision=self.revision)
        except Exception as exc:  # the hub, auth, and cache raise many unrelated types
            raise DataError(self._unreachable_message(exc)) from exc

    def _unreachable_message(self, exc: Exception) -> str:
        text = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if self.gated and any(s in str(exc).lower() for s in ("gated", "401", "403", "unauthorized", "access")):
            return (f"dataset {self.repo} is gated: accept its terms on huggingface.co and set HF_TOKEN "
                    f"(or run `huggingface-cli login`) [{text}]")
        return (f"cannot load dataset {self.repo}@{self.revision[:12]} from the Hugging Face hub ({text}); "
                f"for offline use pass --data-dir DIR (or set R1EVAL_DATA_DIR) pointing at a folder "
                f"that holds {self.mirror}")


def read_jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a JSONL file; a malformed line is a DataError naming file and line."""
    if not path.is_file():
        raise DataError(f"mirror file {path} not found; --data-dir must point at a folder holding {path.name}")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise DataError(f"{path}:{number}: expected a JSON object per line")
            rows.append(row)
    return rows


def field(row: Row, *names: str) -> Any:
    """The first of `names` present in row (schemas differ between hub copies and mirrors)."""
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    raise DataError(f"dataset row lacks field {' / '.join(names)} (has: {', '.join(sorted(row))})")


def content_hash(problems: Iterable[Problem]) -> str:
    """sha256 of the problems as evaluated: changes whenever a question, answer or test changes."""
    digest = hashlib.sha256()
    for problem in problems:
        digest.update(json.dumps(problem_to_json(problem), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def problem_to_json(problem: Problem) -> dict[str, Any]:
    data = asdict(problem) if is_dataclass(problem) else dict(problem)
    data["meta"] = dict(problem.meta)
    return data
