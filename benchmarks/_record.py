"""Where a benchmark's full-mode figures go: benchmarks/results/<script>.json with how they were made."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(script: str, figures: object) -> Path:
    """Write `figures` with the exact command line, git commit, UTC date, nproc and load average."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False,
                                cwd=RESULTS.parent).stdout.strip()
    except OSError:
        commit = ""
    record = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "git_commit": commit,
              "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "nproc": os.cpu_count(), "loadavg": list(os.getloadavg()), "figures": figures}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{Path(script).stem}.json"
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return out


def add_smoke(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true", help="smallest sizes: checks the path, not the figures")


def finish(script: str, started: float, smoke: bool, figures: object) -> None:
    """Print the elapsed time and, in full mode, write the figures (write_results)."""
    print(f"({time.perf_counter() - started:.0f} s)")
    if not smoke:
        print(f"wrote {write_results(script, figures)}")
