"""r1eval: evaluation harness for R1-style reasoning models.

Public API: the types, tasks, run/score, and grade_answer. Heavy modules (vllm, docker) load lazily.
"""
from __future__ import annotations

from . import data, grading, prompts
from .config import EngineConfig, RunConfig, SamplingConfig
from .errors import R1EvalError
from .grading import grade_answer
from .pipeline import run, score_run
from .task import LoadContext, Task, load_tasks
from .types import CodeSpec, Completion, Problem, Status, TestCase, Verdict

__version__ = "0.1.0"

__all__ = [
    "CodeSpec", "Completion", "EngineConfig", "LoadContext", "Problem", "R1EvalError", "RunConfig",
    "SamplingConfig", "Status", "Task", "TestCase", "Verdict", "data", "grade_answer", "grading",
    "load_tasks", "prompts", "run", "score_run",
]
