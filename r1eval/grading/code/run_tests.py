"""Batch judging of raw model responses against code problems: the one code path `r1eval judge` and the code
scorer (`r1eval run`) share.

Problem rows (JSONL) use LiveCodeBench's field names where they exist: `question_id` (or `id`),
`public_test_cases` / `private_test_cases` (JSON or LCB's compressed string) or a plain `tests` list of
{input, output, testtype}, `metadata.func_name` (functional tests), `starter_code`; plus `time_limit_s`
(CPU seconds per test, default 6), `memory_limit_mb` (default 512) and `checker`. Submission rows:
{id, problem_id, response}. Verdict rows: {id, problem_id, verdict, tests_passed, tests_total, detail, wall_s}.
Every program runs under a runner profile (README, "Runner profiles"; defined in sandbox/zygote.py).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from r1eval.errors import DataError
from r1eval.grading.code.blocks import extract_code
from r1eval.sandbox.pool import SandboxPool
from r1eval.task import code_rows as lcb_format
from r1eval.task.data import read_jsonl_rows
from r1eval.types import CodeSpec

RUNNER_PROFILES = ("plain", "livecodebench")  # the keys of sandbox/zygote.py's PROFILES (a test keeps them equal)
VERDICTS = ("accepted", "wrong_answer", "time_limit", "runtime_error", "memory_limit", "compile_error", "no_code",
            "sandbox_error")


@lru_cache(maxsize=256)
def _wire_tests(spec: CodeSpec) -> tuple[list[dict], str]:
    """A spec's tests in wire form and their content key (computed once per problem, shared by its samples)."""
    tests = [{"input": t.input, "output": t.output} for t in spec.tests]
    digest = hashlib.sha256()
    for test in tests:
        for part in (test["input"], test["output"]):
            data = part.encode("utf-8", errors="surrogatepass")
            digest.update(len(data).to_bytes(8, "little") + data)
    return tests, digest.hexdigest()


def check_profile(profile: str) -> str:
    if profile not in RUNNER_PROFILES:
        raise DataError(f"runner profile must be one of {', '.join(RUNNER_PROFILES)}, not {profile!r}")
    return profile


def job_for(job_id: str, code: str, spec: CodeSpec, profile: str) -> dict:
    """The sandbox server's job for one program (see sandbox/server.py for the wire format)."""
    tests, key = _wire_tests(spec)
    return {"id": job_id, "code": code, "mode": spec.mode, "profile": profile, "func_name": spec.entry_point,
            "tests": tests, "tests_key": key,
            "time_limit_s": spec.time_limit_s, "memory_mb": spec.memory_mb,
            "checker": lcb_format.parse_checker(spec.checker)}


def judge_responses(pool: SandboxPool, items: Sequence[tuple[CodeSpec, str]], progress=None,
                    profile: str = "plain") -> list[dict]:
    """One result per (spec, raw response): extraction first (no_code without running), then the sandbox, under
    the runner profile. Each result has verdict, tests_passed, tests_total, detail, wall_s."""
    check_profile(profile)
    results: list[dict | None] = [None] * len(items)
    jobs, where = [], []
    for index, (spec, response) in enumerate(items):
        code = extract_code(response)
        if code is None:
            results[index] = {"verdict": "no_code", "tests_passed": 0, "tests_total": len(spec.tests),
                              "detail": "no closed </think> followed by a Python code block", "wall_s": 0.0}
        else:
            jobs.append(job_for(str(index), code, spec, profile))
            where.append(index)
    for index, result in zip(where, pool.run(jobs, progress=progress)):
        times = [t for t in result.get("times") or [] if t]
        results[index] = {"verdict": result["verdict"], "tests_passed": result["tests_passed"],
                          "tests_total": result["tests_total"], "detail": result["detail"],
                          "wall_s": round(sum(t[1] for t in times), 4)}
    return results  # type: ignore[return-value]


def problem_specs(rows: Sequence[dict], source: str) -> dict[str, CodeSpec]:
    specs = {}
    for number, row in enumerate(rows, 1):
        problem_id = row.get("question_id") or row.get("id")
        if problem_id is None:
            raise DataError(f"{source}: row {number} has no question_id or id")
        try:
            specs[str(problem_id)] = lcb_format.code_spec(row)
        except DataError as exc:
            raise DataError(f"{source}: problem {problem_id}: {exc}") from exc
    return specs


@dataclass(frozen=True)
class Submission:
    id: str
    problem_id: str
    response: str


def read_submissions(path: Path, specs: dict[str, CodeSpec]) -> list[Submission]:
    subs = []
    for number, row in enumerate(read_jsonl_rows(path), 1):
        missing = [k for k in ("id", "problem_id", "response") if k not in row]
        if missing:
            raise DataError(f"{path}: row {number} lacks {', '.join(missing)} (rows are {{id, problem_id, response}})")
        if not isinstance(row["response"], str):
            raise DataError(f"{path}: row {number}: response must be a string")
        if str(row["problem_id"]) not in specs:
            raise DataError(f"{path}: row {number}: problem_id {row['problem_id']!r} is not in the problems file")
        subs.append(Submission(str(row["id"]), str(row["problem_id"]), row["response"]))
    return subs


def judge_files(problems: Path, submissions: Path, out: Path, pool_factory: Callable[[int], SandboxPool],
                progress=None, profile: str = "plain") -> Counter:
    """Judge every submission; write verdict rows to `out` in submission order; return verdict counts."""
    check_profile(profile)
    specs = problem_specs(read_jsonl_rows(problems), str(problems))
    subs = read_submissions(submissions, specs)
    memory = max((s.memory_mb for s in specs.values()), default=512)
    with pool_factory(memory) as pool:
        results = judge_responses(pool, [(specs[s.problem_id], s.response) for s in subs], progress=progress,
                                  profile=profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for sub, result in zip(subs, results):
            handle.write(json.dumps({"id": sub.id, "problem_id": sub.problem_id, **result}, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return Counter(r["verdict"] for r in results)
