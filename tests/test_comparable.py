"""One module says whether runs are comparable; each refusal names the differing values."""
from __future__ import annotations

from dataclasses import replace

from r1eval.comparable import (
    model_differences,
    resume_differences,
    series_fingerprint,
    setting_differences,
    sweep_fingerprint,
)
from r1eval.config import RunConfig, SamplingConfig, ScoringConfig
from r1eval.types import RunRecord, TaskRecord


def record(temperature: float = 0.6, n: int = 4, seed: int = 0, workers: int | None = None,
           weights: str = "abc", prompt_hash: str = "p") -> RunRecord:
    sampling = {"n": n, "temperature": temperature, "top_p": 0.95, "max_tokens": 32768, "seed": seed}
    task = TaskRecord(version=1, n=n, limit=None, n_problems=30, dataset={"content_hash": "d"},
                      prompt_hash=prompt_hash, scorer="integer")
    return RunRecord(run_id="r", model="m", step=None, label=None, backend="vllm",
                     identity={"model": {"weights_sha256": weights}, "sampling": sampling, "think_prefix": False},
                     sampling=sampling, engine={}, tasks={"aime24": task},
                     scoring={"sandbox": "docker", "workers": workers})


def test_resume_refusals_name_both_values():
    assert resume_differences(record(), record()) == []
    assert resume_differences(record(), record(temperature=0.7)) == ["sampling temperature 0.6 vs 0.7"]
    assert resume_differences(record(), record(weights="def")) == ["model weights_sha256 'abc' vs 'def'"]
    assert resume_differences(record(), record(n=8)) == ["sampling n 4 vs 8", "task aime24: n 4 vs 8"]
    assert resume_differences(record(), record(prompt_hash="q")) == ["task aime24: prompt_hash 'p' vs 'q'"]


def test_a_new_task_may_join_a_run():
    old = replace(record(), tasks={})
    assert resume_differences(old, record()) == []


def test_settings_that_do_not_change_a_number_are_not_differences():
    assert setting_differences(record(), record(seed=5, workers=8), "aime24") == []
    assert series_fingerprint(record()) == series_fingerprint(record(workers=8))
    assert setting_differences(record(), record(temperature=0.7), "aime24") == ["temperature 0.6 vs 0.7"]
    assert series_fingerprint(record()) != series_fingerprint(record(temperature=0.7))


def test_sweep_fingerprint_ignores_per_checkpoint_fields_and_parallelism():
    base = RunConfig(model="ckpt/global_step_100", tasks=("aime24",), step=100,
                     scoring=ScoringConfig(workers=2), sampling=SamplingConfig(n=4))
    same = replace(base, model="ckpt/global_step_200", step=200, label="x", scoring=ScoringConfig(workers=16))
    assert sweep_fingerprint(base) == sweep_fingerprint(same)
    assert sweep_fingerprint(base) != sweep_fingerprint(replace(base, sampling=SamplingConfig(n=8)))


def test_a_continuation_needs_the_same_model_wherever_it_runs():
    recorded = {"backend": "vllm", "weights_sha256": "abc", "chat_template_sha256": "t", "device": "cpu"}
    assert model_differences(recorded, {**recorded, "device": "cuda"}) == []
    assert model_differences(recorded, {**recorded, "weights_sha256": "def"}) == ["model weights_sha256 'abc' vs 'def'"]
