"""The CLI as a user meets it: real processes, exit codes, one-line errors, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def r1eval(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                **(env or {})}
    full_env.pop("R1EVAL_DATA_DIR", None) if env is not None and env.get("R1EVAL_DATA_DIR") == "" else None
    return subprocess.run([sys.executable, "-m", "r1eval", *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def replay_file(tmp_path, shared_data):
    rows = [json.loads(line) for line in (shared_data / "math500.jsonl").read_text().splitlines()[:3]]
    path = tmp_path / "replay.jsonl"
    path.write_text("".join(
        json.dumps({"problem_id": r["unique_id"], "sample": s, "n_tokens": 5,
                    "text": f"<think>7</think>\\boxed{{{r['answer'] if s == 0 else 'x+1'}}}"}) + "\n"
        for r in rows for s in range(2)))
    return path


def replay_args(tmp_path, replay_file, shared_data, *extra):
    return ("run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from", str(replay_file),
            "--limit", "3", "--n", "2", "--data-dir", str(shared_data), "--out", str(tmp_path / "runs"),
            "--run-name", "r", "-q", *extra)


def test_run_then_score_print_a_results_table(tmp_path, replay_file, shared_data):
    proc = r1eval(*replay_args(tmp_path, replay_file, shared_data))
    assert proc.returncode == 0, proc.stderr
    assert "math500" in proc.stdout and "50.0" in proc.stdout
    results = json.loads((tmp_path / "runs" / "r" / "results.json").read_text())
    assert results["tasks"]["math500"]["metrics"]["pass@1"] == pytest.approx(0.5)
    proc = r1eval("score", str(tmp_path / "runs" / "r"), "-q")
    assert proc.returncode == 0 and "50.0" in proc.stdout


def test_tasks_lists_the_builtin_tasks_with_sizes():
    proc = r1eval("tasks")
    assert proc.returncode == 0
    for name, size in (("aime24", "30"), ("aime25", "30"), ("math500", "500"), ("amc23", "40")):
        line = next(line for line in proc.stdout.splitlines() if f" {name} " in line)
        assert f" {size} " in line


def test_unknown_task(tmp_path):
    assert_one_line_error(r1eval("run", "--model", "m", "--tasks", "aime42"), 1, "unknown task 'aime42'", "aime24")


def test_config_mismatch_is_refused(tmp_path, replay_file, shared_data):
    assert r1eval(*replay_args(tmp_path, replay_file, shared_data)).returncode == 0
    proc = r1eval(*replay_args(tmp_path, replay_file, shared_data, "--temperature", "0.9"))
    assert_one_line_error(proc, 1, "different config", "sampling")


def test_unreachable_dataset_says_how_to_use_a_mirror(tmp_path, replay_file):
    proc = r1eval("run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from",
                  str(replay_file), "--out", str(tmp_path / "runs"), env={"R1EVAL_DATA_DIR": ""})
    assert_one_line_error(proc, 1, "HuggingFaceH4/MATH-500", "--data-dir", "R1EVAL_DATA_DIR")


def test_missing_mirror_file(tmp_path, replay_file):
    proc = r1eval("run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from",
                  str(replay_file), "--data-dir", str(tmp_path))
    assert_one_line_error(proc, 1, "math500.jsonl", "--data-dir")


def test_malformed_mirror_file(tmp_path, replay_file):
    (tmp_path / "math500.jsonl").write_text('{"unique_id": "a", "problem": "p", "answer": "1"}\n{oops\n')
    proc = r1eval("run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from",
                  str(replay_file), "--data-dir", str(tmp_path), "--out", str(tmp_path / "runs"))
    assert_one_line_error(proc, 1, "math500.jsonl:2", "not valid JSON")


def test_malformed_config_json(tmp_path, replay_file, shared_data):
    assert r1eval(*replay_args(tmp_path, replay_file, shared_data)).returncode == 0
    (tmp_path / "runs" / "r" / "config.json").write_text("{not json")
    assert_one_line_error(r1eval("score", str(tmp_path / "runs" / "r")), 1, "config.json", "not valid JSON")


def test_score_of_a_folder_that_is_not_a_run(tmp_path):
    assert_one_line_error(r1eval("score", str(tmp_path)), 1, "not an r1eval run directory")


def test_missing_replay_source(tmp_path, shared_data):
    proc = r1eval("run", "--model", "m", "--tasks", "math500", "--backend", "replay", "--replay-from",
                  str(tmp_path / "nope.jsonl"), "--data-dir", str(shared_data))
    assert_one_line_error(proc, 1, "nope.jsonl", "does not exist")


def test_unknown_backend_and_bad_option(tmp_path, shared_data):
    assert_one_line_error(r1eval("run", "--model", "m", "--tasks", "math500", "--backend", "tgi",
                                 "--data-dir", str(shared_data)), 1, "unknown backend 'tgi'")
    assert r1eval("run", "--model", "m", "--tasks", "math500", "--n", "0").returncode == 1


def test_user_task_folder_adds_and_validates_tasks(tmp_path, shared_data):
    folder = tmp_path / "mytasks"
    folder.mkdir()
    (folder / "tiny_math.py").write_text(
        "from r1eval import Problem, Task, data, grading, prompts\n"
        "def to_problem(row, ctx):\n"
        "    return Problem(id=row['unique_id'], question=row['problem'], answer=row['answer'])\n"
        "TASK = Task(name='tiny_math', version=1, source=data.HubSource('x/y', split='test', revision='abc',\n"
        "            mirror='math500.jsonl', to_problem=to_problem), prompt=prompts.math_boxed,\n"
        "            scorer=grading.math(), default_n=2, size=500)\n")
    proc = r1eval("tasks", "--tasks-dir", str(folder))
    assert proc.returncode == 0 and "tiny_math" in proc.stdout
    (folder / "broken.py").write_text("TASK = 3\n")
    assert_one_line_error(r1eval("tasks", "--tasks-dir", str(folder)), 1, "broken.py", "TASK")
