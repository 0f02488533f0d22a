"""Metrics against hand-computed values."""
import math

import numpy as np
import pytest

from r1eval.metrics import (
    ProblemSamples,
    cons_at_n,
    group_verdicts,
    majority_answer,
    mean_pass_at_k,
    pass_at_1,
    pass_at_k,
    power_of_two_ks,
    problems_ci,
    rerun_interval,
    sampling_ci,
    task_metrics,
)
from r1eval.types import Status, Verdict


@pytest.mark.parametrize(("n", "c", "k", "expected"), [
    (5, 2, 1, 0.4),            # k=1 is c/n
    (5, 2, 2, 1 - 3 / 10),     # 1 - C(3,2)/C(5,2)
    (4, 3, 2, 1.0),            # n - c < k: every k-subset holds a correct sample
    (4, 0, 4, 0.0),
    (64, 1, 64, 1.0),
    (10, 5, 3, 1 - 10 / 120),  # 1 - C(5,3)/C(10,3)
])
def test_pass_at_k_matches_the_binomial_formula(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_rejects_k_above_n():
    with pytest.raises(ValueError):
        pass_at_k(4, 1, 8)


def test_pass_at_1_is_the_mean_of_per_problem_accuracy():
    problems = [ProblemSamples((True, False, False, False), ("1", "2", "2", "2")),
                ProblemSamples((True, True), ("5", "5"))]
    assert pass_at_1(problems) == pytest.approx((0.25 + 1.0) / 2)
    assert mean_pass_at_k(problems, 1) == pytest.approx(pass_at_1(problems))


def test_majority_vote_ignores_no_answer_and_breaks_ties_by_first_occurrence():
    assert majority_answer(["3", "5", "5", None, "3"]) == "3"  # 2-2 tie: "3" came first
    assert majority_answer([None, None, "7"]) == "7"  # two unanswered samples do not outvote one answer
    assert majority_answer([None, None]) is None


def test_cons_at_n_uses_the_correct_canonical_answers():
    wrong_majority = ProblemSamples((False, False, True), ("4", "4", "5"), frozenset({"5"}))
    right_majority = ProblemSamples((True, True, False), ("1/2", "1/2", "3"), frozenset({"1/2"}))
    tie_first_wrong = ProblemSamples((False, True, True, False), ("3", "5", "5", "3"), frozenset({"5"}))
    assert cons_at_n([wrong_majority, right_majority, tie_first_wrong]) == pytest.approx(1 / 3)


def test_group_verdicts_drops_errors_and_orders_samples():
    verdicts = [Verdict("p", 1, Status.CORRECT, "2"), Verdict("p", 0, Status.INCORRECT, "3"),
                Verdict("p", 2, Status.ERROR, None), Verdict("q", 0, Status.NO_ANSWER, None)]
    grouped = group_verdicts(verdicts)
    assert grouped["p"].correct == (False, True)
    assert grouped["p"].answers == ("3", "2")
    assert grouped["q"].no_answer == 1 and grouped["q"].answers == (None,)


def test_power_of_two_ks_ends_at_n():
    assert power_of_two_ks(64) == [1, 2, 4, 8, 16, 32, 64]
    assert power_of_two_ks(6) == [1, 2, 4, 6]
    assert power_of_two_ks(1) == [1]


def test_problems_interval_contains_the_estimate_and_never_collapses_at_0_or_1():
    values = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1] * 2
    lo, hi = problems_ci(values, [1] * 30)
    assert 0.0 <= lo < np.mean(values) < hi <= 1.0
    for ends in (0.0, 1.0):  # every problem 0/4 (or 4/4): the truth may still be off the boundary
        lo, hi = problems_ci([ends] * 10, [4] * 10)
        assert hi - lo > 0.05 and lo <= ends <= hi
    zero = [ProblemSamples((False,) * 4, ("0",) * 4) for _ in range(10)]
    assert sampling_ci(zero)[1] > 0.05 and rerun_interval(zero)[1] > 0


def test_task_metrics_keys_and_rates():
    problems = {
        "a": ProblemSamples((True, True, False, False), ("1", "1", "2", None), frozenset({"1"}), no_answer=1),
        "b": ProblemSamples((False, False, False, False), ("9", "8", "9", "7")),
    }
    metrics = task_metrics(problems, ["stop"] * 6 + ["length"] * 2, [10, 20, 30, 40, 50, 60, 70, 80])
    assert set(metrics) == {"pass@1", "pass@1_ci95_problems", "pass@1_ci95_sampling", "pass@1_pi95_rerun", "pass@2",
                            "pass@4", "cons@4",
                            "cons@4_ci95_problems", "truncation_rate", "no_answer_rate", "mean_tokens",
                            "median_tokens"}
    assert metrics["pass@1"] == pytest.approx(0.25)
    assert metrics["pass@2"] == pytest.approx((1 - 1 / 6) / 2)  # a: 1 - C(2,2)/C(4,2); b: 0
    assert metrics["cons@4"] == pytest.approx(0.5)
    assert metrics["truncation_rate"] == pytest.approx(0.25)
    assert metrics["no_answer_rate"] == pytest.approx(1 / 8)
    assert metrics["mean_tokens"] == pytest.approx(45) and metrics["median_tokens"] == pytest.approx(45)
    lo, hi = metrics["pass@1_ci95_problems"]
    assert lo <= metrics["pass@1"] <= hi
    assert not math.isnan(hi)


def test_an_errored_sample_does_not_rename_the_keys():
    # configured n = 4; problem b lost one sample to a grading error: keys still say 4, the count sits beside
    problems = {"a": ProblemSamples((True, False, False, True), ("1", "2", "2", "1"), frozenset({"1"})),
                "b": ProblemSamples((True, True, False), ("1", "1", "3"), frozenset({"1"}))}
    metrics = task_metrics(problems, ["stop"] * 7, [5] * 7, n=4)
    assert {"cons@4", "pass@4", "cons@4_ci95_problems"} <= set(metrics) and "cons@3" not in metrics
    # pass@4 of b uses all 3 of its samples (pass@3 = 1 since it has a correct one)
    assert metrics["pass@4"] == pytest.approx(1.0) and metrics["cons@4"] == pytest.approx(1.0)


def test_every_rate_counts_graded_samples_only():
    from r1eval.metrics import graded_completions
    from r1eval.types import Completion, Status, Verdict

    completions = [Completion("p", i, "x", "length" if i == 0 else "stop", 10) for i in range(4)]
    verdicts = [Verdict("p", 0, Status.NO_ANSWER, None), Verdict("p", 1, Status.CORRECT, "1"),
                Verdict("p", 2, Status.INCORRECT, "2"), Verdict("p", 3, Status.ERROR, None)]
    graded = graded_completions(completions, verdicts)
    metrics = task_metrics(group_verdicts(verdicts), [c.finish_reason for c in graded], [c.n_tokens for c in graded])
    # 3 graded samples: one truncated, one without an answer; before, truncation divided by all 4 samples
    assert metrics["truncation_rate"] == pytest.approx(1 / 3) and metrics["no_answer_rate"] == pytest.approx(1 / 3)


def _draw(rates: np.ndarray, k: int, rng: np.random.Generator) -> list[ProblemSamples]:
    correct = rng.random((rates.size, k)) < rates[:, None]
    return [ProblemSamples(tuple(row), tuple("1" if x else "0" for x in row)) for row in correct]


@pytest.mark.parametrize("shape,k", [((1.0, 1.0), 16), ((0.3, 6.0), 2), ((6.0, 0.3), 4)])
def test_each_interval_covers_what_it_names(shape, k):
    """Ground truth by simulation (a small version of benchmarks/interval_coverage.py): 10 problems, uniform or
    near 0 or near 1, k = 2..16. sampling: the fixed problems' true mean; rerun: the pass@1 of another run on the
    same problems; problems: the population's mean, drawing new problems each time."""
    rng = np.random.default_rng(k)
    rates = rng.beta(*shape, 10)
    population_mean = shape[0] / sum(shape)
    hits = {"sampling": 0, "rerun": 0, "problems": 0}
    for _ in range(300):
        problems = _draw(rates, k, rng)
        lo, hi = sampling_ci(problems)
        hits["sampling"] += lo <= rates.mean() <= hi
        lo, hi = rerun_interval(problems)
        hits["rerun"] += lo <= pass_at_1(_draw(rates, k, rng)) <= hi
        fresh = _draw(rng.beta(*shape, 10), k, rng)
        lo, hi = problems_ci([p.c / p.n for p in fresh], [k] * 10)
        hits["problems"] += lo <= population_mean <= hi
    assert all(h / 300 >= 0.93 for h in hits.values()), hits


def test_the_sampling_interval_is_narrower_than_the_problems_one():
    """The two answer different questions: on 30 problems x 16 samples, other problems like these move pass@1
    more than twice as much as re-sampling these ones."""
    rng = np.random.default_rng(0)
    problems = _draw(rng.uniform(0.0, 1.0, 30), 16, rng)
    s_lo, s_hi = sampling_ci(problems)
    p_lo, p_hi = problems_ci([p.c / p.n for p in problems], [16] * 30)
    assert p_hi - p_lo > 2 * (s_hi - s_lo)
