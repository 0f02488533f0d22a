"""Frozen types that cross stage boundaries (problems -> completions -> verdicts -> results)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Status(StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    NO_ANSWER = "no_answer"
    ERROR = "error"  # harness failure: excluded from metrics, run marked incomplete


@dataclass(frozen=True)
class TestCase:
    input: str
    output: str


@dataclass(frozen=True)
class CodeSpec:
    tests: tuple[TestCase, ...]
    mode: Literal["stdin", "functional"] = "stdin"
    entry_point: str | None = None
    starter_code: str = ""
    time_limit_s: float = 6.0
    memory_mb: int = 512
    checker: str = "exact"


@dataclass(frozen=True)
class Problem:
    id: str
    question: str
    answer: str | None = None
    choices: tuple[str, ...] = ()
    code: CodeSpec | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    problem_id: str
    sample: int
    text: str
    finish_reason: str  # "stop" | "length" | other engine reasons
    n_tokens: int
    reasoning: str | None = None  # reasoning content when a server splits it out


@dataclass(frozen=True)
class Verdict:
    problem_id: str
    sample: int
    status: Status
    answer: str | None  # canonical extracted answer: the cons@n vote key
    detail: str = ""

    @property
    def correct(self) -> bool:
        return self.status is Status.CORRECT
