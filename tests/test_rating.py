"""Codeforces ratings: the Elo fit against hand-computed values, interval coverage by simulation, percentiles
against the numbers the distribution's own README states, and CodeElo's contest simulation worked by hand."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from r1eval import elo_rating
from r1eval.errors import DataError
from r1eval.metrics import ProblemSamples
from r1eval.rating import (
    RATING_MAX,
    RATING_MIN,
    cf_percentile,
    contest_rank,
    expected_rank,
    fit_rating,
    load_contests,
    load_rating_distribution,
    model_standing,
    parse_contest,
    rating_breakdown,
    rating_for_rank,
    rating_metrics,
    simulate_contests,
)
from r1eval.types import Problem

SE_UNIT = 400 / math.log(10)  # 1 / slope of log-odds in R: 173.7178...
Z = 1.959963984540054


def test_one_problem_half_solved_sits_at_its_rating_with_the_fisher_interval():
    # p(1500) = 1/2 solves 2 of 4; I = (ln10/400)^2 * 4 * 1/2 * 1/2 = (ln10/400)^2, so SE = 400/ln10
    rating, lo, hi = elo_rating([(1500, 4, 2)])
    assert rating == pytest.approx(1500, abs=1e-6)
    assert SE_UNIT == pytest.approx(173.7178, abs=1e-4)
    assert (lo, hi) == pytest.approx((1500 - Z * SE_UNIT, 1500 + Z * SE_UNIT), abs=1e-6)
    assert (lo, hi) == pytest.approx((1159.52, 1840.48), abs=0.01)


def test_one_problem_nine_of_ten_solves_the_log_odds_by_hand():
    # 10 p = 9  ->  10^((R - 1000)/400) = 9  ->  R = 1000 + 400 log10(9) = 1381.697
    # I = slope^2 * 10 * 0.9 * 0.1 = 0.9 slope^2  ->  SE = 173.7178 / sqrt(0.9) = 183.114
    rating, lo, hi = elo_rating([(1000, 10, 9)])
    assert rating == pytest.approx(1000 + 400 * math.log10(9), abs=1e-6)
    assert rating == pytest.approx(1381.697, abs=1e-3)
    se = SE_UNIT / math.sqrt(0.9)
    assert se == pytest.approx(183.114, abs=1e-3)
    assert (lo, hi) == pytest.approx((rating - Z * se, rating + Z * se), abs=1e-6)


def test_two_problems_one_solved_meet_halfway_with_the_summed_information():
    # p(R; 1200) + p(R; 1600) = 1 holds at R = 1400 by symmetry.
    # p1 = 1 / (1 + 10^(-200/400)) = 1 / (1 + 0.316228) = 0.759747, p2 = 1 - p1 = 0.240253
    # I = slope^2 * (p1 q1 + p2 q2) = slope^2 * 2 * 0.759747 * 0.240253 = 0.365062 slope^2
    # SE = 173.7178 / sqrt(0.365062) = 173.7178 / 0.604204 = 287.514
    fit = fit_rating([(1200, 1, 1), (1600, 1, 0)])
    assert fit.rating == pytest.approx(1400, abs=1e-6)
    assert fit.se == pytest.approx(287.514, abs=1e-3)
    assert (fit.lo, fit.hi) == pytest.approx((1400 - Z * 287.514, 1400 + Z * 287.514), abs=0.01)
    assert (fit.rule, fit.n_problems, fit.n_samples, fit.n_correct) == ("mle", 2, 2, 1)
    # Sandwich: U_1 = slope * (1 - 0.759747), U_2 = slope * (0 - 0.240253); sum U^2 = slope^2 * 2 * 0.0577215
    # SE_robust = sqrt(m/(m-1) * sum U^2) / I = sqrt(2 * 0.115443) slope / (0.365062 slope^2)
    #           = 0.480506 / 0.365062 * 173.7178 = 228.652
    assert fit.robust == pytest.approx((1400 - Z * 228.652, 1400 + Z * 228.652), abs=0.01)


def test_solving_more_raises_the_rating_and_more_samples_narrow_the_interval():
    low = elo_rating([(1200, 8, 2), (1800, 8, 1)])
    high = elo_rating([(1200, 8, 6), (1800, 8, 3)])
    assert high[0] > low[0]
    few = elo_rating([(1500, 4, 2)])
    many = elo_rating([(1500, 64, 32)])
    assert many[0] == pytest.approx(few[0]) and (many[2] - many[1]) == pytest.approx((few[2] - few[1]) / 4)


def test_everything_solved_gives_the_median_unbiased_rating_and_an_exact_lower_bound():
    # All correct: P(all | R) = p(R). Estimate where it is 1/2 (R = d); lower end where it is 0.025:
    # 10^((R - 1500)/400) = 0.025 / 0.975  ->  R = 1500 + 400 log10(1/39) = 863.574; upper end clipped.
    fit = fit_rating([(1500, 1, 1)])
    assert fit.rule == "all_solved" and fit.se is None
    assert fit.rating == pytest.approx(1500, abs=1e-6)
    assert fit.lo == pytest.approx(1500 - 400 * math.log10(39), abs=1e-6)
    assert fit.hi == RATING_MAX and fit.robust is None


def test_nothing_solved_mirrors_the_all_solved_rule():
    # Two problems at 1000, 2 samples each, none correct: P(none | R) = (1 - p)^4.
    # (1 - p)^4 = 1/2 -> p = 1 - 2^(-1/4) = 0.159104 -> p / (1 - p) = 0.159104 / 0.840896 = 0.189208
    # -> R = 1000 + 400 log10(0.189208) = 1000 + 400 * (-0.723064) = 710.77
    fit = fit_rating([(1000, 2, 0), (1000, 2, 0)])
    p = 1 - 2 ** -0.25
    assert fit.rule == "none_solved"
    assert fit.rating == pytest.approx(1000 + 400 * math.log10(p / (1 - p)), abs=1e-6)
    assert fit.rating == pytest.approx(710.77, abs=0.01)
    p_hi = 1 - 0.025 ** 0.25
    assert fit.hi == pytest.approx(1000 + 400 * math.log10(p_hi / (1 - p_hi)), abs=1e-6)
    assert fit.lo == RATING_MIN


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="0 <= k <= n"):
        elo_rating([(1500, 2, 3)])
    with pytest.raises(ValueError, match="at least one problem"):
        elo_rating([])
    with pytest.raises(ValueError, match="finite rating"):
        elo_rating([(float("nan"), 2, 1)])
    assert elo_rating([(1500, 0, 0), (1500, 4, 2)])[0] == pytest.approx(1500, abs=1e-6)  # n = 0 is ignored


def test_interval_covers_the_true_rating_about_95_percent_of_the_time():
    """The fast version of benchmarks/rating_coverage.py: simulated solves from a known rating."""
    from benchmarks.rating_coverage import coverage

    result = coverage(1500, reps=400, n_problems=30, n_samples=8, seed=3)
    assert 0.92 <= result.covered <= 0.975
    assert abs(result.bias) < 20
    # Listed ratings off by N(0, 200^2): the Fisher interval is too narrow, the sandwich one holds up.
    noisy = coverage(1500, reps=400, n_problems=30, n_samples=8, seed=3, difficulty_noise=200)
    assert noisy.covered < 0.85 and noisy.covered_robust > 0.88


# --- percentiles -------------------------------------------------------------------------------------------------

def test_percentiles_match_the_values_stated_for_the_2024_distribution(shared_data):
    """shared/data/README.md: with rllm's rule (share of users strictly below), 1134 -> 49.0, 1530 -> 82.3,
    1820 -> 93.3, 2029 -> 96.4, 2061 -> 96.7 (the R1 paper reports 96.3 for 2029 with its own distribution)."""
    dist = load_rating_distribution(shared_data / "cf_ratings_2024.json")
    assert dist.users == 89352 and "cf_ratings_2024.json" in dist.describe()
    stated = {1134: 49.0, 1530: 82.3, 1820: 93.3, 2029: 96.4, 2061: 96.7}
    assert {r: round(cf_percentile(r, dist), 1) for r in stated} == stated


def test_percentile_counts_users_strictly_below(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"1000": 1, "1500": 2, "2000": 1}))
    dist = load_rating_distribution(path)
    assert [cf_percentile(r, dist) for r in (900, 1000, 1001, 1500, 1999.5, 2500)] == [0, 0, 25, 25, 75, 100]


@pytest.mark.parametrize("content, message", [("[1, 2]", "JSON object"), ("{\"x\": 1}", "keys must be ratings"),
                                               ("{\"1\": 0}", "not all 0"), ("{", "not JSON")])
def test_a_bad_distribution_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "d.json"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_rating_distribution(path)
    with pytest.raises(DataError, match="cannot read"):
        load_rating_distribution(tmp_path / "missing.json")


# --- results metrics and breakdown --------------------------------------------------------------------------------

def _samples(correct: int, n: int) -> ProblemSamples:
    return ProblemSamples(correct=(True,) * correct + (False,) * (n - correct), answers=(None,) * n)


def test_rating_metrics_use_only_rated_problems_and_say_how_many():
    problems = {"a": Problem("a", "q", meta={"rating": 1200, "tags": ["greedy", "math"]}),
                "b": Problem("b", "q", meta={"rating": 1600, "tags": ["dp"]}),
                "c": Problem("c", "q", meta={"rating": None, "tags": ["math"]})}
    grouped = {"a": _samples(1, 1), "b": _samples(0, 1), "c": _samples(1, 1)}
    metrics = rating_metrics(problems, grouped)
    assert metrics["cf_rating"] == pytest.approx(1400, abs=1e-6)  # c (unrated) does not count
    assert metrics["cf_rating_n_problems"] == 2 and metrics["cf_rating_rule"] == "mle"
    breakdown = rating_breakdown(problems, grouped)
    assert list(breakdown["rating_bucket"]) == ["1200-1399", "1600-1799", "unrated"]
    assert breakdown["tag"]["math"] == {"pass@1": 1.0, "n_problems": 2}
    assert breakdown["tag"]["dp"] == {"pass@1": 0.0, "n_problems": 1}
    plain = {"x": Problem("x", "q", meta={"level": 3})}
    assert rating_metrics(plain, {"x": _samples(1, 2)}) == {} and rating_breakdown(plain, {"x": _samples(1, 2)}) == {}


# --- CodeElo contest simulation ----------------------------------------------------------------------------------

ICPC = {"contest_id": 1, "name": "ICPC-style", "problems": [{"problem_id": "1/A"}, {"problem_id": "1/B"}],
        "participants": [{"score": 2, "penalty": 30, "old_rating": 1300},
                         {"score": 1, "penalty": 5, "old_rating": 1500},
                         {"score": 1, "penalty": 20, "old_rating": 1500},
                         {"score": 0, "penalty": 0, "old_rating": 1700}]}


def test_icpc_contest_rank_and_rating_by_hand():
    contest = parse_contest(ICPC)
    # A accepted on the 2nd attempt (10 penalty minutes), B never: 1 solved, 10 minutes at minute 0.
    samples = {"1/A": [False, True, True], "1/B": [False, False, False]}
    assert model_standing(contest, samples) == (1, 10)
    # Ahead: (2, 30) and (1, 5); behind: (1, 20) and (0, 0). Rank = 1 + 2 = 3.
    assert contest_rank(contest, 1, 10) == 3
    # Expected rank at 1500: 1 + 1/(1+10^(200/400)) + 1/2 + 1/2 + 1/(1+10^(-200/400))
    #                      = 1 + 0.240253 + 0.5 + 0.5 + 0.759747 = 3.  So the rating is 1500.
    assert expected_rank(1500, contest.old_ratings) == pytest.approx(3.0)
    (result,) = simulate_contests([contest], samples)
    assert result.rating == pytest.approx(1500, abs=1e-3) and result.rank == 3 and result.missing == ()
    # A tie counts half: 1 solved with 20 minutes ties (1, 20) -> rank 1 + 2 + 0.5.
    assert contest_rank(contest, 1, 20) == 3.5


def test_points_contest_charges_50_per_rejected_attempt_and_limits_attempts():
    row = {"contest_id": 2, "problems": [{"problem_id": "2/A", "points": 500}, {"problem_id": "2/B", "points": 1000}],
           "participants": [{"score": 1400, "old_rating": 1500}, {"score": 500, "old_rating": 1500}]}
    contest = parse_contest(row)
    samples = {"2/A": [True], "2/B": [False, False, True]}
    assert model_standing(contest, samples) == (500 + (1000 - 2 * 50), 0)  # 1400: ties the leader
    assert model_standing(contest, samples, attempts=2) == (500, 0)  # B's third sample is not a submission
    # A rank of 1 + 0.5 (tie with the leader) among two 1500s: 1 + 2/(1 + 10^((R-1500)/400)) = 1.5
    # -> 10^((R-1500)/400) = 3 -> R = 1500 + 400 log10(3) = 1690.85
    assert rating_for_rank(1.5, contest.old_ratings) == pytest.approx(1500 + 400 * math.log10(3), abs=1e-3)


def test_contests_without_any_run_problem_are_left_out_and_missing_ones_are_listed():
    contest = parse_contest(ICPC)
    assert simulate_contests([contest], {"9/Z": [True]}) == []
    (result,) = simulate_contests([contest], {"1/A": [True]})
    assert result.missing == ("1/B",) and result.score == 1 and result.penalty == 0


def test_standings_file_errors_name_the_line(tmp_path):
    path = tmp_path / "standings.jsonl"
    path.write_text(json.dumps(ICPC) + "\n" + json.dumps({"problems": [], "participants": []}) + "\n")
    with pytest.raises(DataError, match="line 2: needs non-empty lists"):
        load_contests(path)
    mixed = {**ICPC, "problems": [{"problem_id": "1/A", "points": 500}, {"problem_id": "1/B"}]}
    path.write_text(json.dumps(mixed) + "\n")
    with pytest.raises(DataError, match="line 1: either every problem has 'points'"):
        load_contests(path)
    path.write_text(json.dumps(ICPC) + "\n\n")
    assert len(load_contests(path)) == 1 and np.array_equal(load_contests(path)[0].penalties, [30, 5, 20, 0])
