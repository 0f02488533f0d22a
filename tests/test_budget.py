"""Thinking-budget curves: one long run cut at B tokens equals a run made with max_tokens=B (known truth from a
generator that, like vLLM with a seed, emits the same tokens whatever the limit), and hostile inputs."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace

import pytest

from r1eval.config import RunConfig, SamplingConfig
from r1eval.errors import DataError
from r1eval.generate import GenRequest
from r1eval.pipeline.budget import RETOKENIZED, default_budgets, parse_budgets, truncated_at
from r1eval.pipeline.run import run
from r1eval.report.budget import budget_table
from r1eval.report.runs import load_run
from r1eval.store import RunStore
from r1eval.types import Completion

EOS = ""  # the stop token adds no text, as in vLLM


def pieces(problem_id: str, sample: int, answer: str) -> list[str]:
    """One string per token: a think block of 2-40 tokens, then a right, wrong or missing boxed answer, then EOS."""
    roll = hashlib.sha256(f"{problem_id}/{sample}".encode()).digest()
    think = ["<think>"] + [f" w{i}" for i in range(2 + roll[0] % 39)] + ["</think>"]
    kind = roll[1] % 4
    tail = [" So", " \\boxed{", answer if kind < 2 else "777", "}"] if kind < 3 else [" unsure"]
    return think + tail + [EOS]


class PieceGenerator:
    """Emits pieces[:max_tokens] like a seeded engine: stops at EOS (checked before the length) or at the limit."""

    def __init__(self, answers: dict[str, str], record_offsets: bool = True):
        self.answers, self.record_offsets = answers, record_offsets

    def identity(self) -> dict:
        return {"model": "pieces"}

    def render(self, messages, think_prefix):
        return "".join(m["content"] for m in messages)

    def generate(self, requests: Sequence[GenRequest], sampling: SamplingConfig
                 ) -> Iterator[tuple[GenRequest, list[Completion]]]:
        for request in requests:
            out = []
            for i in range(request.n):
                sample = request.first_sample + i
                tokens = pieces(request.problem_id, sample, self.answers[request.problem_id])
                kept = tokens[: sampling.max_tokens]
                finish = "stop" if len(kept) == len(tokens) else "length"
                chars = ",".join(str(len(p)) for p in kept) if self.record_offsets else None
                out.append(Completion(request.problem_id, sample, "".join(kept), finish, len(kept), None, chars))
            yield request, out

    def close(self) -> None:
        pass


@pytest.fixture
def answers(shared_data):
    rows = [json.loads(line) for line in (shared_data / "amc23.jsonl").read_text().splitlines()[:6]]
    return {str(r["id"]): str(r["answer"]).removesuffix(".0") for r in rows}


def make(tmp_path, shared_data, answers, max_tokens: int, name: str, offsets: bool = True, model: str = "pieces"):
    config = RunConfig(model=model, tasks=("amc23",), backend="replay", limit=6, data_dir=str(shared_data),
                       sampling=SamplingConfig(n=8, max_tokens=max_tokens, seed=3), out=str(tmp_path),
                       run_name=name)
    return run(config, generator=PieceGenerator(answers, offsets), show_progress=False)


def test_grid_and_budget_parsing():
    assert default_budgets(32768) == [1024, 2048, 4096, 8192, 16384, 32768]
    assert default_budgets(5000) == [1024, 2048, 4096, 5000]
    assert default_budgets(160) == [160]
    assert parse_budgets("4096, 2048,2048") == [2048, 4096]
    for bad in ("0", "abc", "12,-3", ""):
        with pytest.raises(DataError):
            parse_budgets(bad)


def test_truncation_rule_matches_the_engine():
    done = Completion("p", 0, "x", "stop", 10)
    assert not truncated_at(done, 10) and truncated_at(done, 9)  # the stop token as token 10 still stops
    assert truncated_at(Completion("p", 0, "x", "length", 10), 10)


def test_one_cutter_cuts_a_sample_at_every_budget_by_its_recorded_tokens():
    from r1eval.pipeline.budget import Cutter

    sample = Completion("p", 0, "héllo wörld!", "length", 5, None, "2,0,4,5,1")  # a token may add no character
    cutter = Cutter([1, 2, 3, 5, 9])
    assert [cutter.cut(sample, b).text for b in (1, 2, 3)] == ["hé", "hé", "héllo "]
    assert cutter.cut(sample, 5).text == "héllo wörld!" and cutter.cut(sample, 5).finish_reason == "length"
    assert cutter.cut(sample, 9) is sample  # a budget above its length leaves it whole
    assert cutter.cut(sample, 1).n_tokens == 1 and cutter.cut(sample, 1).token_chars is None


@pytest.mark.parametrize("budget", [8, 20, 33, 40])
def test_cut_long_run_equals_a_run_with_that_budget(tmp_path, shared_data, answers, budget):
    long = make(tmp_path, shared_data, answers, 64, "long")
    short = make(tmp_path, shared_data, answers, budget, "short")
    row = budget_table([load_run(long.run_dir)], [budget]).iloc[0]
    truth = short.tasks["amc23"].metrics
    assert row["method"] == "recorded token offsets"
    for key in ("pass@1", "truncation_rate", "no_answer_rate"):
        assert row[key] == 100.0 * truth[key], key
    assert row["cons"] == 100.0 * truth["cons@8"]
    assert 0 < truth["truncation_rate"] < 1  # the budget cuts some samples and not others


def test_results_carry_the_default_grid_curve(tmp_path, shared_data, answers):
    result = make(tmp_path, shared_data, answers, 64, "long")
    curve = result.tasks["amc23"].budget_curve
    assert [p["budget"] for p in curve["points"]] == [64]
    assert curve["points"][0]["pass@1"] == result.tasks["amc23"].metrics["pass@1"]
    assert RunStore(result.run_dir).read_results().tasks["amc23"].budget_curve == curve


def test_edited_offsets_are_refused_not_used(tmp_path, shared_data, answers):
    result = make(tmp_path, shared_data, answers, 64, "long")
    store = RunStore(result.run_dir)
    journal = store.task_dir("amc23") / "completions.jsonl"
    rows = [json.loads(line) for line in journal.read_text().splitlines()]
    rows[0]["token_chars"] = "1," + rows[0]["token_chars"]  # one token too many
    journal.write_text("".join(json.dumps(r) + "\n" for r in rows))
    notes: list[str] = []
    assert budget_table([load_run(result.run_dir)], [5], notes.append).empty
    assert len(notes) == 1 and "do not match" in notes[0]


def test_without_offsets_or_tokenizer_the_curve_is_left_out_saying_why(tmp_path, shared_data, answers):
    result = make(tmp_path, shared_data, answers, 64, "long", offsets=False)
    assert result.tasks["amc23"].budget_curve["method"] == "no sample cut"  # the grid's only budget is max_tokens
    notes: list[str] = []
    assert budget_table([load_run(result.run_dir)], [5], notes.append).empty
    assert "not a local folder with a tokenizer" in notes[0]


def test_without_offsets_the_local_tokenizer_re_tokenizes(tmp_path, shared_data, answers):
    from r1eval.generate.demo_models import tiny_llama_dir

    model = tiny_llama_dir(tmp_path / "tiny")
    result = make(tmp_path, shared_data, answers, 64, "long", offsets=False, model=str(model))
    table = budget_table([load_run(result.run_dir)], [8, 64])
    assert set(table["method"]) == {RETOKENIZED}
    full = table[table["budget"] == 64].iloc[0]
    assert full["pass@1"] == 100.0 * result.tasks["amc23"].metrics["pass@1"]  # nothing cut at the full budget
    assert table[table["budget"] == 8].iloc[0]["truncation_rate"] > 0


def test_replay_keeps_the_offsets(tmp_path, shared_data, answers):
    from r1eval.config import EngineConfig
    from r1eval.generate.replay import ReplayGenerator

    result = make(tmp_path, shared_data, answers, 64, "long")
    original = RunStore(result.run_dir).read_completions("amc23")
    gen = ReplayGenerator("m", EngineConfig(replay_from=result.run_dir))
    first = original[0]
    request = GenRequest("amc23", first.problem_id, "", 1, first.sample, 0)
    [(_, [again])] = list(gen.generate([request], SamplingConfig()))
    assert again == first and again.token_chars == replace(first).token_chars


def test_report_cli_budgets(tmp_path, shared_data, answers, capsys):
    from r1eval.cli import main

    exact = make(tmp_path, shared_data, answers, 64, "exact")
    bare = make(tmp_path, shared_data, answers, 64, "bare", offsets=False)
    assert main(["report", exact.run_dir, "--out", str(tmp_path / "rep"), "--budgets", "20,x"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: --budgets '20,x': 'x' is not a positive whole number of tokens"
    assert main(["report", exact.run_dir, bare.run_dir, "--out", str(tmp_path / "rep"), "--budgets", "20,4096"]) == 0
    err = capsys.readouterr().err
    assert "budget curve of bare/amc23 left out: the completions carry no token offsets" in err
    table = (tmp_path / "rep" / "tables" / "budget.csv").read_text().splitlines()
    assert table[0] == "series,run_id,label,step,task,budget,pass@1,cons,truncation_rate,no_answer_rate,curve,method"
    assert [line.split(",")[1] for line in table[1:]] == ["exact", "exact"]  # the run without offsets is left out
    at_4096 = [line for line in table[1:] if ",4096," in line][0].split(",")
    assert float(at_4096[6]) == 100.0 * exact.tasks["amc23"].metrics["pass@1"]  # above max_tokens: nothing cut
    assert (tmp_path / "rep" / "figures" / "budget.png").is_file()
    assert (tmp_path / "rep" / "figures" / "solve_tokens.png").is_file()
