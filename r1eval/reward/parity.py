"""Reward parity: every graded sample of a run, re-scored by r1eval.reward from its journal text, must get the
reward its verdict implies (1.0 exactly when the run judged it correct). `r1eval export RUN --format
reward-parity` writes the comparison, so a user can check their own run before training against the reward."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from r1eval.grading import KINDS
from r1eval.reward import reward_of, score_batch
from r1eval.store import RunStore
from r1eval.types import Status


def parity_rows(run_dir: str | Path, timeout_s: float | None = None) -> Iterator[dict[str, Any]]:
    """One row per graded sample of the run's answer tasks (math, integer, choice); code and lm-eval tasks are
    skipped (their rewards are not this module's). A row: task, problem_id, sample, verdict, reward, agree."""
    store = RunStore(run_dir)
    config = store.require_config()
    for task, record in config.tasks.items():
        if record.scorer not in KINDS or not store.has_problems(task):
            continue
        problems = {p.id: p for p in store.read_problems(task)}
        verdicts = {(v.problem_id, v.sample): v for v in store.read_verdicts(task)}
        pairs = [(c, verdicts[(c.problem_id, c.sample)]) for c in store.read_completions(task)
                 if (c.problem_id, c.sample) in verdicts and c.problem_id in problems]
        graded = score_batch(record.scorer, [(c.text, problems[c.problem_id].answer or "") for c, _ in pairs],
                             choices=[problems[c.problem_id].choices for c, _ in pairs],
                             finish_reasons=[c.finish_reason for c, _ in pairs],
                             reasonings=[c.reasoning for c, _ in pairs],
                             timeout_s=timeout_s or float(config.scoring.get("timeout_s") or 5.0))
        for (completion, verdict), reward in zip(pairs, graded, strict=True):
            value = reward_of(reward)
            yield {"task": task, "problem_id": completion.problem_id, "sample": completion.sample,
                   "verdict": verdict.status.value, "reward": value, "reward_detail": reward[2],
                   "agree": value == (1.0 if verdict.status is Status.CORRECT else 0.0)}


def export_parity(run_dir: str | Path, out: str | Path) -> tuple[Path, int, int]:
    """Write <out>/reward_parity.jsonl; returns (its path, samples compared, disagreements)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reward_parity.jsonl"
    total = disagree = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in parity_rows(run_dir):
            total += 1
            disagree += not row["agree"]
            handle.write(json.dumps(row) + "\n")
    return path, total, disagree
