"""Simulations with known ground truth for the gate's statistics (README: Gate).

1. Type-I error: one checkpoint compared with itself under a new seed (every problem's true solve rate is the
   same in both runs), at n = 1, 2, 3, 5, 10, 30 shared problems: how often does the gate report a regression?
   Nominal: at most 1 - confidence. The previous rule (paired percentile bootstrap) is run beside it.
2. Power: the candidate is truly 5 or 10 points worse on every problem; how often is it caught?
3. The ratchet: ten successive checkpoints, each 1 point worse than the one before. Gating each against the last
   accepted one only (the old README workflow) against gating it also against a fixed reference with a
   cumulative budget (`--reference REF --max-total-drop B`): how often are all ten accepted (10 points lost)?

    PYTHONPATH=. python benchmarks/gate_stats.py [--reps 2000] [--chains 1000] [--smoke]

The three outcomes and the CI workflow: gate_workflow.py.

Per-problem true solve rates are uniform on [0.1, 0.9]; each run draws k Bernoulli samples per problem.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.report.gate import decide  # noqa: E402
from r1eval.report.paired import min_problems, paired_delta  # noqa: E402

SMOKE = {"reps": 4, "chains": 2}

Rule = Callable[[np.ndarray, np.ndarray, np.random.Generator], bool]


def signflip_rule(max_drop: float, confidence: float, resamples: int = 2000) -> Rule:
    """Today's gate: refuses below min_problems, else flags when the sign-flip upper bound < -max_drop."""
    def flags(base: np.ndarray, cand: np.ndarray, rng: np.random.Generator) -> bool:
        if base.size < min_problems(confidence):
            return False  # the gate exits 2 ("too few problems") instead of reporting a regression
        keys = [str(i) for i in range(base.size)]
        result = paired_delta(dict(zip(keys, base, strict=True)), dict(zip(keys, cand, strict=True)), confidence,
                              seed=int(rng.integers(2**31)), resamples=resamples)
        return decide(result, max_drop) == "regression"
    return flags


def bootstrap_rule(max_drop: float, confidence: float, resamples: int = 2000) -> Rule:
    """The rule this replaced: paired percentile bootstrap over problems, regression when its one-sided
    upper bound < -max_drop."""
    def flags(base: np.ndarray, cand: np.ndarray, rng: np.random.Generator) -> bool:
        diff = cand - base
        means = diff[rng.integers(0, diff.size, size=(resamples, diff.size))].mean(axis=1)
        return bool(np.quantile(means, confidence) < -max_drop)
    return flags


def run_values(rates: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """One run's per-problem pass@1 in points: k samples per problem."""
    return 100.0 * rng.binomial(k, np.clip(rates, 0, 1)) / k


def flag_rate(rule: Rule, n: int, drop: float, reps: int, k: int, seed: int) -> float:
    """Share of (baseline, candidate) pairs flagged when the candidate is truly `drop` points worse."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(reps):
        rates = rng.uniform(0.1, 0.9, n)
        hits += rule(run_values(rates, k, rng), run_values(rates - drop / 100, k, rng), rng)
    return hits / reps


def ratchet(chains: int, n: int, k: int, step_drop: float, steps: int, max_drop: float, budget: float | None,
            confidence: float, seed: int) -> tuple[float, float]:
    """(share of chains where every checkpoint was accepted, mean true drop of the last accepted checkpoint).

    Checkpoint j is truly j·step_drop points below the reference on every problem. It is gated against the last
    accepted run with max_drop and, when `budget` is set, also against the reference run with `budget`."""
    rng = np.random.default_rng(seed)
    rule = signflip_rule(max_drop, confidence, resamples=1000)
    total_rule = signflip_rule(budget, confidence, resamples=1000) if budget is not None else None
    all_accepted, final_drop = 0, 0.0
    for _ in range(chains):
        rates = rng.uniform(0.15, 0.85, n)
        reference = run_values(rates, k, rng)
        accepted, accepted_drop = reference, 0.0
        for j in range(1, steps + 1):
            cand = run_values(rates - j * step_drop / 100, k, rng)
            if rule(accepted, cand, rng) or (total_rule is not None and total_rule(reference, cand, rng)):
                continue
            accepted, accepted_drop = cand, j * step_drop
        all_accepted += accepted_drop == steps * step_drop
        final_drop += accepted_drop
    return all_accepted / chains, final_drop / chains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--chains", type=int, default=1000)
    parser.add_argument("--k", type=int, default=16, help="samples per problem")
    parser.add_argument("--max-drop", type=float, default=1.0)
    parser.add_argument("--confidence", type=float, default=0.95)
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    started = time.perf_counter()
    rules = {"bootstrap (before)": bootstrap_rule(args.max_drop, args.confidence),
             "sign-flip (now)": signflip_rule(args.max_drop, args.confidence)}
    print(f"k={args.k} samples per problem, --max-drop {args.max_drop:g}, confidence {args.confidence:g}, "
          f"{args.reps} pairs per cell")
    print(f"{'n problems':>10} | " + " | ".join(f"{name:>38}" for name in rules))
    print(f"{'':>10} | " + " | ".join(f"{'type-I':>10} {'power 5pt':>12} {'power 10pt':>13}" for _ in rules))
    figures: dict = {"k": args.k, "max_drop": args.max_drop, "confidence": args.confidence, "reps": args.reps,
                     "flag_rates": {name: {} for name in rules}, "ratchet": {"chains": args.chains}}
    for n in (1, 2, 3, 5, 10, 30, 100):
        cells = []
        for name, rule in rules.items():
            rates = [flag_rate(rule, n, drop, args.reps, args.k, seed=n * 7 + int(drop)) for drop in (0, 5, 10)]
            figures["flag_rates"][name][n] = dict(zip(("type_I", "power_5pt", "power_10pt"), rates, strict=True))
            cells.append(f"{rates[0]:>10.3f} {rates[1]:>12.3f} {rates[2]:>13.3f}")
        print(f"{n:>10} | " + " | ".join(cells))
    print()
    print(f"ratchet: 10 checkpoints, each 1 point worse than the last; n=100 problems, k={args.k}, "
          f"{args.chains} chains")
    for label, budget in (("vs last accepted only (old workflow)", None),
                          ("also vs fixed reference, --max-total-drop 2", 2.0)):
        share, drop = ratchet(args.chains, 100, args.k, 1.0, 10, args.max_drop, budget, args.confidence, seed=11)
        figures["ratchet"][label] = {"all_ten_accepted": share, "last_accepted_true_drop": drop}
        print(f"  {label:<46} all ten accepted in {share:6.1%} of chains; last accepted is on average "
              f"{drop:4.1f} points below the reference")
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(f"({figures['seconds']:.0f} s)")
    recorder.write(figures, args.smoke, args.out)


if __name__ == "__main__":
    main()
