"""Contest judging throughput on the shared problem packages: every accepted submission (Python and C++) against
every test of its package (--all-tests), through the warm-container pool, against a `docker run` per test in the
same script (a fresh container per test with the same image and hardening, started through the same backend, its
job server judging a one-test job, so both sides give the same verdicts and the difference is what a container per
test costs).

    PYTHONPATH=. .venv/bin/python benchmarks/contest/bench.py [--packages DIR] [--workers 1 2] [--out FILE] [--smoke]

C++ is compiled once per distinct source before the timed phases (the compile time is reported on its own) and
both sides run the same executables. Speed figures only; nothing is asserted but the verdicts' agreement.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.grading.code.blocks import extract_program  # noqa: E402
from r1eval.grading.code.compile_cache import CompileCache, compile_key  # noqa: E402
from r1eval.grading.code.judge import builds_for, job_for, judge_responses, language_label  # noqa: E402
from r1eval.sandbox.docker_backend import DockerBackend  # noqa: E402
from r1eval.sandbox.pool import Sandbox, SandboxPool  # noqa: E402
from r1eval.task.packages import load_packages, package_submissions  # noqa: E402

DEFAULT_PACKAGES = Path(os.environ.get("R1EVAL_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data") \
    / "problem_packages"
SMOKE_SUBMISSIONS = 2  # the first accepted programs only, one worker
SMOKE_NEEDS = ("docker", "data")


def workload(root: Path) -> list:
    problems, _ = load_packages(root)
    specs = {p.id: p.code for p in problems}
    return [(specs[r["problem_id"]], r["response"], r["id"]) for r in package_submissions(root)
            if r["expected"] == "accepted"]


def bench_pool(items, workers: int, memory_mb: int, cache: CompileCache) -> dict:
    with SandboxPool(DockerBackend(memory_mb=memory_mb + 64), workers=workers) as pool:
        judge_responses(pool, [i[:2] for i in items[:workers]], all_tests=True, cache=cache)  # start the containers
        started = time.monotonic()
        results = judge_responses(pool, [i[:2] for i in items], all_tests=True, cache=cache)
        elapsed = time.monotonic() - started
    tests = sum(r.tests_total for r in results)
    return {"workers": workers, "seconds": round(elapsed, 3), "submissions_per_s": round(len(items) / elapsed, 3),
            "tests_per_s": round(tests / elapsed, 3), "tests": tests,
            "verdicts": {i[2]: r.verdict.value for i, r in zip(items, results, strict=True)}}


def bench_docker_run(items, memory_mb: int, cache: CompileCache) -> dict:
    backend = DockerBackend(memory_mb=memory_mb + 64)
    built = {key: cache.get(key) for spec, response, _ in items
             for key in builds_for(spec, extract_program(response, spec.languages))}
    verdicts, tests_run = {}, 0
    started = time.monotonic()
    for spec, response, name in items:
        language, code = extract_program(response, spec.languages)
        binary = built[compile_key(code, spec.cpp_std)]["binary"] if language == "cpp" else None
        job = job_for(name, code, spec, language=language, binary=binary, built=built, all_tests=True)
        verdict = "accepted"
        for test in job["tests"]:
            box = Sandbox(backend, 10_000 + tests_run)  # a fresh hardened container for this one test
            try:
                result = box.run({**job, "tests": [test], "tests_key": None}) or {"verdict": "sandbox_error"}
            finally:
                box.destroy()
            tests_run += 1
            verdict = result["verdict"] if verdict == "accepted" else verdict
        verdicts[name] = verdict
    elapsed = time.monotonic() - started
    backend.close()
    return {"seconds": round(elapsed, 1), "submissions_per_s": round(len(items) / elapsed, 3),
            "tests_per_s": round(tests_run / elapsed, 3), "tests": tests_run, "verdicts": verdicts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=Path, default=DEFAULT_PACKAGES)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if not args.packages.is_dir():
        sys.exit(f"problem packages not found at {args.packages}; pass --packages or set R1EVAL_DATA_DIR")
    items = workload(args.packages)
    if args.smoke:
        items, args.workers = items[:SMOKE_SUBMISSIONS], [1]
    memory = max(spec.memory_mb for spec, _, _ in items)
    cache = CompileCache()
    requests = {}
    for spec, response, _ in items:
        requests.update(builds_for(spec, extract_program(response, spec.languages)))
    with SandboxPool(DockerBackend(memory_mb=memory + 64), workers=max(args.workers)) as pool:
        started = time.monotonic()
        cache.compile_all(pool, requests)
        compile_s = time.monotonic() - started
    labels = [language_label(extract_program(r, s.languages)[0], s) for s, r, _ in items]
    report = {"submissions": len(items), "languages": {k: labels.count(k) for k in sorted(set(labels))},
              "compile": {"programs": len(requests), "seconds_with_warm_up": round(compile_s, 1)}}
    report["pool"] = [bench_pool(items, workers, memory, cache) for workers in args.workers]
    report["docker_run_per_test"] = bench_docker_run(items, memory, cache)
    base = report["docker_run_per_test"]
    for row in report["pool"]:
        row["speedup_vs_docker_run"] = round(base["seconds"] / row["seconds"], 2)
        row["same_verdicts"] = row["verdicts"] == base["verdicts"]
        row["accepted"] = sum(v == "accepted" for v in row.pop("verdicts").values())
    base["accepted"] = sum(v == "accepted" for v in base.pop("verdicts").values())
    report["load_average"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    recorder.write(report, args.smoke, args.out)


if __name__ == "__main__":
    main()
