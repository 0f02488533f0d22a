"""Adaptive sampling (`r1eval run --adaptive`) against a fixed n, by simulation with known truth (docs/adaptive.md).

Per-problem solve rates come from a Beta mixture shaped like a 1.5B model on AIME: half the problems near 0
(Beta(0.3, 12)), 15 % near 1 (Beta(12, 0.3)), the rest spread (Beta(1.2, 1.2)). Each repetition draws the
problems' rates, then n Bernoulli outcomes per problem; the fixed design uses all n, the adaptive design the
samples its rule draws (r1eval.metrics.design_length), estimated by r1eval.metrics exactly as a run's results
are (pass@1, pass@1_ci95_sampling, pass@1_ci95_problems: the real code path). Reported, in points:

- bias: mean of (pass@1 - the mean of the drawn problems' true rates), with its Monte Carlo standard error;
  beside it the naive estimator (mean of c_i/n_i over the samples drawn) that the rule would bias;
- coverage of pass@1_ci95_sampling (truth: the mean of the drawn problems' rates: re-running the checkpoint)
  and of pass@1_ci95_problems (truth: the mixture's mean: other problems like these);
- mean interval widths and the error's SD; samples drawn as a share of the fixed run's;
- a stress test of the sampling interval: every problem at one rate (0.01, 0.1, 0.3, 0.9), a quarter of the reps.

    PYTHONPATH=. python benchmarks/adaptive.py [--reps 4000] [--problems 30] [--n 64] [--first 8] [--smoke] [--out F]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.metrics import ProblemSamples, design_length, pass_at_1, problems_ci, sampling_ci  # noqa: E402

MIXTURE = ((0.50, 0.3, 12.0), (0.15, 12.0, 0.3), (0.35, 1.2, 1.2))  # (weight, alpha, beta)
POPULATION_MEAN = sum(w * a / (a + b) for w, a, b in MIXTURE)
STRESS_RATES = (0.01, 0.1, 0.3, 0.9)


def draw_rates(problems: int, rng: np.random.Generator) -> np.ndarray:
    weights = [w for w, _, _ in MIXTURE]
    parts = rng.choice(len(MIXTURE), size=problems, p=weights)
    return np.array([rng.beta(MIXTURE[c][1], MIXTURE[c][2]) for c in parts])


def design_samples(outcomes: np.ndarray, rounds: tuple[int, ...] | None) -> list[ProblemSamples]:
    """Each problem's samples as a run would record them: all n (fixed) or those the adaptive rule draws."""
    problems = []
    for row in outcomes:
        correct = tuple(bool(x) for x in row)
        if rounds:
            correct = correct[: design_length(correct, rounds)]
        problems.append(ProblemSamples(correct=correct, answers=(None,) * len(correct), rounds=rounds or ()))
    return problems


def simulate(reps: int, problems: int, n: int, first: int, seed: int,
             rate: float | None = None) -> dict[str, dict[str, float]]:
    """The figures above; `rate`: every problem has this rate instead of the mixture's (a stress test of the
    sampling interval: all problems near 0 is where stopping early matters most)."""
    rng = np.random.default_rng(seed)
    designs = {f"fixed n={n}": None, f"adaptive first={first} up to n={n}": (first, n)}
    rows: dict[str, dict[str, list[float]]] = {name: {} for name in [*designs, "naive c/n of the adaptive samples"]}

    def add(name: str, **values: float) -> None:
        for key, value in values.items():
            rows[name].setdefault(key, []).append(value)

    for _ in range(reps):
        rates = draw_rates(problems, rng) if rate is None else np.full(problems, rate)
        outcomes = rng.random((problems, n)) < rates[:, None]
        truth = float(rates.mean())
        for name, rounds in designs.items():
            samples = design_samples(outcomes, rounds)
            estimate = pass_at_1(samples)
            lo_s, hi_s = sampling_ci(samples)
            lo_p, hi_p = problems_ci([p.rate for p in samples], [p.n for p in samples])
            add(name, error=estimate - truth, covered_sampling=lo_s <= truth <= hi_s,
                covered_problems=lo_p <= POPULATION_MEAN <= hi_p, width_sampling=hi_s - lo_s,
                width_problems=hi_p - lo_p, samples=sum(p.n for p in samples) / (problems * n))
            if rounds:
                add("naive c/n of the adaptive samples", error=float(np.mean([p.c / p.n for p in samples])) - truth)
    summary = {}
    for name, values in rows.items():
        error = np.array(values["error"])
        out = {"bias_points": 100 * float(error.mean()),
               "bias_mc_se_points": 100 * float(error.std(ddof=1) / np.sqrt(error.size)),
               "error_sd_points": 100 * float(error.std(ddof=1))}
        for key in ("covered_sampling", "covered_problems", "width_sampling", "width_problems"):
            if key in values:
                out[key.replace("covered", "coverage")] = float(np.mean(values[key])) * (1 if "covered" in key else 100)
        if "samples" in values:
            out["samples_share"] = float(np.mean(values["samples"]))
        summary[name] = out
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--problems", type=int, default=30)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--first", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    add_options(parser)  # --smoke: a few repetitions
    recorder = Recorder(__file__)
    args = parser.parse_args()
    reps = 20 if args.smoke else args.reps
    started = time.perf_counter()
    summary = simulate(reps, args.problems, args.n, args.first, args.seed)
    print(f"{reps} repetitions of {args.problems} problems; mixture mean {100 * POPULATION_MEAN:.2f} points")
    for name, row in summary.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
    stress = {}
    for rate in STRESS_RATES:
        row = simulate(max(reps // 4, 5), args.problems, args.n, args.first, args.seed + 1, rate)
        stress[str(rate)] = {name: {k: v for k, v in values.items() if k in ("bias_points", "coverage_sampling",
                                                                                 "width_sampling", "samples_share")}
                             for name, values in row.items() if not name.startswith("naive")}
        print(f"every problem at rate {rate}: " + "; ".join(
            f"{name}: coverage_sampling {v['coverage_sampling']:.3f}, width {v['width_sampling']:.2f}"
            for name, v in stress[str(rate)].items()))
    recorder.write({"reps": reps, "problems": args.problems, "n": args.n, "first": args.first, "mixture": MIXTURE,
                    "population_mean": POPULATION_MEAN, "results": summary, "stress_constant_rate": stress,
                    "seconds": time.perf_counter() - started}, args.smoke, args.out)


if __name__ == "__main__":
    main()
