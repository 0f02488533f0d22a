"""Adaptive sampling: the estimator is unbiased (exact enumeration, and Jung & Kim's closed form for two-stage
designs), the planner follows the rule, and `run --adaptive` draws, records and resumes to the same final state."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from math import comb
from pathlib import Path

import pytest

from r1eval.config import RunConfig, SamplingConfig
from r1eval.errors import StoreError
from r1eval.metrics import (
    ProblemSamples,
    _paths,
    adaptive_rounds,
    decided,
    design_length,
    design_variance,
    group_verdicts,
    sampling_ci,
)
from r1eval.pipeline import adaptive
from r1eval.pipeline.run import run, score_run
from r1eval.report.gate import GateInputError, run_gate
from r1eval.report.paired import per_problem_values
from r1eval.store import RunStore
from r1eval.task.data import read_jsonl_rows
from r1eval.types import Status, Verdict
from tests.fakes import FakeGenerator

REPO = Path(__file__).resolve().parent.parent


def end_points(rounds: tuple[int, ...]):
    """Every (stage, total) a problem can stop at, with its number of outcome sequences."""
    for stage, size in enumerate(rounds):
        for total in range(size + 1):
            if stage == len(rounds) - 1 or decided(size, total):
                paths = _paths(rounds, stage, total, 0, 0)
                if paths:
                    yield stage, size, total, paths


def samples_at(rounds: tuple[int, ...], stage: int, total: int) -> ProblemSamples:
    """A problem that stopped at `stage` with `total` correct (its correct samples first in round 1, so that
    the path is one the design can produce)."""
    size = rounds[stage]
    first = rounds[0]
    in_first = total if stage == 0 else min(max(1, total - (size - first)), first - 1)
    correct = [True] * in_first + [False] * (first - in_first)
    rest = total - in_first
    correct += [True] * rest + [False] * (size - first - rest)
    assert design_length(correct, rounds) == size and sum(correct) == total
    return ProblemSamples(correct=tuple(correct), answers=(None,) * size, rounds=rounds)


@pytest.mark.parametrize("rounds", [(8, 64), (4, 16), (3, 5, 9)])
@pytest.mark.parametrize("p", [0.01, 0.05, 0.3, 0.6, 0.93])  # (at 0.5 the naive mean is right by symmetry)
def test_the_adaptive_estimate_is_exactly_unbiased_where_the_naive_mean_is_not(rounds, p):
    mean = naive = pass2 = 0.0
    for stage, size, total, paths in end_points(rounds):
        prob = paths * p**total * (1 - p) ** (size - total)
        problem = samples_at(rounds, stage, total)
        mean += prob * problem.rate
        naive += prob * problem.c / problem.n
        pass2 += prob * problem.pass_k(2)
    assert mean == pytest.approx(p, abs=1e-12)
    assert pass2 == pytest.approx(1 - (1 - p) ** 2, abs=1e-12)
    assert abs(naive - p) > 1e-3  # what the estimator corrects: c/n over the drawn samples is biased


def jung_kim(n1: int, n2: int, total: int) -> float:
    """Jung & Kim (2004), UMVUE of p after a two-stage design that continued (stage-1 successes x in 1..n1-1)."""
    xs = range(max(1, total - n2), min(n1 - 1, total) + 1)
    return (sum(comb(n1 - 1, x - 1) * comb(n2, total - x) for x in xs)
            / sum(comb(n1, x) * comb(n2, total - x) for x in xs))


@pytest.mark.parametrize("total", [1, 2, 7, 20, 40, 63])
def test_the_estimate_matches_jung_and_kims_closed_form(total):
    assert samples_at((8, 64), 1, total).rate == pytest.approx(jung_kim(8, 56, total), rel=1e-12)


def test_a_problem_that_stops_in_the_first_round_is_estimated_by_its_share():
    assert samples_at((8, 64), 0, 0).rate == 0.0 and samples_at((8, 64), 0, 8).rate == 1.0


def test_the_variance_estimate_is_no_smaller_than_the_unbiased_one_and_nonzero_for_a_stopped_problem():
    stopped = samples_at((8, 64), 0, 0)
    assert stopped.rate_var == pytest.approx(design_variance((8, 64), 0.5 / 9)) and stopped.rate_var > 0
    assert sampling_ci([stopped] * 30)[1] > 0  # 30 problems at 0/8 do not prove a rate of exactly 0


def test_a_fixed_sample_keeps_the_fixed_protocols_numbers():
    problem = ProblemSamples(correct=(True, False, False, True, True), answers=(None,) * 5)
    assert problem.rate == 0.6 and problem.rate_var == pytest.approx(0.6 * 0.4 / 4)
    assert problem.pass_k(2) == pytest.approx(1 - comb(2, 2) / comb(5, 2))


def verdicts_for(problem: str, statuses: str) -> list[Verdict]:
    code = {"c": Status.CORRECT, "i": Status.INCORRECT, "e": Status.ERROR}
    return [Verdict(problem, i, code[s], None) for i, s in enumerate(statuses)]


def test_the_planner_stops_unanimous_problems_and_finishes_the_others():
    rounds = adaptive_rounds(16, 4)
    assert rounds == (4, 16) and adaptive_rounds(8, 8) == (8,)
    verdicts = [*verdicts_for("zero", "iiii"), *verdicts_for("all", "cccc"), *verdicts_for("mixed", "icii"),
                *verdicts_for("short", "ii"), *verdicts_for("errored", "iiie")]
    planned = adaptive.targets(rounds, verdicts, ["zero", "all", "mixed", "short", "errored", "new"])
    assert planned == {"zero": 4, "all": 4, "mixed": 16, "short": 4, "errored": 16, "new": 4}
    assert adaptive.ungraded(rounds, verdicts, ["zero", "mixed"]) == 12


def test_grouping_keeps_only_the_samples_the_rule_used():
    extra = verdicts_for("p", "iiii" + "c" * 12)  # e.g. a re-grade flipped a verdict after more were drawn
    assert group_verdicts(extra, (4, 16))["p"].n == 4 and group_verdicts(extra)["p"].n == 16


@pytest.fixture
def answers(shared_data):
    """math500 gold answers, made unreachable for every other problem: those problems are always wrong and
    stop after the first round; the others are right about half the time (tests.fakes) and go on."""
    rows = read_jsonl_rows(shared_data / "math500.jsonl")
    return {row["unique_id"]: row["answer"] if i % 2 else "-999999" for i, row in enumerate(rows)}


def config(tmp_path, shared_data, **overrides) -> RunConfig:
    base = dict(model="fake-model", tasks=("math500",), sampling=SamplingConfig(n=16, seed=3), limit=10,
                data_dir=str(shared_data), out=str(tmp_path / "runs"), run_name="r", adaptive=4)
    base.update(overrides)
    return RunConfig(**base)


def state(run_dir: Path) -> tuple:
    store = RunStore(run_dir)
    results = store.read_results().tasks["math500"]
    return (sorted((c.problem_id, c.sample, c.text) for c in store.read_completions("math500")),
            sorted((v.problem_id, v.sample, v.status) for v in store.read_verdicts("math500")),
            dict(results.metrics), results.complete)


def test_an_adaptive_run_draws_by_the_rule_and_records_it(tmp_path, shared_data, answers):
    results = run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    fixed = run(config(tmp_path, shared_data, adaptive=None, run_name="fixed"), generator=FakeGenerator(answers),
                show_progress=False)
    store = RunStore(tmp_path / "runs" / "r")
    counts: dict[str, int] = {}
    for completion in store.read_completions("math500"):
        counts[completion.problem_id] = counts.get(completion.problem_id, 0) + 1
    # the fixed run's verdicts are the same samples' (the fake's text depends on problem and sample only)
    full = group_verdicts(RunStore(tmp_path / "runs" / "fixed").read_verdicts("math500"))
    assert counts == {pid: design_length(p.correct, (4, 16)) for pid, p in full.items()}
    assert sorted(set(counts.values())) == [4, 16]
    task = results.tasks["math500"]
    assert task.complete and task.n_samples == 16
    assert task.extra["adaptive"]["samples_per_problem"] == dict(sorted(counts.items()))
    assert task.extra["adaptive"]["samples_drawn"] == sum(counts.values()) < 16 * 10
    expected = sum(ProblemSamples(p.correct[: counts[pid]], (None,) * counts[pid], rounds=(4, 16)).rate
                   for pid, p in full.items()) / len(full)
    assert task.metrics["pass@1"] == pytest.approx(expected)
    assert "pass@4" in task.metrics and "pass@8" not in task.metrics  # beyond the first round: not estimable
    assert score_run(tmp_path / "runs" / "r", show_progress=False).tasks["math500"].metrics == task.metrics
    assert "pass@16" in fixed.tasks["math500"].metrics
    recorded = json.loads((tmp_path / "runs" / "r" / "config.json").read_text())
    assert recorded["tasks"]["math500"]["adaptive"]["rounds"] == [4, 16]
    assert recorded["identity"]["adaptive"] == {"rule": "stop-when-unanimous", "first": 4}
    assert json.loads((tmp_path / "runs" / "fixed" / "config.json").read_text())["tasks"]["math500"]["adaptive"] is None


def test_a_fixed_run_directory_refuses_an_adaptive_resume(tmp_path, shared_data, answers):
    run(config(tmp_path, shared_data, adaptive=None, limit=2), generator=FakeGenerator(answers), show_progress=False)
    with pytest.raises(StoreError, match="different config .*adaptive"):
        run(config(tmp_path, shared_data, limit=2), generator=FakeGenerator(answers), show_progress=False)


@pytest.mark.parametrize("fail_after", [3, 10, 14])  # within round 1, right after it, within round 2
def test_a_crashed_adaptive_run_resumes_to_the_uninterrupted_state(tmp_path, shared_data, answers, fail_after):
    with pytest.raises(RuntimeError):
        run(config(tmp_path, shared_data), generator=FakeGenerator(answers, fail_after=fail_after),
            show_progress=False)
    partial = score_run(tmp_path / "runs" / "r", show_progress=False).tasks["math500"]
    assert not partial.complete  # a problem still owed samples by its rule: the task is unfinished
    run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    run(config(tmp_path, shared_data, run_name="straight"), generator=FakeGenerator(answers), show_progress=False)
    assert state(tmp_path / "runs" / "r") == state(tmp_path / "runs" / "straight")


KILL_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from r1eval.config import RunConfig, SamplingConfig
from r1eval.pipeline.run import run, score_run
from r1eval.task.data import read_jsonl_rows
from tests.fakes import FakeGenerator
rows = read_jsonl_rows(Path({data!r}) / "math500.jsonl")
answers = {{row["unique_id"]: row["answer"] if i % 2 else "-999999" for i, row in enumerate(rows)}}
cfg = RunConfig(model="fake-model", tasks=("math500",), sampling=SamplingConfig(n=16, seed=3), limit=10,
                data_dir={data!r}, out={out!r}, run_name=sys.argv[2], adaptive=4)
run(cfg, generator=FakeGenerator(answers, delay_s=float(sys.argv[1])), show_progress=False)
"""


def test_sigkill_during_an_adaptive_run_loses_nothing_and_resumes_to_the_same_state(tmp_path, shared_data):
    script = tmp_path / "victim.py"
    script.write_text(KILL_SCRIPT.format(repo=str(REPO), data=str(shared_data), out=str(tmp_path / "runs")))
    journal = tmp_path / "runs" / "r" / "math500" / "completions.jsonl"
    proc = subprocess.Popen([sys.executable, str(script), "0.1", "r"], cwd=REPO)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and (
            not journal.exists() or journal.read_text().count("\n") < 48):
        time.sleep(0.02)  # past round 1 (40 samples), inside round 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 48 <= journal.read_text().count("\n") < 40 + 5 * 12
    subprocess.run([sys.executable, str(script), "0", "r"], cwd=REPO, check=True)
    subprocess.run([sys.executable, str(script), "0", "straight"], cwd=REPO, check=True)
    assert state(tmp_path / "runs" / "r") == state(tmp_path / "runs" / "straight")


def test_gate_refuses_to_compare_an_adaptive_run_with_a_fixed_one_unless_told(tmp_path, shared_data, answers):
    run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    run(config(tmp_path, shared_data, adaptive=None, run_name="fixed"), generator=FakeGenerator(answers),
        show_progress=False)
    runs = tmp_path / "runs"
    with pytest.raises(GateInputError, match="adaptive"):
        run_gate(runs / "fixed", runs / "r")
    report = run_gate(runs / "fixed", runs / "r", allow_config_diff=True)
    assert any("adaptive" in note for note in report.tasks[0].notes)
    same = run_gate(runs / "r", runs / "r")  # two adaptive runs: the paired test holds
    assert same.tasks[0].result.delta == 0 and not same.regressed


def test_per_problem_values_use_the_adaptive_estimate(tmp_path):
    stopped, going = samples_at((8, 64), 0, 0), samples_at((8, 64), 1, 3)
    values = per_problem_values({"a": stopped, "b": going}, "pass@1", 64)
    assert values == {"a": 0.0, "b": pytest.approx(100 * jung_kim(8, 56, 3))}
    with pytest.raises(ValueError, match="first round"):
        per_problem_values({"a": stopped, "b": going}, "pass@16", 64)


def test_the_viewer_shows_each_problems_drawn_samples_not_missing_ones(tmp_path, shared_data, answers):
    from r1eval.report.viewer import write_viewer
    from tests.test_viewer import read_index

    run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    index = read_index(write_viewer([tmp_path / "runs" / "r"], tmp_path / "view"))
    statuses = [p["runs"][0]["st"] for p in index["tasks"][0]["problems"]]
    assert sorted({len(s) for s in statuses}) == [4, 16] and not any("-" in s for s in statuses)
    assert all(len(s) == 4 for s in statuses if set(s[:4]) <= {"i", "n"})  # all wrong: stopped after round 1
    assert index["runs"][0]["adaptive"]["math500"]["rounds"] == [4, 16]


def test_the_cli_runs_adaptively_and_says_how_many_samples_it_drew(tmp_path, shared_data, answers):
    from tests.test_cli import r1eval

    run(config(tmp_path, shared_data, adaptive=None, run_name="fixed"), generator=FakeGenerator(answers),
        show_progress=False)
    proc = r1eval("run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from",
                  str(tmp_path / "runs" / "fixed"), "--limit", "10", "--n", "16", "--adaptive", "--adaptive-first",
                  "4", "--data-dir", str(shared_data), "--out", str(tmp_path / "runs"), "--run-name", "a", "-q")
    assert proc.returncode == 0, proc.stderr
    drawn = json.loads((tmp_path / "runs" / "a" / "results.json").read_text())["tasks"]["math500"]["adaptive"]
    assert f"adaptive {drawn['samples_drawn']}/160" in proc.stdout and drawn["samples_drawn"] < 160
