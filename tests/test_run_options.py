"""Run options are declared once (r1eval/cli/options.py) and travel in the run configuration: the sandbox and
grading limits reach the scorers from RunConfig.scoring (Python API or CLI), are recorded in config.json, and
environment variables only supply the CLI's defaults."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
import typer

from r1eval.cli import app
from r1eval.config import EngineConfig, RunConfig, SamplingConfig, ScoringConfig
from r1eval.errors import SandboxUnavailable
from r1eval.pipeline.run import run, score_run
from tests.task_data import GOLD_PROGRAMS, mirror_dir, write_jsonl
from tests.test_cli import assert_one_line_error, r1eval

RUN_ONLY = {"model", "run_name", "step", "label"}  # a sweep names its runs itself


def options_of(command_name: str) -> dict[str, tuple[str, ...]]:
    command = typer.main.get_command(app).commands[command_name]
    return {p.name: tuple(p.opts) for p in command.params}


def test_sweep_takes_every_option_of_run_with_the_same_flags():
    run_options, sweep_options = options_of("run"), options_of("sweep")
    for name in ("base_url", "api_key", "concurrency", "sandbox", "grade_timeout", "grade_workers"):
        assert name in sweep_options  # the options `sweep --backend openai` once lacked
    assert {k: v for k, v in run_options.items() if k not in RUN_ONLY and k != "quiet"}.items() <= \
        sweep_options.items()
    assert {"sandbox", "grade_timeout", "grade_workers"} <= set(options_of("score"))


@pytest.fixture
def code_run(tmp_path, shared_data):
    """A livecodebench run through the replay backend: three reference programs and three answers without code."""
    data = mirror_dir(shared_data, tmp_path / "data")
    problems = ["abc365_a", "abc365_b", "abc365_e", "3517", "3527", "3533"]
    rows = [{"problem_id": pid, "sample": 0, "n_tokens": 9,
             "text": f"</think>```python\n{GOLD_PROGRAMS[('livecodebench', pid)]}\n```"
             if ("livecodebench", pid) in GOLD_PROGRAMS else "</think>no code"} for pid in problems]
    replay = write_jsonl(tmp_path / "replay.jsonl", rows)
    return RunConfig(model="m", tasks=("livecodebench",), backend="replay", data_dir=str(data),
                     engine=EngineConfig(replay_from=str(replay)), sampling=SamplingConfig(n=1),
                     out=str(tmp_path / "runs"), run_name="r")


def test_python_api_chooses_the_sandbox_and_config_json_records_it(code_run):
    scoring = ScoringConfig(sandbox="process", workers=1, timeout_s=7.0)
    results = run(replace(code_run, scoring=scoring), show_progress=False)
    assert results.tasks["livecodebench"].metrics["pass@1"] == pytest.approx(0.5)
    run_dir = results.run_dir
    config = json.loads(open(f"{run_dir}/config.json").read())
    assert config["scoring"] == {"sandbox": "process", "timeout_s": 7.0, "workers": 1, "time_scale": 1.0,
                                 "all_tests": False}
    assert config["tasks"]["livecodebench"]["scorer_info"]["backend"] == "process"
    # re-grading uses the recorded settings (no Docker engine needed), and another choice really reaches the pool
    assert score_run(run_dir, show_progress=False).tasks["livecodebench"].metrics["pass@1"] == 0.5
    with pytest.raises(SandboxUnavailable, match="'bogus'"):
        score_run(run_dir, show_progress=False, scoring=ScoringConfig(sandbox="bogus"))


def test_cli_takes_sandbox_and_limits_from_options_or_environment_defaults(code_run):
    run(replace(code_run, scoring=ScoringConfig(sandbox="process")), show_progress=False)
    run_dir = f"{code_run.out}/r"
    proc = r1eval("score", run_dir, "-q", env={"R1EVAL_SANDBOX": "process", "R1EVAL_GRADE_TIMEOUT": "3"})
    assert proc.returncode == 0, proc.stderr
    recorded = json.loads(open(f"{run_dir}/config.json").read())["scoring"]
    assert (recorded["sandbox"], recorded["timeout_s"], recorded["workers"]) == ("process", 3.0, None)
    proc = r1eval("score", run_dir, "-q", "--sandbox", "process", "--grade-workers", "1",
                  env={"R1EVAL_GRADE_TIMEOUT": "3"})
    assert proc.returncode == 0 and "50.0" in proc.stdout, proc.stderr
    assert json.loads(open(f"{run_dir}/config.json").read())["scoring"]["workers"] == 1
    assert_one_line_error(r1eval("score", run_dir, "--sandbox", "bogus"), 1, "--sandbox", "docker, process")
