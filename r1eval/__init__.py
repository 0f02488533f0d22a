"""r1eval: evaluation harness for R1-style reasoning models.

Public API: the types, tasks, run/score, and grade_answer. Heavy modules (vllm, docker) load lazily.
"""
from __future__ import annotations

from . import data, grading, prompts
from .config import EngineConfig, RunConfig, SamplingConfig
from .errors import R1EvalError
from .grading import grade_answer
from .task import LoadContext, Task, load_tasks
from .types import CodeSpec, Completion, Problem, Status, TaskResult, TestCase, Verdict

__version__ = "0.1.0"

__all__ = [
    "CodeSpec", "Completion", "EngineConfig", "LoadContext", "Problem", "R1EvalError", "RunConfig",
    "SamplingConfig", "Status", "Task", "TaskResult", "TestCase", "Verdict", "data", "grade_answer", "grading",
    "load_tasks", "prompts", "run", "score_run",
]


def run(config: RunConfig, **kwargs):  # noqa: ANN201 - re-exported lazily
    from .run import run as _run

    return _run(config, **kwargs)


def score_run(run_dir, **kwargs):  # noqa: ANN001, ANN201
    from .run import score_run as _score_run

    return _score_run(run_dir, **kwargs)
