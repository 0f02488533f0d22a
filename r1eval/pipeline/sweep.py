"""Evaluate every checkpoint of a training run with one config: discovery, resume, --watch.

The sweep never decides where a run lives: it calls the pipeline's run() per checkpoint, which derives the run
directory (model slug + step + config hash) and resumes at the sample level from its journal. The sweep keeps a
manifest, <out>/sweep-<name>.json, recording for each step the run directory run() returned, whether it is
complete, and a fingerprint of the sweep's config; a re-run skips every step whose run is complete under the
same fingerprint without starting an engine (checkpoint-level resume).
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from r1eval.config import RunConfig, step_from_path
from r1eval.errors import ConfigError, R1EvalError, StoreError
from r1eval.store import RunStore, manifest_path, read_manifest, write_manifest
from r1eval.types import RunResult

RunFn = Callable[..., RunResult]
Log = Callable[[str], None]


@dataclass(frozen=True)
class Checkpoint:
    step: int
    model: str  # checkpoint directory, or the base model's path / hub id


def discover(pattern: str, steps: Iterable[int] | None = None, strict: bool = True) -> tuple[list[Checkpoint],
                                                                                             list[str]]:
    """Checkpoints matching a glob (global_step_N, checkpoint-N, step_N, iter_N), ordered by step; or, when
    the pattern holds '{step}', exactly the given steps. Returns (checkpoints, ignored directories). With
    `strict`, a requested step that does not exist is an error (a watching sweep waits for it instead)."""
    wanted = sorted(set(steps)) if steps else None
    if "{step}" in pattern:
        if not wanted:
            raise ConfigError("--checkpoints with '{step}' needs --steps, e.g. --steps 100,200,300")
        found = [Checkpoint(s, pattern.format(step=s)) for s in wanted]
        present = [c for c in found if Path(c.model).is_dir()]
        if strict and len(present) < len(found):
            missing = [c.model for c in found if c not in present]
            raise ConfigError(f"checkpoint directories not found: {', '.join(missing[:5])}")
        return present, []
    by_step: dict[int, str] = {}
    ignored = []
    for path in sorted(glob.glob(os.path.expanduser(pattern))):
        if not Path(path).is_dir():
            continue
        step = step_from_path(path)
        if step is None:
            ignored.append(path)
            continue
        if step in by_step:
            raise ConfigError(f"two checkpoints for step {step}: {by_step[step]} and {path}; narrow --checkpoints")
        by_step[step] = path
    if wanted is not None:
        missing = [s for s in wanted if s not in by_step]
        if strict and missing:
            raise ConfigError(f"no checkpoint for step(s) {', '.join(map(str, missing))} in {pattern!r} "
                              f"(found: {', '.join(map(str, sorted(by_step))) or 'none'})")
        by_step = {s: p for s, p in by_step.items() if s in wanted}
    return [Checkpoint(s, by_step[s]) for s in sorted(by_step)], ignored


def is_ready(checkpoint: Checkpoint, settle_s: float, now: float | None = None) -> bool:
    """A checkpoint directory is ready when nothing in it changed for `settle_s` seconds (the trainer has
    finished writing it). Paths that are not local directories (hub ids) are always ready."""
    path = Path(checkpoint.model)
    if not path.is_dir():
        return True
    newest = path.stat().st_mtime
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:  # a trainer's temp file vanished while we looked
                return False
    return (now if now is not None else time.time()) - newest >= settle_s


def config_for(base: RunConfig, checkpoint: Checkpoint) -> RunConfig:
    """The sweep's config with this checkpoint's model and step ('{step}' in --replay-from is filled in)."""
    engine = base.engine
    if engine.replay_from and "{step}" in engine.replay_from:
        engine = replace(engine, replay_from=engine.replay_from.format(step=checkpoint.step))
    return replace(base, model=checkpoint.model, step=checkpoint.step, engine=engine)


def fingerprint(base: RunConfig) -> str:
    """Hash of everything in the sweep config but the per-checkpoint fields, secrets and grading parallelism."""
    record = asdict(base)
    for key in ("model", "step", "label", "run_name"):
        record.pop(key, None)
    if record.get("adaptive") is None:
        record.pop("adaptive", None)  # fixed-n sweeps keep the fingerprint they had before --adaptive existed
    record["engine"].pop("api_key", None)
    record["scoring"].pop("workers", None)  # parallelism, not a setting that changes verdicts
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[-80:] or "sweep"


@dataclass
class Manifest:
    """<out>/sweep-<name>.json: the steps of one sweep and the run directories holding them."""

    path: Path
    series: str
    checkpoints: str
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, out: str | Path, series: str, checkpoints: str) -> Manifest:
        path = manifest_path(out, _slug(series))
        manifest = cls(path, series, checkpoints)
        data = read_manifest(path)
        if data is not None:
            manifest.runs = {int(r["step"]): r for r in data.get("runs", [])}
        return manifest

    def done(self, checkpoint: Checkpoint, fp: str) -> str | None:
        """The run directory of a complete run of this checkpoint under this fingerprint, else None."""
        entry = self.runs.get(checkpoint.step)
        if not entry or entry.get("fingerprint") != fp or entry.get("model") != checkpoint.model:
            return None
        try:
            complete = RunStore(self.path.parent / entry.get("run_dir", "")).read_results().complete
        except (StoreError, OSError):
            return None
        return entry["run_dir"] if complete else None

    def record(self, checkpoint: Checkpoint, fp: str, results: RunResult | None, error: str | None) -> None:
        entry: dict[str, Any] = {"step": checkpoint.step, "model": checkpoint.model, "fingerprint": fp,
                                 "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if results is not None:
            run_dir = Path(results.run_dir or results.run_id)
            entry.update(run_dir=run_dir.name, run_id=results.run_id, complete=results.complete)
        else:
            previous = self.runs.get(checkpoint.step, {})
            if previous.get("run_dir"):
                entry["run_dir"] = previous["run_dir"]
            entry.update(complete=False, error=error)
        self.runs[checkpoint.step] = entry
        self.save()

    def save(self) -> None:
        write_manifest(self.path, {"series": self.series, "checkpoints": self.checkpoints,
                                   "runs": [self.runs[s] for s in sorted(self.runs)]})


@dataclass(frozen=True)
class SweepSpec:
    base: RunConfig  # model and step are replaced per checkpoint
    checkpoints: str  # glob, or a pattern with '{step}'
    steps: tuple[int, ...] | None = None
    base_model: str | None = None  # evaluated as step 0
    name: str | None = None  # series name (default: the checkpoints pattern)
    watch: bool = False
    poll_s: float = 60.0
    settle_s: float = 0.0
    until_step: int | None = None  # --watch stops once this step is evaluated
    max_idle_s: float | None = None  # --watch stops after this long without a new checkpoint


@dataclass
class SweepResult:
    evaluated: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    manifest: Path | None = None


Executor = Callable[[list[tuple[Checkpoint, RunConfig]]], Iterator[tuple[Checkpoint, RunResult | None, str | None]]]


def local_executor(run_fn: RunFn, show_progress: bool = False) -> Executor:
    """Evaluate checkpoints one after another in this process."""
    def execute(jobs: list[tuple[Checkpoint, RunConfig]]) -> Iterator[tuple[Checkpoint, RunResult | None, str | None]]:
        for checkpoint, config in jobs:
            try:
                yield checkpoint, run_fn(config, show_progress=show_progress), None
            except R1EvalError as exc:  # a bad checkpoint must not stop the others
                yield checkpoint, None, str(exc)
            except Exception as exc:  # an engine crash too; it is reported per step and the sweep exits 1
                yield checkpoint, None, f"{type(exc).__name__}: {exc}"
    return execute


def run_sweep(spec: SweepSpec, execute: Executor, log: Log = print,
              sleep: Callable[[float], None] = time.sleep) -> SweepResult:
    if spec.base.run_name:
        raise ConfigError("a sweep cannot use --run-name: every checkpoint needs its own run directory")
    series = spec.name or spec.checkpoints
    manifest = Manifest.open(spec.base.out, series, spec.checkpoints)
    fp = fingerprint(spec.base)
    result = SweepResult(manifest=manifest.path)
    handled: set[int] = set()
    idle_since = time.monotonic()
    while True:
        found, ignored = discover(spec.checkpoints, spec.steps, strict=not spec.watch)
        for path in ignored:
            log(f"ignored {path}: no step in its name (global_step_N, checkpoint-N, step_N, iter_N)")
        if spec.base_model:
            clash = [c.model for c in found if c.step == 0]
            if clash:
                raise ConfigError(f"--base-model {spec.base_model} is step 0, and so is the checkpoint {clash[0]}; "
                                  "drop --base-model or narrow --checkpoints")
            found = [Checkpoint(0, spec.base_model), *found]
        jobs = []
        for checkpoint in found:
            if checkpoint.step in handled:
                continue
            previous = manifest.done(checkpoint, fp)
            if previous:
                log(f"step {checkpoint.step}: complete in {previous}, skipped")
                result.skipped.append(checkpoint.step)
                handled.add(checkpoint.step)
            elif spec.watch and not is_ready(checkpoint, spec.settle_s):
                log(f"step {checkpoint.step}: still being written, waiting")
            else:
                jobs.append((checkpoint, config_for(spec.base, checkpoint)))
        for checkpoint, results, error in execute(jobs):
            handled.add(checkpoint.step)
            manifest.record(checkpoint, fp, results, error)
            if error:
                log(f"step {checkpoint.step}: FAILED: {error}")
                result.failed[checkpoint.step] = error
            else:
                assert results is not None
                state = "complete" if results.complete else "INCOMPLETE"
                log(f"step {checkpoint.step}: {state} -> {results.run_dir or results.run_id}")
                result.evaluated.append(checkpoint.step)
        if jobs:
            idle_since = time.monotonic()
        if not spec.watch:
            break
        if spec.until_step is not None and any(s >= spec.until_step for s in handled):
            log(f"reached step {spec.until_step}; stopping")
            break
        if spec.max_idle_s is not None and time.monotonic() - idle_since >= spec.max_idle_s:
            log(f"no new checkpoint for {spec.max_idle_s:g} s; stopping")
            break
        sleep(spec.poll_s)
    if not found and not handled:
        raise ConfigError(f"no checkpoints match {spec.checkpoints!r}")
    return result
