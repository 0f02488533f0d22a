"""The run options, declared once. Every command that starts or grades a run takes its options from here.

An option group is a function whose parameters are typer options and whose body builds one config object.
`@with_options(name=group)` adds the group's options to a command (or to another group) and hands the command
the built object as its `name` argument. So `run` and `sweep` take `config=run_options` and cannot drift apart,
and `score` takes `scoring=scoring_options`, which `run_options` includes.

Adding an option: add a field to the config dataclass (r1eval/config.py) and a parameter to the group that
builds it; every command using the group gets it. Environment variables may only supply defaults (`envvar=`).
"""
from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from r1eval.cli.common import split_csv
from r1eval.config import DEFAULT_RUNS_DIR, EngineConfig, RunConfig, SamplingConfig, ScoringConfig
from r1eval.errors import ConfigError
from r1eval.generate.engine_errors import check_engine
from r1eval.metrics import ADAPTIVE_FIRST

SANDBOX_HELP = "where code tasks run model code: docker (hardened containers) | process (weaker isolation)"
DATA_DIR_HELP = "offline mirror folder holding the tasks' JSONL files (default: $R1EVAL_DATA_DIR; else the hub)"
LM_EVAL_INCLUDE = typer.Option([], "--lm-eval-include",
                               help="folder of your own lm-eval task YAML files, for lm_eval: tasks (repeatable)")


def with_options(**groups: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the command gets every option of each group, and receives `name=group(**those options)`."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        hints = typing.get_type_hints(func)
        params = [p.replace(annotation=hints.get(name, p.annotation), kind=inspect.Parameter.KEYWORD_ONLY)
                  for name, p in inspect.signature(func).parameters.items() if name not in groups]
        owned: dict[str, list[str]] = {}
        for key, group in groups.items():
            group_hints = typing.get_type_hints(group)
            owned[key] = []
            for name, param in inspect.signature(group).parameters.items():
                if any(p.name == name for p in params):
                    raise TypeError(f"option {name!r} of {group.__name__} clashes with {func.__name__}'s own")
                params.append(param.replace(annotation=group_hints[name], kind=inspect.Parameter.KEYWORD_ONLY))
                owned[key].append(name)

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            for key, group in groups.items():
                kwargs[key] = group(**{name: kwargs.pop(name) for name in owned[key]})
            return func(**kwargs)

        command.__signature__ = inspect.Signature(params)  # what typer reads
        command.__annotations__ = {p.name: p.annotation for p in params}
        del command.__wrapped__  # typer must see the merged signature, not the original one
        return command

    return decorate


def scoring_options(
    sandbox: str = typer.Option("docker", envvar="R1EVAL_SANDBOX", help=SANDBOX_HELP),
    grade_timeout: float = typer.Option(None, min=0.1, envvar="R1EVAL_GRADE_TIMEOUT",
                                        help="seconds a math answer may take to verify (default: 5)"),
    grade_workers: int = typer.Option(None, min=1, envvar="R1EVAL_GRADE_WORKERS",
                                      help="grading processes and code sandboxes in parallel (default: CPU count)"),
) -> ScoringConfig:
    """How answers are judged (recorded in config.json)."""
    from r1eval.sandbox.pool import BACKENDS

    if sandbox not in BACKENDS:
        raise typer.BadParameter(f"choose one of {', '.join(BACKENDS)}, not {sandbox!r}", param_hint="--sandbox")
    return ScoringConfig(sandbox=sandbox, timeout_s=grade_timeout, workers=grade_workers)


@with_options(scoring=scoring_options)
def run_options(
    scoring: ScoringConfig,
    tasks: str = typer.Option(..., "--tasks", "-t", help="comma-separated task names, e.g. aime24,math500"),
    backend: str = typer.Option("vllm", help="vllm (embedded) | openai (--base-url) | replay (--replay-from)"),
    out: Path = typer.Option(DEFAULT_RUNS_DIR, help="folder that holds run directories"),
    n: int = typer.Option(None, "--n", min=1, help="samples per problem (default: each task's k)"),
    temperature: float = typer.Option(0.6, min=0.0),
    top_p: float = typer.Option(0.95, min=0.0, max=1.0),
    max_tokens: int = typer.Option(32768, min=1),
    seed: int = typer.Option(0),
    limit: int = typer.Option(None, min=1, help="evaluate only the first N problems of each task"),
    think_prefix: bool = typer.Option(False, "--think-prefix", help='start every response with "<think>\\n"'),
    data_dir: Path = typer.Option(None, envvar="R1EVAL_DATA_DIR", help=DATA_DIR_HELP),
    tasks_dir: list[Path] = typer.Option([], "--tasks-dir", help="extra folder of task files (repeatable)"),
    dtype: str = typer.Option("auto", help="auto | bfloat16 | float16 | float32 (also half, float)"),
    max_model_len: int = typer.Option(None),
    tensor_parallel_size: int = typer.Option(1, "--tp", min=1),
    data_parallel_size: int = typer.Option(1, "--dp", min=1),
    gpu_memory_utilization: float = typer.Option(0.9, min=0.05, max=1.0),
    device: str = typer.Option("auto", help="auto | cuda | cpu"),
    base_url: str = typer.Option(None, envvar="R1EVAL_BASE_URL", help="openai backend: server URL (.../v1)"),
    api_key: str = typer.Option(None, envvar="OPENAI_API_KEY", help="openai backend: bearer token (never recorded)"),
    concurrency: int = typer.Option(64, min=1, help="openai backend: requests in flight"),
    replay_from: str = typer.Option(None, help="replay backend: a run directory or a completions JSONL "
                                               "(sweep: '{step}' is replaced by each step)"),
    lm_eval_include: list[Path] = LM_EVAL_INCLUDE,
    adaptive: bool = typer.Option(False, "--adaptive", help="adaptive sampling up to --n: a problem whose first "
                                  "round of samples is all correct or all wrong gets no more (docs/adaptive.md)"),
    adaptive_first: int = typer.Option(ADAPTIVE_FIRST, "--adaptive-first", min=2,
                                       help="with --adaptive: samples per problem in the first round"),
) -> RunConfig:
    """Everything of a run but the model and its naming (model="" here; the command fills it in)."""
    engine = EngineConfig(dtype=dtype, max_model_len=max_model_len, tensor_parallel_size=tensor_parallel_size,
                          data_parallel_size=data_parallel_size, gpu_memory_utilization=gpu_memory_utilization,
                          device=device, base_url=base_url, api_key=api_key, concurrency=concurrency,
                          replay_from=replay_from)
    try:  # refused here, not after a 10 s engine start that leaves a run directory behind
        check_engine(engine)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not split_csv(tasks):
        raise typer.BadParameter(f"no task named in {tasks!r}; e.g. --tasks aime24,math500 (see `r1eval tasks`)",
                                 param_hint="--tasks")
    return RunConfig(adaptive=adaptive_first if adaptive else None,
        model="", tasks=split_csv(tasks), backend=backend, out=str(out),
        sampling=SamplingConfig(n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed),
        engine=engine,
        scoring=scoring, think_prefix=think_prefix, limit=limit, data_dir=str(data_dir) if data_dir else None,
        tasks_dirs=tuple(map(str, tasks_dir)), lm_eval_include=tuple(map(str, lm_eval_include)),
    )
