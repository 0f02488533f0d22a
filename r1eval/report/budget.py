"""Thinking-budget tables and figures: accuracy at token budgets B (pipeline.budget), one line per checkpoint.

With `report --budgets` every run is re-cut and re-graded at those budgets; without, the curve each run's
results.json carries (the default grid) is shown. Rates are in percent, like every report table.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from r1eval.pipeline.budget import budget_curve
from r1eval.pipeline.run import load_run_tasks, recorded_scoring
from r1eval.report.figures import task_axes
from r1eval.report.runs import Run
from r1eval.types import Status

COLUMNS = ["series", "run_id", "label", "step", "task", "budget", "pass@1", "cons", "truncation_rate",
           "no_answer_rate", "method"]
RATES = ("pass@1", "cons", "truncation_rate", "no_answer_rate")


def _rows(run: Run, task: str, curve: dict) -> list[dict]:
    ids = {"series": run.series, "run_id": run.run_id, "label": run.label, "step": run.step, "task": task}
    return [{**ids, "budget": p["budget"], **{k: 100.0 * p[k] if p.get(k) is not None else float("nan")
                                               for k in RATES}, "method": curve.get("method", "")}
            for p in curve.get("points", [])]


def budget_table(runs: Sequence[Run], budgets: Sequence[int] = (),
                 log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per (run, task, budget). Runs whose samples cannot be cut are left out, saying why via `log`."""
    rows = []
    for run in runs:
        for task_name in run.tasks:
            if budgets:
                record = run.config.tasks[task_name]
                task = load_run_tasks([task_name], run.config.tasks_dirs, run.config.lm_eval_include)[0]
                curve = budget_curve(task, run.problems(task_name), run.completions(task_name),
                                     run.verdicts(task_name), budgets, run.config, recorded_scoring(run.config),
                                     record.n)
            else:
                result = run.task_result(task_name)
                curve = dict(result.budget_curve) if result is not None else {}
            if "unavailable" in curve and log:
                log(f"budget curve of {run.run_id}/{task_name} left out: {curve['unavailable']}")
            rows.extend(_rows(run, task_name, curve))
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


def _colours(count: int) -> list:
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(1, count - 1)) for i in range(count)]


def budget_figure(table: pd.DataFrame) -> Figure:
    """pass@1 against the token budget (log2 axis), one line per checkpoint, coloured by step."""
    tasks = list(dict.fromkeys(table["task"]))
    fig, axes = task_axes(tasks, "Accuracy vs thinking budget")
    for task, ax in axes.items():
        frame = table[table["task"] == task]
        curves = dict(list(frame.groupby("run_id", sort=False)))
        for colour, (_run_id, curve) in zip(_colours(len(curves)), curves.items(), strict=True):
            curve = curve.sort_values("budget")
            ax.plot(curve["budget"], curve["pass@1"], marker="o", color=colour, label=str(curve["label"].iloc[0]))
        ax.set_xscale("log", base=2)
        ax.set_xlabel("token budget")
        ax.set_ylabel("pass@1 (%)")
        if len(curves) <= 12:
            ax.legend(fontsize=7)
    return fig


def solve_tokens_figure(solves: pd.DataFrame) -> Figure:
    """Distribution of the tokens correct samples used, one step line per checkpoint (cumulative share)."""
    tasks = list(dict.fromkeys(solves["task"]))
    fig, axes = task_axes(tasks, "Tokens to solve (correct samples)")
    for task, ax in axes.items():
        frame = solves[solves["task"] == task]
        groups = dict(list(frame.groupby("run_id", sort=False)))
        for colour, (_run_id, group) in zip(_colours(len(groups)), groups.items(), strict=True):
            lengths = group["n_tokens"].sort_values().to_numpy()
            share = 100.0 * (pd.RangeIndex(1, len(lengths) + 1).to_numpy() / len(lengths))
            ax.step(lengths, share, where="post", color=colour, label=str(group["label"].iloc[0]))
        ax.set_xlabel("tokens")
        ax.set_ylabel("correct samples within (%)")
        if len(groups) <= 12:
            ax.legend(fontsize=7)
    return fig
