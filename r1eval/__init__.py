"""r1eval: evaluation harness for R1-style reasoning models.

Public API: the types, tasks, run/score, grade_answer, and the Codeforces rating (elo_rating, cf_percentile).
Heavy modules (vllm, docker) load lazily.
"""
from __future__ import annotations

from r1eval import grading
from r1eval.config import EngineConfig, RunConfig, SamplingConfig, ScoringConfig
from r1eval.errors import R1EvalError
from r1eval.grading import grade_answer
from r1eval.pipeline.run import run, score_run
from r1eval.rating import cf_percentile, elo_rating
from r1eval.task import data, prompts
from r1eval.task.registry import LoadContext, Task, load_tasks
from r1eval.types import CodeSpec, Completion, Problem, Status, TestCase, Verdict

__version__ = "0.1.0"

__all__ = [
    "CodeSpec", "Completion", "EngineConfig", "LoadContext", "Problem", "R1EvalError", "RunConfig",
    "SamplingConfig", "ScoringConfig", "Status", "Task", "TestCase", "Verdict", "cf_percentile", "data", "elo_rating",
    "grade_answer", "grading", "load_tasks", "prompts", "run", "score_run",
]
