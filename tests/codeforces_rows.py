"""Made-up rows in open-r1/codeforces' schema (the hub's field names and types), for the offline mirror tests:
one of each case the loader and the judge treat differently. Written for these tests; not Codeforces problems."""
from __future__ import annotations

import json
from pathlib import Path

JAN_10_2025, SEP_1_2024, JUL_1_2024, FEB_1_2025 = 1736500000, 1725148800, 1719792000, 1738368000

DIVISOR_CHECKER = """import sys
n = int(open(sys.argv[1]).read().split()[0])
tokens = open(sys.argv[3]).read().split()
print(1 if len(tokens) == 1 and tokens[0].isdigit() and 1 < int(tokens[0]) <= n and n % int(tokens[0]) == 0 else 0)
"""


def _row(problem_id: str, title: str, rating, start: int, tests: list[tuple[str, str]], **extra) -> dict:
    contest, index = problem_id.split("/")
    return {
        "id": problem_id, "aliases": [], "contest_id": contest, "contest_name": f"Test Round {contest}",
        "contest_type": "CF", "contest_start": start, "contest_start_year": 2024, "index": index,
        "time_limit": 1.0, "memory_limit": 256.0, "title": title, "description": f"The statement of {title}.",
        "input_format": "One line of input.", "output_format": "One line of output.", "interaction_format": None,
        "note": None, "examples": [{"input": tests[0][0], "output": tests[0][1]}], "editorial": None,
        "rating": rating, "tags": ["math"], "testset_size": len(tests),
        "official_tests": [{"input": i, "output": o} for i, o in tests], "official_tests_complete": True,
        "input_mode": "stdio", "generated_checker": None, "executable": True, **extra,
    }


def rows() -> list[dict]:
    return [
        _row("2099/A", "Sum of Two", 800, JAN_10_2025, [("1 2\n", "3\n"), ("10 -4\n", "6\n"), ("0 0\n", "0\n")],
             tags=["math", "implementation"]),
        _row("2099/B", "Any Divisor", 1200, JAN_10_2025, [("12\n", "2\n"), ("49\n", "7\n"), ("97\n", "97\n")],
             generated_checker=DIVISOR_CHECKER, tags=["number theory"]),
        _row("2011/C", "Reverse the File", 1000, SEP_1_2024, [("abc\n", "cba\n"), ("x\n", "x\n")],
             input_mode="file", tags=["strings"]),
        _row("2099/D", "Guess the Number", 1500, JAN_10_2025, [("5\n", "\n")],
             interaction_format="Print `? x` to ask; the judge answers `<`, `>` or `=`."),
        _row("1999/E", "Big Tests", 1800, JUL_1_2024, [("1\n", "1\n")], official_tests_complete=False),
        _row("2100/F", "Largest", None, FEB_1_2025, [("3\n1 5 2\n", "5\n"), ("1\n-7\n", "-7\n")], tags=[]),
    ]


def write_mirror(folder: Path) -> Path:
    path = folder / "codeforces.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")
    return path
