"""Paired comparison of two runs on the problems they share: per-problem metric values, a paired sign-flip test
of the mean difference with the confidence bounds it implies, p-values fine enough for a correction over
hundreds of comparisons (flip_p_value), and the normal power arithmetic used for cons@N and pass@k (pass@1's
power is simulated for the exact test: r1eval.report.power).

All values here are in percentage points (pass@1 0.512 -> 51.2), the unit users read and `--max-drop` uses.

Why a sign-flip test and not a bootstrap: with d_i = candidate - baseline on problem i, if the two checkpoints
are the same model (a new seed) each d_i is as likely to be +x as -x, so flipping signs at random gives the exact
null distribution of mean(d), at any number of problems and whether the problems are seen as fixed or sampled.
The percentile bootstrap has no such guarantee: with one problem its interval has zero width, and comparing a
checkpoint with itself it flagged a regression in 44% of pairs (benchmarks/gate_stats.py). Inverting the test
gives the bounds: the one-sided upper bound at level 1 - a is the K-th largest mean of d over the flipped
subsets (Hartigan's subset means). Up to 13 problems every flip is enumerated, so bounds and p-value are exact
and agree; above, the bounds come from random flips and the p-value from flip_p_value.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist

import numpy as np

from r1eval.errors import R1EvalError
from r1eval.metrics import ProblemSamples, cons_correct
from r1eval.types import MetricName

GATE_RESAMPLES = 10_000  # random sign flips when 2^n is larger; below that every flip is enumerated
REPORT_RESAMPLES = 2_000  # the report's many deltas: bounds only (p-values are exact or bounded: flip_p_value)
LATTICE_CELLS = 4_000_000  # widest exact distribution of a sum of flipped differences (float64 cells)
POWER = 0.80  # power used for the detectable drop

def check_metric(metric: str) -> MetricName:
    """The gate's / report's --metric as a MetricName (an estimate, not an interval)."""
    name = MetricName.parse(metric)
    if name is None or name.interval is not None or name.k == 0:
        raise R1EvalError(f"unknown metric {metric!r}; use pass@1, pass@K (K <= samples) or cons@N")
    return name


def per_problem_values(problems: Mapping[str, ProblemSamples], metric: str, n: int | None = None) -> dict[str, float]:
    """Each problem's contribution to `metric`, in points, as metrics.task_metrics computes it: pass@1 ->
    100·c/n_i (adaptive runs: the design's unbiased estimate, ProblemSamples.rate); pass@k -> 100·(unbiased
    estimator at min(k, n_i); adaptive runs: k up to the first round); cons@N / cons -> 100 when the majority
    answer is correct. `n` is the configured samples per problem (default: the largest count present): pass@k
    needs k <= n and cons@N needs N = n. The metric is their mean."""
    name = check_metric(metric)
    n = n or max((p.n for p in problems.values()), default=0)
    if name.family == "pass":
        k = name.k or 1
        if k > n:
            raise ValueError(f"{metric} needs at least {k} samples per problem; the run drew {n}")
        first = min((p.rounds[0] for p in problems.values() if p.rounds), default=k)
        if k > first:
            raise ValueError(f"{metric}: an adaptive run estimates pass@k only up to k = {first} (its first round)")
        return {pid: 100.0 * p.pass_k(min(k, p.n)) for pid, p in problems.items()}
    if name.k is not None and name.k != n:
        raise ValueError(f"{metric} needs {name.k} samples per problem; the run drew {n}")
    return {pid: 100.0 * float(cons_correct(p)) for pid, p in problems.items()}


def min_problems(confidence: float) -> int:
    """Fewest problems at which a paired sign-flip test can reach p <= 1 - confidence (its best p is 1/2^n)."""
    return max(1, math.ceil(math.log2(1.0 / (1.0 - confidence)) - 1e-12))


def subset_means(diff: np.ndarray, seed: int = 0, resamples: int = GATE_RESAMPLES) -> tuple[np.ndarray, int]:
    """Means of `diff` over the flipped subsets of a sign-flip test, and how many flips there are in all.

    Every subset when 2^n <= resamples (exact test); otherwise `resamples` random subsets plus the empty one
    (the observed data), which keeps the Monte Carlo p-value valid. Empty subsets have no mean and are counted
    only in the total."""
    n = diff.size
    if n <= math.log2(resamples):
        masks = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    else:
        rng = np.random.default_rng(seed)
        masks = np.vstack([np.zeros((1, n), bool), rng.random((resamples, n)) < 0.5])
    sizes = masks.sum(axis=1)
    keep = sizes > 0
    return (masks[keep] @ diff) / sizes[keep], masks.shape[0]


def _kth_largest(values: np.ndarray, total: int, alpha: float) -> float:
    """The one-sided bound: sup{t : #(empty flips) + #{values >= t} > alpha·total}; +inf when no t is rejected."""
    empties = total - values.size
    k = math.floor(alpha * total - empties + 1e-9) + 1
    if k <= 0:
        return math.inf
    return float(np.sort(values)[::-1][min(k, values.size) - 1])


@dataclass(frozen=True)
class PairedDelta:
    """candidate - baseline over n shared problems, with sign-flip bounds at `confidence` (inf: not bounded)."""

    n: int
    baseline: float
    candidate: float
    delta: float
    ci_low: float  # two-sided interval at `confidence`
    ci_high: float
    upper: float  # one-sided upper confidence bound of delta at `confidence`
    lower: float  # one-sided lower confidence bound
    sd_diff: float  # SD of per-problem differences (ddof=1)
    confidence: float
    p_two_sided: float  # sign-flip p-value of "no change" (delta = 0)


def paired_delta(baseline: Mapping[str, float], candidate: Mapping[str, float], confidence: float = 0.95,
                 seed: int = 0, resamples: int = GATE_RESAMPLES) -> PairedDelta:
    """Paired sign-flip comparison over the shared problems (see the module docstring)."""
    if not 0.5 < confidence < 1.0:
        raise R1EvalError(f"confidence must be in (0.5, 1), got {confidence}")
    shared = sorted(set(baseline) & set(candidate))
    if not shared:
        raise R1EvalError("the two runs share no problems")
    base = np.array([baseline[p] for p in shared])
    cand = np.array([candidate[p] for p in shared])
    diff = cand - base
    means, total = subset_means(diff, seed, resamples)
    alpha = 1.0 - confidence
    empties = total - means.size
    tail_low = (empties + np.count_nonzero(means >= 0)) / total
    tail_high = (empties + np.count_nonzero(means <= 0)) / total
    sd = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
    return PairedDelta(n=len(shared), baseline=float(base.mean()), candidate=float(cand.mean()),
                       delta=float(diff.mean()), ci_low=-_kth_largest(-means, total, alpha / 2),
                       ci_high=_kth_largest(means, total, alpha / 2), upper=_kth_largest(means, total, alpha),
                       lower=-_kth_largest(-means, total, alpha), sd_diff=sd, confidence=confidence,
                       p_two_sided=flip_p_value(diff, float(min(1.0, 2 * min(tail_low, tail_high)))))


def _lattice(diff: np.ndarray) -> np.ndarray | None:
    """`diff` as integers on a common grid (pass@1 and cons@N differences are multiples of 100/lcm(n_i)), or
    None when the grid would be too fine for an exact distribution (e.g. pass@k's estimator values)."""
    scale = 1
    for value in diff:
        frac = Fraction(float(value) / 100).limit_denominator(100_000)
        if abs(float(frac) * 100 - value) > 1e-9:
            return None
        scale = math.lcm(scale, frac.denominator)
        if scale > 100_000:
            return None
    units = np.rint(np.abs(diff) * scale / 100).astype(np.int64)
    return units if units.sum() <= LATTICE_CELLS else None


def _exact_tails(units: np.ndarray, observed: int) -> tuple[float, float]:
    """P(S <= observed), P(S >= observed) for S = sum of ±units_i with fair independent signs, exactly, by
    convolving one problem at a time (subset sums of the flipped units: S = total - 2·flipped)."""
    total = int(units.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    reach = 0
    for u in (int(u) for u in units if u):
        dist[u:reach + u + 1] = 0.5 * dist[u:reach + u + 1] + 0.5 * dist[:reach + 1]  # right side first: copy
        dist[:u] *= 0.5
        reach += u
    sums = total - 2 * np.arange(total + 1)
    return float(dist[sums <= observed].sum()), float(dist[sums >= observed].sum())


def _chernoff_tail(diff: np.ndarray, t: float) -> float:
    """Upper bound on P(sum of ±diff_i >= t), t > 0: min over l of exp(-l·t)·prod cosh(l·diff_i) (valid at any
    n; it replaces a Monte Carlo p-value whose floor 1/(resamples+1) would stop a correction over many rows)."""
    scale = float(np.abs(diff).max())
    if t <= 0 or scale == 0:
        return 1.0
    a, x = diff / scale, t / scale
    lo, hi = 0.0, 1.0
    while float(np.sum(a * np.tanh(hi * a))) < x and hi < 1e6:
        hi *= 2
    for _ in range(60):  # the exponent's derivative, sum a_i tanh(l a_i) - x, increases with l
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(np.sum(a * np.tanh(mid * a))) < x else (lo, mid)
    log_bound = -hi * x + float(np.sum(np.logaddexp(hi * a, -hi * a) - math.log(2)))
    return min(1.0, math.exp(log_bound))


def flip_p_value(diff: np.ndarray, monte_carlo: float) -> float:
    """Two-sided sign-flip p-value of "no change" resolved enough for a correction over hundreds of rows: exact
    (by enumeration or on the differences' lattice) when it can be; otherwise the smaller of the Monte Carlo
    p-value and the Chernoff bound, doubled (Bonferroni over the two, so it stays valid)."""
    if diff.size <= math.log2(GATE_RESAMPLES):
        return monte_carlo  # every flip was enumerated: already exact
    units = _lattice(diff)
    if units is not None:
        low, high = _exact_tails(units, int(np.sum(np.sign(diff).astype(np.int64) * units)))
        return float(min(1.0, 2 * min(low, high)))
    bound = 2 * _chernoff_tail(diff, abs(float(diff.sum())))
    return float(min(1.0, 2 * min(monte_carlo, bound)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (family-wise error control over many comparisons, any dependence)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def planning_sd(delta: PairedDelta, baseline: Sequence[float], candidate: Sequence[float]) -> float:
    """SD of per-problem differences used for power: the observed paired SD; when that is 0 (identical or
    degenerate runs) the unpaired bound sqrt(var_b + var_c); when that is also 0, 50 points (the largest SD
    a 0-100 per-problem value can have), so an uninformative sample never looks powerful."""
    if delta.sd_diff > 0:
        return delta.sd_diff
    unpaired = math.sqrt(float(np.var(baseline, ddof=1) + np.var(candidate, ddof=1))) if len(baseline) > 1 else 0.0
    return unpaired if unpaired > 0 else 50.0


def _z(confidence: float, power: float) -> float:
    return NormalDist().inv_cdf(confidence) + NormalDist().inv_cdf(power)


def detectable_drop(sd: float, n: int, max_drop: float, confidence: float, power: float = POWER) -> float:
    """The true drop the gate flags with `power`: it flags when the upper bound is below -max_drop, so the
    drop must exceed max_drop by (z_conf + z_power)·sd/sqrt(n) (normal approximation)."""
    return max_drop + _z(confidence, power) * sd / math.sqrt(n)


def problems_needed(sd: float, drop: float, max_drop: float, confidence: float, power: float = POWER) -> int:
    """Problems at which a true drop of `drop` (> max_drop) points is flagged with `power`."""
    if drop <= max_drop:
        raise R1EvalError(f"a drop of {drop:g} points is never flagged when {max_drop:g} points are allowed")
    return math.ceil((_z(confidence, power) * sd / (drop - max_drop)) ** 2)
