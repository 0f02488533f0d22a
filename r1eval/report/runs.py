"""Finished run directories as reports and gates see them: config, results, and per-task artifacts read lazily.

A path given to a report may be a run directory (it has config.json) or a folder of run directories (a sweep's
output); `expand_run_paths` turns both into run directories, ordered by (series, step, run_id).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from r1eval.config import STEP_DIR
from r1eval.errors import StoreError
from r1eval.metrics import ProblemSamples, group_verdicts
from r1eval.pipeline.adaptive import recorded_rounds
from r1eval.store import RunStore, is_run_dir, manifests_in
from r1eval.types import Completion, Problem, RunRecord, RunResult, TaskResult, Verdict

GRADER_PACKAGES = ("r1eval", "math-verify", "latex2sympy2_extended", "sympy")  # their versions can change verdicts
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


def run_profile(config: RunRecord) -> dict[str, Any]:
    """The run-level settings that change what a number means (not the seed, not placement)."""
    return {**{key: config.sampling.get(key) for key in ("temperature", "top_p", "max_tokens")},
            **{key: config.identity.get(key) for key in ("think_prefix", "dtype", "max_model_len")},
            **{f"scoring {key}": value for key, value in config.scoring.items() if key != "workers"},
            **{f"{name} version": config.versions.get(name) for name in GRADER_PACKAGES}}


def task_profile(config: RunRecord, task: str) -> dict[str, Any]:
    """The task-level settings that change what a number means: n, task version, scorer, runner profile and
    the scorer's own description (sandbox image, backend)."""
    record = config.tasks.get(task)
    if record is None:
        return {}
    return {"n": record.n, "adaptive": record.adaptive, "task version": record.version, "scorer": record.scorer,
            "runner profile": record.runner_profile,
            **{f"scorer {key}": value for key, value in record.scorer_info.items()
               if key not in ("workers", "scorer", "runner_profile")}}


def config_differences(a: Run, b: Run, task: str) -> list[str]:
    """Settings of `task` that differ between two runs, as 'name A vs B'. Prompts are compared by hash when the
    problems were loaded identically (with a seed-dependent choice order they differ legitimately)."""
    pa = {**run_profile(a.config), **task_profile(a.config, task)}
    pb = {**run_profile(b.config), **task_profile(b.config, task)}
    diffs = [f"{key} {pa.get(key)!r} vs {pb.get(key)!r}" for key in dict.fromkeys([*pa, *pb])
             if pa.get(key) != pb.get(key)]
    ra, rb = a.config.tasks.get(task), b.config.tasks.get(task)
    if ra is not None and rb is not None and ra.dataset.get("content_hash") == rb.dataset.get("content_hash") \
            and ra.prompt_hash != rb.prompt_hash:  # same problems, different prompts
        diffs.append(f"prompt hash {ra.prompt_hash!r} vs {rb.prompt_hash!r}")
    return diffs


def config_fingerprint(config: RunRecord) -> str:
    """One experiment's configuration (everything in the run's identity but the model, and the scoring
    profile): runs of one series share it. Package versions are left out so an upgrade mid-training does not
    split a series; the gate still names them."""
    identity = {k: v for k, v in config.identity.items() if k != "model"}
    if not identity:  # run directories written before the identity was recorded
        identity = {"sampling": dict(config.sampling)}
    scoring = {k: v for k, v in config.scoring.items() if k != "workers"}
    blob = json.dumps([identity, scoring], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


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
        fingerprints.setdefault(run.series, set()).add(config_fingerprint(run.config))
    for run in runs:
        if len(fingerprints[run.series]) > 1:
            run.series = f"{run.series} [config {config_fingerprint(run.config)}]"
