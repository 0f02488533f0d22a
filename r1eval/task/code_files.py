"""Code problems and submissions from files, for `r1eval judge` and scripts/package_selfcheck.py.

Problems: a folder of problem packages (r1eval.task.packages; problem id = folder name), or rows (JSONL) that
use LiveCodeBench's field names where they exist: `question_id` (or `id`), `public_test_cases` /
`private_test_cases` (JSON or LCB's compressed string) or a plain `tests` list of {input, output, testtype},
`metadata.func_name` (functional tests), `starter_code`; plus `time_limit_s` (CPU seconds per test, default 6),
`memory_limit_mb` (default 512) and `checker`; or rows of open-r1/codeforces. Submission rows:
{id, problem_id, response}.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from r1eval.errors import DataError
from r1eval.task import code_rows as lcb_format
from r1eval.task import codeforces
from r1eval.task.data import read_jsonl_rows
from r1eval.task.packages import load_packages
from r1eval.types import CodeSpec


def problem_specs(rows: Sequence[dict], source: str) -> tuple[dict[str, CodeSpec], dict[str, str]]:
    """Specs of LiveCodeBench-style rows, or of Codeforces rows (open-r1/codeforces fields: `official_tests`), and
    {problem id: why it is skipped} for Codeforces rows that cannot be judged."""
    specs, skipped = {}, {}
    for number, row in enumerate(rows, 1):
        problem_id = row.get("question_id") or row.get("id")
        if problem_id is None:
            raise DataError(f"{source}: row {number} has no question_id or id")
        try:
            if "official_tests" in row and codeforces.skip_reason(row):
                skipped[str(problem_id)] = codeforces.skip_reason(row)
            elif "official_tests" in row:
                specs[str(problem_id)] = codeforces.code_spec(row)
            else:
                specs[str(problem_id)] = lcb_format.code_spec(row)
        except (DataError, KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{source}: problem {problem_id}: {exc}") from exc
    return specs, skipped


@dataclass(frozen=True)
class Submission:
    id: str
    problem_id: str
    response: str


def read_submissions(path: Path, known: Collection[str]) -> list[Submission]:
    subs = []
    for number, row in enumerate(read_jsonl_rows(path), 1):
        missing = [k for k in ("id", "problem_id", "response") if k not in row]
        if missing:
            raise DataError(f"{path}: row {number} lacks {', '.join(missing)} (rows are {{id, problem_id, response}})")
        if not isinstance(row["response"], str):
            raise DataError(f"{path}: row {number}: response must be a string")
        if str(row["problem_id"]) not in known:
            raise DataError(f"{path}: row {number}: problem_id {row['problem_id']!r} is not in the problems file")
        subs.append(Submission(str(row["id"]), str(row["problem_id"]), row["response"]))
    return subs


def load_problems(problems: Path) -> tuple[dict[str, CodeSpec], dict[str, str]]:
    """Specs from a problems JSONL file or a folder of problem packages, and {problem id: why it is skipped}."""
    if problems.is_dir():
        loaded, skipped = load_packages(problems)
        return {p.id: p.code for p in loaded}, skipped
    return problem_specs(read_jsonl_rows(problems), str(problems))
