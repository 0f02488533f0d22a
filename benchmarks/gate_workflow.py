"""Simulation with known truth of the CI workflow's gate (docs/statistics.md): what it decides, and whether the
power it prints is the power it has.

1. Outcomes. The README workflow gates each candidate against the last accepted run. For AIME-like tasks
   (30 problems x 64 or 16 samples) and MATH-500-like (500 x 4), a fresh problem set per pair, the candidate
   unchanged or truly 3/5/10 points worse: how often does the gate say pass / inconclusive / regression, at each
   allowed drop? (The defaults in r1eval.report.gate.TASK_MAX_DROP come from this table.)
2. Printed power. At n = 5, 10, 30, 500 problems x 16 samples: the drop the gate prints as "caught with 80%
   power" (from one unchanged pair, as a user sees it), and the real gate's rate of flagging a candidate truly
   that much worse on the same problems (target 80%).

Truth (not the gate's planning model): AIME-like problems' solve rates ~ Beta(0.5, 0.5) (many near 0 or 1),
MATH-500-like ~ Beta(3, 0.4) (mean 0.88); a drop of D points takes s·p(1-p) from each problem (concentrated on
middle difficulty), s chosen so the mean drop is D, rates clipped at 0.

    PYTHONPATH=. python benchmarks/gate_workflow.py [--reps 400] [--smoke]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.report import power  # noqa: E402
from r1eval.report.gate import decide  # noqa: E402
from r1eval.report.paired import paired_delta  # noqa: E402

TASKS = {"AIME 30x64": (30, 64, (0.5, 0.5)), "AIME 30x16": (30, 16, (0.5, 0.5)),
         "MATH-500 x4": (500, 4, (3.0, 0.4))}
DROPS = (0.0, 3.0, 5.0, 10.0)
ALLOWED = (1.0, 2.0, 3.0, 5.0)


def dropped(rates: np.ndarray, drop: float) -> np.ndarray:
    """Rates truly `drop` points lower on average, the loss concentrated on middle-difficulty problems."""
    weight = rates * (1 - rates)
    lo, hi = 0.0, 1e3
    for _ in range(60):
        s = (lo + hi) / 2
        lo, hi = (s, hi) if np.mean(rates - np.clip(rates - s * weight, 0, 1)) < drop / 100 else (lo, s)
    return np.clip(rates - hi * weight, 0, 1)


def judge(base: np.ndarray, cand: np.ndarray, seed: int) -> object:
    keys = [str(i) for i in range(base.size)]
    return paired_delta(dict(zip(keys, base, strict=True)), dict(zip(keys, cand, strict=True)), 0.95, seed=seed,
                        resamples=2000)


def outcomes(n: int, k: int, shape: tuple[float, float], drop: float, reps: int, seed: int) -> dict[float, dict]:
    """{allowed drop: {outcome: share}} over `reps` fresh (problems, baseline, candidate) draws."""
    rng = np.random.default_rng(seed)
    counts = {a: {"pass": 0, "inconclusive": 0, "regression": 0} for a in ALLOWED}
    for rep in range(reps):
        rates = rng.beta(*shape, n)
        result = judge(100 * rng.binomial(k, rates) / k, 100 * rng.binomial(k, dropped(rates, drop)) / k, rep)
        for allowed in ALLOWED:
            counts[allowed][decide(result, allowed)] += 1
    return {a: {o: c / reps for o, c in cell.items()} for a, cell in counts.items()}


def printed_power(n: int, k: int, reps: int, pairs: int, seed: int) -> dict:
    """Mean printed 80%-power drop over `reps` problem sets, and the real gate's flag rate at it."""
    rng = np.random.default_rng(seed)
    printed, caught, off, unreachable = [], [], [], 0
    for _ in range(reps):
        rates = rng.uniform(0.3, 0.95, n)
        cb, cc = rng.binomial(k, rates), rng.binomial(k, rates)
        model = power.Model.pooled(list(zip(cb, [k] * n, strict=True)), list(zip(cc, [k] * n, strict=True)))
        drop = power.detectable_drop(model, 1.0, 0.95)
        if not np.isfinite(drop):
            unreachable += 1
            continue
        truth = power.detectable_drop(power.Model(rates, np.full(n, k), np.full(n, k)), 1.0, 0.95)
        off.append(drop - truth)  # printed minus the true rates' 80%-power drop (same drop shape)
        worse = np.clip(rates * (1 - drop / (100 * rates.mean())), 0, 1)
        hits = sum(decide(judge(100 * rng.binomial(k, rates) / k, 100 * rng.binomial(k, worse) / k, i), 1.0)
                   == "regression" for i in range(pairs))
        printed.append(drop)
        caught.append(hits / pairs)
    return {"n": n, "k": k, "problem_sets": reps, "pairs_each": pairs, "unreachable": unreachable,
            "printed_drop_mean": float(np.mean(printed)) if printed else None,
            "flag_rate_at_printed_drop": float(np.mean(caught)) if caught else None,
            "printed_minus_true_drop_mean": float(np.mean(off)) if off else None,
            "printed_minus_true_drop_mean_abs": float(np.mean(np.abs(off))) if off else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=400, help="pairs per cell of the outcome table")
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    reps = 4 if args.smoke else args.reps
    started = time.perf_counter()
    table = []
    print(f"outcomes of the gate, {reps} pairs per cell: pass / inconclusive / regression (%)")
    print(f"{'task':<12} {'true drop':>9} | " + " | ".join(f"{'allowed ' + format(a, 'g'):>20}" for a in ALLOWED))
    for name, (n, k, shape) in TASKS.items():
        for drop in DROPS:
            cell = outcomes(n if not args.smoke else min(n, 30), k, shape, drop, reps, seed=int(drop) + n + k)
            table.append({"task": name, "true_drop": drop, "outcomes": {str(a): v for a, v in cell.items()}})
            print(f"{name:<12} {drop:>9g} | " + " | ".join(
                f"{100 * c['pass']:>6.1f}{100 * c['inconclusive']:>7.1f}{100 * c['regression']:>7.1f}"
                for c in cell.values()))
    checks = []
    print("\nprinted 80%-power drop (allowed 1 point) vs the real gate's flag rate at that true drop")
    for n in ((5, 10) if args.smoke else (5, 10, 30, 500)):
        row = printed_power(n, 16, 2 if args.smoke else 20, 4 if args.smoke else 200, seed=n)
        checks.append(row)
        print(f"  n={n:>3}: printed {row['printed_drop_mean'] or float('nan'):5.1f} points on average, flagged "
              f"{100 * (row['flag_rate_at_printed_drop'] or float('nan')):5.1f}% of the time; printed - true "
              f"80%-power drop {row['printed_minus_true_drop_mean'] or float('nan'):+.2f} on average, "
              f"{row['printed_minus_true_drop_mean_abs'] or float('nan'):.2f} in absolute value "
              f"({row['unreachable']} of {row['problem_sets']} problem sets: no drop reachable)")
    print(f"({time.perf_counter() - started:.0f} s)")
    recorder.write({'outcomes': table, 'printed_power': checks}, args.smoke, args.out)


if __name__ == "__main__":
    main()
