"""What a gate comparison can catch, and what would decide an inconclusive one.

The figures are computed for the test the gate actually runs, not a normal approximation of it: at few problems
the sign-flip test is discrete (at 5 problems it rejects only when every difference is below the allowed drop,
and a problem tied at 0/k in both runs can never count), so power comes from simulating that test.

Planning model (pass@1): problem i's true rate is the pooled rate of both runs, p_i = (c_b + c_c)/(n_b + n_c);
each run draws its own number of samples per problem (n_b, n_c, so unequal counts are fine). A candidate "truly D
points worse" solves each problem at p_i·(1 - f), with f chosen so the mean drop is D: problems never solved
cannot get worse, and the largest drop a set of problems can show is its mean rate. Each simulated pair is then
judged by the gate's rule (upper bound of Δ < -max_drop), exactly enumerated up to 13 problems and with the
sign-flip distribution's normal approximation above. Draws are coupled (one uniform per problem and run, inverted
through the binomial CDF), so simulated power rises monotonically with D.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from scipy.stats import binom

from r1eval.report.paired import GATE_RESAMPLES

POWER = 0.80
SIMS = 400
MAX_PROBLEMS = 1_000_000
SIMULATE_UP_TO = 1_000


@dataclass(frozen=True)
class Model:
    """Per-problem pooled true rates and each run's sample counts (arrays of equal length)."""

    rates: np.ndarray
    n_base: np.ndarray
    n_cand: np.ndarray

    @classmethod
    def pooled(cls, base: Sequence[tuple[int, int]], cand: Sequence[tuple[int, int]]) -> Model:
        """From (correct, samples) per problem of each run, in the same problem order."""
        b, c = np.array(base, dtype=float).reshape(-1, 2), np.array(cand, dtype=float).reshape(-1, 2)
        return cls((b[:, 0] + c[:, 0]) / (b[:, 1] + c[:, 1]), b[:, 1].astype(int), c[:, 1].astype(int))

    def take(self, index: np.ndarray) -> Model:
        return Model(self.rates[index], self.n_base[index], self.n_cand[index])

    @property
    def largest_drop(self) -> float:
        return 100.0 * float(self.rates.mean())


def upper_bounds(diffs: np.ndarray, confidence: float) -> np.ndarray:
    """The gate's one-sided upper bound of mean(d) for each row of `diffs` (sims x problems): the sign-flip
    test's K-th largest subset mean by enumeration up to 13 problems, else its normal approximation
    d̄ + z·sqrt(SS / (n(n - z²))) (the t at which the flipped sum of d - t sits z SDs below zero)."""
    sims, n = diffs.shape
    alpha = 1.0 - confidence
    if n <= math.log2(GATE_RESAMPLES):
        masks = ((np.arange(1, 2**n)[:, None] >> np.arange(n)) & 1).astype(float)
        means = diffs @ masks.T / masks.sum(axis=1)
        k = math.floor(alpha * 2**n - 1 + 1e-9) + 1  # the empty flip (the data) counts once
        if k <= 0:
            return np.full(sims, math.inf)
        return -np.partition(-means, k - 1, axis=1)[:, k - 1]
    z = NormalDist().inv_cdf(confidence)
    ss = ((diffs - diffs.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    return diffs.mean(axis=1) + z * np.sqrt(ss / (n * max(n - z * z, 1e-9)))


def _power(model: Model, drop: float, max_drop: float, confidence: float, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    shape = (SIMS, model.rates.size)
    u_base, u_cand = rng.random(shape), rng.random(shape)
    factor = 1.0 - min(1.0, drop / model.largest_drop) if model.largest_drop > 0 else 1.0
    c_base = binom.ppf(u_base, model.n_base, model.rates)
    c_cand = binom.ppf(u_cand, model.n_cand, model.rates * factor)
    diffs = 100.0 * (c_cand / model.n_cand - c_base / model.n_base)
    return float(np.mean(upper_bounds(diffs, confidence) < -max_drop))


def detectable_drop(model: Model, max_drop: float, confidence: float) -> float:
    """The true mean drop (points) the gate flags with POWER on these problems; inf when no drop they can show
    is flagged that often (too few problems, or too many that cannot drop)."""
    top = model.largest_drop
    if top <= max_drop or _power(model, top, max_drop, confidence) < POWER:
        return math.inf
    lo, hi = max_drop, top
    while hi - lo > 0.05:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _power(model, mid, max_drop, confidence) < POWER else (lo, mid)
    return hi


def model_sd(model: Model, drop: float) -> float:
    """SD of one problem's d (points) under the model at `drop`: spread of the true changes plus sampling."""
    factor = 1.0 - min(1.0, drop / model.largest_drop)
    p, q = model.rates, model.rates * factor
    sampling = p * (1 - p) / model.n_base + q * (1 - q) / model.n_cand
    return 100.0 * math.sqrt(float(np.var(p - q) + sampling.mean()))


def problems_needed(model: Model, drop: float, max_drop: float, confidence: float) -> int | None:
    """Problems like these (drawn from them with replacement) at which a true `drop` is flagged with POWER;
    None when the drop exceeds what these problems can show. Simulated up to SIMULATE_UP_TO problems; above,
    the normal formula ((z_conf + z_power)·sd / (drop - max_drop))², which the simulation matches there."""
    if drop >= model.largest_drop or drop <= max_drop:
        return None
    z = NormalDist().inv_cdf(confidence) + NormalDist().inv_cdf(POWER)
    formula = math.ceil((z * model_sd(model, drop) / (drop - max_drop)) ** 2)
    if formula > SIMULATE_UP_TO:
        return min(formula, MAX_PROBLEMS)
    pick = np.random.default_rng(1).integers(0, model.rates.size, 4 * SIMULATE_UP_TO)

    def caught(m: int) -> bool:
        return _power(model.take(pick[:m]), drop, max_drop, confidence) >= POWER

    lo, hi = 4, 2 * formula + 20
    if not caught(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if not caught(mid) else (lo, mid)
    return hi


@dataclass(frozen=True)
class Decider:
    """What would turn an inconclusive comparison into a decision if the observed Δ were the truth."""

    problems: int | None  # problems like these (None: the estimate sits on the allowed drop)
    samples: int | None  # samples per problem at this number of problems (None: more samples alone cannot)


def what_would_decide(delta: float, sd: float, sampling_var: float, n: int, k: int, max_drop: float,
                      confidence: float) -> Decider:
    """Normal arithmetic on the paired SD: the bound clears -max_drop with POWER when
    (z_conf + z_power)·sd/sqrt(n) < |Δ + max_drop|. The SD's sampling part (sampling_var, the mean per-problem
    sampling variance of d at k samples per run) shrinks as k/k'; the rest (real per-problem change) does not."""
    margin = abs(delta + max_drop)
    z = NormalDist().inv_cdf(confidence) + NormalDist().inv_cdf(POWER)
    if margin < 1e-9:
        return Decider(None, None)
    problems = min(MAX_PROBLEMS, max(n + 1, math.ceil((z * sd / margin) ** 2)))
    room = margin**2 * n / z**2 - max(sd**2 - sampling_var, 0.0)
    samples = math.ceil(k * sampling_var / room) if room > 0 and sampling_var > 0 else None
    return Decider(problems, max(samples, k + 1) if samples is not None else None)
