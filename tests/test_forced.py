"""The forced-answer curve: continuations of samples cut at B, journaled and resumable, graded as a second curve.
Known truth: a stand-in model that always answers right (or always wrong) when forced, so each budget's forced
pass@1 follows from which samples the budget cuts."""
from __future__ import annotations

import json

import pytest

from r1eval.config import RunConfig, SamplingConfig
from r1eval.errors import ConfigError, DataError
from r1eval.generate import completions_for
from r1eval.pipeline.budget import Cutter, truncated_at
from r1eval.pipeline.forced import END_OF_THINKING, ForceSettings, force_answers, forced_store
from r1eval.pipeline.prompt_record import read_prompts
from r1eval.pipeline.run import run, score_run
from r1eval.store import RunStore
from tests.test_budget import PieceGenerator


class Answerer:
    """Answers every forced prompt with `reply` (the prompt ends inside \\boxed{)."""

    def __init__(self, reply):
        self.reply, self.prompts = reply, []

    def generate(self, requests, sampling):
        for request in requests:
            self.prompts.append((request.problem_id, request.first_sample, request.prompt))
            text = self.reply(request)
            yield request, completions_for(request, [(text, "stop", 3, None)])


@pytest.fixture
def long_run(tmp_path, shared_data):
    rows = [json.loads(line) for line in (shared_data / "amc23.jsonl").read_text().splitlines()[:6]]
    answers = {str(r["id"]): str(r["answer"]).removesuffix(".0") for r in rows}
    config = RunConfig(model="pieces", tasks=("amc23",), backend="replay", limit=6, data_dir=str(shared_data),
                       sampling=SamplingConfig(n=8, max_tokens=64, seed=3), out=str(tmp_path), run_name="long")
    run(config, generator=PieceGenerator(answers), show_progress=False)
    return tmp_path / "long", answers


def forced_points(run_dir) -> dict[int, dict]:
    curve = RunStore(run_dir).read_results().tasks["amc23"].budget_curve
    return {p["budget"]: p for p in curve["forced"]["points"]}


def test_forced_answers_are_graded_as_a_second_curve(long_run):
    run_dir, answers = long_run
    store = RunStore(run_dir)
    completions = store.read_completions("amc23")
    verdicts = {(v.problem_id, v.sample): v.correct for v in store.read_verdicts("amc23")}
    right = Answerer(lambda r: answers[r.problem_id] + "}")
    made = force_answers(run_dir, [10, 20], generator=right, show_progress=False)
    assert made == sum(truncated_at(c, b) for c in completions for b in (10, 20)) > 0
    points = forced_points(score_run(run_dir, show_progress=False).run_dir)
    for budget in (10, 20):
        per_problem = {}
        for c in completions:  # truth: a cut sample answers right, a whole one keeps its verdict
            per_problem.setdefault(c.problem_id, []).append(truncated_at(c, budget) or verdicts[(c.problem_id,
                                                                                                  c.sample)])
        truth = sum(sum(v) / len(v) for v in per_problem.values()) / len(per_problem)
        assert points[budget]["pass@1"] == pytest.approx(truth) and points[budget]["n_missing"] == 0
    prompts, cutter = read_prompts(store, "amc23"), Cutter([10, 20])
    by_key = {(c.problem_id, c.sample): c for c in completions}
    closed, at_10 = 0, sum(truncated_at(c, 10) for c in completions)
    for pid, sample, prompt in right.prompts[:at_10]:  # the budget-10 requests come first
        cut = cutter.cut(by_key[(pid, sample)], 10)
        marker = "\n\n" if "</think>" in cut.text else END_OF_THINKING  # a closed think block is not closed again
        closed += "</think>" in cut.text
        assert prompt == prompts[pid] + cut.text + marker + "**Final Answer**\n\\boxed{"
    assert 0 < closed < at_10
    budget_points = {p["budget"]: p for p in RunStore(run_dir).read_results().tasks["amc23"].budget_curve["points"]}
    assert list(budget_points) == [64]  # the budget curve itself is untouched by forcing

    from r1eval.report.budget import budget_figure, budget_table
    from r1eval.report.runs import load_run

    table = budget_table([load_run(run_dir)])
    rows = table[table["curve"] == "forced"].set_index("budget")
    assert list(rows.index) == [10, 20] and rows.loc[10, "pass@1"] == 100.0 * points[10]["pass@1"]
    dashed = [line for line in budget_figure(table).axes[0].lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [10, 20]


def test_wrong_forced_answers_score_only_the_whole_samples(long_run):
    run_dir, _ = long_run
    force_answers(run_dir, [10], generator=Answerer(lambda r: "777}"), show_progress=False)
    point = forced_points(score_run(run_dir, show_progress=False).run_dir)[10]
    store = RunStore(run_dir)
    per_problem: dict[str, list[bool]] = {}
    for c, v in zip(store.read_completions("amc23"), store.read_verdicts("amc23"), strict=True):
        assert (c.problem_id, c.sample) == (v.problem_id, v.sample)
        per_problem.setdefault(c.problem_id, []).append(not truncated_at(c, 10) and v.correct)
    truth = sum(sum(v) / len(v) for v in per_problem.values()) / len(per_problem)
    assert point["pass@1"] == pytest.approx(truth) and truth < 0.2  # few samples answered within 10 tokens


def test_forcing_resumes_and_refuses_other_settings(long_run):
    run_dir, answers = long_run
    first = force_answers(run_dir, [20], generator=Answerer(lambda r: "1}"), show_progress=False)
    journal = forced_store(RunStore(run_dir), "amc23").task_dir("20") / "completions.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:-3]) + lines[-3][:10])  # killed mid-write: two lost, one torn
    assert force_answers(run_dir, [20], generator=Answerer(lambda r: "1}"), show_progress=False) == 3
    assert len(journal.read_text().splitlines()) == first
    assert force_answers(run_dir, [20], generator=Answerer(lambda r: "1}"), show_progress=False) == 0
    with pytest.raises(DataError, match="delete that folder"):
        force_answers(run_dir, [20], ForceSettings(answer_tokens=8), generator=Answerer(lambda r: "1}"),
                      show_progress=False)


def test_only_vllm_runs_can_be_forced_without_a_generator(long_run):
    with pytest.raises(ConfigError, match="vllm backend"):
        force_answers(long_run[0], [20], show_progress=False)


def test_force_answer_cli_bad_inputs_are_one_line(long_run, capsys):
    from r1eval.cli import main

    # -v: quieting the engine's logs in-process would leave the "vllm" logger changed for later tests
    assert main(["force-answer", str(long_run[0]), "--at", "10,ten", "-v"]) == 2
    assert capsys.readouterr().err.strip() == "error: --at '10,ten': 'ten' is not a positive whole number of tokens"
    assert main(["force-answer", str(long_run[0]), "--at", "10", "-v"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "with the replay backend" in err


def test_an_edited_journal_leaves_the_forced_curve_out_but_scoring_works(long_run):
    run_dir, answers = long_run
    force_answers(run_dir, [20], generator=Answerer(lambda r: "1}"), show_progress=False)
    journal = RunStore(run_dir).task_dir("amc23") / "completions.jsonl"
    rows = [json.loads(line) for line in journal.read_text().splitlines()]
    long_rows = [r for r in rows if r["n_tokens"] > 20]
    long_rows[0]["token_chars"] = "9," + long_rows[0]["token_chars"]
    journal.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = score_run(run_dir, show_progress=False)
    assert "do not match" in result.tasks["amc23"].budget_curve["forced"]["unavailable"]
    assert result.tasks["amc23"].complete
