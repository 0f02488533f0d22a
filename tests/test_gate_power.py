"""The gate's figures are those of the test it runs: exact at few problems (ties included), p-values resolved
enough for a correction over hundreds of comparisons, power that a simulation of the real gate reproduces."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from r1eval.report import power
from r1eval.report.gate import decide, run_gate
from r1eval.report.paired import flip_p_value, holm, paired_delta
from tests.runfactory import bernoulli_task, make_run


def _pair(base: np.ndarray, cand: np.ndarray, **kw):
    keys = [f"p{i}" for i in range(base.size)]
    return paired_delta(dict(zip(keys, base, strict=True)), dict(zip(keys, cand, strict=True)), **kw)


@pytest.mark.parametrize("n", [5, 8, 13])
def test_the_power_simulation_judges_exactly_as_the_gate(n):
    rng = np.random.default_rng(n)
    diffs = 100 * (rng.binomial(16, 0.4, (20, n)) - rng.binomial(16, 0.5, (20, n))) / 16
    bounds = power.upper_bounds(diffs, 0.95)
    for row, bound in zip(diffs, bounds, strict=True):
        assert bound == pytest.approx(_pair(np.zeros(n), row).upper)


def test_five_problems_two_never_solved_and_a_45_point_drop_is_not_a_pass(tmp_path):
    """The issue's case: two problems 0/16 in both runs tie, so the sign-flip test cannot show a regression; the
    gate must say it cannot tell, and not print a drop it could catch."""
    base = make_run(tmp_path, "b", {"aime24": bernoulli_task([0, 0, 1, 1, 0.9375], 16)})
    cand = make_run(tmp_path, "c", {"aime24": bernoulli_task([0, 0, 0.25, 0.25, 0.1875], 16)})
    report = run_gate(base, cand)
    task = report.tasks[0]
    assert task.result.delta == pytest.approx(-45.0)
    assert report.exit_code == 3 and task.status == "inconclusive"
    assert math.isinf(task.detectable_drop)
    assert any("no drop these 5 problems can show is caught" in note for note in task.notes)


@pytest.mark.parametrize("n", [5, 10, 30])
def test_a_true_drop_at_the_printed_figure_is_caught_80_percent_of_the_time_by_the_real_gate(n):
    rng = np.random.default_rng(100 + n)
    rates = rng.uniform(0.3, 0.95, n)
    model = power.Model(rates, np.full(n, 16), np.full(n, 16))
    drop = power.detectable_drop(model, 1.0, 0.95)
    assert math.isfinite(drop)
    factor = 1 - drop / (100 * rates.mean())
    hits = 0
    for rep in range(300):
        base = 100 * rng.binomial(16, rates) / 16
        cand = 100 * rng.binomial(16, rates * factor) / 16
        hits += decide(_pair(base, cand, seed=rep, resamples=2000), 1.0) == "regression"
    assert 0.72 <= hits / 300 <= 0.88


def test_exact_p_values_agree_with_enumerating_every_flip():
    rng = np.random.default_rng(3)
    for _ in range(20):
        d = 100 * (rng.binomial(8, 0.5, 15) - rng.binomial(8, 0.45, 15)) / 8
        sums = np.array(list(itertools.product([-1, 1], repeat=15))) @ d
        low, high = np.mean(sums <= d.sum() + 1e-9), np.mean(sums >= d.sum() - 1e-9)
        assert flip_p_value(d, monte_carlo=1.0) == pytest.approx(min(1.0, 2 * min(low, high)))
    # the exact p of a 100-point drop on all 30 problems is 2/2^30, far below a Monte Carlo floor
    assert flip_p_value(np.full(30, -100.0), monte_carlo=1.0) == pytest.approx(2 / 2**30)


@pytest.mark.parametrize("rows", [52, 500])
def test_holm_over_a_long_sweep_flags_a_real_100_point_drop_and_no_noise(rows):
    """A report's `significant` column: consecutive checkpoints of 30 problems x 16 samples, all the same model
    but one pair where the candidate loses every problem (the issue: at 52 rows nothing could be significant)."""
    rng = np.random.default_rng(rows)
    rates = rng.uniform(0.5, 1.0, 30)
    p_values = []
    for row in range(rows):
        base = 100 * rng.binomial(16, rates) / 16
        cand = np.zeros(30) if row == 7 else 100 * rng.binomial(16, rates) / 16
        p_values.append(_pair(base, cand, resamples=2000).p_two_sided)
    significant = [p <= 0.05 for p in holm(p_values)]
    assert significant[7] and sum(significant) == 1
