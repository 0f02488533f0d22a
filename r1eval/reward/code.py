"""The code reward: a response's program judged in the sandbox against the tests that come with the sample
(verl's extra_info), exactly as the code tasks judge it (grading.code.scorer)."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from r1eval.config import ScoringConfig
from r1eval.grading.code.scorer import CodeScorer
from r1eval.grading.math.grade import Graded
from r1eval.types import CodeSpec, Completion, Problem, Status, TestCase

_scorers: dict[str, CodeScorer] = {}
_lock = threading.Lock()


def code_spec(info: Mapping[str, Any]) -> CodeSpec:
    """extra_info["code"]: CodeSpec's fields (tests as [{"input", "output"}, ...]); or extra_info["tests"] alone."""
    fields = dict(info.get("code") or {})
    tests = fields.pop("tests", None) or info.get("tests")
    if not tests:
        raise ValueError("a code reward needs the problem's tests in extra_info['tests'] or extra_info['code']")
    return CodeSpec(tests=tuple(TestCase(**t) if isinstance(t, Mapping) else TestCase(*t) for t in tests), **fields)


def score_code(response: str, info: Mapping[str, Any], timeout_s: float) -> Graded:
    """CORRECT when the program passes every test. The sandbox (extra_info["sandbox"]: docker | process) bounds
    each test's time and memory; a failure to judge is an ERROR verdict, never an exception."""
    try:
        problem = Problem(id=str(info.get("id", "reward")), question="", code=code_spec(info))
        profile = str(info.get("profile") or "plain")
        scoring = ScoringConfig(sandbox=str(info.get("sandbox") or "docker"), workers=1, timeout_s=timeout_s)
        with _lock:
            scorer = _scorers.setdefault(profile, CodeScorer(profile=profile))
            (verdict,) = scorer.score([(problem, Completion(problem.id, 0, response, "stop", 0))], scoring)
        return verdict.status, verdict.extra.get("language"), verdict.detail
    except Exception as exc:  # noqa: BLE001 - a reward must not bring down the trainer
        return Status.ERROR, None, f"code reward failed: {type(exc).__name__}: {exc}"[:160]
