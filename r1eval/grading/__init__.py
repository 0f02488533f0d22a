"""Grading: turns a response into a Verdict. `grade_answer` is the public door; scorers batch it for tasks.

Each item first runs on the fast path in the calling thread (extraction, clean-up, exact rationals, string and
cache hits: no sympy). Only items that need sympy go to the time-bounded worker processes (bounded.py), so a
pathological answer costs at most the time bound and can neither stall nor crash a run.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from r1eval.config import ScoringConfig
from r1eval.grading.choice import grade_choice
from r1eval.grading.extract import THINK_CLOSE, THINK_OPEN, answer_region, final_answer, split_response
from r1eval.grading.math import bounded, symbolic
from r1eval.grading.math.grade import Graded, grade_integer, grade_math
from r1eval.types import Completion, Problem, Status, Verdict

KINDS = ("math", "integer", "choice")


def grade_text(response: str, gold: str, kind: str, choices: Sequence[str] = ()) -> Graded:
    """Grade without a time bound; raises symbolic.NeedsSymbolic on the fast path when sympy is needed."""
    if not gold.strip():  # a data problem, not the model's: excluded from metrics
        return Status.ERROR, None, "the problem has no gold answer"
    region = answer_region(response)
    if region is None:
        return Status.NO_ANSWER, None, "think block never closed (truncated)"
    if kind == "choice":
        return grade_choice(region, gold, choices)
    found = final_answer(region)
    try:
        return grade_integer(found, gold) if kind == "integer" else grade_math(found, gold)
    except symbolic.NeedsSymbolic as exc:
        exc.key = (kind, gold, found.parts if found else (), found.source if found else "")
        raise


_SETTLED: dict[tuple, Graded] = {}  # verdicts the workers reached, by NeedsSymbolic.key (samples repeat answers)
_SETTLED_MAX = 50_000


def _settle(key: tuple, graded: Graded, timeout_s: float | None) -> None:
    if graded[0] is Status.ERROR:
        return  # a harness failure may not repeat: try again next time
    if graded[2].startswith("timed out"):
        key = (*key, timeout_s)  # a longer deadline deserves a new try
    if len(_SETTLED) >= _SETTLED_MAX:
        _SETTLED.pop(next(iter(_SETTLED)))
    _SETTLED[key] = graded


def clear_caches(workers: bool = False) -> None:
    """Forget parsed golds/answers and settled verdicts, here and (with workers=True) in the pool's workers;
    benchmarks measure from a cold start with this."""
    from r1eval.grading.math import grade as mathgrade
    from r1eval.grading.math import structure

    _SETTLED.clear()
    for cached in (structure.parse, symbolic.parse_value, mathgrade.gold_key, mathgrade.gold_node,
                   mathgrade.gold_clean):
        cached.cache_clear()
    if workers:
        for shared in bounded.shared_pools():
            shared.clear_caches()


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def grade_many(jobs: Sequence[bounded.Job], timeout_s: float | None = None,
               workers: int | None = None) -> list[Graded]:
    """Grade (response, gold, kind, choices) jobs: fast path here, the rest in the bounded worker pool.

    Items that need sympy are handed to the workers in small groups as they are found, so the workers grade
    them while this thread carries on with the fast path.
    """
    for _, _, kind, _ in jobs:
        _check(kind)
    results: list[Graded | None] = []
    slow: dict[tuple, list[int]] = {}  # equal work (same gold, same extracted answer) is done once
    waiting: list[bounded.Job] = []
    with ExitStack() as stack:
        batch = None  # the pool is taken only when an item needs it: fast items never wait for another thread
        for index, job in enumerate(jobs):
            try:
                results.append(grade_text(*job))
            except symbolic.NeedsSymbolic as exc:
                results.append(_SETTLED.get(exc.key) or _SETTLED.get((*exc.key, timeout_s)))
                if results[-1] is None:
                    if exc.key not in slow:
                        waiting.append(job)
                    slow.setdefault(exc.key, []).append(index)
            except Exception as exc:  # noqa: BLE001 - the fast path has no sympy: this is a grader bug
                results.append((Status.ERROR, None, f"grader failed: {type(exc).__name__}: {exc}"[:160]))
            if waiting and (len(waiting) >= 8 or index % 128 == 0 or index == len(jobs) - 1):
                if batch is None:
                    batch = stack.enter_context(bounded.pool(workers).batch(timeout_s or bounded.DEFAULT_TIMEOUT_S))
                batch.add(waiting)
                waiting = []
        for key, graded in zip(slow, batch.collect() if batch else []):
            _settle(key, graded, timeout_s)
            for index in slow[key]:
                results[index] = graded
    return [r if r is not None else (Status.ERROR, None, "not graded") for r in results]


def grade_answer(response: str, gold: str, kind: str, *, choices: Sequence[str] = (),
                 timeout_s: float | None = None) -> Verdict:
    """Grade one response against a gold answer. kind: "math" (LaTeX), "integer" (AIME) or "choice" (a letter).

    `choices` (optional, choice kind) lets a response that states the full text of a choice count as that letter.
    """
    status, answer, detail = grade_many([(response, gold, kind, tuple(choices))], timeout_s)[0]
    return Verdict("", 0, status, answer, detail)


@dataclass(frozen=True)
class AnswerScorer:
    """Scores each completion against Problem.answer with grade_answer(kind), as one bounded batch; the run's
    ScoringConfig sets the per-item time bound and the number of verifier processes."""

    kind: str
    name: str = "answer"

    def score(self, items: Sequence[tuple[Problem, Completion]],
              scoring: ScoringConfig = ScoringConfig()) -> list[Verdict]:
        prepared = [graded_text(c.text, c.reasoning, c.finish_reason) for _, c in items]
        jobs = [(text, problem.answer or "", self.kind, tuple(problem.choices))
                for (problem, _), (text, _) in zip(items, prepared, strict=True)]
        graded = grade_many(jobs, scoring.timeout_s, scoring.workers)
        return [Verdict(completion.problem_id, completion.sample, *(TRUNCATED if truncated else result))
                for (_, completion), (_, truncated), result in zip(items, prepared, graded, strict=True)]


TRUNCATED: Graded = (Status.NO_ANSWER, None, "truncated before </think>")


def graded_text(text: str, reasoning: str | None = None, finish_reason: str | None = None) -> tuple[str, bool]:
    """(the response as grade_text reads it, whether it was truncated before any answer region): the answer region
    split_response finds behind a </think>, or an unclosed think block when there is none. The task scorers and
    r1eval.reward both grade through this, so a reward equals the run's verdict."""
    region = split_response(text, reasoning, finish_reason).answer
    if region is None:
        return THINK_OPEN, finish_reason == "length"
    return THINK_CLOSE + region, False


def math() -> AnswerScorer:
    return AnswerScorer("math", name="math")


def integer() -> AnswerScorer:
    return AnswerScorer("integer", name="integer")


def choice() -> AnswerScorer:
    return AnswerScorer("choice", name="choice")
