"""Paired comparison of two runs on the problems they share: per-problem metric values, a paired bootstrap
over problems for the difference of means, and the power arithmetic behind the gate's small-sample warning.

All values here are in percentage points (pass@1 0.512 -> 51.2), the unit users read and `--max-drop` uses.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from r1eval.errors import R1EvalError
from r1eval.metrics import ProblemSamples, cons_correct, pass_at_k

GATE_RESAMPLES = 10_000
POWER = 0.80  # power used for the minimum detectable drop

_METRIC = re.compile(r"^(pass@(\d+)|cons(?:@(\d+))?)$")


def check_metric(metric: str) -> None:
    if not _METRIC.match(metric):
        raise R1EvalError(f"unknown metric {metric!r}; use pass@1, pass@K (K <= samples) or cons@N")


def per_problem_values(problems: Mapping[str, ProblemSamples], metric: str) -> dict[str, float]:
    """Each problem's contribution to `metric`, in points: pass@1 -> 100·c/n; pass@k -> 100·(unbiased
    estimator); cons@N / cons -> 100 when the majority answer is correct. The metric is their mean."""
    match = _METRIC.match(metric)
    if not match:
        check_metric(metric)
    assert match is not None
    if match.group(2):
        k = int(match.group(2))
        short = [pid for pid, p in problems.items() if p.n < k]
        if short:
            raise ValueError(f"{metric} needs at least {k} samples per problem; {len(short)} problems have fewer")
        return {pid: 100.0 * pass_at_k(p.n, p.c, k) for pid, p in problems.items()}
    if match.group(3):
        n = int(match.group(3))
        other = sorted({p.n for p in problems.values()} - {n})
        if other:
            raise ValueError(f"{metric} needs exactly {n} samples per problem; found n = {other}")
    return {pid: 100.0 * float(cons_correct(p)) for pid, p in problems.items()}


@dataclass(frozen=True)
class PairedDelta:
    """candidate - baseline over n shared problems, with bootstrap bounds at `confidence`."""

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


def paired_delta(baseline: Mapping[str, float], candidate: Mapping[str, float], confidence: float = 0.95,
                 seed: int = 0, resamples: int = GATE_RESAMPLES) -> PairedDelta:
    """Paired percentile bootstrap: resample the shared problems with replacement, `resamples` times, and take
    the mean per-problem difference each time. Problems are the unit of resampling because they are the
    sampled population (samples of one problem are correlated)."""
    if not 0.5 < confidence < 1.0:
        raise R1EvalError(f"confidence must be in (0.5, 1), got {confidence}")
    shared = sorted(set(baseline) & set(candidate))
    if not shared:
        raise R1EvalError("the two runs share no problems")
    base = np.array([baseline[p] for p in shared])
    cand = np.array([candidate[p] for p in shared])
    diff = cand - base
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(resamples, diff.size))].mean(axis=1)
    alpha = 1.0 - confidence
    lo, hi, upper, lower = np.quantile(means, [alpha / 2, 1 - alpha / 2, confidence, alpha])
    sd = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
    return PairedDelta(n=len(shared), baseline=float(base.mean()), candidate=float(cand.mean()),
                       delta=float(diff.mean()), ci_low=float(lo), ci_high=float(hi), upper=float(upper),
                       lower=float(lower), sd_diff=sd, confidence=confidence)


def planning_sd(delta: PairedDelta, baseline: Sequence[float], candidate: Sequence[float]) -> float:
    """SD of per-problem differences used for power: the observed paired SD; when that is 0 (identical or
    degenerate runs) the unpaired bound sqrt(var_b + var_c); when that is also 0, 50 points (the largest SD
    a 0-100 per-problem value can have), so an uninformative sample never looks powerful."""
    if delta.sd_diff > 0:
        return delta.sd_diff
    unpaired = math.sqrt(float(np.var(baseline, ddof=1) + np.var(candidate, ddof=1))) if len(baseline) > 1 else 0.0
    return unpaired if unpaired > 0 else 50.0


def min_detectable_drop(sd: float, n: int, confidence: float, power: float = POWER) -> float:
    """Smallest true drop a one-sided paired test at `confidence` distinguishes from no change with `power`:
    (z_conf + z_power) · sd / sqrt(n) (normal approximation to the bootstrap)."""
    z = NormalDist().inv_cdf(confidence) + NormalDist().inv_cdf(power)
    return z * sd / math.sqrt(n)


def problems_needed(sd: float, drop: float, confidence: float, power: float = POWER) -> int:
    """n at which min_detectable_drop(sd, n) <= drop."""
    z = NormalDist().inv_cdf(confidence) + NormalDist().inv_cdf(power)
    return math.ceil((z * sd / drop) ** 2)
