"""A series is one experiment under one configuration: the step comes only from a checkpoint directory's own name,
and runs that merely share a folder pattern or a sweep name are not drawn as one line."""
from __future__ import annotations

import pytest

from r1eval.config import RunConfig, step_from_path
from r1eval.errors import ConfigError
from r1eval.pipeline.sweep import SweepSpec, run_sweep
from r1eval.report import tables
from r1eval.report.runs import expand_run_paths, series_of_model
from tests.runfactory import make_run

TASK = {"t": {"p1": [("correct", "1")] * 2 + [("incorrect", "0")] * 2}}


@pytest.mark.parametrize(("path", "step"), [
    ("exp_step_2/final", None), ("runs/exp_step2/global_step_100", 100), ("ckpts/global_step_300/actor", 300),
    ("out/checkpoint-1200/", 1200), ("iter_0000500", 500), ("my-step_7-model", None)])
def test_the_step_is_a_checkpoint_directory_name(path, step):
    assert step_from_path(path) == step


def test_experiment_folders_with_steps_in_their_names_are_separate_series(tmp_path):
    for exp in ("exp_step2", "exp_step3"):
        for step in (100, 200):
            make_run(tmp_path / "runs", f"{exp}-{step}", TASK, model=f"runs/{exp}/global_step_{step}", step=step)
    runs = expand_run_paths([tmp_path / "runs"])
    assert {r.series for r in runs} == {"runs/exp_step2/global_step_*", "runs/exp_step3/global_step_*"}
    pairs = tables.default_pairs(runs)
    assert sorted((a.run_id, b.run_id) for a, b in pairs) == [("exp_step2-100", "exp_step2-200"),
                                                               ("exp_step3-100", "exp_step3-200")]
    assert series_of_model("ckpts/global_step_300/actor") == "ckpts/global_step_*/actor"


def test_a_sweep_rerun_with_another_n_into_the_same_folder_is_another_series(tmp_path):
    for n in (4, 8):
        for step in (100, 200):
            make_run(tmp_path / "runs", f"n{n}-{step}", TASK, model=f"ck/global_step_{step}", step=step,
                     sampling={"n": n})
    runs = expand_run_paths([tmp_path / "runs"])
    assert len({r.series for r in runs}) == 2
    assert all(a.config.sampling["n"] == b.config.sampling["n"] for a, b in tables.default_pairs(runs))


def test_base_model_does_not_silently_replace_a_real_step_0(tmp_path):
    (tmp_path / "ckpts" / "global_step_0").mkdir(parents=True)
    spec = SweepSpec(base=RunConfig(model="", tasks=("aime24",), out=str(tmp_path / "out")),
                     checkpoints=str(tmp_path / "ckpts" / "global_step_*"), base_model="Qwen/Qwen2.5-Math-7B")
    with pytest.raises(ConfigError, match="step 0"):
        run_sweep(spec, lambda jobs: iter(()), log=lambda _: None)
