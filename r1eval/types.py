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
    name: str = ""  # e.g. "secret/subtask2/1" for a problem package's test file
    time_limit_s: float | None = None  # overrides CodeSpec.time_limit_s for this test


@dataclass(frozen=True)
class CodeSpec:
    tests: tuple[TestCase, ...]
    mode: Literal["stdin", "functional"] = "stdin"
    entry_point: str | None = None
    starter_code: str = ""
    time_limit_s: float = 6.0
    memory_mb: int = 512
    checker: str = "exact"  # a kind name, or a JSON object (code_rows.parse_checker)
    languages: tuple[str, ...] = ("python",)  # what a submission may be written in: "python", "cpp"
    cpp_std: str = "c++17"  # the standard C++ submissions compile with: c++17 | c++20
    input_mode: Literal["stdio", "file"] = "stdio"  # file: the program reads input.txt and writes output.txt
    interactor: str = ""  # interactive problems: JSON {"language", "source", "files"} of the interactor

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(self.languages))  # a list when read back from JSON


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
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)  # e.g. code: language

    @property
    def correct(self) -> bool:
        return self.status is Status.CORRECT
