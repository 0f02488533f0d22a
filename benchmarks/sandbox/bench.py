"""Sandbox throughput: submissions/s and tests/s of the warm-container pool at N workers, against a naive
`docker run`-per-test baseline (same image, same hardening flags) measured in the same script.

    PYTHONPATH=. python benchmarks/sandbox/bench.py [--workers 1 2 4] [--submissions 120] [--baseline-subs 12]
                                                    [--pool-only] [--smoke]

Workload: a mix of LiveCodeBench-sized problems (stdin and functional, 4-20 tests each, inputs up to 10^5 numbers)
and responses: ~50% accepted, ~25% wrong answer (stops at the first failing test), runtime and compile errors,
no code, and a few time-limit programs (1 s CPU limit for those problems). Speed figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.grading.code.blocks import extract_code  # noqa: E402
from r1eval.grading.code.judge import judge_responses  # noqa: E402
from r1eval.sandbox import image as sandbox_image  # noqa: E402
from r1eval.sandbox.docker_backend import DockerBackend  # noqa: E402
from r1eval.sandbox.pool import SandboxPool  # noqa: E402
from r1eval.task import code_rows as lcb_format  # noqa: E402
from r1eval.types import CodeSpec, TestCase  # noqa: E402

SMOKE = {"workers": [1], "submissions": 4, "baseline_subs": 1, "trivial_tests": 3, "baseline_trivial": 2}
SMOKE_NEEDS = ("docker",)


def _sum_problem(rng: random.Random) -> CodeSpec:
    tests = []
    for size in [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000, 20000, 50000, 100000, 3, 7, 30, 300, 3000, 30000, 8]:
        values = [rng.randint(-10**9, 10**9) for _ in range(size)]
        tests.append(TestCase(f"{size}\n{' '.join(map(str, values))}\n", f"{sum(values)}\n"))
    return CodeSpec(tests=tuple(tests))


def _first_pair(nums: list[int], target: int) -> list[int]:
    """The expected answer: the first pair (by its second index) that sums to target."""
    seen: dict[int, int] = {}
    for k, v in enumerate(nums):
        if target - v in seen:
            return [seen[target - v], k]
        seen[v] = k
    raise ValueError("no pair")


def _pair_problem(rng: random.Random) -> CodeSpec:
    tests = []
    for size in [2, 3, 5, 10, 100, 1000, 5000, 10000, 4, 50]:
        nums = sorted(rng.sample(range(-10**6, 10**6), size))
        i, j = sorted(rng.sample(range(size), 2))
        target = nums[i] + nums[j]
        tests.append(TestCase(f"{json.dumps(nums)}\n{target}", json.dumps(_first_pair(nums, target))))
    return CodeSpec(tests=tuple(tests), mode="functional", entry_point="pair")


SUM_OK = "n = int(input())\nprint(sum(map(int, input().split())) if n else 0)"
SUM_WRONG = "n = int(input())\nprint(sum(map(int, input().split())) + (n > 4))"
SUM_CRASH = "n = int(input())\nvalues = list(map(int, input().split()))\nprint(values[5])"
PAIR_OK = ("class Solution:\n    def pair(self, nums: List[int], target: int) -> List[int]:\n"
           "        seen = {}\n        for k, v in enumerate(nums):\n            if target - v in seen:\n"
           "                return [seen[target - v], k]\n            seen[v] = k")
PAIR_WRONG = PAIR_OK.replace("[seen[target - v], k]", "[k, seen[target - v]]")
SLOW = "while True:\n    pass"


def workload(count: int, shared: Path | None) -> list[tuple[CodeSpec, str]]:
    rng = random.Random(0)
    sum_spec, pair_spec = _sum_problem(rng), _pair_problem(rng)
    slow_spec = CodeSpec(tests=sum_spec.tests[:4], time_limit_s=1.0)
    real = []
    if shared and (shared / "lcb_sample_with_tests.jsonl").is_file():
        with open(shared / "lcb_sample_with_tests.jsonl", encoding="utf-8") as handle:
            rows = {row["id"]: row for row in map(json.loads, handle)}
        a = lcb_format.code_spec(rows["abc365_a"])
        real = [(a, "y = int(input())\nprint(366 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 365)"),
                (lcb_format.code_spec(rows["1873_A"]),
                 "for _ in range(int(input())):\n    s = input().strip()\n"
                 "    print('YES' if sum(x != y for x, y in zip(s, 'abc')) in (0, 2) else 'NO')")]
    menu = [(sum_spec, SUM_OK, 30), (pair_spec, PAIR_OK, 15), (sum_spec, SUM_WRONG, 15), (pair_spec, PAIR_WRONG, 10),
            (sum_spec, SUM_CRASH, 8), (sum_spec, "print(", 5), (sum_spec, None, 5), (slow_spec, SLOW, 3)]
    menu += [(spec, code, 5) for spec, code in real]
    weights = [w for *_, w in menu]
    items = []
    for _ in range(count):
        spec, code, _ = rng.choices(menu, weights)[0]
        response = "<think>\n" + "reasoning " * 200 + "\n</think>\n"
        response += f"```python\n{code}\n```\n" if code is not None else "I could not solve it."
        items.append((spec, response))
    return items


def bench_pool(items, workers: int) -> dict:
    started = time.monotonic()
    with SandboxPool(DockerBackend(memory_mb=576), workers=workers) as pool:
        pool.run([{"id": str(i), "code": "print(1)", "tests": [{"input": "", "output": "1"}]}
                  for i in range(workers)])  # start every container (start-up reported separately)
        warm = time.monotonic()
        results = judge_responses(pool, items, profile="livecodebench")  # its programs lean on LCB's prelude
        done = time.monotonic()
    tests = sum(r.tests_passed + (r.verdict not in ("accepted", "no_code")) for r in results)
    verdicts: dict[str, int] = {}
    for r in results:
        verdicts[r.verdict.value] = verdicts.get(r.verdict.value, 0) + 1
    return {"workers": workers, "startup_s": round(warm - started, 2), "judge_s": round(done - warm, 2),
            "subs_per_s": round(len(items) / (done - warm), 2), "tests_per_s": round(tests / (done - warm), 1),
            "tests_run": tests, "verdicts": verdicts}


def trivial_overhead_pool(n: int) -> float:
    job = {"id": "t", "code": "print(int(input()) + 1)", "tests": [{"input": f"{i}\n", "output": f"{i + 1}\n"}
                                                                 for i in range(n)]}
    with SandboxPool(DockerBackend(memory_mb=576), workers=1) as pool:
        pool.run([dict(job, id="warm")])
        started = time.monotonic()
        [result] = pool.run([job])
        elapsed = time.monotonic() - started
    assert result["verdict"] == "accepted", result
    return elapsed / n


def _docker_run_test(image: str, code: str, test: TestCase, time_limit: float) -> bool:
    """The naive way: one hardened `docker run` per test; output compared on the host (whitespace-normalised)."""
    command = ["docker", "run", "-i", "--rm", "--network", "none", "--read-only", "--cap-drop", "ALL",
               "--security-opt", "no-new-privileges", "--user", "20000:20000", "--pids-limit", "64", "--memory",
               "640m", "--cpus", "1", "--log-driver", "none", "--entrypoint", "python3", image, "-c", code]
    try:
        done = subprocess.run(command, input=test.input.encode(), capture_output=True, check=False,
                              timeout=2 * time_limit + 5)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and done.stdout.decode().split() == test.output.split()


def trivial_overhead_baseline(image: str, n: int) -> float:
    started = time.monotonic()
    for i in range(n):
        assert _docker_run_test(image, "print(int(input()) + 1)", TestCase(f"{i}\n", f"{i + 1}\n"), 6.0)
    return (time.monotonic() - started) / n


def bench_baseline(image: str, items) -> dict:
    """Sequential, stdin submissions only (the naive runner has no functional harness), stop at first failure."""
    subs = [(spec, extract_code(text)) for spec, text in items if spec.mode == "stdin"]
    started = time.monotonic()
    tests = 0
    for spec, code in subs:
        if code is None:
            continue
        for test in spec.tests:
            tests += 1
            if not _docker_run_test(image, code, test, spec.time_limit_s):
                break
    elapsed = time.monotonic() - started
    return {"workers": 1, "submissions": len(subs), "judge_s": round(elapsed, 2),
            "subs_per_s": round(len(subs) / elapsed, 3), "tests_per_s": round(tests / elapsed, 2), "tests_run": tests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--submissions", type=int, default=120)
    parser.add_argument("--baseline-subs", type=int, default=12)
    parser.add_argument("--trivial-tests", type=int, default=300)
    parser.add_argument("--pool-only", action="store_true", help="skip the per-test and `docker run` baselines")
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("R1EVAL_DATA_DIR")
                                                           or ROOT.parent / "shared" / "data"))
    parser.add_argument("--baseline-trivial", type=int, default=10, help="`docker run`s for the per-test overhead")
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    image = sandbox_image.ensure_image()
    items = workload(args.submissions, args.shared)
    report = {"image": image, "submissions": len(items),
              "tests_in_workload": sum(len(spec.tests) for spec, _ in items)}
    report["pool"] = [bench_pool(items, n) for n in args.workers]
    if args.pool_only:
        print(json.dumps(report, indent=2))
        recorder.write(report, args.smoke, args.out)
        return
    per_test = statistics.median(trivial_overhead_pool(args.trivial_tests) for _ in range(3))
    base_test = trivial_overhead_baseline(image, args.baseline_trivial)
    report["trivial_per_test_ms"] = {"pool": round(per_test * 1000, 1), "docker_run": round(base_test * 1000, 1),
                                     "ratio": round(base_test / per_test, 1)}
    report["baseline"] = bench_baseline(image, items[: args.baseline_subs])
    best = max(report["pool"], key=lambda r: r["subs_per_s"])
    report["speedup_subs_per_s"] = round(best["subs_per_s"] / report["baseline"]["subs_per_s"], 1)
    print(json.dumps(report, indent=2))
    recorder.write(report, args.smoke, args.out)


if __name__ == "__main__":
    main()
