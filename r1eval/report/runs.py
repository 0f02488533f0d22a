"""Finished run directories as reports and gates see them: config, results, and per-task artifacts read lazily.

A path given to a report may be a run directory (it has config.json) or a folder of run directories (a sweep's
output); `expand_run_paths` turns both into run directories, ordered by (series, step, run_id).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from r1eval.errors import StoreError
from r1eval.metrics import ProblemSamples, group_verdicts
from r1eval.store import RunStore
from r1eval.types import Completion, Problem, Verdict

MANIFEST_GLOB = "sweep-*.json"
_STEP_IN_NAME = re.compile(r"(global_step_?|checkpoint-|step_?|iter_?)\d+")


def series_of_model(model: str) -> str:
    """A checkpoint path without its step: ckpts/global_step_300 -> ckpts/global_step_*."""
    return _STEP_IN_NAME.sub(lambda m: m.group(1) + "*", model)


@dataclass
class Run:
    """One run directory. Task artifacts are read on first use and kept."""

    path: Path
    config: dict[str, Any]
    results: dict[str, Any]
    series: str = ""
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def store(self) -> RunStore:
        return RunStore(self.path)

    @property
    def run_id(self) -> str:
        return str(self.results.get("run_id") or self.config.get("run_id") or self.path.name)

    @property
    def model(self) -> str:
        return str(self.results.get("model") or self.config.get("model") or "")

    @property
    def step(self) -> int | None:
        step = self.results.get("step", self.config.get("step"))
        return int(step) if step is not None else None

    @property
    def label(self) -> str:
        """What a human calls this run: its label, else 'step N', else the run id."""
        if self.results.get("label"):
            return str(self.results["label"])
        return f"step {self.step}" if self.step is not None else self.run_id

    @property
    def complete(self) -> bool:
        return bool(self.results.get("complete", False))

    @property
    def tasks(self) -> list[str]:
        return list(self.results.get("tasks", {}))

    def task_result(self, task: str) -> dict[str, Any]:
        return self.results.get("tasks", {}).get(task, {})

    def task_complete(self, task: str) -> bool:
        return bool(self.task_result(task).get("complete", False))

    def _memo(self, kind: str, task: str, load: Any) -> Any:
        key = (kind, task)
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def problems(self, task: str) -> list[Problem]:
        return self._memo("problems", task, lambda: self.store.read_problems(task))

    # Verdicts and completions are read on each call and not kept: at 100 runs x 5 tasks they are ~10^5-10^6
    # objects, and keeping them alive makes every garbage-collection pass walk all of them (measured: most of
    # a report's time). What is kept is small: the per-problem summaries.
    def verdicts(self, task: str) -> list[Verdict]:
        return self.store.read_verdicts(task)

    def completions(self, task: str) -> list[Completion]:
        return self.store.read_completions(task)

    def grouped(self, task: str) -> dict[str, ProblemSamples]:
        return self._memo("grouped", task, lambda: group_verdicts(self.verdicts(task)))

    def problem_fingerprints(self, task: str) -> dict[str, str]:
        """problem id -> hash of (question, answer): equal ids with different content are different problems."""
        def load() -> dict[str, str]:
            return {p.id: hashlib.sha256(json.dumps([p.question, p.answer]).encode()).hexdigest()[:16]
                    for p in self.problems(task)}
        return self._memo("fingerprints", task, load)

    @cached_property
    def sampling(self) -> dict[str, Any]:
        return dict(self.config.get("sampling") or {})


def load_run(path: str | Path, series: str | None = None) -> Run:
    store = RunStore(path)
    config = store.require_config()
    results = store.read_results()
    run = Run(path=store.path, config=config, results=results)
    run.series = series or series_of_model(run.model)
    return run


def _manifest_series(folder: Path) -> dict[Path, str]:
    """run dir -> series name, from the sweep manifests a sweep leaves in its output folder."""
    series: dict[Path, str] = {}
    for manifest in sorted(folder.glob(MANIFEST_GLOB)):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for entry in data.get("runs", []):
            if entry.get("run_dir"):
                series[(folder / entry["run_dir"]).resolve()] = str(data.get("series", ""))
    return series


def expand_run_paths(paths: list[str | Path]) -> list[Run]:
    """Load every run named: run dirs as given, folders as all run dirs inside them (one level)."""
    runs: list[Run] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if (path / "config.json").is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(p for p in path.iterdir() if (p / "config.json").is_file())
            if not candidates:
                raise StoreError(f"{path} holds no run directories (no */config.json)")
        else:
            raise StoreError(f"run directory {path} does not exist")
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            series = _manifest_series(resolved.parent).get(resolved)
            runs.append(load_run(candidate, series))
    runs.sort(key=lambda r: (r.series, r.step if r.step is not None else -1, r.run_id))
    return runs
