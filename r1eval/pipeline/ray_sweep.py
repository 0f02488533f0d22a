"""Run a sweep's checkpoints as Ray tasks: one task per checkpoint, holding the GPUs its engine needs
(tensor_parallel_size x data_parallel_size), scheduled by Ray across every node of the cluster.

Each task calls the same pipeline run() a local sweep calls, so results land in the (shared) output directory
exactly as a local sweep writes them. `address` is "auto" (the cluster this machine belongs to), "ray://host:port"
(Ray Client), or "local" (start a private CPU-only cluster on 127.0.0.1, e.g. for CI).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from r1eval.config import RunConfig
from r1eval.errors import ConfigError
from r1eval.pipeline.sweep import Checkpoint, Executor
from r1eval.types import RunResult


def gpus_for(config: RunConfig) -> float:
    """GPUs one evaluation holds: none for replay/openai backends or a CPU engine."""
    if config.backend != "vllm" or config.engine.device == "cpu":
        return 0.0
    return float(config.engine.tensor_parallel_size * config.engine.data_parallel_size)


def _absolute(value: str | None) -> str | None:
    """Workers may start in another directory: make local relative paths absolute."""
    if value and not Path(value).is_absolute() and Path(value.split("{")[0] or ".").exists():
        return str(Path(value).resolve())
    return value


def portable(config: RunConfig) -> RunConfig:
    out = str(Path(config.out).resolve())
    return replace(config, out=out, model=_absolute(config.model) or config.model,
                   data_dir=_absolute(config.data_dir), tasks_dirs=tuple(_absolute(d) or d for d in config.tasks_dirs),
                   engine=replace(config.engine, replay_from=_absolute(config.engine.replay_from)))


def _evaluate(config: RunConfig) -> RunResult:
    from r1eval.pipeline.run import run

    return run(config, show_progress=False)


def connect(address: str, num_cpus: int | None = None) -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--ray-address needs Ray: pip install 'r1eval[ray]'") from exc
    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=num_cpus or 2, num_gpus=0, include_dashboard=False, log_to_driver=False,
                     _node_ip_address="127.0.0.1", configure_logging=False)
        else:
            ray.init(address=address, log_to_driver=False)
    return ray


def ray_executor(address: str, num_cpus: int | None = None) -> Executor:
    ray = connect(address, num_cpus)
    remote = ray.remote(_evaluate)

    def execute(jobs: list[tuple[Checkpoint, RunConfig]]) -> Iterator[tuple[Checkpoint, RunResult | None, str | None]]:
        refs = {}
        for checkpoint, config in jobs:
            config = portable(config)
            refs[remote.options(num_gpus=gpus_for(config), num_cpus=1, max_retries=0).remote(config)] = checkpoint
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                yield refs[done[0]], ray.get(done[0]), None
            except ray.exceptions.RayTaskError as exc:  # the task's own exception, re-raised on the driver
                cause = exc.cause if getattr(exc, "cause", None) is not None else exc
                last_line = str(cause).splitlines()[-1] if str(cause) else ""
                yield refs[done[0]], None, f"{type(cause).__name__}: {last_line}"
    return execute
