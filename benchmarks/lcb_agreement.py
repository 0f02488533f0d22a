"""Verdict agreement with LiveCodeBench's rules: the corner-case table of tests/lcb_rules.py plus the programs for
the LCB sample rows that have tests (../shared/data/lcb_sample_with_tests.jsonl), judged by r1eval's sandbox under
the livecodebench profile and compared with the verdict LCB's rules give.

    PYTHONPATH=. python benchmarks/lcb_agreement.py [--data-dir DIR] [--image TAG] [--out FILE] [--smoke]

--image judges with another sandbox image (e.g. an older tag, for a before/after figure). Prints every
disagreement, the agreement figure, and how the disagreements split: r1eval accepting what LCB rejects (false
accepts unless the case is a listed LCB harness artifact, i.e. a correct program) and r1eval rejecting what LCB
accepts (listed stricter rules, or unlisted misses).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.sandbox.docker_backend import DockerBackend  # noqa: E402
from r1eval.sandbox.pool import SandboxPool  # noqa: E402
from r1eval.task.data import read_jsonl_rows  # noqa: E402
from tests import lcb_rules  # noqa: E402

SMOKE_CASES = 4
SMOKE_NEEDS = ("docker", "data")


def summary(records: list[dict]) -> dict:
    total = len(records)
    agree = sum(r["agrees"] for r in records)
    more = [r for r in records if r["r1eval"] == "accepted" and not r["lcb_passes"]]
    fewer = [r for r in records if r["r1eval"] != "accepted" and r["lcb_passes"]]
    return {
        "cases": total, "agree": agree, "agreement": round(agree / total, 4),
        "accepts_lcb_rejects": len(more),
        "of_which_lcb_harness_artifacts": sum(r["deviation"].startswith(lcb_rules.ARTIFACT) for r in more),
        "false_accepts": sum(not r["deviation"].startswith(lcb_rules.ARTIFACT) for r in more),
        "rejects_lcb_accepts": len(fewer),
        "of_which_listed_stricter": sum(r["deviation"].startswith(lcb_rules.STRICTER) for r in fewer),
        "unlisted_disagreements": sum(not r["agrees"] and not r["deviation"] for r in records),
        "agreement_by_group": {group: round(sum(r["agrees"] for r in part) / len(part), 4)
                               for group in ("corner", "row") for part in [[r for r in records
                                                                            if r["group"].startswith(group)]]
                               if part},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("R1EVAL_DATA_DIR", "../shared/data"))
    parser.add_argument("--image", default=None, help="sandbox image tag (default: this checkout's)")
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    rows = read_jsonl_rows(Path(args.data_dir) / "lcb_sample_with_tests.jsonl")
    backend = DockerBackend(image=args.image, memory_mb=576)
    with SandboxPool(backend, workers=1 if args.smoke else 2) as pool:
        records = lcb_rules.judged(pool, rows, limit=SMOKE_CASES if args.smoke else None)
    for r in records:
        if not r["agrees"]:
            print(f"{r['group']:<14} {r['case'][:48]:<48} LCB {'pass' if r['lcb_passes'] else 'fail'}, "
                  f"r1eval {r['r1eval']}: {r['deviation'] or 'UNLISTED ' + r['detail'][:60]}")
    figures = summary(records)
    print(json.dumps(figures, indent=1))
    recorder.write({"image": backend.image, "summary": figures, "records": records}, args.smoke, args.out)


if __name__ == "__main__":
    main()
