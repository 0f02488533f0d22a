"""Sweep: checkpoint discovery and ordering, end to end through the real pipeline (replay backend), resume at
checkpoint and sample level, --watch, and one evaluation per checkpoint as Ray tasks on a local CPU cluster."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from r1eval.config import EngineConfig, RunConfig, SamplingConfig
from r1eval.errors import ConfigError
from r1eval.pipeline.run import run as pipeline_run
from r1eval.pipeline.sweep import Checkpoint, SweepSpec, discover, is_ready, local_executor, run_sweep
from r1eval.report.runs import expand_run_paths
from r1eval.task.registry import LoadContext, load_tasks
from tests.conftest import require

LIMIT, N = 3, 2


def test_discovery_orders_numerically_and_ignores_stepless_dirs(tmp_path):
    for name in ("global_step_50", "global_step_100", "global_step_5", "latest"):
        (tmp_path / name).mkdir()
    (tmp_path / "global_step_7.txt").write_text("a file, not a checkpoint")
    found, ignored = discover(str(tmp_path / "*"))
    assert [(c.step, Path(c.model).name) for c in found] == [(5, "global_step_5"), (50, "global_step_50"),
                                                              (100, "global_step_100")]
    assert [Path(p).name for p in ignored] == ["latest"]
    assert [c.step for c in discover(str(tmp_path / "global_step_*"), steps=[100, 5])[0]] == [5, 100]
    with pytest.raises(ConfigError, match="no checkpoint for step"):
        discover(str(tmp_path / "global_step_*"), steps=[200])


@pytest.mark.parametrize("names", [["checkpoint-10", "checkpoint-2"], ["step_10", "step_2"],
                                   ["iter_0000010", "iter_0000002"]])
def test_discovery_naming_schemes(tmp_path, names):
    for name in names:
        (tmp_path / name).mkdir()
    assert [c.step for c in discover(str(tmp_path / "*"))[0]] == [2, 10]


def test_explicit_step_pattern_and_duplicates(tmp_path):
    for s in (1, 2):
        (tmp_path / f"ck-{s}").mkdir()
    found, _ = discover(str(tmp_path / "ck-{step}"), steps=[2, 1])
    assert [(c.step, Path(c.model).name) for c in found] == [(1, "ck-1"), (2, "ck-2")]
    (tmp_path / "a" / "global_step_1").mkdir(parents=True)
    (tmp_path / "b" / "global_step_1").mkdir(parents=True)
    with pytest.raises(ConfigError, match="two checkpoints for step 1"):
        discover(str(tmp_path / "*" / "global_step_*"))


def test_readiness_waits_for_writes_to_settle(tmp_path):
    (tmp_path / "global_step_1").mkdir()
    (tmp_path / "global_step_1" / "model.safetensors").write_text("x")
    ck = Checkpoint(1, str(tmp_path / "global_step_1"))
    mtime = os.stat(tmp_path / "global_step_1" / "model.safetensors").st_mtime
    assert not is_ready(ck, settle_s=30, now=mtime + 5)
    assert is_ready(ck, settle_s=30, now=mtime + 31)
    assert is_ready(Checkpoint(0, "Qwen/Qwen2.5-Math-7B"), settle_s=30)  # a hub id


@pytest.fixture
def training(tmp_path, shared_data):
    """Checkpoint dirs for steps 100/200/300 and a replay file per step (better answers as training goes on)."""
    rows = load_tasks(["aime24"])[0].load(LoadContext(str(shared_data)))[:LIMIT]
    (tmp_path / "replay").mkdir()
    for step in (0, 100, 200, 300):
        lines = []
        for i, row in enumerate(rows):
            for sample in range(N):
                right = (i + sample) < step // 100 + 1
                text = f"<think>Wait, let me check.</think> \\boxed{{{row.answer if right else 99999}}}"
                lines.append(json.dumps({"problem_id": row.id, "sample": sample, "text": text,
                                         "n_tokens": 10 + step}))
        (tmp_path / "replay" / f"step_{step}.jsonl").write_text("\n".join(lines) + "\n")
    for step in (100, 200, 300):
        (tmp_path / "ckpts" / f"global_step_{step}").mkdir(parents=True)
    return tmp_path


def _spec(root: Path, shared_data: Path, out: str = "runs", **kw) -> SweepSpec:
    base = RunConfig(model="", tasks=("aime24",), backend="replay", out=str(root / out),
                     sampling=SamplingConfig(n=N), limit=LIMIT, data_dir=str(shared_data),
                     engine=EngineConfig(replay_from=str(root / "replay" / "step_{step}.jsonl")))
    return SweepSpec(base=base, checkpoints=str(root / "ckpts" / "global_step_*"), **kw)


class Counting:
    """The pipeline's run(), counting the checkpoints it is asked to evaluate."""

    def __init__(self):
        self.models: list[str] = []

    def __call__(self, config, show_progress=False):
        self.models.append(config.model)
        return pipeline_run(config, show_progress=show_progress)


def test_sweep_end_to_end_and_checkpoint_resume(training, shared_data):
    counting = Counting()
    spec = _spec(training, shared_data, base_model="base-model")
    first = run_sweep(spec, local_executor(counting), log=lambda _: None)
    assert first.evaluated == [0, 100, 200, 300] and not first.failed
    runs = expand_run_paths([training / "runs"])
    assert [r.step for r in runs] == [0, 100, 200, 300]
    assert {r.series for r in runs} == {spec.checkpoints}  # the manifest groups the base model with the series
    for run in runs:
        results = json.loads((run.path / "results.json").read_text())
        assert isinstance(results["step"], int) and results["complete"]
    assert [r.task_result("aime24").metrics["pass@1"] for r in runs] == pytest.approx([1 / 6, 3 / 6, 5 / 6, 1.0])
    # a second sweep finds everything complete and starts no evaluation at all
    second = run_sweep(spec, local_executor(counting), log=lambda _: None)
    assert second.skipped == [0, 100, 200, 300] and second.evaluated == [] and len(counting.models) == 4
    # a changed config is a different sweep: nothing is skipped
    changed = replace(spec, base=replace(spec.base, limit=2), base_model=None)
    third = run_sweep(changed, local_executor(counting), log=lambda _: None)
    assert third.evaluated == [100, 200, 300]


class Crashing:
    """run() with the replay generator, which crashes after `crash_after` requests at `crash_step`, counting the
    samples it generates: the engine dying halfway through a checkpoint."""

    def __init__(self, crash_step: int, crash_after: int):
        self.crash_step, self.crash_after = crash_step, crash_after
        self.generated: dict[int, int] = {}

    def __call__(self, config, show_progress=False):
        from r1eval.generate.replay import ReplayGenerator

        outer = self
        replay = ReplayGenerator(config.model, config.engine)

        class Wrapped:
            identity, render, close = replay.identity, replay.render, replay.close

            def generate(self, requests, sampling):
                for i, (request, completions) in enumerate(replay.generate(requests, sampling)):
                    if config.step == outer.crash_step and i == outer.crash_after:
                        outer.crash_step = None  # crash once
                        raise RuntimeError("engine died")
                    outer.generated[config.step] = outer.generated.get(config.step, 0) + len(completions)
                    yield request, completions

        return pipeline_run(config, generator=Wrapped(), show_progress=show_progress)


def test_sample_level_resume_after_a_failed_checkpoint(training, shared_data):
    spec = _spec(training, shared_data)
    crashing = Crashing(crash_step=200, crash_after=2)
    first = run_sweep(spec, local_executor(crashing), log=lambda _: None)
    assert first.evaluated == [100, 300] and list(first.failed) == [200] and "engine died" in first.failed[200]
    manifest = json.loads(Path(first.manifest).read_text())
    assert [r["complete"] for r in manifest["runs"]] == [True, False, True]
    assert crashing.generated[200] == 2 * N  # two problems were journaled before the crash
    second = run_sweep(spec, local_executor(crashing), log=lambda _: None)
    assert second.evaluated == [200] and second.skipped == [100, 300]
    assert crashing.generated[200] == LIMIT * N  # only the missing problem's samples were generated again
    journal = next((training / "runs").glob("global_step_200-*")) / "aime24" / "completions.jsonl"
    lines = journal.read_text().splitlines()
    assert len(lines) == LIMIT * N and len(set(lines)) == LIMIT * N
    assert json.loads(Path(second.manifest).read_text())["runs"][1]["complete"] is True


def test_watch_evaluates_checkpoints_as_they_appear(training, shared_data):
    (training / "ckpts" / "global_step_200").rmdir()
    (training / "ckpts" / "global_step_300").rmdir()
    polls = []

    def trainer_writes_next(_seconds):  # stands in for time.sleep between polls
        polls.append(1)
        step = 100 + 100 * len(polls)
        (training / "ckpts" / f"global_step_{step}").mkdir()

    result = run_sweep(_spec(training, shared_data, watch=True, poll_s=0, until_step=300),
                       local_executor(pipeline_run), log=lambda _: None, sleep=trainer_writes_next)
    assert result.evaluated == [100, 200, 300] and len(polls) == 2


def test_sweep_cli_replay(training, shared_data, monkeypatch):
    from r1eval.cli import main

    monkeypatch.chdir(training)
    args = ["sweep", "--checkpoints", "ckpts/global_step_*", "--tasks", "aime24", "--backend", "replay",
            "--replay-from", "replay/step_{step}.jsonl", "--n", str(N), "--limit", str(LIMIT), "--out", "runs",
            "--data-dir", str(shared_data), "--steps", "100,300", "-q"]
    assert main(args) == 0
    assert sorted(r.step for r in expand_run_paths(["runs"])) == [100, 300]
    assert main([*args[:-3], "--steps", "100,x"]) == 1


@pytest.mark.slow  # starting a Ray cluster takes ~10 s
def test_ray_sweep_on_a_local_cpu_cluster(training, shared_data):
    try:
        import ray  # noqa: F401
    except ImportError:
        ray = None
    require(ray is not None, "ray is not installed (pip install 'r1eval[ray]')")
    from r1eval.pipeline.ray_sweep import ray_executor

    os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                os.environ.get("PYTHONPATH", "")])
    try:
        result = run_sweep(_spec(training, shared_data, out="ray_runs"), ray_executor("local", 2), log=lambda _: None)
    finally:
        import ray

        ray.shutdown()
    assert sorted(result.evaluated) == [100, 200, 300] and not result.failed
    local = run_sweep(_spec(training, shared_data, out="local_runs"), local_executor(pipeline_run), log=lambda _: None)
    assert local.evaluated == [100, 200, 300]
    # the same run directories, the same numbers, as a local sweep writes them
    ray_runs, local_runs = expand_run_paths([training / "ray_runs"]), expand_run_paths([training / "local_runs"])
    assert [r.path.name for r in ray_runs] == [r.path.name for r in local_runs]
    metrics = [[r.task_result("aime24").metrics for r in runs] for runs in (ray_runs, local_runs)]
    assert metrics[0] == metrics[1]
