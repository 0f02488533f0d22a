"""r1eval.reward versus math-verify as an RL reward, on the same batches: agreement with known labels first, then
rewards per second for batches of 64-1024 long completions (64 samples per problem, as in GRPO) and per-sample
latency (p50/p99), both graders in the same run.

    python benchmarks/reward.py [--data-dir DIR] [--think-chars 16000] [--batches 64,256,1024] [--smoke]

Completions: R1-style responses over MATH-500 golds with labels known by construction (benchmarks/grading.py's
`generate`: the gold, equivalent rewrites, wrong values, hedges, unclosed think blocks), each think block padded
to --think-chars characters of reasoning. r1eval: `math_reward(completions, answer=golds)` per batch, from a cold
memo and cold parse caches (the verifier workers stay warm, as in a trainer). math-verify: parse + verify per
sample, as open-r1's accuracy reward calls it. Latency: each sample of the 256-batch scored alone, in order.
Full mode writes benchmarks/results/reward.json (command, commit, date, nproc, load average, figures).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from grading import Item, generate, load_golds, math_verify_grader

from benchmarks.common import Recorder, add_options
from r1eval import grading, reward

SMOKE_NEEDS = ("data",)

FILLER = ("Let me reconsider the constraint once more: substituting back gives {k} on the left and {m} on the "
          "right, so this branch fails and I should try the next case carefully. ")


def batches(golds: list[str], sizes: list[int], think_chars: int) -> dict[int, list[Item]]:
    """For each size, size/64 problems x 64 samples, think blocks padded to about think_chars characters."""
    out = {}
    for size in sizes:
        problems = max(1, size // 64)
        items = generate(golds[:problems], 64, seed=size)[:size]
        out[size] = [(_pad(text, think_chars, i), gold, kind, label) for i, (text, gold, kind, label) in
                     enumerate(items)]
    return out


def _pad(text: str, chars: int, seed: int) -> str:
    lines, k = [], seed
    while sum(map(len, lines)) < chars:
        k += 7
        lines.append(FILLER.format(k=k, m=k * 3 + 1))
    return text.replace("<think>\n", "<think>\n" + "".join(lines), 1)


def r1_batch(items: list[Item]) -> tuple[list[bool], float]:
    reward.reset_stats(memo=True)
    grading.clear_caches(workers=True)
    start = time.perf_counter()
    scores = reward.math_reward([t for t, _, _, _ in items], answer=[g for _, g, _, _ in items])
    return [s == 1.0 for s in scores], time.perf_counter() - start


def mv_batch(items: list[Item], accept) -> tuple[list[bool], float]:  # noqa: ANN001 - math-verify's closure
    start = time.perf_counter()
    verdicts = [accept(item) for item in items]
    return verdicts, time.perf_counter() - start


def latencies(items: list[Item], one) -> dict[str, float]:  # noqa: ANN001 - a per-sample scorer
    times = []
    for item in items:
        start = time.perf_counter()
        one(item)
        times.append(time.perf_counter() - start)
    times.sort()
    return {"p50_ms": 1000 * statistics.median(times), "p99_ms": 1000 * times[min(len(times) - 1,
                                                                                  int(0.99 * len(times)))]}


def truth(items: list[Item], accepted: list[bool]) -> dict[str, int | float]:
    labels = [label for _, _, _, label in items]
    return {"agree": sum(a == b for a, b in zip(labels, accepted, strict=True)) / len(items),
            "false_accepts": sum(a and not b for a, b in zip(accepted, labels, strict=True)),
            "false_rejects": sum(b and not a for a, b in zip(accepted, labels, strict=True))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("R1EVAL_DATA_DIR") or
                                                              ROOT.parent / "shared" / "data"))
    parser.add_argument("--think-chars", type=int, default=16000)
    parser.add_argument("--batches", default="64,256,1024")
    add_options(parser)  # --smoke: one batch of 64 short completions
    recorder = Recorder(__file__)
    args = parser.parse_args()
    sizes = [64] if args.smoke else [int(s) for s in args.batches.split(",")]
    think_chars = 200 if args.smoke else args.think_chars
    accept = math_verify_grader()
    data = batches(load_golds(args.data_dir), sizes, think_chars)
    # start every verifier worker (a trainer's are warm): one symbolic job per worker and more
    grading.grade_many([(f"</think>\\boxed{{x^{k}}}", f"x\\cdot x^{k - 1}", "math", ()) for k in range(2, 18)])
    figures: dict[str, object] = {}
    for size, items in data.items():
        r1_ok, r1_s = r1_batch(items)
        mv_ok, mv_s = mv_batch(items, accept)
        checks = reward.stats().get("checks", 0)
        figures[str(size)] = {
            "r1eval": {"rewards_per_s": size / r1_s, "seconds": r1_s, "checks": checks, **truth(items, r1_ok)},
            "math_verify": {"rewards_per_s": size / mv_s, "seconds": mv_s, **truth(items, mv_ok)},
            "speedup": mv_s / r1_s}
        row = figures[str(size)]
        print(f"batch {size:5d}: r1eval {row['r1eval']['rewards_per_s']:9.0f}/s ({checks} checks, agree "
              f"{row['r1eval']['agree']:.3f}, {row['r1eval']['false_accepts']} false accepts)  math-verify "
              f"{row['math_verify']['rewards_per_s']:7.0f}/s (agree {row['math_verify']['agree']:.3f}, "
              f"{row['math_verify']['false_accepts']} false accepts)  speedup {row['speedup']:.1f}x", flush=True)
    sample = data[256] if 256 in data else data[sizes[0]]
    reward.reset_stats(memo=True)
    grading.clear_caches(workers=True)
    figures["latency"] = {
        "r1eval": latencies(sample, lambda item: reward.compute_score("math500", item[0], item[1])),
        "math_verify": latencies(sample, accept), "samples": len(sample)}
    lat = figures["latency"]
    print(f"per-sample latency over {len(sample)}: r1eval p50 {lat['r1eval']['p50_ms']:.2f} ms p99 "
          f"{lat['r1eval']['p99_ms']:.2f} ms; math-verify p50 {lat['math_verify']['p50_ms']:.2f} ms p99 "
          f"{lat['math_verify']['p99_ms']:.2f} ms")
    recorder.write({"think_chars": think_chars, **figures}, args.smoke, args.out)


if __name__ == "__main__":
    main()
