"""What every full benchmark run records beside its figures, and where: benchmarks/results/<name>.json holds the
report plus the exact command line, git commit, UTC date, nproc and load average (speed figures mean little
without the machine's state)."""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def meta() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False,
                                cwd=Path(__file__).resolve().parent).stdout.strip()
    except OSError:
        commit = ""
    return {"command": " ".join([Path(sys.executable).name, *sys.argv]), "git_commit": commit or None,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def write(name: str, report: dict) -> Path:
    """Write `report` with meta() to benchmarks/results/<name>.json; the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**report, "meta": meta()}, indent=2) + "\n")
    return path
