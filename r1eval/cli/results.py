"""The results table `run` and `score` print: each column says its unit, only rates are shown as percent, and the
table fits a 100-column terminal (results.json keeps rates as fractions)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from r1eval.types import MetricName, RunResult, TaskResult

WIDTH = 100


def percent(value: Any) -> str:
    """A rate (a fraction in results.json) as percent; an interval as 'lo-hi'."""
    if isinstance(value, (list, tuple)):
        return "-".join(percent(v) for v in value) if value else "-"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100 * value:.1f}"


def count(value: Any) -> str:
    """A count or mean of things (tokens): never scaled."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.0f}"


def _consensus(metrics: Mapping[str, Any]) -> tuple[str, Any]:
    key = next((k for k in metrics
                if (name := MetricName.parse(k)) and name.family == "cons" and name.interval is None), None)
    return (key, metrics[key]) if key else ("cons", None)


def _row(name: str, task: TaskResult) -> list[str]:
    m = task.metrics
    scored = task.n_problems_scored
    problems = str(task.n_problems) if scored == task.n_problems else f"{scored} of {task.n_problems}"
    drawn = task.extra.get("adaptive")  # adaptive sampling: samples drawn of the fixed design's
    n = f"adaptive {drawn['samples_drawn']}/{drawn['samples_fixed']}" if drawn else str(task.n_samples)
    return [name + ("" if task.complete else " *"), problems, n, percent(m.get("pass@1")),
            percent(m.get("pass@1_ci95_problems", [])), percent(m.get("pass@1_ci95_sampling", [])),
            percent(_consensus(m)[1]), percent(m.get("truncation_rate")), percent(m.get("no_answer_rate")),
            count(m.get("mean_tokens"))]


def results_table(results: RunResult):  # noqa: ANN201 - a rich Table; rich is imported lazily
    from rich import box
    from rich.table import Table

    known = [f"step {results.step}" if results.step is not None else "", results.label or ""]
    cons = {_consensus(t.metrics)[0] for t in results.tasks.values()}
    cons_header = (cons.pop() if len(cons) == 1 else "cons@n") + "\n%"
    table = Table(title=results.run_id + "".join(f"  ({k})" for k in known if k), title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for header in ("task", "problems", "n", "pass@1\n%", "95% CI\nproblems %", "95% CI\nsampling %", cons_header,
                   "trunc\n%", "no ans\n%", "mean\ntokens"):
        text = header in ("task", "problems")
        table.add_column(header, justify="left" if text else "right", no_wrap=header != "task", overflow="fold")
    for name, task in results.tasks.items():
        table.add_row(*_row(name, task))
    return table


def print_results(results: RunResult) -> None:
    from rich.console import Console

    Console(width=WIDTH).print(results_table(results))
    if any(not t.complete for t in results.tasks.values()):
        typer.echo("* incomplete: re-run the same command to finish it")
    typer.echo(f"results: {Path(results.run_dir) / 'results.json'} (rates as fractions)")
    typer.echo(f"samples: r1eval view {results.run_dir}")
