"""Does elo_rating's 95% interval cover the true rating 95% of the time? A simulation with known ground truth.

    python benchmarks/rating_coverage.py [--reps 2000] [--problems 50] [--samples 8] [--seed 0] [--smoke]

For each true rating R on a grid, draw a problem set (ratings 800..3500 in steps of 100, like Codeforces),
simulate k_j ~ Binomial(n, p_j(R)) with p_j(R) = 1 / (1 + 10^((d_j - R)/400)), fit, and count how often
[lo, hi] holds R. Reported per R: coverage of both intervals, bias, the Fisher interval's mean width, and how
often the all/none-solved rule applied. A second scenario breaks the model on purpose:
each problem's true difficulty is its listed rating plus N(0, sigma^2) noise (listed ratings are themselves
estimates), which the binomial likelihood does not know about; its coverage shows how much that matters, and how
the sandwich (problem-clustered) interval that fit_rating also returns holds up.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, Recorder, add_options  # noqa: E402
from r1eval.rating import fit_rating, solve_probability  # noqa: E402

SMOKE = {"reps": 3}

PROBLEM_RATINGS = np.arange(800, 3600, 100)


@dataclass(frozen=True)
class Coverage:
    true_rating: float
    reps: int
    covered: float  # share of Fisher intervals holding the true rating
    covered_robust: float  # share of sandwich intervals holding it
    bias: float  # mean estimate - true rating
    width: float  # mean interval width
    edge: float  # share of fits that hit the all-solved / none-solved rule


def coverage(true_rating: float, reps: int, n_problems: int, n_samples: int, seed: int,
             difficulty_noise: float = 0.0) -> Coverage:
    rng = np.random.default_rng([seed, int(true_rating)])
    hits = robust_hits = edges = 0
    estimates, widths = [], []
    for _ in range(reps):
        listed = rng.choice(PROBLEM_RATINGS, size=n_problems)
        actual = listed + rng.normal(0.0, difficulty_noise, size=n_problems) if difficulty_noise else listed
        correct = rng.binomial(n_samples, solve_probability(actual, true_rating))
        fit = fit_rating(zip(listed.tolist(), [n_samples] * n_problems, correct.tolist(), strict=True))
        hits += fit.lo <= true_rating <= fit.hi
        robust_hits += fit.robust is not None and fit.robust[0] <= true_rating <= fit.robust[1]
        edges += fit.rule != "mle"
        estimates.append(fit.rating)
        widths.append(fit.hi - fit.lo)
    return Coverage(true_rating, reps, hits / reps, robust_hits / reps, float(np.mean(estimates)) - true_rating, float(np.mean(widths)),
                    edges / reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--problems", type=int, default=50)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--noise", type=float, default=200.0, help="sigma of the misspecified scenario")
    parser.add_argument("--seed", type=int, default=0)
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    grid = [600, 1000, 1400, 1800, 2200, 2600, 3000]
    rows = []
    print(f"{args.problems} problems x {args.samples} samples, {args.reps} replications per rating")
    print(f"{'scenario':<22}{'true R':>7}{'Fisher':>8}{'sandwich':>9}{'bias':>8}{'width':>8}{'edge rule':>11}")
    for scenario, noise in (("binomial (as modelled)", 0.0), (f"difficulty noise {args.noise:g}", args.noise)):
        for true_rating in grid:
            c = coverage(true_rating, args.reps, args.problems, args.samples, args.seed, noise)
            rows.append({"scenario": scenario, **c.__dict__})
            print(f"{scenario:<22}{true_rating:>7}{c.covered:>8.3f}{c.covered_robust:>9.3f}{c.bias:>8.1f}"
                  f"{c.width:>8.0f}{c.edge:>11.3f}")
    other_size = RESULTS / f"rating_coverage_N{args.problems}.json" if args.problems != 50 else None
    recorder.write({"problems": args.problems, "samples": args.samples, "reps": args.reps, "noise": args.noise,
                    "seed": args.seed, "rows": rows}, args.smoke, args.out or other_size)


if __name__ == "__main__":
    main()
