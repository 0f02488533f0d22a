"""`r1eval run`, `r1eval score`, `r1eval tasks`."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import typer

from r1eval.cli.common import split_csv
from r1eval.config import DEFAULT_RUNS_DIR, EngineConfig, RunConfig, SamplingConfig
from r1eval.types import RunResult

SANDBOX_HELP = "where code tasks run model code: docker (hardened containers) | process (weaker isolation)"
DATA_DIR_HELP = "offline mirror folder holding the tasks' JSONL files (default: $R1EVAL_DATA_DIR; else the hub)"


def run(
    model: str = typer.Option(..., "--model", "-m", help="local checkpoint dir or hub id (or served model name)"),
    tasks: str = typer.Option(..., "--tasks", "-t", help="comma-separated task names, e.g. aime24,math500"),
    backend: str = typer.Option("vllm", help="vllm (embedded) | openai (--base-url) | replay (--replay-from)"),
    out: Path = typer.Option(DEFAULT_RUNS_DIR, help="folder that holds run directories"),
    run_name: str = typer.Option(None, help="run directory name (default: <model>-<step>-<config hash>)"),
    n: int = typer.Option(None, "--n", min=1, help="samples per problem (default: each task's k)"),
    temperature: float = typer.Option(0.6, min=0.0),
    top_p: float = typer.Option(0.95, min=0.0, max=1.0),
    max_tokens: int = typer.Option(32768, min=1),
    seed: int = typer.Option(0),
    limit: int = typer.Option(None, min=1, help="evaluate only the first N problems of each task"),
    think_prefix: bool = typer.Option(False, "--think-prefix", help='start every response with "<think>\\n"'),
    step: int = typer.Option(None, help="training step (default: parsed from paths like global_step_300)"),
    label: str = typer.Option(None, help="a label for this run, used in its directory name"),
    data_dir: Path = typer.Option(None, envvar="R1EVAL_DATA_DIR", help=DATA_DIR_HELP),
    tasks_dir: list[Path] = typer.Option([], "--tasks-dir", help="extra folder of task files (repeatable)"),
    dtype: str = typer.Option("auto"),
    max_model_len: int = typer.Option(None),
    tensor_parallel_size: int = typer.Option(1, "--tp", min=1),
    data_parallel_size: int = typer.Option(1, "--dp", min=1),
    gpu_memory_utilization: float = typer.Option(0.9, min=0.05, max=1.0),
    device: str = typer.Option("auto", help="auto | cuda | cpu"),
    base_url: str = typer.Option(None, envvar="R1EVAL_BASE_URL", help="openai backend: server URL (.../v1)"),
    api_key: str = typer.Option(None, envvar="OPENAI_API_KEY"),
    concurrency: int = typer.Option(64, min=1, help="openai backend: requests in flight"),
    replay_from: Path = typer.Option(None, help="replay backend: a run directory or a completions JSONL"),
    sandbox: str = typer.Option("docker", envvar="R1EVAL_SANDBOX", help=SANDBOX_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
) -> None:
    """Generate, grade and score; re-running the same command resumes where it stopped."""
    from r1eval.pipeline.run import run as run_pipeline

    os.environ["R1EVAL_SANDBOX"] = sandbox  # read by code tasks' scorers when their task files load
    config = RunConfig(
        model=model, tasks=split_csv(tasks), backend=backend, out=str(out), run_name=run_name,
        sampling=SamplingConfig(n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed),
        engine=EngineConfig(dtype=dtype, max_model_len=max_model_len, tensor_parallel_size=tensor_parallel_size,
                            data_parallel_size=data_parallel_size, gpu_memory_utilization=gpu_memory_utilization,
                            device=device, base_url=base_url, api_key=api_key, concurrency=concurrency,
                            replay_from=str(replay_from) if replay_from else None),
        think_prefix=think_prefix, limit=limit, data_dir=str(data_dir) if data_dir else None,
        tasks_dirs=tuple(map(str, tasks_dir)), step=step, label=label,
    )
    print_results(run_pipeline(config, show_progress=not quiet))


def score(
    run_dir: Path = typer.Argument(..., help="a run directory (holds config.json)"),
    tasks_dir: list[Path] = typer.Option([], "--tasks-dir", help="extra folder of task files (repeatable)"),
    sandbox: str = typer.Option("docker", envvar="R1EVAL_SANDBOX", help=SANDBOX_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Re-grade a run from its journal (no GPU) and rewrite its results.json."""
    from r1eval.pipeline.run import score_run

    os.environ["R1EVAL_SANDBOX"] = sandbox
    print_results(score_run(run_dir, tasks_dirs=[str(p) for p in tasks_dir], show_progress=not quiet))


def list_tasks(tasks_dir: list[Path] = typer.Option([], "--tasks-dir")) -> None:
    """List the tasks with their source, revision, size and default sample count."""
    from rich.console import Console
    from rich.table import Table

    from r1eval.task.registry import all_tasks

    table = Table("task", "source", "revision", "size", "default n", "scorer")
    for task in all_tasks(tasks_dir):
        source = task.source.describe()
        name = source.get("hub") or source.get("path", "")
        config = f" [{source['config']}]" if source.get("config") else ""
        table.add_row(task.name, name + config, str(source.get("revision", ""))[:12], str(task.size or "?"),
                      str(task.default_n), task.scorer.name)
    Console(width=200).print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{100 * value:.1f}" if value <= 1 else f"{value:.0f}"
    return str(value)


def print_results(results: RunResult) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{results.run_id}  (step {results.step})", title_justify="left")
    for column in ("task", "problems", "n", "pass@1", "95% CI problems", "95% CI sampling", "cons", "truncated",
                   "no answer", "mean tok", "complete"):
        table.add_column(column)
    for name, task in results.tasks.items():
        m = task.metrics
        cons = next((f"{k}={_fmt(v)}" for k, v in m.items() if k.startswith("cons@") and "_ci95" not in k), "-")
        scored = task.n_problems_scored
        problems = str(task.n_problems) if scored == task.n_problems else f"{scored} of {task.n_problems}"
        table.add_row(name, problems, str(task.n_samples), _fmt(m.get("pass@1", float("nan"))),
                      _fmt(m.get("pass@1_ci95_problems", [])), _fmt(m.get("pass@1_ci95_sampling", [])), cons,
                      _fmt(m.get("truncation_rate", float("nan"))),
                      _fmt(m.get("no_answer_rate", float("nan"))), _fmt(m.get("mean_tokens", float("nan"))),
                      "yes" if task.complete else "NO")
    Console(width=160).print(table)
    typer.echo(f"results: {Path(results.run_dir) / 'results.json'}")
