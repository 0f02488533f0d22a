"""`r1eval judge` journals its --out as it judges: killed (-9) half way, the same command judges only the rest;
other inputs on the same --out are refused in one line. Runs on the process sandbox (no Docker needed)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from r1eval.cli import main
from r1eval.grading.code import judge_journal

REPO = Path(__file__).resolve().parent.parent
PROBLEM = {"question_id": "add", "public_test_cases": json.dumps([{"input": "1 2\n", "output": "3\n",
                                                                    "testtype": "stdin"}]),
           "private_test_cases": "[]", "metadata": "{}"}
SLOW_RIGHT = "</think>\n```python\nimport time\ntime.sleep(0.3)\nprint(sum(map(int, input().split())))\n```"
WRONG = "</think>\n```python\nprint(4)\n```"


def inputs(tmp_path: Path, count: int = 12) -> tuple[Path, Path]:
    problems, subs = tmp_path / "p.jsonl", tmp_path / "s.jsonl"
    problems.write_text(json.dumps(PROBLEM) + "\n")
    subs.write_text("".join(json.dumps({"id": f"s{i}", "problem_id": "add", "response": SLOW_RIGHT if i % 3 else
                                        WRONG}) + "\n" for i in range(count)))
    return problems, subs


def judge_args(problems: Path, subs: Path, out: Path, *extra: str) -> list[str]:
    return ["judge", "--problems", str(problems), "--submissions", str(subs), "--out", str(out), "--sandbox",
            "process", "--grade-workers", "1", *extra]


def rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_judge_killed_half_way_judges_only_the_rest(tmp_path, monkeypatch):
    problems, subs = inputs(tmp_path)
    out = tmp_path / "verdicts.jsonl"
    cmd = [sys.executable, "-m", "r1eval", *judge_args(problems, subs, out)]
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 4):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = {r["id"] for r in rows(out)}
    assert 4 <= len(kept) < 12  # journaled batch by batch (4 per sandbox)
    judged: list[str] = []
    original = judge_journal.judge_responses

    def counting(pool, items, **kwargs):
        judged.extend(response for _, response in items)
        return original(pool, items, **kwargs)

    monkeypatch.setattr(judge_journal, "judge_responses", counting)
    assert main(judge_args(problems, subs, out)) == 0
    assert len(judged) == 12 - len(kept)
    final = rows(out)
    assert [r["id"] for r in final] == [f"s{i}" for i in range(12)]  # complete, in submission order, no duplicate
    assert [r["verdict"] for r in final] == ["wrong_answer" if i % 3 == 0 else "accepted" for i in range(12)]
    judged.clear()
    assert main(judge_args(problems, subs, out)) == 0 and judged == []  # nothing left to judge


def test_other_inputs_on_the_same_out_are_refused_in_one_line(tmp_path, capsys):
    problems, subs = inputs(tmp_path, count=2)
    out = tmp_path / "verdicts.jsonl"
    assert main(judge_args(problems, subs, out)) == 0
    before = out.read_text()
    capsys.readouterr()
    assert main(judge_args(problems, subs, out, "--profile", "livecodebench")) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "other inputs (changed: profile)" in err[0]
    subs.write_text(subs.read_text().replace("print(4)", "print(5)"))
    assert main(judge_args(problems, subs, out)) != 0
    assert "changed: submissions" in capsys.readouterr().err
    assert out.read_text() == before
