"""Gate: exit codes on constructed runs whose answer is known, the paired sign-flip test, the sample-size message."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from r1eval.cli import main
from r1eval.metrics import group_verdicts
from r1eval.report.gate import GateInputError, gate_markdown, run_gate
from r1eval.report.paired import detectable_drop, paired_delta, per_problem_values, problems_needed
from r1eval.report.runs import load_run
from tests.runfactory import bernoulli_task, make_run


def _rates(seed: int, n_problems: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 0.9, n_problems)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gate_runs")  # built once: the runs are only read
    base_rates = _rates(1, 200)
    noise = np.random.default_rng(2).choice([-0.125, 0.0, 0.125], size=200)  # +-1 sample of 8, mean ~0
    make = lambda name, rates, **kw: make_run(tmp_path, name, {"math": bernoulli_task(np.clip(rates, 0, 1), 8)}, **kw)  # noqa: E731
    return {
        "base": make("base", base_rates, step=100),
        "regressed": make("regressed", base_rates - 0.25, step=200),
        "noise": make("noise", base_rates + noise - noise.mean(), step=200),
        "improved": make("improved", base_rates + 0.2, step=200),
        "incomplete": make("incomplete", base_rates, step=200, complete=False),
        "other_problems": make_run(tmp_path, "other", {"math": bernoulli_task(base_rates, 8, prefix="q")}),
        "n4": make_run(tmp_path, "n4", {"math": bernoulli_task(base_rates, 4)}),
    }


def _cli(*args: str) -> int:
    return main(["gate", *args])


def test_clear_regression_exits_1(runs, tmp_path, capsys):
    out = tmp_path / "g.json"
    code = _cli("--baseline", str(runs["base"]), "--candidate", str(runs["regressed"]), "--json", str(out))
    assert code == 1
    data = json.loads(out.read_text())
    assert data["regressed"] and data["exit_code"] == 1
    task = data["tasks"][0]
    assert task["status"] == "regression"
    assert task["result"]["upper"] < -1.0
    assert "❌ regression" in capsys.readouterr().out


def test_noise_shown_within_the_default_allowance_exits_0(runs, tmp_path):
    out = tmp_path / "g.json"
    assert _cli("--baseline", str(runs["base"]), "--candidate", str(runs["noise"]), "--json", str(out)) == 0
    data = json.loads(out.read_text())
    task = data["tasks"][0]
    assert task["status"] == "pass" and task["max_drop"] == 3.0 and data["outcome"] == "pass"  # default for "math"
    assert -3.0 < task["result"]["lower"] and task["result"]["ci_low"] < 0 < task["result"]["ci_high"]


def test_noise_that_cannot_be_told_from_the_allowed_drop_exits_3_and_never_says_pass(runs, tmp_path, capsys):
    out = tmp_path / "g.json"
    code = _cli("--baseline", str(runs["base"]), "--candidate", str(runs["noise"]), "--max-drop", "1",
                "--json", str(out))
    printed = capsys.readouterr().out
    assert code == 3
    data = json.loads(out.read_text())
    task = data["tasks"][0]
    assert data["outcome"] == "inconclusive" and data["exit_code"] == 3 and task["status"] == "inconclusive"
    assert task["result"]["lower"] < -1.0 < task["result"]["upper"]
    assert task["decide_problems"] > 200 and task["decide_samples"] > 8  # what would decide it
    assert "INCONCLUSIVE" in printed and "PASS" not in printed and "within noise" not in printed
    assert "needs about" in printed and "samples per problem" in printed


def test_improvement_exits_0(runs, tmp_path):
    out = tmp_path / "g.json"
    assert _cli("--baseline", str(runs["base"]), "--candidate", str(runs["improved"]), "--json", str(out)) == 0
    task = json.loads(out.read_text())["tasks"][0]
    assert task["status"] == "pass" and task["improved"]


def test_drop_smaller_than_allowed_passes(runs):
    # a real 25-point drop is not a regression when 40 points are allowed
    report = run_gate(runs["base"], runs["regressed"], max_drop=40.0)
    assert report.exit_code == 0 and report.tasks[0].result.delta == pytest.approx(-25.0, abs=1.0)


@pytest.mark.parametrize("candidate,flags",
                         [("incomplete", []), ("other_problems", []), ("n4", ["--metric", "cons@8"])])
def test_unusable_inputs_exit_2(runs, candidate, flags, capsys):
    code = _cli("--baseline", str(runs["base"]), "--candidate", str(runs[candidate]), *flags)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unusable gate inputs:") and "\n" not in err


def test_missing_run_dir_exits_2(runs, tmp_path, capsys):
    assert _cli("--baseline", str(runs["base"]), "--candidate", str(tmp_path / "nope")) == 2


def test_bad_metric_is_a_user_error(runs, capsys):
    assert _cli("--baseline", str(runs["base"]), "--candidate", str(runs["noise"]), "--metric", "avg") == 1


def test_allow_incomplete_and_shared_only(runs, tmp_path):
    assert run_gate(runs["base"], runs["incomplete"], allow_incomplete=True).exit_code == 0
    with pytest.raises(GateInputError):
        run_gate(runs["base"], runs["other_problems"], shared_only=True)  # ids share nothing at all


def test_paired_delta_hand_computed():
    base = {"a": 100.0, "b": 0.0, "c": 50.0, "d": 50.0, "e": 0.0}
    cand = {"a": 100.0, "b": 50.0, "c": 0.0, "d": 50.0, "e": 25.0, "extra": 0.0}
    r = paired_delta(base, cand, confidence=0.9)
    assert r.n == 5 and r.delta == pytest.approx(5.0) and r.baseline == pytest.approx(40.0)
    assert r.sd_diff == pytest.approx(np.std([0, 50, -50, 0, 25], ddof=1))
    # brute force over all 32 sign flips of d - t: the upper bound is the largest t the test does not reject
    d = np.array([0, 50, -50, 0, 25.0])
    flips = np.array([[1 if (m >> i) & 1 else -1 for i in range(5)] for m in range(32)])
    p_at = lambda t: np.mean((flips * (d - t)).sum(1) <= (d - t).sum())  # noqa: E731
    assert p_at(r.upper) > 0.1 and p_at(r.upper + 1e-6) <= 0.1  # the bound is where the test starts rejecting
    assert r.lower <= r.delta <= r.upper


def test_per_problem_values_match_metrics(runs):
    grouped = group_verdicts(load_run(runs["base"]).verdicts("math"))
    results = load_run(runs["base"]).task_result("math").metrics
    for metric in ("pass@1", "pass@4", "cons@8"):
        values = per_problem_values(grouped, metric)
        assert np.mean(list(values.values())) == pytest.approx(100 * results[metric])


def test_sample_size_message_names_the_drop_caught_and_the_problems_needed(tmp_path):
    rates = _rates(3, 30)
    base = make_run(tmp_path, "b", {"aime24": bernoulli_task(rates, 8)})
    shifted = np.clip(rates + np.where(np.arange(30) % 2, .25, -.25), 0, 1)  # big per-problem changes, mean ~0
    cand = make_run(tmp_path, "c", {"aime24": bernoulli_task(shifted, 8)})
    report = run_gate(base, cand, max_drop=1.0, detect=3.0, metric="cons@8")  # cons: the normal approximation
    t = report.tasks[0]
    sd = t.result.sd_diff
    # the drop caught with 80% power sits max_drop above the noise term, not at the noise term alone
    assert t.detectable_drop == pytest.approx(1.0 + 2.4865 * sd / math.sqrt(30), abs=0.01)
    needed = t.problems_needed
    assert detectable_drop(sd, needed, 1.0, 0.95) <= 3.0 < detectable_drop(sd, needed - 1, 1.0, 0.95)
    assert any("catching a true 3-point drop needs about" in n for n in t.notes)
    assert "⚠️" in gate_markdown(report)


def test_power_arithmetic_by_hand():
    # (z_.95 + z_.80) = 1.6449 + 0.8416 = 2.4865; sd 20, n 30 -> 2.4865 * 20 / sqrt(30) = 9.08 above max_drop
    assert detectable_drop(20.0, 30, 1.0, 0.95) == pytest.approx(10.079, abs=1e-3)
    assert problems_needed(20.0, 10.08, 1.0, 0.95) == 30
    assert problems_needed(20.0, 2.0, 1.0, 0.95) == math.ceil((2.4865 * 20 / 1.0) ** 2)


def test_a_true_drop_equal_to_the_detectable_drop_is_caught_80_percent_of_the_time():
    """Ground truth by simulation: per-problem differences ~ N(-drop, sd). The old message put the 80%-power
    drop at (z_c + z_p)·sd/sqrt(n) = 4.97 here, a drop below --max-drop 5 that the gate flags ~never."""
    from r1eval.report.gate import decide

    sd, n, max_drop = 20.0, 100, 5.0
    drop = detectable_drop(sd, n, max_drop, 0.95)
    rng = np.random.default_rng(5)
    keys = [str(i) for i in range(n)]
    hits = 0
    for rep in range(300):
        d = rng.normal(-drop, sd, n)
        result = paired_delta(dict.fromkeys(keys, 0.0), dict(zip(keys, d, strict=True)), 0.95, seed=rep,
                              resamples=1000)
        hits += decide(result, max_drop) == "regression"
    assert 0.72 <= hits / 300 <= 0.88


def test_identical_runs_still_warn_when_underpowered(tmp_path):
    base = make_run(tmp_path, "b", {"aime24": bernoulli_task(_rates(4, 30), 8)})
    report = run_gate(base, base, max_drop=1.0)
    assert report.exit_code == 0 and report.tasks[0].problems_needed is not None
