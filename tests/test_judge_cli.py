"""`r1eval judge` and `r1eval sandbox ...` from the command line: files in, verdict rows out, one-line errors."""
from __future__ import annotations

import json

import pytest

from r1eval.sandbox import image as sandbox_image
from r1eval.cli import main
from tests.conftest import require
from tests.sandbox_cases import docker_available


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


PROBLEMS = [
    {"question_id": "add", "public_test_cases": json.dumps([{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]),
     "private_test_cases": json.dumps([{"input": "5 5\n", "output": "10\n", "testtype": "stdin"}]), "metadata": "{}"},
    {"id": "pair", "tests": [{"input": "1\n2", "output": "[1, 2]", "testtype": "functional"}],
     "metadata": {"func_name": "pair"}, "time_limit_s": 1, "memory_limit_mb": 128},
]
SUBMISSIONS = [
    {"id": "s1", "problem_id": "add", "response": "<think>easy</think>\n```python\nprint(sum(map(int, input().split())))\n```"},
    {"id": "s2", "problem_id": "add", "response": "<think>hm</think>\n```python\nprint(3)\n```\nOutput:\n```\n3\n```"},
    {"id": "s3", "problem_id": "pair", "response": "</think>```py\nclass Solution:\n    def pair(self, a, b):\n"
                                                   "        return a, b\n```"},
    {"id": "s4", "problem_id": "pair", "response": "<think>out of tokens"},
]


@pytest.mark.docker
def test_judge_writes_one_verdict_row_per_submission(tmp_path, capsys):
    require(docker_available() and sandbox_image.image_exists(sandbox_image.image_tag()), "no Docker engine/image")
    out = tmp_path / "out" / "verdicts.jsonl"
    code = main(["judge", "--problems", str(_write(tmp_path / "p.jsonl", PROBLEMS)), "--submissions",
                 str(_write(tmp_path / "s.jsonl", SUBMISSIONS)), "--out", str(out), "--grade-workers", "2"])
    assert code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["verdict"], r["tests_passed"], r["tests_total"]) for r in rows] == [
        ("s1", "accepted", 2, 2), ("s2", "wrong_answer", 1, 2), ("s3", "accepted", 1, 1), ("s4", "no_code", 0, 1)]
    assert set(rows[0]) == {"id", "problem_id", "verdict", "tests_passed", "tests_total", "detail", "wall_s", "language",
                            "failed_test"}
    assert [r["language"] for r in rows] == ["python3", "python3", "python3", None]
    assert "4 submissions judged" in capsys.readouterr().out


@pytest.mark.docker
def test_judge_profile_decides_what_a_program_finds_without_imports(tmp_path):
    require(docker_available() and sandbox_image.image_exists(sandbox_image.image_tag()), "no Docker engine/image")
    uses_prelude = [{"id": "g", "problem_id": "add",
                     "response": "```python\nprint(gcd(0, 0) + sum(map(int, input().split())))\n```"}]
    args = ["judge", "--problems", str(_write(tmp_path / "p.jsonl", PROBLEMS)), "--submissions",
            str(_write(tmp_path / "s.jsonl", uses_prelude)), "--grade-workers", "1"]
    verdicts = {}
    for profile in ("plain", "livecodebench"):  # one --out each: a journal of another profile is refused
        assert main([*args, "--out", str(tmp_path / f"{profile}.jsonl"), "--profile", profile]) == 0
        verdicts[profile] = json.loads((tmp_path / f"{profile}.jsonl").read_text())["verdict"]
    assert verdicts == {"plain": "runtime_error", "livecodebench": "accepted"}


@pytest.mark.parametrize("problems, submissions, message", [
    ("{not json\n", None, "not valid JSON"),
    (None, '{"id": "s", "problem_id": "nope", "response": ""}\n', "problem_id 'nope' is not in the problems file"),
    (None, '{"id": "s", "response": ""}\n', "lacks problem_id"),
    ('{"question_id": "x", "tests": []}\n', None, "problem x: problem has no tests"),
])
def test_bad_input_files_give_one_line_and_exit_1(tmp_path, capsys, problems, submissions, message):
    p = tmp_path / "p.jsonl"
    s = tmp_path / "s.jsonl"
    p.write_text(problems) if problems else _write(p, PROBLEMS)
    s.write_text(submissions) if submissions else _write(s, SUBMISSIONS)
    assert main(["judge", "--problems", str(p), "--submissions", str(s), "--out", str(tmp_path / "v.jsonl")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ") and message in err


def test_missing_files_and_unknown_backend(tmp_path, capsys):
    assert main(["judge", "--problems", str(tmp_path / "none.jsonl"), "--submissions", "x", "--out", "y"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["judge", "--problems", "a", "--submissions", "b", "--out", "c", "--sandbox", "vm"]) == 1
    assert "--sandbox must be one of docker, process" in capsys.readouterr().err
    p, s = _write(tmp_path / "p.jsonl", PROBLEMS), _write(tmp_path / "s.jsonl", SUBMISSIONS)
    assert main(["judge", "--problems", str(p), "--submissions", str(s), "--out", "c", "--profile", "lcb"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "runner profile must be one of plain, livecodebench, not 'lcb'" in err


def test_no_docker_engine_is_one_line_saying_how_to_start_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    assert main(["sandbox", "check"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no Docker engine is running" in err and "dockerd" in err
    assert main(["sandbox", "build"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no Docker engine is running" in err and "dockerd" in err


@pytest.mark.docker
def test_sandbox_check_prints_a_passing_verdict_table(capsys):
    require(docker_available() and sandbox_image.image_exists(sandbox_image.image_tag()), "no Docker engine/image")
    assert main(["sandbox", "check"]) == 0
    out = capsys.readouterr().out
    for program in ("correct", "wrong", "slow", "memory", "fork", "network"):
        assert any(line.startswith(program) and " yes " in line for line in out.splitlines()), out
    assert "sandbox check passed" in out and sandbox_image.image_tag() in out


def test_image_tag_is_a_content_hash_of_the_sandbox_folder(capsys):
    assert main(["sandbox", "tag"]) == 0
    tag = capsys.readouterr().out.strip()
    assert tag == sandbox_image.image_tag() and tag.startswith("r1eval-sandbox:") and len(tag.split(":")[1]) == 12
