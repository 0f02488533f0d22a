"""One writer per run directory: `run` and `score` hold an flock on <run>/writer.lock; a second writer fails at
once naming the holder; the OS releases the lock when the holder dies; readers work while a run is in progress."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from r1eval.cli import main
from r1eval.pipeline.run import run
from r1eval.store import RunLocked, RunStore
from tests.fakes import FakeGenerator
from tests.runfactory import bernoulli_task, make_run
from tests.test_pipeline import config
from tests.test_pipeline import math_answers as math_answers  # noqa: F401 (a fixture)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def holder(tmp_path):
    """Another process holding the writer lock of tmp_path/runs/r until killed."""
    run_dir = tmp_path / "runs" / "r"
    code = ("import sys, time; from r1eval.store import RunStore\n"
            "with RunStore(sys.argv[1]).writer_lock():\n    print('held', flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(run_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    yield run_dir, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_second_run_on_the_same_directory_fails_at_once_naming_the_holder(tmp_path, shared_data, holder,
                                                                                 math_answers):  # noqa: F811
    run_dir, proc = holder
    started = time.monotonic()
    with pytest.raises(RunLocked) as caught:
        run(config(tmp_path, shared_data), generator=FakeGenerator(math_answers), show_progress=False)
    assert time.monotonic() - started < 30  # no waiting for the holder
    message = str(caught.value)
    assert f"pid {proc.pid} on host {socket.gethostname()}" in message and "\n" not in message
    assert not (run_dir / "math500" / "completions.jsonl").exists()  # the second writer generated nothing


def test_score_takes_the_same_lock_and_the_cli_exits_1(tmp_path, holder, capsys):
    run_dir, proc = holder
    make_run(tmp_path / "runs", "r", {"aime24": bernoulli_task([0.5] * 6, 4)})
    assert main(["score", str(run_dir)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and f"pid {proc.pid}" in err and "\n" not in err


def test_the_lock_dies_with_its_holder(holder):
    run_dir, proc = holder
    with pytest.raises(RunLocked):
        with RunStore(run_dir).writer_lock():
            pass
    proc.send_signal(signal.SIGKILL)  # a crash: no cleanup code runs
    proc.wait()
    with RunStore(run_dir).writer_lock():
        assert (run_dir / "writer.lock").read_text().startswith(f"pid {os.getpid()} ")


def test_report_and_gate_read_a_run_in_progress(tmp_path, holder):
    run_dir, _ = holder
    rates = np.linspace(0.1, 0.9, 12)
    make_run(tmp_path / "runs", "r", {"math": bernoulli_task(rates, 4)})
    base = make_run(tmp_path / "runs", "base", {"math": bernoulli_task(rates, 4)})
    journal = run_dir / "math" / "completions.jsonl"
    before = len(RunStore(run_dir).read_completions("math"))
    line = json.dumps({"problem_id": "p000", "sample": 9, "text": "é" * 50, "finish_reason": "stop",
                       "n_tokens": 3}, ensure_ascii=False).encode()
    with journal.open("ab") as handle:  # a writer caught mid-line, inside a two-byte character
        handle.write(line[: line.index("é".encode()) + 1])
    assert len(RunStore(run_dir).read_completions("math")) == before  # only complete lines are read
    assert main(["gate", "--baseline", str(base), "--candidate", str(run_dir), "--json",
                 str(tmp_path / "g.json")]) == 0
    assert main(["report", str(run_dir), str(base), "--out", str(tmp_path / "rep"), "--formats", "png"]) == 0
