"""`r1eval run`, `r1eval score`, `r1eval tasks`."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from r1eval.cli.options import LM_EVAL_INCLUDE, run_options, scoring_options, with_options
from r1eval.config import RunConfig, ScoringConfig
from r1eval.types import RunResult


@with_options(config=run_options)
def run(
    config: RunConfig,
    model: str = typer.Option(..., "--model", "-m", help="local checkpoint dir or hub id (or served model name)"),
    run_name: str = typer.Option(None, help="run directory name (default: <model>-<step>-<config hash>)"),
    step: int = typer.Option(None, help="training step (default: parsed from paths like global_step_300)"),
    label: str = typer.Option(None, help="a label for this run, used in its directory name"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show the engine's own logs (vLLM INFO lines)"),
) -> None:
    """Generate, grade and score; re-running the same command resumes where it stopped."""
    from r1eval.pipeline.run import run as run_pipeline

    if not verbose:
        from r1eval.generate.vllm_backend import quiet_engine_logs

        quiet_engine_logs()
    config = replace(config, model=model, run_name=run_name, step=step, label=label)
    print_results(run_pipeline(config, show_progress=not quiet))


@with_options(scoring=scoring_options)
def score(
    scoring: ScoringConfig,
    run_dir: Path = typer.Argument(..., help="a run directory (holds config.json)"),
    tasks_dir: list[Path] = typer.Option([], "--tasks-dir", help="extra folder of task files (repeatable)"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    lm_eval_include: list[Path] = LM_EVAL_INCLUDE,
) -> None:
    """Re-grade a run from its journal (no GPU) and rewrite its results.json."""
    from r1eval.pipeline.run import score_run

    print_results(score_run(run_dir, tasks_dirs=[str(p) for p in tasks_dir], show_progress=not quiet,
                            scoring=scoring, lm_eval_include=[str(p) for p in lm_eval_include]))


def list_tasks(
    tasks_dir: list[Path] = typer.Option([], "--tasks-dir"),
    lm_eval: bool = typer.Option(False, "--lm-eval", help="list the installed lm-eval's tasks instead"),
    pattern: str = typer.Argument("*", help="with --lm-eval: a glob over lm-eval task names, e.g. 'gsm8k*'"),
    lm_eval_include: list[Path] = LM_EVAL_INCLUDE,
) -> None:
    """List the tasks with their source, revision, size and default sample count."""
    from rich.console import Console
    from rich.table import Table

    from r1eval.task.registry import all_tasks

    if lm_eval:
        _list_lm_eval_tasks(pattern, lm_eval_include)
        return

    table = Table("task", "source", "revision", "size", "default n", "scorer")
    for task in all_tasks(tasks_dir):
        source = task.source.describe()
        name = source.get("hub") or source.get("path", "")
        config = f" [{source['config']}]" if source.get("config") else ""
        table.add_row(task.name, name + config, str(source.get("revision", ""))[:12], str(task.size or "?"),
                      str(task.default_n), task.scorer.name)
    Console(width=200).print(table)


def _list_lm_eval_tasks(pattern: str, include: list[Path]) -> None:
    """One line per lm-eval task, group or tag: `lm_eval:<name>  <kind>  <yaml>` (run the tasks, not groups)."""
    from r1eval.grading.lm_harness import PREFIX, list_lm_eval_tasks

    rows = list_lm_eval_tasks(pattern, [str(p) for p in include])
    for name, kind, path in rows:
        typer.echo(f"{PREFIX}{name}\t{kind}\t{path}")
    typer.echo(f"{len(rows)} lm-eval names match '{pattern}'", err=True)


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{100 * value:.1f}" if value <= 1 else f"{value:.0f}"
    return str(value)


def print_results(results: RunResult) -> None:
    from rich.console import Console
    from rich.table import Table

    known = [f"step {results.step}" if results.step is not None else "", results.label or ""]
    table = Table(title=results.run_id + "".join(f"  ({k})" for k in known if k), title_justify="left")
    for column in ("task", "problems", "n", "pass@1", "95% CI problems", "95% CI sampling", "cons", "truncated",
                   "no answer", "mean tok", "complete"):
        table.add_column(column)
    for name, task in results.tasks.items():
        m = task.metrics
        cons = next((f"{k}={_fmt(v)}" for k, v in m.items() if k.startswith("cons@") and "_ci95" not in k), "-")
        scored = task.n_problems_scored
        problems = str(task.n_problems) if scored == task.n_problems else f"{scored} of {task.n_problems}"
        n = f"adaptive {task.extra['adaptive']['samples_drawn']}/{task.extra['adaptive']['samples_fixed']}" \
            if "adaptive" in task.extra else str(task.n_samples)
        table.add_row(name, problems, n, _fmt(m.get("pass@1", float("nan"))),
                      _fmt(m.get("pass@1_ci95_problems", [])), _fmt(m.get("pass@1_ci95_sampling", [])), cons,
                      _fmt(m.get("truncation_rate", float("nan"))),
                      _fmt(m.get("no_answer_rate", float("nan"))), _fmt(m.get("mean_tokens", float("nan"))),
                      "yes" if task.complete else "NO")
    Console(width=160).print(table)
    typer.echo(f"results: {Path(results.run_dir) / 'results.json'}")
    typer.echo(f"samples: r1eval view {results.run_dir}")
