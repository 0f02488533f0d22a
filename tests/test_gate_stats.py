"""Fast versions of benchmarks/gate_stats.py: simulations with known ground truth for the gate's decisions."""
from __future__ import annotations

import pytest

from benchmarks.gate_stats import bootstrap_rule, flag_rate, ratchet, signflip_rule


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10])
def test_comparing_a_checkpoint_with_itself_rarely_reports_a_regression(n):
    # the same true solve rates in both runs: a regression verdict is a false alarm; nominal 5%
    rate = flag_rate(signflip_rule(1.0, 0.95), n, drop=0.0, reps=300, k=16, seed=n)
    assert rate <= 0.05 + 0.03  # 0.03: Monte Carlo slack at 300 pairs


def test_the_previous_bootstrap_rule_cried_wolf_with_one_problem():
    # the reason for the change: a zero-width interval flags a third or more of self-comparisons
    assert flag_rate(bootstrap_rule(1.0, 0.95), 1, drop=0.0, reps=300, k=16, seed=1) > 0.25


def test_a_ten_point_drop_on_thirty_problems_is_usually_caught():
    assert flag_rate(signflip_rule(1.0, 0.95), 30, drop=10.0, reps=100, k=16, seed=3) >= 0.8


def test_a_fixed_reference_with_a_budget_stops_the_ratchet():
    kwargs = dict(chains=30, n=60, k=16, step_drop=1.0, steps=10, max_drop=1.0, confidence=0.95, seed=4)
    ratcheted, old_drop = ratchet(budget=None, **kwargs)
    guarded, new_drop = ratchet(budget=2.0, **kwargs)
    assert ratcheted >= 0.3 and old_drop >= 6.0  # one point at a time, most of ten points get through
    assert guarded == 0.0 and new_drop <= old_drop - 2.5
