"""Batch judging of raw model responses against code problems: the one code path `r1eval judge` and the code
scorer (`r1eval run`) share.

Problems: a folder of problem packages (r1eval.task.packages; problem id = folder name), or rows (JSONL) that
use LiveCodeBench's field names where they exist: `question_id` (or `id`), `public_test_cases` /
`private_test_cases` (JSON or LCB's compressed string) or a plain `tests` list of {input, output, testtype},
`metadata.func_name` (functional tests), `starter_code`; plus `time_limit_s` (CPU seconds per test, default 6),
`memory_limit_mb` (default 512) and `checker`; or rows of open-r1/codeforces. Submission rows:
{id, problem_id, response}. Verdict rows: {id, problem_id, verdict, tests_passed, tests_total, detail, wall_s,
language, failed_test}.
Every program runs under a runner profile (README, "Runner profiles"; defined in sandbox/zygote.py).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache

from r1eval.errors import DataError
from r1eval.grading.code.blocks import extract_program
from r1eval.grading.code.compile_cache import CompileCache, compile_key
from r1eval.sandbox.pool import SandboxPool
from r1eval.task import code_rows as lcb_format
from r1eval.task import codeforces
from r1eval.types import CodeSpec

RUNNER_PROFILES = ("plain", "livecodebench")  # the keys of sandbox/zygote.py's PROFILES (a test keeps them equal)
RUNNER_PROFILES = ("plain", "livecodebench")  # the keys of sandbox/zygote.py's PROFILES (a test keeps them equal)
VERDICTS = ("accepted", "wrong_answer", "time_limit", "runtime_error", "memory_limit", "compile_error", "no_code",
            "sandbox_error", "skipped")
LANGUAGE_NAMES = {"python": "Python 3", "cpp": "C++"}
JUDGE_STD = "c++17"  # the standard checkers and interactors written in C++ are built with


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


def _judge_key(program: dict) -> str:
    return compile_key(program["source"], JUDGE_STD, program.get("files"))


def _is_cpp(program: dict) -> bool:
    """Testlib checkers are C++; other checkers and interactors are Python unless their `language` says cpp."""
    return program.get("language", "cpp" if program.get("kind") == "testlib" else "python") == "cpp"


def _judge_programs(spec: CodeSpec) -> list[dict]:
    """The problem's own programs that need building: a C++ checker and a C++ interactor (built as C++17)."""
    programs = [lcb_format.parse_checker(spec.checker)]
    if spec.interactor:
        programs.append(json.loads(spec.interactor))
    return [p for p in programs if "source" in p and _is_cpp(p)]


def _wire_program(program: dict, built: dict) -> dict:
    """A checker or interactor as the server takes it: Python source as `code`, C++ as its executable."""
    wire = {k: v for k, v in program.items() if k not in ("source", "files", "language")}
    if _is_cpp(program):
        wire["binary"] = built[_judge_key(program)]["binary"]
    else:
        wire["code"] = program["source"]
    return wire


def builds_for(spec: CodeSpec, program: tuple[str, str]) -> dict[str, tuple[str, str, dict]]:
    """What must be compiled to judge `program` (language, source) on `spec`: the program if it is C++, and the
    problem's C++ checker or interactor; {compile key: (source, standard, headers)}."""
    builds = {compile_key(program[1], spec.cpp_std): (program[1], spec.cpp_std, {})} if program[0] == "cpp" else {}
    return {**builds, **judge_builds([spec])}


def judge_builds(specs: Sequence[CodeSpec]) -> dict[str, tuple[str, str, dict]]:
    """The problems' own C++ checkers and interactors: {compile key: (source, standard, headers)}."""
    return {_judge_key(judge): (judge["source"], JUDGE_STD, judge.get("files") or {})
            for spec in specs for judge in _judge_programs(spec)}


def job_for(job_id: str, code: str, spec: CodeSpec, profile: str = "plain", *, language: str = "python",
            binary: str | None = None, built: dict | None = None, time_scale: float = 1.0,
            all_tests: bool = False) -> dict:
    """The sandbox server's job for one program (see sandbox/server.py for the wire format)."""
    tests, key = _wire_tests(spec, time_scale)
    checker = lcb_format.parse_checker(spec.checker)
    job = {"id": job_id, "code": code, "mode": spec.mode, "profile": profile, "func_name": spec.entry_point,
           "tests": tests, "tests_key": key,
           "time_limit_s": spec.time_limit_s * time_scale, "memory_mb": spec.memory_mb,
           "checker": _wire_program(checker, built or {}) if "source" in checker else checker,
           "language": language, "binary": binary, "input_mode": spec.input_mode, "all_tests": all_tests}
    if spec.interactor:
        job["interactor"] = _wire_program(json.loads(spec.interactor), built or {})
    return job


def result_row(result: dict, language: str | None) -> dict:
    times = [t for t in result.get("times") or [] if t]
    return {"verdict": result["verdict"], "tests_passed": result.get("tests_passed", 0),
            "tests_total": result.get("tests_total", 0), "detail": result.get("detail", ""),
            "wall_s": round(sum(t[1] for t in times), 4), "language": language,
            "failed_test": result.get("failed_test")}


def judge_responses(pool: SandboxPool, items: Sequence[tuple[CodeSpec, str]], progress=None,
                    profile: str = "plain", *, time_scale: float = 1.0, all_tests: bool = False,
                    cache: CompileCache | None = None) -> list[dict]:
    """One result per (spec, raw response): extraction first (no_code without running), C++ compiled once per
    distinct source (and each problem's C++ checker or interactor once), then the sandbox. Each result has
    verdict, tests_passed, tests_total, detail, wall_s, language (python3 | c++17 | c++20 | None) and
    failed_test (the first failing test's name, verdict, CPU and wall seconds, peak memory; None if none).
    Python programs run under the runner `profile`."""
    check_profile(profile)
    cache = cache if cache is not None else CompileCache()
    results: list[dict | None] = [None] * len(items)
    found: dict[int, tuple[str, str]] = {}
    builds: dict[str, tuple[str, str, dict]] = {}
    for index, (spec, response) in enumerate(items):
        program = extract_program(response, spec.languages)
        if program is None:
            wanted = " or ".join(LANGUAGE_NAMES.get(lang, lang) for lang in spec.languages)
            results[index] = result_row({"verdict": "no_code", "tests_total": len(spec.tests),
                                          "detail": f"no closed </think> followed by a {wanted} code block"}, None)
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
                results[index] = result_row({**mine, "tests_total": len(spec.tests)}, label)
                continue
            binary = mine["binary"]
        if broken:
            results[index] = result_row({"verdict": "sandbox_error", "tests_total": len(spec.tests),
                                          "detail": f"the problem's checker/interactor does not build: "
                                                    f"{broken[0]['detail']}"}, label)
            continue
        jobs.append(job_for(str(index), code, spec, profile, language=language, binary=binary, built=built,
                            time_scale=time_scale, all_tests=all_tests))
        where.append((index, label))
    for (index, label), result in zip(where, pool.run(jobs, progress=progress), strict=True):
        results[index] = result_row(result, label)
    return results  # type: ignore[return-value]


def problem_specs(rows: Sequence[dict], source: str) -> tuple[dict[str, CodeSpec], dict[str, str]]:
    """Specs of LiveCodeBench-style rows, or of Codeforces rows (open-r1/codeforces fields: `official_tests`), and
    {problem id: why it is skipped} for Codeforces rows that cannot be judged."""
    specs, skipped = {}, {}
    for number, row in enumerate(rows, 1):
        problem_id = row.get("question_id") or row.get("id")
        if problem_id is None:
            raise DataError(f"{source}: row {number} has no question_id or id")
        try:
            if "official_tests" in row and codeforces.skip_reason(row):
                skipped[str(problem_id)] = codeforces.skip_reason(row)
            elif "official_tests" in row:
                specs[str(problem_id)] = codeforces.code_spec(row)
            else:
                specs[str(problem_id)] = lcb_format.code_spec(row)
        except (DataError, KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{source}: problem {problem_id}: {exc}") from exc
    return specs, skipped
