"""Grade while generating: verdicts journaled per sample, resume after kill -9 re-grades nothing journaled,
`score` re-grades resumably, the progress line, and the generation throughput a run records."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from r1eval.config import ScoringConfig
from r1eval.grading import AnswerScorer
from r1eval.pipeline import streaming
from r1eval.pipeline.progress import RunProgress
from r1eval.pipeline.run import run, score_run
from r1eval.pipeline.throughput import decode_floor_s, generation_stats, model_bytes
from r1eval.store import RunStore
from tests.fakes import FakeGenerator
from tests.test_pipeline import config, kill_once_written, math_answers  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def answers(math_answers):  # noqa: F811 - test_pipeline's fixture, under the name these tests use
    return math_answers


def verdict_lines(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "math500" / "verdicts.jsonl").read_text().splitlines()]


def verdict_set(run_dir: Path) -> set:
    return {(v.problem_id, v.sample, v.status, v.answer) for v in RunStore(run_dir).read_verdicts("math500")}


@pytest.fixture
def graded(monkeypatch):
    """Counts the samples the math scorer is asked to grade."""
    seen: list[tuple[str, int]] = []
    original = AnswerScorer.score

    def counting(self, items, scoring=ScoringConfig()):
        seen.extend((c.problem_id, c.sample) for _, c in items)
        return original(self, items, scoring)

    monkeypatch.setattr(AnswerScorer, "score", counting)
    return seen


class WaitsForVerdicts(FakeGenerator):
    """Holds back its last request until a verdict is journaled: only a grader running alongside generation
    lets it finish."""

    def __init__(self, answers, verdicts: Path):
        super().__init__(answers)
        self.verdicts = verdicts
        self.saw_verdicts_while_generating = False

    def _graded_some(self) -> bool:
        return self.verdicts.exists() and self.verdicts.stat().st_size > 0

    def generate(self, requests, sampling):
        for index, item in enumerate(super().generate(requests, sampling)):
            if index == len(requests) - 1:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and not self._graded_some():
                    time.sleep(0.02)
                self.saw_verdicts_while_generating = self._graded_some()
            yield item


def test_samples_are_graded_while_generation_goes_on(tmp_path, shared_data, answers):
    gen = WaitsForVerdicts(answers, tmp_path / "runs" / "r" / "math500" / "verdicts.jsonl")
    results = run(config(tmp_path, shared_data), generator=gen, show_progress=False)
    assert gen.saw_verdicts_while_generating
    assert results.tasks["math500"].complete and len(verdict_lines(tmp_path / "runs" / "r")) == 48


def test_a_resume_grades_only_the_samples_without_a_verdict(tmp_path, shared_data, answers, graded):
    run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    run_dir = tmp_path / "runs" / "r"
    straight = verdict_set(run_dir)
    lines = (run_dir / "math500" / "verdicts.jsonl").read_text().splitlines(keepends=True)
    # a crash: 10 verdicts lost, the last kept line torn, one line journaled twice
    kept = lines[:30] + [lines[5]] + [lines[30][:17]]
    (run_dir / "math500" / "verdicts.jsonl").write_text("".join(kept))
    graded.clear()
    gen = FakeGenerator(answers)
    results = run(config(tmp_path, shared_data), generator=gen, show_progress=False)
    assert gen.requests == []  # every sample was journaled
    assert len(graded) == 18 and len(set(graded)) == 18  # the 17 lost + the torn one, nothing twice
    assert verdict_set(run_dir) == straight and results.tasks["math500"].complete
    rows = verdict_lines(run_dir)
    assert len(rows) == 49  # append-only: the duplicate line stays, readers keep its first copy
    assert len({(r["problem_id"], r["sample"]) for r in rows}) == 48


def test_other_grading_settings_on_a_resume_grade_everything_again(tmp_path, shared_data, answers, graded):
    run(config(tmp_path, shared_data, limit=3), generator=FakeGenerator(answers), show_progress=False)
    graded.clear()
    run(config(tmp_path, shared_data, limit=3, scoring=ScoringConfig(timeout_s=9.0)),
        generator=FakeGenerator(answers), show_progress=False)
    assert len(graded) == 12 and len(verdict_lines(tmp_path / "runs" / "r")) == 12


def test_score_regrades_everything_and_a_killed_regrade_resumes(tmp_path, shared_data, answers, graded):
    first = run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    run_dir = tmp_path / "runs" / "r"
    graded.clear()
    assert score_run(run_dir, show_progress=False).tasks["math500"].metrics == first.tasks["math500"].metrics
    assert len(graded) == 48  # `score` re-grades (a fixed grader), even with the recorded settings
    # a re-grade killed after 20 verdicts: the next `score` with the same settings grades the other 28
    store = RunStore(run_dir)
    settings = {"scoring": json.loads((run_dir / "config.json").read_text())["scoring"], "task_version": 1}
    store.start_regrade("math500", settings)
    with store.verdict_journal("math500", regrade=True) as journal:
        journal.append(store.read_verdicts("math500")[:20])
    graded.clear()
    again = score_run(run_dir, show_progress=False)
    assert len(graded) == 28 and again.tasks["math500"].metrics == first.tasks["math500"].metrics
    assert not (run_dir / "math500" / "verdicts.regrade.jsonl").exists()
    # other settings start the re-grade over
    store.start_regrade("math500", {**settings, "scoring": {**settings["scoring"], "timeout_s": 3.0}})
    with store.verdict_journal("math500", regrade=True) as journal:
        journal.append(store.read_verdicts("math500")[:20])
    graded.clear()
    score_run(run_dir, show_progress=False)
    assert len(graded) == 48


def test_a_grader_failure_does_not_stop_generation(tmp_path, shared_data, answers, monkeypatch):
    def broken(self, items, scoring=ScoringConfig()):
        raise RuntimeError("verifier crashed")

    monkeypatch.setattr(AnswerScorer, "score", broken)
    with pytest.raises(RuntimeError, match="verifier crashed"):
        run(config(tmp_path, shared_data), generator=FakeGenerator(answers), show_progress=False)
    assert len(RunStore(tmp_path / "runs" / "r").read_completions("math500")) == 48
    monkeypatch.undo()
    assert score_run(tmp_path / "runs" / "r", show_progress=False).tasks["math500"].complete


KILL_SCRIPT = """
import sys, time
sys.path.insert(0, {repo!r})
from r1eval.config import RunConfig, SamplingConfig
from r1eval.grading import AnswerScorer
from r1eval.pipeline import streaming
from r1eval.pipeline.run import run
from r1eval.task.data import read_jsonl_rows
from tests.fakes import FakeGenerator
streaming.GRADE_BATCH = 4
slow = float(sys.argv[1])
original = AnswerScorer.score
def score(self, items, scoring):
    time.sleep(slow)
    return original(self, items, scoring)
AnswerScorer.score = score
rows = read_jsonl_rows(__import__("pathlib").Path({data!r}) / "math500.jsonl")
answers = {{r["unique_id"]: r["answer"] for r in rows}}
cfg = RunConfig(model="fake-model", tasks=("math500",), sampling=SamplingConfig(n=4, seed=7), limit=12,
                data_dir={data!r}, out={out!r}, run_name="r")
run(cfg, generator=FakeGenerator(answers, delay_s=slow / 4), show_progress=False)
"""


def test_sigkill_while_grading_and_generating_loses_no_verdict(tmp_path, shared_data, answers, graded):
    script = tmp_path / "victim.py"
    script.write_text(KILL_SCRIPT.format(repo=str(REPO), data=str(shared_data), out=str(tmp_path / "runs")))
    run_dir = tmp_path / "runs" / "r"
    verdicts = run_dir / "math500" / "verdicts.jsonl"
    kill_once_written(script, "0.3", verdicts, lines=8, timeout_s=120)
    kept = {(v.problem_id, v.sample) for v in RunStore(run_dir).read_verdicts("math500")}
    journaled = RunStore(run_dir).read_completions("math500")
    assert 8 <= len(kept) < 48 and len(journaled) >= len(kept)
    graded.clear()
    gen = FakeGenerator(answers)
    resumed = run(config(tmp_path, shared_data), generator=gen, show_progress=False)
    assert sum(r.n for r in gen.requests) == 48 - len(journaled)  # nothing journaled is generated again
    assert not kept & set(graded) and len(graded) == 48 - len(kept)  # nothing journaled is graded again
    straight = run(config(tmp_path, shared_data, run_name="straight"), generator=FakeGenerator(answers),
                   show_progress=False)
    assert verdict_set(run_dir) == verdict_set(tmp_path / "runs" / "straight")
    assert resumed.tasks["math500"].metrics == straight.tasks["math500"].metrics


def test_the_progress_line_moves_while_nothing_finishes():
    lines: list[str] = []
    with RunProgress(total=1920, generated=0, graded=0, write=lines.append, every_s=0.05, terminal=False) as bar:
        bar.set_stage("aime24 · loading model")
        time.sleep(0.2)
        bar.set_stage("aime24")
        bar.generated(712, 712 * 900, 60.0)
        bar.graded(655)
        time.sleep(0.12)
    assert lines[0] == "generate 0/1920 · grade 0/0 · 0 s"
    assert any(line.startswith("aime24 · loading model · generate 0/1920") for line in lines)
    assert lines[-1] == "done · generate 712/1920 · grade 655/712 · 0 s"
    assert not any("tok/s" in line for line in lines)  # a log gets counts; a terminal also gets the rate
    terminal: list[str] = []
    with RunProgress(total=10, generated=0, graded=0, write=terminal.append, terminal=True) as bar:
        bar.generated(2, 300, 1.5)
    assert terminal[-1].endswith("200 tok/s")


def test_a_run_records_tokens_engine_seconds_and_rate(tmp_path, shared_data, answers):
    results = run(config(tmp_path, shared_data, limit=3), generator=FakeGenerator(answers, delay_s=0.05),
                  show_progress=False)
    stats = results.tasks["math500"].extra["generation"]
    completions = RunStore(tmp_path / "runs" / "r").read_completions("math500")
    assert stats["generated_tokens"] == sum(c.n_tokens for c in completions)
    assert stats["generation_s"] >= 0.15  # three requests of 0.05 s each
    assert stats["tokens_per_s"] == pytest.approx(stats["generated_tokens"] / stats["generation_s"], rel=0.01)
    assert "bandwidth_fraction" not in stats  # no CUDA device: no decode limit is recorded
    on_disk = json.loads((tmp_path / "runs" / "r" / "results.json").read_text())
    assert on_disk["tasks"]["math500"]["generation"] == stats


def test_the_decode_floor_by_hand():
    # 2 samples of 4 and 2 tokens, room for both in a step: 4 steps read the weights; KV reads 0+1+2+3 and 0+1
    assert decode_floor_s([4, 2], weight_bytes=1000, kv_bytes_per_token=10, bandwidth=100) == pytest.approx(
        (4 * 1000 + 10 * 7) / 100)
    # one sequence per step: 6 steps
    assert decode_floor_s([4, 2], 1000, 10, 100, max_seqs=1) == pytest.approx((6 * 1000 + 70) / 100)
    # DeepSeek-R1-Distill-Qwen-1.5B in bf16 (3.55 GB) alone on an H100 SXM (3.35 TB/s): ~940 tokens/s at most
    single = 1000 / decode_floor_s([1000], 3.55e9, 0, 3.35e12)
    assert 900 < single < 1000
    stats = generation_stats([{"tokens": 1000, "seconds": 2.0}], [1000],
                             {"weight_bytes": 3.55e9, "kv_bytes_per_token": 0, "bandwidth_bytes_per_s": 3.35e12})
    assert stats["bandwidth_fraction"] == pytest.approx(1000 / single / 2.0, rel=1e-3)


def test_model_bytes_from_a_config(tmp_path):
    # Qwen2.5-1.5B's shape: 28 layers, 2 KV heads of 128 dims, bf16 -> 28 KB of KV cache per token
    (tmp_path / "config.json").write_text(json.dumps({"num_hidden_layers": 28, "num_attention_heads": 12,
                                                      "num_key_value_heads": 2, "hidden_size": 1536,
                                                      "torch_dtype": "bfloat16"}))
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 4096)
    assert model_bytes(tmp_path) == (4096, 2 * 28 * 2 * 128 * 2)


@pytest.mark.gpu
@pytest.mark.skipif(not __import__("importlib").util.find_spec("torch"), reason="no torch")
def test_the_bandwidth_of_a_cuda_device_is_read():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device (the bandwidth fraction is recorded only on one)")
    from r1eval.pipeline.throughput import cuda_bandwidth

    bandwidth, name = cuda_bandwidth()
    assert 1e11 < bandwidth < 2e13, name  # from a T4 (320 GB/s) to a B200 (8 TB/s)


@pytest.mark.parametrize("parallel", [1, 3])
def test_grader_batches_never_mix_tasks_and_a_task_closes_after_its_last_batch(parallel):
    calls: list[tuple[str, int]] = []

    class Grading:
        batch_size = 2

        def __init__(self, name):
            self.name, self.parallel = name, parallel

        def grade(self, items):
            time.sleep(0.05)  # batches of a task may overlap (parallel > 1); close must wait for all of them
            calls.append((self.name, len(items)))

        def prepare(self):
            calls.append((self.name, 0))

        def close(self):
            calls.append((self.name, -1))

    grader = streaming.Grader()
    a, b = Grading("a"), Grading("b")
    grader.submit(a, range(3))
    grader.submit(b, range(2))
    grader.submit(a, range(4))
    grader.end(a)
    grader.end(b)
    grader.join()
    assert sum(n for name, n in calls if name == "a" and n > 0) == 7
    assert sum(n for name, n in calls if name == "b" and n > 0) == 2
    assert all(n <= 2 for _, n in calls)
    assert calls.count(("a", 0)) == calls.count(("b", 0)) == (parallel > 1)  # code tasks prepare while generating
    for name in "ab":
        assert calls.index((name, -1)) > max(i for i, (who, n) in enumerate(calls) if who == name and n > 0)
