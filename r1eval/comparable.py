"""Are these runs comparable? The one answer that resume, sweep, report and gate use.

Two strengths of "comparable":
- sample for sample (resume): new samples may join a run directory's journal only if the run's identity (model,
  sampling, think prefix, limit, dtype, max_model_len) and each task's record (version, n, limit, dataset, prompt
  hash, runner profile, lm-eval config) are unchanged: `resume_differences`.
- number for number (gate, report series): two runs' scores mean the same thing if the settings that change what a
  score means agree: sampling (not the seed), think prefix, dtype, max_model_len, scoring (not its parallelism),
  grader package versions, and per task n, version, scorer and its description: `setting_differences`. The
  report groups runs of one series by `series_fingerprint`; a sweep skips a checkpoint done under the same
  `sweep_fingerprint`.
Each difference is named with both values, e.g. "sampling temperature 0.6 vs 0.7".
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from r1eval.config import RunConfig
from r1eval.types import RunRecord

TASK_RESUME_KEYS = ("lm_eval", "version", "n", "limit", "dataset", "prompt_hash", "runner_profile")
GRADER_PACKAGES = ("r1eval", "math-verify", "latex2sympy2_extended", "sympy")  # their versions can change verdicts
NOT_SETTINGS = ("workers",)  # grading parallelism: never changes a verdict


def _flat(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(value, Mapping) and value:
        out: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            out.update(_flat(item, (*path, str(key))))
        return out
    return {path: value}


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _named(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> list[str]:
    """'path A vs B' for every leaf that differs, e.g. 'sampling temperature 0.6 vs 0.7'."""
    fa, fb = _flat(a), _flat(b)
    return [f"{prefix}{' '.join(path)} {_show(fa.get(path))} vs {_show(fb.get(path))}"
            for path in dict.fromkeys([*fa, *fb]) if fa.get(path) != fb.get(path)]


def model_differences(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """How the model a run recorded (identity["model"]) differs from the one loaded now, placement aside: a
    continuation of a run's samples (force-answer) must come from the same weights and chat template."""
    return _named({k: v for k, v in recorded.items() if k != "device"},
                  {k: v for k, v in current.items() if k != "device"}, "model ")


def resume_differences(old: RunRecord, new: RunRecord) -> list[str]:
    """Why new samples may not join `old`'s journal ([] when they may), each as 'name OLD vs NEW'."""
    diffs = _named(old.identity, new.identity)
    for name, record in new.tasks.items():
        previous = old.tasks.get(name)
        if previous is not None:
            diffs += _named({k: getattr(previous, k) for k in TASK_RESUME_KEYS},
                            {k: getattr(record, k) for k in TASK_RESUME_KEYS}, f"task {name}: ")
    return diffs


def run_settings(config: RunRecord) -> dict[str, Any]:
    """The run-level settings that change what a number means (not the seed, not placement)."""
    return {**{key: config.sampling.get(key) for key in ("temperature", "top_p", "max_tokens")},
            **{key: config.identity.get(key) for key in ("think_prefix", "dtype", "max_model_len")},
            **{f"scoring {key}": value for key, value in config.scoring.items() if key not in NOT_SETTINGS},
            **{f"{name} version": config.versions.get(name) for name in GRADER_PACKAGES}}


def task_settings(config: RunRecord, task: str) -> dict[str, Any]:
    """The task-level settings that change what a number means: n, task version, scorer, runner profile and the
    scorer's own description (sandbox image, backend)."""
    record = config.tasks.get(task)
    if record is None:
        return {}
    return {"n": record.n, "adaptive": record.adaptive, "task version": record.version, "scorer": record.scorer,
            "runner profile": record.runner_profile,
            **{f"scorer {key}": value for key, value in record.scorer_info.items()
               if key not in ("workers", "scorer", "runner_profile")}}


def setting_differences(a: RunRecord, b: RunRecord, task: str) -> list[str]:
    """Settings of `task` that differ between two runs, as 'name A vs B'. Prompts are compared by hash when the
    problems were loaded identically (with a seed-dependent choice order they differ legitimately)."""
    pa, pb = {**run_settings(a), **task_settings(a, task)}, {**run_settings(b), **task_settings(b, task)}
    diffs = [f"{key} {_show(pa.get(key))} vs {_show(pb.get(key))}" for key in dict.fromkeys([*pa, *pb])
             if pa.get(key) != pb.get(key)]
    ra, rb = a.tasks.get(task), b.tasks.get(task)
    if ra is not None and rb is not None and ra.dataset.get("content_hash") == rb.dataset.get("content_hash") \
            and ra.prompt_hash != rb.prompt_hash:  # same problems, different prompts
        diffs.append(f"prompt hash {ra.prompt_hash!r} vs {rb.prompt_hash!r}")
    return diffs


def _digest(data: Any, length: int) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:length]


def series_fingerprint(config: RunRecord) -> str:
    """One experiment's configuration (the run's identity but the model, and the scoring profile): the runs of one
    series share it. Package versions are left out so an upgrade mid-training does not split a series; the gate
    still names them."""
    identity = {k: v for k, v in config.identity.items() if k != "model"}
    if not identity:  # run directories written before the identity was recorded
        identity = {"sampling": dict(config.sampling)}
    scoring = {k: v for k, v in config.scoring.items() if k not in NOT_SETTINGS}
    return _digest([identity, scoring], 8)


def sweep_fingerprint(base: RunConfig) -> str:
    """Everything in a sweep's config but the per-checkpoint fields, secrets and grading parallelism."""
    record = asdict(base)
    for key in ("model", "step", "label", "run_name"):
        record.pop(key, None)
    record["engine"].pop("api_key", None)
    for key in NOT_SETTINGS:
        record["scoring"].pop(key, None)
    return _digest(record, 12)
