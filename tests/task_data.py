"""Offline data for every task file: the shared mirrors, plus stand-ins in the real formats where a dataset is not
mirrored (DATASETS.md): GPQA is gated, so synthetic rows in its column schema; LiveCodeBench's release rows are
too big, so lcb_sample_with_tests.jsonl (LCB's row format) stands in. Also reference programs for code problems."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

# Reference programs (written for these tests), by (task, problem id); a code problem without one has no gold.
GOLD_PROGRAMS = {
    ("livecodebench", "abc365_a"): "y = int(input())\nprint(366 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 "
                                   "else 365)",
    ("livecodebench", "abc365_b"): "n = int(input())\na = list(map(int, input().split()))\n"
                                   "print(a.index(sorted(a)[-2]) + 1)",
    ("livecodebench", "3533"): (
        "class Solution:\n    def finalPositionOfSnake(self, n: int, commands: List[str]) -> int:\n"
        "        i = j = 0\n        for c in commands:\n"
        "            di, dj = {'UP': (-1, 0), 'DOWN': (1, 0), 'LEFT': (0, -1), 'RIGHT': (0, 1)}[c]\n"
        "            i, j = i + di, j + dj\n        return i * n + j"),
}


def synthetic_gpqa_rows(n: int) -> list[dict]:
    return [{"Record ID": f"rec{i:03d}", "Question": f"Synthetic question {i}: which value is right?",
             "Correct Answer": f"right {i}", "Incorrect Answer 1": f"wrong a{i}", "Incorrect Answer 2": f"wrong b{i}",
             "Incorrect Answer 3": f"wrong c{i}", "High-level domain": ("Physics", "Chemistry", "Biology")[i % 3],
             "Subdomain": "Synthetic", "Writer's Difficulty Estimate": "Hard"} for i in range(n)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def mirror_dir(shared: Path, target: Path) -> Path:
    """A --data-dir for every task: each shared file linked, plus the stand-ins."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in shared.iterdir():
        (target / entry.name).symlink_to(entry.resolve())
    write_jsonl(target / "gpqa_diamond.jsonl", synthetic_gpqa_rows(12))
    shutil.copy(shared / "lcb_sample_with_tests.jsonl", target / "livecodebench_release_v5.jsonl")
    return target
