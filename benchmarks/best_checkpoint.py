"""Is a stated "p_best >= 0.9" right at least 90% of the time? Simulation with known truth (docs/statistics.md).

A series of m checkpoints: problem i has a base difficulty b_i ~ N(0, 1.5) (logit), checkpoint j adds θ_j, so
its solve rate on problem i is expit(b_i + θ_j) and, over any population of problems, the truly best checkpoint
is the one with the largest θ_j. Each repetition draws new problems, θ_j ~ N(0, spread) and k samples per
problem, computes p_best (r1eval.report.best) and, when the leader's p_best >= 0.9, checks it is truly best.

    PYTHONPATH=. python benchmarks/best_checkpoint.py [--reps 200] [--smoke]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.metrics import ProblemSamples  # noqa: E402
from r1eval.report.best import p_best  # noqa: E402

# name: (checkpoints, θ spread, problems, samples per problem)
SCENARIOS = {"AIME-like, 10 checkpoints, close": (10, 0.15, 30, 16),
             "AIME-like, 10 checkpoints, spread": (10, 0.5, 30, 16),
             "AIME-like 30x64, 20 checkpoints": (20, 0.2, 30, 64),
             "MATH-like 500x4, 10 checkpoints": (10, 0.1, 500, 4),
             "100 problems x 8, 5 checkpoints": (5, 0.15, 100, 8)}


def series(theta: np.ndarray, base: np.ndarray, k: int, rng: np.random.Generator) -> list[dict]:
    out = []
    for t in theta:
        counts = rng.binomial(k, 1 / (1 + np.exp(-(base + t))))
        out.append({str(i): ProblemSamples((True,) * int(c) + (False,) * (k - int(c)), ("",) * k)
                    for i, c in enumerate(counts)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=200)
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    reps = 3 if args.smoke else args.reps
    started = time.perf_counter()
    rows = []
    print(f"{'scenario':<36} {'reps':>5} {'said >= 0.9':>12} {'right':>6} {'share right':>12} {'mean p_best':>12}")
    for seed, (name, (m, spread, n, k)) in enumerate(SCENARIOS.items()):
        rng = np.random.default_rng(seed)
        said = right = 0
        stated = []
        for rep in range(reps):
            theta = rng.normal(0, spread, m)
            probs = p_best(series(theta, rng.normal(0, 1.5, n), k, rng), seed=rep)
            leader = int(np.argmax(probs))
            if probs[leader] >= 0.9:
                said += 1
                right += bool(theta[leader] == theta.max())
                stated.append(float(probs[leader]))
        share = right / said if said else float("nan")
        rows.append({"scenario": name, "checkpoints": m, "spread": spread, "problems": n, "k": k, "reps": reps,
                     "said": said, "right": right, "share_right": share,
                     "mean_stated": float(np.mean(stated)) if stated else None})
        print(f"{name:<36} {reps:>5} {said:>12} {right:>6} {share:>12.3f} "
              f"{(np.mean(stated) if stated else float('nan')):>12.3f}")
    said, right = sum(r["said"] for r in rows), sum(r["right"] for r in rows)
    print(f"all: p_best >= 0.9 stated {said} times, right {right} ({right / max(said, 1):.1%})")
    print(f"({time.perf_counter() - started:.0f} s)")
    recorder.write({'scenarios': rows, 'said': said, 'right': right}, args.smoke, args.out)


if __name__ == "__main__":
    main()
