"""Where a benchmark's full-mode figures go: benchmarks/results/<script>.json with how they were made."""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
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
