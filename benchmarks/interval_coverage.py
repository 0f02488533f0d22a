"""Coverage of pass@1's intervals, by simulation with known truth (docs/statistics.md, "Intervals").

Each interval is checked against what it names:
- pass@1_ci95_sampling: the true mean solve rate of THESE problems (held fixed; new samples each repetition);
- pass@1_pi95_rerun: the pass@1 of an independent re-run on the same problems;
- pass@1_ci95_problems: the mean of the POPULATION the problems are drawn from (new problems each repetition).
Beside them, the intervals they replaced: the normal sampling interval with variance p̂(1-p̂)/(n-1) (zero at
0/k and k/k) and the percentile bootstrap over problems.

Populations of per-problem solve rates: uniform, AIME-like Beta(0.5, 0.5), MATH-like Beta(3, 0.4), near 0
Beta(0.3, 6) and Beta(0.2, 10), near 1 Beta(6, 0.3).

    PYTHONPATH=. python benchmarks/interval_coverage.py [--reps 1000] [--smoke]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from statistics import NormalDist

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.metrics import ProblemSamples, problems_ci, rerun_interval, sampling_ci  # noqa: E402

POPULATIONS = {"uniform": (1.0, 1.0), "AIME-like": (0.5, 0.5), "MATH-like": (3.0, 0.4), "near 0": (0.3, 6.0),
               "very near 0": (0.2, 10.0), "near 1": (6.0, 0.3)}
Z = NormalDist().inv_cdf(0.975)


def samples(counts: np.ndarray, k: int) -> list[ProblemSamples]:
    return [ProblemSamples((True,) * int(c) + (False,) * (k - int(c)), ("",) * k) for c in counts]


def old_sampling(counts: np.ndarray, k: int) -> tuple[float, float]:
    p = counts / k
    half = Z * np.sqrt(np.sum(p * (1 - p) / (k - 1))) / p.size
    return p.mean() - half, p.mean() + half


def old_bootstrap(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    means = values[rng.integers(0, values.size, (2000, values.size))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def cell(shape: tuple[float, float], n: int, k: int, reps: int, seed: int) -> dict[str, float]:
    """Coverage of each interval over `reps` repetitions (sampling/rerun: 10 fixed problem sets in turn)."""
    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(("sampling", "rerun", "problems", "old sampling", "old bootstrap"), 0)
    sets = [rng.beta(*shape, n) for _ in range(10)]
    for rep in range(reps):
        rates = sets[rep % 10]
        counts = rng.binomial(k, rates)
        lo, hi = sampling_ci(samples(counts, k))
        hits["sampling"] += lo <= rates.mean() <= hi
        lo, hi = old_sampling(counts, k)
        hits["old sampling"] += lo <= rates.mean() <= hi
        lo, hi = rerun_interval(samples(counts, k))
        hits["rerun"] += lo - 1e-12 <= rng.binomial(k, rates).mean() / k <= hi + 1e-12
        fresh = rng.binomial(k, rng.beta(*shape, n)) / k
        truth = shape[0] / sum(shape)
        lo, hi = problems_ci(fresh, [k] * n)
        hits["problems"] += lo <= truth <= hi
        lo, hi = old_bootstrap(fresh, rng)
        hits["old bootstrap"] += lo <= truth <= hi
    return {name: h / reps for name, h in hits.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=1000)
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    reps, sizes, ks = (10, (10,), (2,)) if args.smoke else (args.reps, (5, 10, 30, 100), (2, 4, 16, 64))
    started = time.perf_counter()
    rows = []
    names = ("sampling", "rerun", "problems", "old sampling", "old bootstrap")
    print(f"coverage of 95% intervals, {reps} repetitions per cell")
    print(f"{'population':<12} {'n':>4} {'k':>3} | " + " ".join(f"{n:>13}" for n in names))
    for pop, shape in POPULATIONS.items():
        for n in sizes:
            for k in ks:
                cover = cell(shape, n, k, reps, seed=n * 100 + k)
                rows.append({"population": pop, "shape": shape, "n": n, "k": k, **cover})
                print(f"{pop:<12} {n:>4} {k:>3} | " + " ".join(f"{cover[name]:>13.3f}" for name in names))
    worst = {name: min(r[name] for r in rows if r["n"] >= 10) for name in names}
    print("lowest at n >= 10: " + ", ".join(f"{name} {value:.3f}" for name, value in worst.items()))
    print(f"({time.perf_counter() - started:.0f} s)")
    recorder.write({'cells': rows, 'lowest_at_n_ge_10': worst}, args.smoke, args.out)


if __name__ == "__main__":
    main()
