"""The code scorer tasks use: raw responses -> sandbox verdicts -> Verdicts (same path as `r1eval judge`).

Mapping: accepted -> CORRECT; wrong_answer, time_limit, runtime_error, memory_limit, compile_error -> INCORRECT;
no_code -> NO_ANSWER; sandbox_error -> ERROR (excluded from metrics; the run is marked incomplete).
Verdict.detail starts with the code verdict's name ("wrong_answer: test 3/12: ..."); answer is None;
Verdict.extra records the language the sample was written in (python3, c++17, c++20) and the first failing test.
The sandbox pool starts on the first score() call, is reused by later calls, and is shut down by close(),
`with`, or at interpreter exit (containers also stop by themselves when this process dies).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from r1eval.config import ScoringConfig
from r1eval.grading.code.compile_cache import CompileCache
from r1eval.grading.code.run_tests import check_profile, judge_responses
from r1eval.types import Completion, Problem, Status, Verdict

STATUS = {"accepted": Status.CORRECT, "no_code": Status.NO_ANSWER, "sandbox_error": Status.ERROR}


def to_verdict(problem_id: str, sample: int, result: dict) -> Verdict:
    name = result["verdict"]
    detail = f"{name}: {result['detail']}" if result.get("detail") else name
    extra = {"language": result.get("language"), "failed_test": result.get("failed_test")}
    return Verdict(problem_id, sample, STATUS.get(name, Status.INCORRECT), None, detail,
                   {k: v for k, v in extra.items() if v is not None})


class CodeScorer:
    def __init__(self, backend: str = "docker", workers: int | None = None, name: str = "code",
                 profile: str = "plain") -> None:
        self.name, self.backend, self.workers, self.profile = name, backend, workers, check_profile(profile)
        self._pool = None
        self._memory_mb = 0
        self._compiled = CompileCache()  # C++ executables by source hash, for this scorer's run

    def describe(self) -> dict[str, Any]:
        """What judged the code, for the run's config (the image tag is the content hash of sandbox/)."""
        from r1eval.sandbox.image import image_tag

        return {"scorer": self.name, "runner_profile": self.profile, "backend": self.backend, "workers": self.workers,
                "sandbox_image": image_tag() if self.backend == "docker" else None}

    def _pool_for(self, memory_mb: int):  # noqa: ANN202
        from r1eval.sandbox.pool import open_pool

        if self._pool is not None and memory_mb > self._memory_mb:
            self.close()  # sandboxes are sized for the largest memory limit seen
        if self._pool is None:
            self._pool = open_pool(self.backend, self.workers, memory_mb=memory_mb)
            self._memory_mb = memory_mb
        return self._pool

    def score(self, items: Sequence[tuple[Problem, Completion]], scoring: ScoringConfig | None = None) -> list[Verdict]:
        """`scoring` (the run's ScoringConfig) gives time_scale and all_tests; defaults: 1.0, stop at first failure."""
        if not items:
            return []
        for problem, _ in items:
            if problem.code is None:
                raise ValueError(f"problem {problem.id} has no CodeSpec; the code scorer needs tests")
        scoring = scoring or ScoringConfig()
        pool = self._pool_for(max(p.code.memory_mb for p, _ in items))
        results = judge_responses(pool, [(p.code, c.text) for p, c in items], profile=self.profile,
                                  time_scale=scoring.time_scale, all_tests=scoring.all_tests, cache=self._compiled)
        return [to_verdict(c.problem_id, c.sample, r) for (_, c), r in zip(items, results)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> CodeScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def code_scorer(backend: str | None = None, workers: int | None = None, profile: str = "plain") -> CodeScorer:
    """Factory for task files: `scorer=code_scorer(profile=...)` (one sandbox per CPU by default). The backend
    defaults to $R1EVAL_SANDBOX (docker | process), else docker; `r1eval run/score --sandbox` set that variable.
    `profile` is the runner profile (README, "Runner profiles"): the benchmark's own prelude, or plain."""
    return CodeScorer(backend=backend or os.environ.get("R1EVAL_SANDBOX") or "docker", workers=workers,
                      profile=profile)
