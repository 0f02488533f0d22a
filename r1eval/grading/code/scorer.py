"""The code scorer tasks use: raw responses -> sandbox verdicts -> Verdicts (same path as `r1eval judge`).

Mapping: accepted -> CORRECT; wrong_answer, time_limit, runtime_error, memory_limit, compile_error -> INCORRECT;
no_code -> NO_ANSWER; sandbox_error -> ERROR (excluded from metrics; the run is marked incomplete).
Verdict.detail starts with the code verdict's name ("wrong_answer: test 3/12: ..."); answer is None;
Verdict.extra records the language the sample was written in (python3, c++17, c++20) and the first failing test.
The sandbox pool starts on the first score() call, is reused by later calls with the same sandbox settings, and is
shut down by close(), `with`, or at interpreter exit (containers also stop by themselves when this process dies).
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from r1eval.config import ScoringConfig
from r1eval.grading.code.compile_cache import CompileCache
from r1eval.grading.code.judge import CodeVerdict, JudgeResult, check_profile, judge_responses
from r1eval.types import Completion, Problem, Status, Verdict

STATUS = {CodeVerdict.ACCEPTED: Status.CORRECT, CodeVerdict.NO_CODE: Status.NO_ANSWER,
          CodeVerdict.SANDBOX_ERROR: Status.ERROR}


def to_verdict(problem_id: str, sample: int, result: JudgeResult) -> Verdict:
    name = result.verdict.value
    detail = f"{name}: {result.detail}" if result.detail else name
    extra = {"language": result.language, "failed_test": result.failed_test}
    return Verdict(problem_id, sample, STATUS.get(result.verdict, Status.INCORRECT), None, detail,
                   {k: v for k, v in extra.items() if v is not None})


class CodeScorer:
    """Judges code in the sandbox the run's ScoringConfig names (docker | process), `workers` sandboxes wide, under
    the task's runner profile, with its time_scale and all_tests; C++ executables are kept by source hash for the
    scorer's life (one run's scoring)."""

    def __init__(self, name: str = "code", profile: str = "plain") -> None:
        self.name, self.profile = name, check_profile(profile)
        self._compiled = CompileCache()
        self._pool = None
        self._pool_key: tuple[str, int | None, int] | None = None  # (sandbox, workers, memory_mb) it was opened with
        self._pool_lock = threading.Lock()  # a streaming run scores several batches at once
        self._memory_floor = 0

    def describe(self, scoring: ScoringConfig) -> dict[str, Any]:
        """What judged the code, for the run's config (the image tag is the content hash of sandbox/)."""
        from r1eval.sandbox.image import image_tag

        return {"scorer": self.name, "runner_profile": self.profile, "backend": scoring.sandbox,
                "workers": scoring.workers, "sandbox_image": image_tag() if scoring.sandbox == "docker" else None}

    def expect(self, problems: Sequence[Problem]) -> None:
        """The problems to come: sandboxes are sized at once for the largest memory limit among them, so that no
        later batch has to restart the pool (under batches still running, in a streaming run)."""
        self._memory_floor = max((p.code.memory_mb for p in problems if p.code is not None), default=0)

    def prepare(self, problems: Sequence[Problem], scoring: ScoringConfig) -> None:
        """Start the sandboxes and build every problem's C++ checker or interactor now: a streaming run calls this
        while the engine generates, so that neither the first samples wait for the sandboxes nor the last ones
        for their problem's checker."""
        from r1eval.grading.code.judge import judge_builds

        pool = self._pool_for(scoring, 0)
        builds = judge_builds([p.code for p in problems if p.code is not None])
        if builds:
            self._compiled.compile_all(pool, builds)

    def _pool_for(self, scoring: ScoringConfig, memory_mb: int):  # noqa: ANN202
        with self._pool_lock:
            return self._open_pool(scoring, max(memory_mb, self._memory_floor))

    def _open_pool(self, scoring: ScoringConfig, memory_mb: int):  # noqa: ANN202
        from r1eval.sandbox.pool import open_pool

        if self._pool is not None and self._pool_key is not None:
            sandbox, workers, opened_mb = self._pool_key
            if (sandbox, workers) != (scoring.sandbox, scoring.workers) or memory_mb > opened_mb:
                self.close()  # another sandbox choice, or sandboxes sized for a smaller memory limit
        if self._pool is None:
            self._pool = open_pool(scoring.sandbox, scoring.workers, memory_mb=memory_mb)
            self._pool_key = (scoring.sandbox, scoring.workers, memory_mb)
        return self._pool

    def score(self, items: Sequence[tuple[Problem, Completion]],
              scoring: ScoringConfig = ScoringConfig()) -> list[Verdict]:
        if not items:
            return []
        for problem, _ in items:
            if problem.code is None:
                raise ValueError(f"problem {problem.id} has no CodeSpec; the code scorer needs tests")
        pool = self._pool_for(scoring, max(p.code.memory_mb for p, _ in items))
        results = judge_responses(pool, [(p.code, c.text) for p, c in items], profile=self.profile,
                                  time_scale=scoring.time_scale, all_tests=scoring.all_tests, cache=self._compiled)
        return [to_verdict(c.problem_id, c.sample, r) for (_, c), r in zip(items, results)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
            self._pool_key = None

    def __enter__(self) -> CodeScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def code_scorer(profile: str = "plain") -> CodeScorer:
    """Factory for task files: `scorer=code_scorer(profile=...)`. `profile` is the runner profile (README, "Runner
    profiles"): the benchmark's own prelude, or plain. Where the code runs (sandbox kind, how many sandboxes) is
    the run's choice, not the task's: ScoringConfig, set by `r1eval run/score --sandbox/--grade-workers`."""
    return CodeScorer(profile=profile)
