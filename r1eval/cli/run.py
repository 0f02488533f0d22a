"""`r1eval run`, `r1eval score`, `r1eval tasks`."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from r1eval.cli.common import fail
from r1eval.cli.options import DATA_DIR_HELP, LM_EVAL_INCLUDE, run_options, scoring_options, with_options
from r1eval.cli.results import print_results
from r1eval.config import RunConfig, ScoringConfig


@with_options(config=run_options)
def run(
    config: RunConfig,
    model: str = typer.Option(..., "--model", "-m", help="local checkpoint dir or hub id (or served model name)"),
    run_name: str = typer.Option(None, help="run directory name (default: <model>-<step or label>-<what differs>-"
                                            "<config hash>)"),
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
    """Re-grade every journaled sample of a run (no GPU) and rewrite its results.json; killed, the same command
    continues the re-grade."""
    from r1eval.pipeline.run import score_run

    print_results(score_run(run_dir, tasks_dirs=[str(p) for p in tasks_dir], show_progress=not quiet,
                            scoring=scoring, lm_eval_include=[str(p) for p in lm_eval_include]))


def force_answer(
    run_dir: Path = typer.Argument(..., help="a run directory made with the vllm backend"),
    at: str = typer.Option(..., "--at", help="token budgets to stop at, e.g. 1024,2048,4096"),
    answer_prompt: str = typer.Option("**Final Answer**\n\\boxed{", "--answer-prompt",
                                      help="text written after the end-of-thinking marker; the model continues it"),
    answer_tokens: int = typer.Option(32, "--answer-tokens", min=1, help="tokens the model may add to answer"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show the engine's own logs (vLLM INFO lines)"),
) -> None:
    """Forced-answer curve: continue each sample cut at each budget with the end-of-thinking marker and an answer
    prompt, journal the answers (resumable), then re-score the run (results.json: budget_curve.forced)."""
    from r1eval.errors import DataError
    from r1eval.pipeline.budget import parse_budgets
    from r1eval.pipeline.forced import ForceSettings, force_answers
    from r1eval.pipeline.run import refresh_results

    if not verbose:
        from r1eval.generate.vllm_backend import quiet_engine_logs

        quiet_engine_logs()
    try:
        budgets = parse_budgets(at, "--at")
    except DataError as exc:
        fail(str(exc), 2)
        return
    made = force_answers(run_dir, budgets, ForceSettings(answer_prompt, answer_tokens), show_progress=not quiet)
    typer.echo(f"force-answer: {made} answers generated", err=True)
    print_results(refresh_results(run_dir))


def list_tasks(
    pattern: str = typer.Argument("*", help="a glob over task names, e.g. 'aime*' (with --lm-eval: lm-eval's)"),
    tasks_dir: list[Path] = typer.Option([], "--tasks-dir", help="extra folder of task files (repeatable)"),
    data_dir: Path = typer.Option(None, envvar="R1EVAL_DATA_DIR", help=DATA_DIR_HELP),
    lm_eval: bool = typer.Option(False, "--lm-eval", help="list the installed lm-eval's tasks instead"),
    lm_eval_include: list[Path] = LM_EVAL_INCLUDE,
) -> None:
    """List the tasks: source, revision, size, default n, and whether their offline data is in --data-dir."""
    from fnmatch import fnmatchcase

    from rich.console import Console
    from rich.table import Table

    from r1eval.task.registry import all_tasks

    if lm_eval:
        _list_lm_eval_tasks(pattern, lm_eval_include)
        return
    tasks = [task for task in all_tasks(tasks_dir) if fnmatchcase(task.name, pattern)]
    if not tasks:
        fail(f"no task matches '{pattern}'; `r1eval tasks` lists them all")
    table = Table("task", "source", "revision", "size", "default n", "scorer",
                  f"offline data in {data_dir}" if data_dir else "offline data")
    for task in tasks:
        source = task.source.describe()
        name = source.get("hub") or source.get("path", "")
        config = f" [{source['config']}]" if source.get("config") else ""
        table.add_row(task.name, name + config, str(source.get("revision", ""))[:12], str(task.size or "?"),
                      str(task.default_n), task.scorer.name, _offline_data(source, data_dir))
    Console(width=200).print(table)


def _offline_data(source: dict, data_dir: Path | None) -> str:
    """'yes' / 'missing FILE' for the file (or folder) the task reads from --data-dir; without one, the hub."""
    wanted = source.get("mirror") or source.get("path")
    if not wanted:
        return "-"
    if data_dir is None:
        return f"no --data-dir: hub ({wanted})" if source.get("mirror") else wanted
    here = Path(wanted).expanduser()
    return "yes" if (data_dir / wanted).exists() or (here.is_absolute() and here.exists()) else f"missing {wanted}"


def _list_lm_eval_tasks(pattern: str, include: list[Path]) -> None:
    """One line per lm-eval task, group or tag: `lm_eval:<name>  <kind>  <yaml>` (run the tasks, not groups)."""
    from r1eval.grading.lm_harness import PREFIX, list_lm_eval_tasks

    rows = list_lm_eval_tasks(pattern, [str(p) for p in include])
    for name, kind, path in rows:
        typer.echo(f"{PREFIX}{name}\t{kind}\t{path}")
    typer.echo(f"{len(rows)} lm-eval names match '{pattern}'", err=True)
