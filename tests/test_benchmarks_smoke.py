"""Benchmarks that cannot rot: every script under benchmarks/ (any `*.py` with a `__main__` guard, found anew on
each run) runs with `--smoke` in a fresh process and must exit 0, so an interface change that breaks one fails CI.

A script names what its smoke run needs in a module-level `SMOKE_NEEDS` tuple (docker, vllm, lm_eval, chromium,
data); those runs skip on a machine without it (fail under R1EVAL_STRICT=1) and carry the docker/vllm markers.
A smoke run must leave benchmarks/results/ untouched.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import RESULTS, RESULTS_ENV, Recorder, results_name
from r1eval.sandbox import image as sandbox_image
from tests.conftest import REPO, SHARED_DATA, require
from tests.sandbox_cases import docker_available

BENCHMARKS = REPO / "benchmarks"
CHROMIUM = "/usr/bin/chromium"
MARKS = {"docker": pytest.mark.docker, "vllm": pytest.mark.vllm, "lm_eval": pytest.mark.vllm}


def has_main_guard(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body)


def smoke_needs(tree: ast.Module) -> tuple[str, ...]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SMOKE_NEEDS" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


def scripts() -> list[tuple[Path, tuple[str, ...]]]:
    found = []
    for path in sorted(BENCHMARKS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if has_main_guard(tree):
            found.append((path, smoke_needs(tree)))
    return found


def check_needs(needs: tuple[str, ...]) -> None:
    for need in needs:
        if need == "docker":
            require(docker_available(), "no Docker engine (run scripts/docker_up.sh)")
            require(sandbox_image.image_exists(sandbox_image.image_tag()),
                    f"sandbox image {sandbox_image.image_tag()} not built (r1eval sandbox build)")
        elif need in ("vllm", "lm_eval"):
            require(importlib.util.find_spec(need) is not None, f"the {need} package is not installed")
        elif need == "chromium":
            require(importlib.util.find_spec("playwright") is not None, "the playwright package is not installed")
            require(os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        elif need == "data":
            require(SHARED_DATA.is_dir(), f"offline data mirror not found at {SHARED_DATA} (set R1EVAL_DATA_DIR)")
        else:
            pytest.fail(f"unknown SMOKE_NEEDS entry {need!r}: use docker, vllm, lm_eval, chromium or data")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("script,needs", [
    pytest.param(path, needs, id=str(path.relative_to(BENCHMARKS)),
                 marks=[MARKS[n] for n in dict.fromkeys(needs) if n in MARKS]) for path, needs in scripts()])
def test_every_benchmark_runs_in_smoke_mode(script, needs, tmp_path):
    source = script.read_text(encoding="utf-8")
    assert "--smoke" in source, f"{script.relative_to(REPO)} has no --smoke mode (smallest sizes, seconds)"
    check_needs(needs)
    before = snapshot(RESULTS)
    env = {**os.environ, "PYTHONPATH": str(REPO), RESULTS_ENV: str(tmp_path), "R1EVAL_DATA_DIR": str(SHARED_DATA),
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script), "--smoke"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900, check=False)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert snapshot(RESULTS) == before, "a smoke run changed benchmarks/results/"
    if "Recorder(" in source:  # scripts on benchmarks.common write their results file, marked as a smoke run
        written = json.loads((tmp_path / f"{results_name(script)}.json").read_text(encoding="utf-8"))
        assert written["smoke"] is True and written["figures"]
        assert written["command"].endswith("--smoke") and written["machine"]["nproc"] == os.cpu_count()


def test_discovery_finds_nested_scripts_and_skips_helpers():
    found = {path.relative_to(BENCHMARKS).as_posix(): needs for path, needs in scripts()}
    assert found["sandbox/bench.py"] == ("docker",)
    assert found["gate_stats.py"] == ()
    assert "common.py" not in found  # no __main__ guard: a helper, not a benchmark


def test_results_file_names_its_run_and_smoke_writes_only_where_asked(tmp_path, monkeypatch):
    script = BENCHMARKS / "sandbox" / "bench.py"
    recorder = Recorder(script)
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    assert recorder.target(smoke=False, out=None) == RESULTS / "sandbox-bench.json"
    assert recorder.write({"x": 1}, smoke=True) is None  # a smoke run never writes into benchmarks/results
    path = recorder.write({"x": 1.5}, smoke=False, out=tmp_path / "r.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["figures"] == {"x": 1.5} and document["smoke"] is False
    assert document["script"] == "benchmarks/sandbox/bench.py" and document["command"].startswith("python benchmarks/")
    assert len(document["commit"]) == 40 or not (REPO / ".git").exists()
    assert document["date"].endswith("Z")
    assert len(document["machine"]["load_average_start"]) == 3
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "smoke"))
    assert recorder.write({}, smoke=True) == tmp_path / "smoke" / "sandbox-bench.json"
