"""The run pipeline end to end with a deterministic generator: journal, resume, refusal, re-scoring."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from r1eval.config import RunConfig, SamplingConfig, ScoringConfig, step_from_path
from r1eval.errors import StoreError
from r1eval.pipeline.run import run, score_run
from r1eval.store import RunStore
from r1eval.task.data import read_jsonl_rows
from tests.fakes import FakeGenerator

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def math_answers(shared_data):
    return {row["unique_id"]: row["answer"] for row in read_jsonl_rows(shared_data / "math500.jsonl")}


def config(tmp_path, shared_data, **overrides):
    base = dict(model="fake-model", tasks=("math500",), sampling=SamplingConfig(n=4, seed=7), limit=12,
                data_dir=str(shared_data), out=str(tmp_path / "runs"), run_name="r")
    base.update(overrides)
    return RunConfig(**base)


def journal_keys(run_dir: Path, task: str = "math500") -> list[tuple[str, int]]:
    return [(c.problem_id, c.sample) for c in RunStore(run_dir).read_completions(task)]


def test_run_writes_config_journal_verdicts_and_results(tmp_path, shared_data, math_answers):
    results = run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers), show_progress=False)
    run_dir = tmp_path / "runs" / "r"
    recorded = json.loads((run_dir / "config.json").read_text())
    assert recorded["tasks"]["math500"]["n"] == 4 and recorded["tasks"]["math500"]["n_problems"] == 12
    assert len(recorded["tasks"]["math500"]["prompt_hash"]) == 64
    assert len(recorded["tasks"]["math500"]["dataset"]["content_hash"]) == 64
    assert recorded["sampling"]["temperature"] == 0.6 and recorded["sampling"]["top_p"] == 0.95
    assert len(journal_keys(run_dir)) == 48
    task = results.tasks["math500"]
    assert task.complete and task.n_problems == 12 and task.n_samples == 4 and task.metric_families == ("math",)
    assert set(task.metrics) >= {"pass@1", "pass@1_ci95_problems", "pass@1_ci95_sampling", "pass@1_pi95_rerun",
                                    "pass@2", "pass@4", "cons@4", "truncation_rate",
                                    "no_answer_rate", "mean_tokens"}
    verdicts = RunStore(run_dir).read_verdicts("math500")
    truncated = [c for c in RunStore(run_dir).read_completions("math500") if c.finish_reason == "length"]
    assert task.metrics["truncation_rate"] == pytest.approx(len(truncated) / 48)
    # A truncated think block has no answer, whatever numbers it holds.
    by_key = {(v.problem_id, v.sample): v for v in verdicts}
    assert all(by_key[(c.problem_id, c.sample)].status.value == "no_answer" for c in truncated)
    correct = sum(v.status.value == "correct" for v in verdicts)
    assert task.metrics["pass@1"] == pytest.approx(correct / 48)


def test_rerun_of_a_finished_run_generates_nothing(tmp_path, shared_data, math_answers):
    run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers), show_progress=False)
    again = FakeGenerator(math_answers)
    run(config(tmp_path, shared_data), generator=again, show_progress=False)
    assert again.requests == []


def test_resume_after_a_crash_completes_without_duplicates_and_matches_an_uninterrupted_run(
        tmp_path, shared_data, math_answers):
    with pytest.raises(RuntimeError):
        run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers, fail_after=5), show_progress=False)
    run_dir = tmp_path / "runs" / "r"
    assert len(journal_keys(run_dir)) == 20  # five finished problems were kept
    resumed_gen = FakeGenerator(math_answers)
    resumed = run(config(tmp_path, shared_data), generator=resumed_gen, show_progress=False)
    assert len(resumed_gen.requests) == 7  # only the missing problems
    keys = journal_keys(run_dir)
    assert len(keys) == len(set(keys)) == 48
    straight = run(config(tmp_path, shared_data, run_name="straight"), generator=FakeGenerator(math_answers),
                   show_progress=False)
    assert resumed.tasks["math500"].metrics == straight.tasks["math500"].metrics
    def verdict_keys(run: Path) -> list:
        return sorted((v.problem_id, v.sample, v.status, v.answer) for v in RunStore(run).read_verdicts("math500"))

    assert verdict_keys(run_dir) == verdict_keys(tmp_path / "runs" / "straight")


def test_an_interrupted_run_says_how_many_problems_its_numbers_cover(tmp_path, shared_data, math_answers):
    with pytest.raises(RuntimeError):
        run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers, fail_after=5), show_progress=False)
    task = score_run(tmp_path / "runs" / "r", show_progress=False).tasks["math500"]
    assert not task.complete and task.n_problems == 12 and task.n_problems_scored == 5
    assert task.n_samples == task.n_samples_min == 4 and "cons@4" in task.metrics


def test_resume_fills_missing_samples_of_a_partly_done_problem(tmp_path, shared_data, math_answers):
    run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers), show_progress=False)
    path = tmp_path / "runs" / "r" / "math500" / "completions.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    dropped = [json.loads(line) for line in lines[1:3]]
    path.write_text(lines[0] + "".join(lines[3:]))
    gen = FakeGenerator(math_answers)
    run(config(tmp_path, shared_data), generator=gen, show_progress=False)
    assert [(r.problem_id, r.first_sample, r.n) for r in gen.requests] == [
        (dropped[0]["problem_id"], dropped[0]["sample"], 2)]
    assert len(journal_keys(tmp_path / "runs" / "r")) == 48


def test_torn_last_line_is_tolerated_and_regenerated(tmp_path, shared_data, math_answers):
    run(config(tmp_path, shared_data, limit=3), generator=FakeGenerator(math_answers), show_progress=False)
    path = tmp_path / "runs" / "r" / "math500" / "completions.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # a crash mid-write
    gen = FakeGenerator(math_answers)
    results = run(config(tmp_path, shared_data, limit=3), generator=gen, show_progress=False)
    assert [(r.first_sample, r.n) for r in gen.requests] == [(3, 1)]
    assert results.tasks["math500"].complete
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_different_config_on_the_same_run_is_refused(tmp_path, shared_data, math_answers):
    run(config(tmp_path, shared_data, limit=2), generator=FakeGenerator(math_answers), show_progress=False)
    other = config(tmp_path, shared_data, limit=2, sampling=SamplingConfig(n=4, seed=7, temperature=1.0))
    with pytest.raises(StoreError, match=r"different config \(sampling temperature 0\.6 vs 1\.0\)"):
        run(other, generator=FakeGenerator(math_answers), show_progress=False)
    more_samples = config(tmp_path, shared_data, limit=2, sampling=SamplingConfig(n=8, seed=7))
    with pytest.raises(StoreError, match=r"different config .*sampling n 4 vs 8; task math500: n 4 vs 8"):
        run(more_samples, generator=FakeGenerator(math_answers), show_progress=False)


def test_adding_a_task_to_an_existing_run_keeps_the_first(tmp_path, shared_data, math_answers):
    aime = {str(row["source_id"]): row["answer"]
            for row in read_jsonl_rows(shared_data / "aime_2024.jsonl")}
    gen = FakeGenerator({**math_answers, **aime})
    run(config(tmp_path, shared_data, limit=2), generator=gen, show_progress=False)
    results = run(config(tmp_path, shared_data, limit=2, tasks=("math500", "aime24")), generator=gen,
                  show_progress=False)
    assert set(results.tasks) == {"math500", "aime24"}
    assert results.tasks["aime24"].n_samples == 4


def test_score_run_regrades_from_the_journal(tmp_path, shared_data, math_answers):
    first = run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers), show_progress=False)
    run_dir = tmp_path / "runs" / "r"
    (run_dir / "results.json").unlink()
    (run_dir / "math500" / "verdicts.jsonl").unlink()
    again = score_run(run_dir, show_progress=False)
    assert again.tasks == first.tasks


def test_step_is_recorded_from_the_checkpoint_path(tmp_path, shared_data, math_answers):
    results = run(config(tmp_path, shared_data, model="ckpts/global_step_300", limit=1, run_name=None),
                  generator=FakeGenerator(math_answers), show_progress=False)
    assert results.step == 300
    assert "step300" in results.run_id


@pytest.mark.parametrize(("path", "step"), [
    ("ckpts/global_step_300", 300), ("out/checkpoint-1200/", 1200), ("runs/step_40", 40), ("iter_0000500", 500),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", None), ("models/stepwise", None),
])
def test_step_from_path(path, step):
    assert step_from_path(path) == step


KILL_SCRIPT = """
import sys
sys.path.insert(0, {repo!r})
from r1eval.config import RunConfig, SamplingConfig
from r1eval.task.data import read_jsonl_rows
from r1eval.pipeline.run import run
from tests.fakes import FakeGenerator
rows = read_jsonl_rows(__import__("pathlib").Path({data!r}) / "math500.jsonl")
answers = {{r["unique_id"]: r["answer"] for r in rows}}
cfg = RunConfig(model="fake-model", tasks=("math500",), sampling=SamplingConfig(n=4, seed=7), limit=12,
                data_dir={data!r}, out={out!r}, run_name="r")
run(cfg, generator=FakeGenerator(answers, delay_s=float(sys.argv[1])), show_progress=False)
"""


def kill_once_written(script: Path, arg: str, journal: Path, lines: int, timeout_s: float) -> None:
    """Run `script arg` in a child and kill -9 it as soon as `journal` holds `lines` lines (or at the timeout)."""
    proc = subprocess.Popen([sys.executable, str(script), arg], cwd=REPO)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < lines):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_in_the_middle_of_generation_loses_nothing_already_journaled(tmp_path, shared_data, math_answers):
    script = tmp_path / "victim.py"
    script.write_text(KILL_SCRIPT.format(repo=str(REPO), data=str(shared_data), out=str(tmp_path / "runs")))
    journal = tmp_path / "runs" / "r" / "math500" / "completions.jsonl"
    kill_once_written(script, "0.2", journal, lines=12, timeout_s=60)
    kept = journal_keys(tmp_path / "runs" / "r")
    assert 12 <= len(kept) < 48
    subprocess.run([sys.executable, str(script), "0"], cwd=REPO, check=True)
    keys = journal_keys(tmp_path / "runs" / "r")
    assert len(keys) == len(set(keys)) == 48
    assert keys[: len(kept)] == kept
    straight = run(config(tmp_path, shared_data, run_name="straight"), generator=FakeGenerator(math_answers),
                   show_progress=False)
    resumed = RunStore(tmp_path / "runs" / "r").read_results()  # the killed writer's lock died with it
    assert resumed.tasks["math500"].metrics == straight.tasks["math500"].metrics


CODE_TASK = '''"""LCB sample rows under the {profile} runner profile."""
from r1eval import Task
from r1eval.grading.code.scorer import code_scorer
from r1eval.task.livecodebench import LCBSource, prompt

TASK = Task(name="lcbmini", version=1, description=__doc__, prompt=prompt, default_n=1, cons=False,
            source=LCBSource(start="2000-01-01", end="2100-01-01", mirror="lcb_sample_with_tests.jsonl"),
            scorer=code_scorer(profile="{profile}"))
'''


def test_the_runner_profile_is_recorded_and_a_resume_under_another_is_refused(tmp_path, shared_data):
    dirs = {}
    for profile in ("livecodebench", "plain"):
        dirs[profile] = tmp_path / profile
        dirs[profile].mkdir()
        (dirs[profile] / "lcbmini.py").write_text(CODE_TASK.format(profile=profile))
    ids = [row["question_id"] for row in read_jsonl_rows(shared_data / "lcb_sample_with_tests.jsonl")]
    gen = FakeGenerator(dict.fromkeys(ids, "1"))  # no code blocks: judged no_code without running anything
    first = config(tmp_path, shared_data, tasks=("lcbmini",), tasks_dirs=(str(dirs["livecodebench"]),),
                   sampling=SamplingConfig(n=1), scoring=ScoringConfig(sandbox="process", workers=1))
    run(first, generator=gen, show_progress=False)
    recorded = json.loads((tmp_path / "runs" / "r" / "config.json").read_text())["tasks"]["lcbmini"]
    assert recorded["runner_profile"] == "livecodebench"
    other = config(tmp_path, shared_data, tasks=("lcbmini",), tasks_dirs=(str(dirs["plain"]),),
                   sampling=SamplingConfig(n=1), scoring=ScoringConfig(sandbox="process", workers=1))
    with pytest.raises(StoreError, match="task lcbmini: runner_profile 'livecodebench' vs 'plain'"):
        run(other, generator=gen, show_progress=False)
