"""Which checkpoint of a series is the best on a task, and how sure that is: p_best.

p_best of a checkpoint = the share of resampled worlds in which its pass@1 is the highest of its series. A world
redraws the problems (N with replacement, the same draw for every checkpoint: the comparison stays paired) and
each problem's samples (c* ~ Binomial(n_i, c_i/n_i) with the checkpoint's own n_i), so both sources of noise a
rerun on other problems would meet are in it. Ties share the win. Only complete runs take part, over the
problems every one of them scored; benchmarks/best_checkpoint.py checks that a stated p_best >= 0.9 names the
truly best checkpoint at least 90% of the time.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from r1eval.metrics import ProblemSamples
from r1eval.report.runs import Run

WORLDS = 1000
_CELLS = 2_000_000  # checkpoints x worlds x problems drawn at once (memory)


def p_best(series: Sequence[dict[str, ProblemSamples]], worlds: int = WORLDS, seed: int = 0) -> np.ndarray:
    """p_best of each checkpoint (one dict problem id -> samples each), over the problems all of them have."""
    shared = sorted(set.intersection(*(set(s) for s in series))) if series else []
    if len(series) == 1:
        return np.ones(1)
    if not shared:
        return np.full(len(series), np.nan)
    correct = np.array([[s[p].c for p in shared] for s in series], dtype=float)
    counts = np.array([[s[p].n for p in shared] for s in series], dtype=float)
    rng = np.random.default_rng(seed)
    wins = np.zeros(len(series))
    chunk = max(1, _CELLS // correct.size)
    for start in range(0, worlds, chunk):
        size = min(chunk, worlds - start)
        pick = rng.integers(0, len(shared), (size, len(shared)))
        n = counts[:, pick]  # checkpoints x worlds x problems
        rates = rng.binomial(n.astype(int), (correct / counts)[:, pick]) / n
        means = rates.mean(axis=2)  # checkpoints x worlds
        top = means >= means.max(axis=0) - 1e-12
        wins += (top / top.sum(axis=0)).sum(axis=1)
    return wins / worlds


def p_best_column(runs: Sequence[Run], seed: int = 0) -> dict[tuple[str, str], float]:
    """(run_id, task) -> p_best among the complete runs of the same series that have the task."""
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        for task in run.tasks:
            if run.complete and run.task_complete(task):
                groups.setdefault((run.series, task), []).append(run)
    out = {}
    for (_, task), members in groups.items():
        values = p_best([m.grouped(task) for m in members], seed=seed)
        out.update({(m.run_id, task): float(v) for m, v in zip(members, values, strict=True)})
    return out


def top_checkpoints(summary: pd.DataFrame, top: int = 5) -> list[str]:
    """Lines naming each (series, task)'s most likely best checkpoints with p_best and pass@1."""
    lines = []
    ranked = summary.dropna(subset=["p_best"]).sort_values("p_best", ascending=False, kind="stable")
    for (series, task), group in ranked.groupby(["series", "task"], sort=True):
        lines.append(f"{task} ({series}, {len(group)} complete checkpoints): most likely best")
        for _, row in group.head(top).iterrows():
            step = "" if pd.isna(row["step"]) else f" step {int(row['step'])}"
            lines.append(f"  {row['label'] or row['run_id']}{step}: p_best {row['p_best']:.2f}, "
                         f"pass@1 {row['pass@1']:.1f}")
    return lines
