"""Grading: turns a response into a Verdict. `grade_answer` is the public door; scorers batch it for tasks."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..extract import answer_region, last_boxed
from ..types import Completion, Problem, Status, Verdict

KINDS = ("math", "integer", "choice")


def grade_answer(response: str, gold: str, kind: str) -> Verdict:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    region = answer_region(response)
    if region is None:
        return Verdict("", 0, Status.NO_ANSWER, None, "think block never closed")
    answer = last_boxed(region)
    if answer is None:
        return Verdict("", 0, Status.NO_ANSWER, None, "no boxed answer")
    canonical = _canonical(answer, kind)
    status = Status.CORRECT if canonical == _canonical(gold, kind) else Status.INCORRECT
    return Verdict("", 0, status, canonical, "")


def _canonical(text: str, kind: str) -> str:
    text = text.strip().strip("$").replace(" ", "")
    if kind == "integer":
        try:
            return str(int(text))
        except ValueError:
            return text
    if kind == "choice":
        return text.strip("()").upper()
    return text.replace("\\dfrac", "\\frac").replace("\\left", "").replace("\\right", "")


@dataclass(frozen=True)
class AnswerScorer:
    """Scores each completion against Problem.answer with grade_answer(kind)."""

    kind: str
    name: str = "answer"

    def score(self, items: Sequence[tuple[Problem, Completion]]) -> list[Verdict]:
        verdicts = []
        for problem, completion in items:
            verdict = grade_answer(completion.text, problem.answer or "", self.kind)
            verdicts.append(replace(verdict, problem_id=completion.problem_id, sample=completion.sample))
        return verdicts


def math() -> AnswerScorer:
    return AnswerScorer("math", name="math")


def integer() -> AnswerScorer:
    return AnswerScorer("integer", name="integer")


def choice() -> AnswerScorer:
    return AnswerScorer("choice", name="choice")
