"""Thinking-budget tables and figures: accuracy at token budgets B (pipeline.budget), one line per checkpoint.

With `report --budgets` every run is re-cut and re-graded at those budgets; without, the curve each run's
results.json carries (the default grid) is shown. Rates are in percent, like every report table.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from r1eval.pipeline.budget import budget_curve
from r1eval.pipeline.run import load_run_tasks, recorded_scoring
from r1eval.report.figures import per_run, run_curves_figure, task_axes
from r1eval.report.runs import Run
from r1eval.types import Status

COLUMNS = ["series", "run_id", "label", "step", "task", "budget", "pass@1", "cons", "truncation_rate",
           "no_answer_rate", "curve", "method"]
RATES = ("pass@1", "cons", "truncation_rate", "no_answer_rate")


def _rows(run: Run, task: str, points: list, curve: str, method: str) -> list[dict]:
    """curve: "answered" (the budget curve: what the samples had answered by B tokens) or "forced" (what the
    model answers when stopped at B, `r1eval force-answer`)."""
    ids = {"series": run.series, "run_id": run.run_id, "label": run.label, "step": run.step, "task": task}
    return [{**ids, "budget": p["budget"], **{k: 100.0 * p[k] if p.get(k) is not None else float("nan")
                                               for k in RATES}, "curve": curve, "method": method}
            for p in points]


def budget_table(runs: Sequence[Run], budgets: Sequence[int] = (),
                 log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per (run, task, budget). Runs whose samples cannot be cut are left out, saying why via `log`."""
    rows = []
    for run in runs:
        for task_name in run.tasks:
            result = run.task_result(task_name)
            recorded = dict(result.budget_curve) if result is not None else {}
            if budgets:
                record = run.config.tasks[task_name]
                task = load_run_tasks([task_name], run.config.tasks_dirs, run.config.lm_eval_include)[0]
                curve = budget_curve(task, run.problems(task_name), run.completions(task_name),
                                     run.verdicts(task_name), budgets, run.config, recorded_scoring(run.config),
                                     record.n)
            else:
                curve = recorded
            if "unavailable" in curve and log:
                log(f"budget curve of {run.run_id}/{task_name} left out: {curve['unavailable']}")
            rows.extend(_rows(run, task_name, curve.get("points", []), "answered", curve.get("method", "")))
            forced = recorded.get("forced") or {}
            if "unavailable" in forced and log:
                log(f"forced-answer curve of {run.run_id}/{task_name} left out: {forced['unavailable']}")
            rows.extend(_rows(run, task_name, forced.get("points", []), "forced",
                              f"forced answer: {forced.get('answer_prompt', '')!r}"))
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def solve_tokens_table(runs: Sequence[Run]) -> pd.DataFrame:
    """The length in tokens of every correct sample: how many tokens each solve took."""
    rows = []
    for run in runs:
        for task in run.tasks:
            correct = {(v.problem_id, v.sample) for v in run.verdicts(task) if v.status is Status.CORRECT}
            rows.extend({"run_id": run.run_id, "label": run.label, "step": run.step, "task": task,
                         "n_tokens": c.n_tokens}
                        for c in run.completions(task) if (c.problem_id, c.sample) in correct)
    return pd.DataFrame(rows).reindex(columns=["run_id", "label", "step", "task", "n_tokens"])


def budget_figure(table: pd.DataFrame) -> Figure:
    """pass@1 against the token budget (log2 axis), one line per checkpoint; forced-answer curves dashed."""
    answered, forced = table[table["curve"] == "answered"], table[table["curve"] == "forced"]
    fig = run_curves_figure(answered, "budget", "pass@1", "Accuracy vs thinking budget", "token budget",
                            "pass@1 (%)")
    axes = dict(zip(dict.fromkeys(answered["task"]), fig.axes, strict=False))
    for task, ax in axes.items():
        for style, rows in per_run(forced[forced["task"] == task]):
            curve = rows.sort_values("budget")
            ax.plot(curve["budget"], curve["pass@1"], marker="x", **{**style, "linestyle": "--",
                                                                      "label": f"{style['label']} (forced answer)"})
        if len(forced):
            ax.legend(fontsize=7)
    return fig


def solve_tokens_figure(solves: pd.DataFrame) -> Figure:
    """Distribution of the tokens correct samples used, one step line per checkpoint (cumulative share)."""
    fig, axes = task_axes(list(dict.fromkeys(solves["task"])), "Tokens to solve (correct samples)")
    for task, ax in axes.items():
        runs = per_run(solves[solves["task"] == task])
        for style, rows in runs:
            lengths = np.sort(rows["n_tokens"].to_numpy())
            ax.step(lengths, 100.0 * np.arange(1, len(lengths) + 1) / len(lengths), where="post", **style)
        ax.set_xlabel("tokens")
        ax.set_ylabel("correct samples within (%)")
        if len(runs) <= 12:
            ax.legend(fontsize=7)
    return fig
