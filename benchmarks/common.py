"""What every benchmark script shares: the `--smoke` and `--out` options and its results file.

A full run writes benchmarks/results/<name>.json (name: the script's path under benchmarks/, `/` as `-`, e.g.
`sandbox-bench`): the figures plus how they were made (command line, commit, date, cores, load average at the
start and the end), so a figure quoted in the docs names its run. `--smoke` runs the smallest sizes to prove the
script still works; it never writes under benchmarks/results (only into $R1EVAL_BENCH_RESULTS when that is set,
as the smoke test does). Import as `from benchmarks.common import ...` with the repository root on sys.path.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
RESULTS_ENV = "R1EVAL_BENCH_RESULTS"


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true",
                        help="smallest sizes (seconds): checks the script still runs; writes no results file")
    parser.add_argument("--out", type=Path, help="the results file (default: benchmarks/results/<script>.json)")


def results_name(script: str | Path) -> str:
    relative = Path(script).resolve().relative_to(ROOT / "benchmarks").with_suffix("")
    return "-".join(relative.parts)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


class Recorder:
    """Started when the script starts (the load average then); `write` adds the figures at the end."""

    def __init__(self, script: str | Path) -> None:
        self.script = Path(script).resolve()
        self.started = datetime.datetime.now(datetime.UTC)
        self.load_start = [round(x, 2) for x in os.getloadavg()]
        self.command = " ".join(["python", str(self.script.relative_to(ROOT)), *sys.argv[1:]])
        self.commit = _git("rev-parse", "HEAD") or "unknown"  # the code as it was when the run started
        self.uncommitted = bool(_git("status", "--porcelain", "--untracked-files=no"))

    def provenance(self) -> dict[str, Any]:
        return {
            "script": str(self.script.relative_to(ROOT)), "command": self.command,
            "commit": self.commit, "uncommitted_changes": self.uncommitted,
            "date": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": round((datetime.datetime.now(datetime.UTC) - self.started).total_seconds(), 1),
            "machine": {"nproc": os.cpu_count(), "load_average_start": self.load_start,
                        "load_average_end": [round(x, 2) for x in os.getloadavg()]},
        }

    def target(self, smoke: bool, out: Path | None) -> Path | None:
        folder = os.environ.get(RESULTS_ENV)
        if smoke:
            return Path(folder) / f"{results_name(self.script)}.json" if folder else None
        return out or (Path(folder) if folder else RESULTS) / f"{results_name(self.script)}.json"

    def write(self, figures: dict[str, Any], smoke: bool = False, out: Path | None = None) -> Path | None:
        """Write {provenance..., "smoke", "figures"}; returns the path, or None when a smoke run writes nothing."""
        path = self.target(smoke, out)
        if path is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {**self.provenance(), "smoke": smoke, "figures": figures}
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"-> {path}", file=sys.stderr)
        return path
