"""Finished run directories as reports and gates see them: config, results, and per-task artifacts read lazily.

A path given to a report may be a run directory (it has config.json) or a folder of run directories (a sweep's
output); `expand_run_paths` turns both into run directories, ordered by (series, step, run_id).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from r1eval.comparable import series_fingerprint
from r1eval.config import STEP_DIR
from r1eval.errors import StoreError
from r1eval.metrics import ProblemSamples, group_verdicts
from r1eval.pipeline.adaptive import recorded_rounds
from r1eval.store import RunStore, is_run_dir, manifests_in
from r1eval.types import Completion, Problem, RunRecord, RunResult, TaskResult, Verdict

log = logging.getLogger(__name__)

_LETTERS = "ABCDEFGHIJ"


def series_of_model(model: str) -> str:
    """A checkpoint path without its step: ckpts/global_step_300/actor -> ckpts/global_step_*/actor. Only the
    component the step comes from (config.step_from_path) is replaced: runs/exp_step2/global_step_100 and
    runs/exp_step3/global_step_100 stay two series."""
    parts = model.split("/")
    for i in range(len(parts) - 1, -1, -1):
        match = STEP_DIR.match(parts[i])
        if match:
            parts[i] = match.group(1) + "*"
            break
    return "/".join(parts)


def problem_fingerprint(problem: Problem) -> str:
    """Hash of what a problem is, independent of the run seed: for a choice problem the question, the set of
    choices and the text of the correct one (GPQA's choice order and gold letter depend on the seed); otherwise
    the question and the answer."""
    if problem.choices and problem.answer and len(problem.answer) == 1 and problem.answer in _LETTERS:
        index = _LETTERS.index(problem.answer)
        gold = problem.choices[index] if index < len(problem.choices) else problem.answer
        content: list = [problem.question, sorted(problem.choices), gold]
    else:
        content = [problem.question, problem.answer]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass
class Run:
    """One run directory. Task artifacts are read on first use and kept."""

    path: Path
    config: RunRecord
    results: RunResult
    series: str = ""
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def store(self) -> RunStore:
        return RunStore(self.path)

    @property
    def run_id(self) -> str:
        return self.results.run_id or self.config.run_id or self.path.name

    @property
    def model(self) -> str:
        return self.results.model or self.config.model

    @property
    def step(self) -> int | None:
        return self.results.step

    @property
    def label(self) -> str:
        """What a human calls this run: its label, else 'step N', else the run id."""
        if self.results.label:
            return str(self.results.label)
        return f"step {self.step}" if self.step is not None else self.run_id

    @property
    def complete(self) -> bool:
        return self.results.complete

    @property
    def tasks(self) -> list[str]:
        return list(self.results.tasks)

    def task_result(self, task: str) -> TaskResult | None:
        return self.results.tasks.get(task)

    def task_complete(self, task: str) -> bool:
        result = self.task_result(task)
        return result is not None and result.complete

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
        record = self.config.tasks.get(task)
        rounds = recorded_rounds(record.adaptive) if record is not None else ()
        return self._memo("grouped", task, lambda: group_verdicts(self.verdicts(task), rounds))

    def problem_fingerprints(self, task: str) -> dict[str, str]:
        """problem id -> problem_fingerprint: equal ids with different content are different problems."""
        def load() -> dict[str, str]:
            return {p.id: problem_fingerprint(p) for p in self.problems(task)}
        return self._memo("fingerprints", task, load)

    @cached_property
    def sampling(self) -> dict[str, Any]:
        return dict(self.config.sampling)


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
    for data in manifests_in(folder):
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
        if is_run_dir(path):
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(p for p in path.iterdir() if is_run_dir(p))
            if not candidates:
                raise StoreError(f"{path} holds no run directories (no */config.json)")
            unscored = [p for p in candidates if not RunStore(p).results_path.exists()]
            for p in unscored:  # e.g. an engine that failed to start: the folder's other runs still count
                log.warning("skipping %s: no results.json yet (re-run it to finish, or delete it)", p)
            candidates = [p for p in candidates if p not in unscored]
            if not candidates:
                raise StoreError(f"no run in {path} has results.json yet; re-run them, or `r1eval score RUN_DIR`")
        else:
            raise StoreError(f"run directory {path} does not exist")
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            series = _manifest_series(resolved.parent).get(resolved)
            runs.append(load_run(candidate, series))
    _split_series_by_config(runs)
    runs.sort(key=lambda r: (r.series, r.step if r.step is not None else -1, r.run_id))
    return runs


def _split_series_by_config(runs: list[Run]) -> None:
    """A series is one experiment under one configuration: runs that share a series name but not a config
    fingerprint (a sweep re-run with another --n into the same --out) become one series per fingerprint."""
    fingerprints: dict[str, set[str]] = {}
    for run in runs:
        fingerprints.setdefault(run.series, set()).add(series_fingerprint(run.config))
    for run in runs:
        if len(fingerprints[run.series]) > 1:
            run.series = f"{run.series} [config {series_fingerprint(run.config)}]"
