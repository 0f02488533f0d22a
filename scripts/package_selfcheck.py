"""Judge every example program the problem packages ship (submissions/<accepted|wrong_answer|...>/) in the Docker
sandbox and print the package x submission -> verdict table (Markdown) with a last column saying whether the
verdict agrees with the folder: accepted must be accepted, every other folder must not be.

    PYTHONPATH=. .venv/bin/python scripts/package_selfcheck.py [PACKAGES_DIR] [--workers 2]

Exit 1 when any verdict disagrees. tests/test_package_selfcheck.py asserts the same in CI.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from r1eval.grading.code.judge_journal import judge_files  # noqa: E402
from r1eval.sandbox.pool import open_pool  # noqa: E402
from r1eval.task.packages import package_submissions  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("R1EVAL_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("packages", type=Path, nargs="?", default=default / "problem_packages")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = package_submissions(args.packages)
    with tempfile.TemporaryDirectory() as tmp:
        subs, out = Path(tmp) / "s.jsonl", Path(tmp) / "v.jsonl"
        subs.write_text("".join(json.dumps(r) + "\n" for r in rows))
        judge_files(args.packages, subs, out, lambda memory: open_pool("docker", args.workers, memory_mb=memory))
        verdicts = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    print("| package | submission | folder | verdict | agrees |\n|---|---|---|---|---|")
    disagree = 0
    for row in rows:
        got = verdicts[row["id"]]
        ok = (got["verdict"] == "accepted") == (row["expected"] == "accepted") and got["verdict"] != "sandbox_error"
        disagree += not ok
        where = f" ({got['failed_test']['name']})" if got.get("failed_test") else ""
        print(f"| `{row['problem_id']}` | `{row['id'].rsplit('/', 1)[1]}` | {row['expected']} | "
              f"{got['verdict']}{where} | {'yes' if ok else '**NO**'} |")
    print(f"\n{len(rows)} submissions, {disagree} disagreements")
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
