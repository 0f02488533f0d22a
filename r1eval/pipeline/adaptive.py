"""Adaptive sampling (`run --adaptive`): how many samples each problem gets, planned from the verdicts so far.

The rule and its estimator live in r1eval.metrics (adaptive_rounds, decided, ProblemSamples.rate); this module
applies the rule to a run's verdicts. A problem's target is a function of its own verdicts, read in sample order
and round by round, so planning is deterministic for a seed and a resumed run (kill -9 anywhere) plans exactly what
an uninterrupted one does: every sample below a target that has no verdict yet is generated and graded first.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from r1eval.metrics import ProblemSamples, adaptive_rounds, decided
from r1eval.types import Status, Verdict

RULE = "stop-when-unanimous"
ESTIMATOR = "rao-blackwell"


def design(n: int, first: int | None) -> tuple[int, ...]:
    """The cumulative round sizes of a task sampled up to n; () for the fixed protocol (first is None)."""
    return adaptive_rounds(n, first) if first else ()


def record(rounds: Sequence[int]) -> dict[str, Any] | None:
    """What config.json records of the design (None: the fixed protocol)."""
    if not rounds:
        return None
    return {"rule": RULE, "rounds": list(rounds), "estimator": ESTIMATOR,
            "doc": "a problem stops after a round when its samples so far are all correct or all wrong"}


def recorded_rounds(adaptive: Mapping[str, Any] | None) -> tuple[int, ...]:
    """The round sizes a task's record holds; () for a fixed-n run."""
    return tuple(int(r) for r in (adaptive or {}).get("rounds", ()))


def targets(rounds: Sequence[int], verdicts: Iterable[Verdict], problem_ids: Iterable[str]) -> dict[str, int]:
    """Samples each problem needs under the rule: the first round's size, then, round by round, the next size
    while its graded samples so far disagree. A sample whose grading failed (ERROR) decides nothing: its problem
    goes on to the last round (the run is incomplete anyway)."""
    statuses: dict[str, dict[int, Status]] = {}
    for verdict in verdicts:
        statuses.setdefault(verdict.problem_id, {})[verdict.sample] = verdict.status
    planned = {}
    for problem_id in problem_ids:
        got = statuses.get(problem_id, {})
        target = rounds[-1]
        for size in rounds:
            firsts = [got.get(s) for s in range(size)]
            if None in firsts:
                target = size
                break
            if Status.ERROR not in firsts and decided(size, firsts.count(Status.CORRECT)):
                target = size
                break
        planned[problem_id] = target
    return planned


def summary(rounds: Sequence[int], grouped: Mapping[str, ProblemSamples]) -> dict[str, Any]:
    """What results.json records of an adaptive task: the design, and the samples each problem was estimated from."""
    per_problem = {pid: grouped[pid].n for pid in sorted(grouped)}
    return {"rule": RULE, "rounds": list(rounds), "samples_drawn": sum(per_problem.values()),
            "samples_fixed": rounds[-1] * len(per_problem), "samples_per_problem": per_problem}


def ungraded(rounds: Sequence[int], verdicts: Sequence[Verdict], problem_ids: Sequence[str]) -> int:
    """Samples the rule still needs graded (0: the adaptive task is finished)."""
    have = {(v.problem_id, v.sample) for v in verdicts}
    return sum((pid, s) not in have for pid, target in targets(rounds, verdicts, problem_ids).items()
               for s in range(target))
