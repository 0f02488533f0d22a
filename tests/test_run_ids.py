"""Run ids show what differs from the paper's protocol (two seeds do not look alike), and a run directory named
before that is still found, so the same command resumes it."""
from __future__ import annotations

import json
from dataclasses import replace

from r1eval.cli import main
from r1eval.config import EngineConfig, RunConfig, SamplingConfig
from r1eval.pipeline.run import run_dir_for

IDENTITY = {"model": {"name": "m"}}


def test_the_id_names_every_setting_that_differs_from_the_protocol(tmp_path):
    base = RunConfig(model="org/Qwen-1.5B", tasks=("aime24",), out=str(tmp_path))
    plain = run_dir_for(base, IDENTITY).name
    assert plain.startswith("org_Qwen-1.5B-run-") and len(plain) == len("org_Qwen-1.5B-run-") + 8  # + the hash
    changed = replace(base, sampling=SamplingConfig(seed=1, temperature=0.7, top_p=0.9, max_tokens=4096, n=8),
                      limit=20, think_prefix=True, engine=EngineConfig(dtype="float32"), label="try")
    name = run_dir_for(changed, IDENTITY).name
    assert name.startswith("org_Qwen-1.5B-try-seed1-t0.7-p0.9-tok4096-n8-limit20-think-float32-")


def test_a_directory_named_the_old_way_is_resumed(tmp_path):
    config = RunConfig(model="m", tasks=("aime24",), out=str(tmp_path), sampling=SamplingConfig(seed=3))
    new = run_dir_for(config, IDENTITY)
    old = tmp_path / new.name.replace("-seed3", "")
    old.mkdir()
    assert run_dir_for(config, IDENTITY) == old
    new.mkdir()
    assert run_dir_for(config, IDENTITY) == new


def test_two_seeds_of_one_model_get_ids_that_say_so(tmp_path, shared_data, capsys):
    rows = [json.loads(line) for line in (shared_data / "math500.jsonl").read_text().splitlines()[:2]]
    replay = tmp_path / "replay.jsonl"
    replay.write_text("".join(json.dumps({"problem_id": r["unique_id"], "sample": s, "n_tokens": 5,
                                          "text": f"\\boxed{{{r['answer']}}}"}) + "\n" for r in rows for s in range(2)))
    for seed in ("0", "1"):
        assert main(["run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from", str(replay),
                     "--limit", "2", "--n", "2", "--data-dir", str(shared_data), "--out", str(tmp_path / "runs"),
                     "--seed", seed, "-q", "-v"]) == 0
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert [n.rsplit("-", 1)[0] for n in names] == ["m-run-n2-limit2", "m-run-seed1-n2-limit2"]
    assert "m-run-seed1-n2-limit2-" in capsys.readouterr().out  # the results table's title is the run id
