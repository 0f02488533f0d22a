"""Run configuration: frozen, built once by the CLI (or a caller) and recorded in config.json."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from r1eval.errors import ConfigError

DEFAULT_RUNS_DIR = Path("reports/runs")


@dataclass(frozen=True)
class SamplingConfig:
    """The R1 paper's protocol: T=0.6, top-p 0.95, 32k new tokens. n=None means each task's default k."""

    n: int | None = None
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 32768
    seed: int = 0


@dataclass(frozen=True)
class EngineConfig:
    """How the model is served. Only dtype and max_model_len can change results; the rest is placement."""

    dtype: str = "auto"
    max_model_len: int | None = None
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    gpu_memory_utilization: float = 0.9
    device: str = "auto"  # auto | cuda | cpu
    base_url: str | None = None  # openai backend
    api_key: str | None = None
    concurrency: int = 64  # openai backend: requests in flight
    chunk_size: int = 64  # vllm fallback path: prompts per generate() call
    replay_from: str | None = None  # replay backend: a run dir or a JSONL file


@dataclass(frozen=True)
class ScoringConfig:
    """How answers are judged. Recorded in config.json; code tasks' verdicts depend on the sandbox and limits."""

    sandbox: str = "docker"  # docker | process: where code tasks run model code
    timeout_s: float | None = None  # grading budget per sample (None: the grader's default)
    workers: int | None = None  # grading processes / sandboxes (None: CPU count)
    time_scale: float = 1.0  # multiplies each problem's CPU time limit (slow machines)
    all_tests: bool = False  # code judging runs every test instead of stopping at the first failure


@dataclass(frozen=True)
class RunConfig:
    model: str
    tasks: tuple[str, ...]
    backend: str = "vllm"
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    think_prefix: bool = False
    limit: int | None = None
    data_dir: str | None = None
    tasks_dirs: tuple[str, ...] = ()
    lm_eval_include: tuple[str, ...] = ()  # folders of the user's own lm-eval task YAML files
    out: str = str(DEFAULT_RUNS_DIR)
    run_name: str | None = None
    step: int | None = None
    label: str | None = None
    adaptive: int | None = None  # adaptive sampling's first round (r1eval.pipeline.adaptive); None: fixed n

    def __post_init__(self) -> None:
        if not self.tasks:  # a run of no task would be "complete" with nothing in it
            raise ConfigError("a run needs at least one task, e.g. tasks=('aime24',)")

    @property
    def effective_step(self) -> int | None:
        return self.step if self.step is not None else step_from_path(self.model)


STEP_DIR = re.compile(r"^(global_step_?|checkpoint-|step_?|iter_?)(\d+)$")


def step_from_path(path: str) -> int | None:
    """The training step of a checkpoint path: the last path component that is a checkpoint directory name as a
    whole (global_step_300, checkpoint-300, step_300, iter_0000300), so ckpts/global_step_300/actor has step 300
    but exp_step_2/final has none (a step inside an experiment's folder name is not a checkpoint's step)."""
    for part in reversed(Path(path).parts):
        match = STEP_DIR.match(part)
        if match:
            return int(match.group(2))
    return None
