"""The code judge: raw model responses against code problems, the one code path `r1eval judge` and the code
scorer (`r1eval run`) share. Extraction (no_code without running), C++ builds (once per distinct source, the
problem's C++ checker or interactor too), then the sandbox; each response gets a typed JudgeResult.
Problems and submissions are read from files by r1eval.task.code_files; checkers are values (r1eval.task.checkers).
Verdict rows (`r1eval judge`): {id, problem_id, verdict, tests_passed, tests_total, detail, wall_s, language,
failed_test}. Every program runs under a runner profile (README, "Runner profiles"; defined in sandbox/zygote.py).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from r1eval.errors import DataError
from r1eval.grading.code.blocks import extract_program
from r1eval.grading.code.compile_cache import CompileCache, compile_key
from r1eval.sandbox.pool import SandboxPool
from r1eval.task import checkers
from r1eval.types import CodeSpec

RUNNER_PROFILES = ("plain", "livecodebench")  # the keys of sandbox/zygote.py's PROFILES (a test keeps them equal)
LANGUAGE_NAMES = {"python": "Python 3", "cpp": "C++"}
JUDGE_STD = "c++17"  # the standard checkers and interactors written in C++ are built with


class CodeVerdict(StrEnum):
    """What a judged response gets. A str, so rows and comparisons with plain names keep working."""

    ACCEPTED = "accepted"
    WRONG_ANSWER = "wrong_answer"
    TIME_LIMIT = "time_limit"
    RUNTIME_ERROR = "runtime_error"
    MEMORY_LIMIT = "memory_limit"
    COMPILE_ERROR = "compile_error"
    NO_CODE = "no_code"
    SANDBOX_ERROR = "sandbox_error"  # the judge's own failure: counted and shown, never a wrong answer
    SKIPPED = "skipped"  # `r1eval judge`: the problem cannot be judged (the detail says why)


VERDICTS = tuple(v.value for v in CodeVerdict)


@dataclass(frozen=True)
class JudgeResult:
    verdict: CodeVerdict
    tests_passed: int = 0
    tests_total: int = 0
    detail: str = ""
    wall_s: float = 0.0
    language: str | None = None  # python3 | c++17 | c++20; None without code
    failed_test: dict[str, Any] | None = None  # the first failing test: name, verdict, cpu_s, wall_s, memory_mb

    @classmethod
    def from_sandbox(cls, result: dict, language: str | None) -> JudgeResult:
        """From the sandbox server's answer (sandbox/server.py); an unknown verdict is refused, not passed on."""
        times = [t for t in result.get("times") or [] if t]
        return cls(CodeVerdict(result["verdict"]), int(result.get("tests_passed", 0)),
                   int(result.get("tests_total", 0)), str(result.get("detail", "")),
                   round(sum(t[1] for t in times), 4), language, result.get("failed_test"))

    def as_row(self) -> dict[str, Any]:
        """The verdict row `r1eval judge` writes (the verdict as its plain name)."""
        return {**asdict(self), "verdict": self.verdict.value}


@lru_cache(maxsize=256)
def _wire_tests(spec: CodeSpec, time_scale: float = 1.0) -> tuple[list[dict], str]:
    """A spec's tests in wire form and their content key (computed once per problem, shared by its samples)."""
    tests = []
    for test in spec.tests:
        wire = {"input": test.input, "output": test.output}
        if test.name:
            wire["name"] = test.name
        if test.time_limit_s:
            wire["time_limit_s"] = test.time_limit_s * time_scale
        tests.append(wire)
    digest = hashlib.sha256()
    for test in tests:
        for part in (test["input"], test["output"], json.dumps([test.get("name"), test.get("time_limit_s")])):
            data = part.encode("utf-8", errors="surrogatepass")
            digest.update(len(data).to_bytes(8, "little") + data)
    return tests, digest.hexdigest()


def check_profile(profile: str) -> str:
    if profile not in RUNNER_PROFILES:
        raise DataError(f"runner profile must be one of {', '.join(RUNNER_PROFILES)}, not {profile!r}")
    return profile


def language_label(language: str, spec: CodeSpec) -> str:
    """What a verdict records: python3, c++17 or c++20."""
    return spec.cpp_std if language == "cpp" else "python3"


def _judge_key(program: checkers.JudgeProgram) -> str:
    return compile_key(program.source, JUDGE_STD, dict(program.files) or None)


def _judge_programs(spec: CodeSpec) -> list[checkers.JudgeProgram]:
    """The problem's own programs that need building: a C++ checker and a C++ interactor (built as C++17)."""
    programs = [checkers.parse(spec.checker), checkers.interactor(spec.interactor)]
    return [p for p in programs if isinstance(p, checkers.JudgeProgram) and p.is_cpp]


def _wire(checker: checkers.Checker, built: dict) -> dict:
    binary = built[_judge_key(checker)]["binary"] if isinstance(checker, checkers.JudgeProgram) and checker.is_cpp \
        else None
    return checkers.wire(checker, binary)


def builds_for(spec: CodeSpec, program: tuple[str, str]) -> dict[str, tuple[str, str, dict]]:
    """What must be compiled to judge `program` (language, source) on `spec`: the program if it is C++, and the
    problem's C++ checker or interactor; {compile key: (source, standard, headers)}."""
    builds = {compile_key(program[1], spec.cpp_std): (program[1], spec.cpp_std, {})} if program[0] == "cpp" else {}
    return {**builds, **judge_builds([spec])}


def judge_builds(specs: Sequence[CodeSpec]) -> dict[str, tuple[str, str, dict]]:
    """The problems' own C++ checkers and interactors (built before any program needs them, e.g. while the engine
    generates): {compile key: (source, standard, headers)}."""
    return {_judge_key(judge): (judge.source, JUDGE_STD, dict(judge.files))
            for spec in specs for judge in _judge_programs(spec)}


def job_for(job_id: str, code: str, spec: CodeSpec, profile: str = "plain", *, language: str = "python",
            binary: str | None = None, built: dict | None = None, time_scale: float = 1.0,
            all_tests: bool = False) -> dict:
    """The sandbox server's job for one program (see sandbox/server.py for the wire format)."""
    tests, key = _wire_tests(spec, time_scale)
    job = {"id": job_id, "code": code, "mode": spec.mode, "profile": profile, "func_name": spec.entry_point,
           "tests": tests, "tests_key": key,
           "time_limit_s": spec.time_limit_s * time_scale, "memory_mb": spec.memory_mb,
           "checker": _wire(checkers.parse(spec.checker), built or {}),
           "language": language, "binary": binary, "input_mode": spec.input_mode, "all_tests": all_tests}
    interactor = checkers.interactor(spec.interactor)
    if interactor is not None:
        job["interactor"] = _wire(interactor, built or {})
    return job


def judge_responses(pool: SandboxPool, items: Sequence[tuple[CodeSpec, str]], progress=None,
                    profile: str = "plain", *, time_scale: float = 1.0, all_tests: bool = False,
                    cache: CompileCache | None = None) -> list[JudgeResult]:
    """One JudgeResult per (spec, raw response): extraction first (no_code without running), C++ compiled once
    per distinct source (and each problem's C++ checker or interactor once), then the sandbox. Python programs run
    under the runner `profile`."""
    check_profile(profile)
    cache = cache if cache is not None else CompileCache()
    results: list[JudgeResult | None] = [None] * len(items)
    found: dict[int, tuple[str, str]] = {}
    builds: dict[str, tuple[str, str, dict]] = {}
    for index, (spec, response) in enumerate(items):
        program = extract_program(response, spec.languages)
        if program is None:
            wanted = " or ".join(LANGUAGE_NAMES.get(lang, lang) for lang in spec.languages)
            results[index] = JudgeResult(CodeVerdict.NO_CODE, tests_total=len(spec.tests),
                                         detail=f"no closed </think> followed by a {wanted} code block")
            continue
        found[index] = program
        builds.update(builds_for(spec, program))
    built = cache.compile_all(pool, builds) if builds else {}
    jobs, where = [], []
    for index, (language, code) in found.items():
        spec = items[index][0]
        label = language_label(language, spec)
        broken = [built[k] for k in map(_judge_key, _judge_programs(spec)) if built[k]["verdict"] != "compiled"]
        binary = None
        if language == "cpp":
            mine = built[compile_key(code, spec.cpp_std)]
            if mine["verdict"] != "compiled":
                results[index] = JudgeResult.from_sandbox({**mine, "tests_total": len(spec.tests)}, label)
                continue
            binary = mine["binary"]
        if broken:
            results[index] = JudgeResult(CodeVerdict.SANDBOX_ERROR, tests_total=len(spec.tests), language=label,
                                         detail=f"the problem's checker/interactor does not build: "
                                                f"{broken[0]['detail']}")
            continue
        jobs.append(job_for(str(index), code, spec, profile, language=language, binary=binary, built=built,
                            time_scale=time_scale, all_tests=all_tests))
        where.append((index, label))
    for (index, label), result in zip(where, pool.run(jobs, progress=progress), strict=True):
        results[index] = JudgeResult.from_sandbox(result, label)
    return results  # type: ignore[return-value]

