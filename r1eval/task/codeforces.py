"""Codeforces problems from open-r1/codeforces (CC-BY-4.0) at a pinned revision, or a JSONL mirror with the same
fields: the statement parts, `examples`, `official_tests` (+ `official_tests_complete`), `time_limit` (s),
`memory_limit` (MB), `input_mode` (stdio | file: input.txt / output.txt), `generated_checker` (open-r1's
checker.py for problems with several right answers), `interaction_format` (set for interactive problems),
`rating`, `tags`, `contest_id`, `contest_start` (unix seconds).

Judging: the official tests, the problem's limits, Python 3 or C++17. With a generated checker, that checker
decides (open-r1's protocol); otherwise the output must match the official answer token by token (whitespace and
letter case ignored: many statements accept YES/yes and the dataset has no checker for that). Skipped, and
counted by reason in the run's config: interactive problems (the dataset has no interactors), problems whose
official tests are missing or truncated (`official_tests_complete` false), and rows marked not `executable`.
Options (CodeforcesSource): a contest-date window [start, end) and a rating range [min_rating, max_rating]
(a rating range leaves out unrated problems)."""
from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r1eval.errors import DataError
from r1eval.task.data import read_jsonl_rows
from r1eval.task.registry import LoadContext
from r1eval.types import CodeSpec, Problem, TestCase

REPO, CONFIG, SPLIT = "open-r1/codeforces", "default", "test"
REVISION = "8fd706e298b713125ac8df18cd5d847440fe3fb9"  # 2025-03 card update; test split: 468 problems
MIRROR = "codeforces.jsonl"


def contest_date(row: Mapping[str, Any]) -> str:
    """The contest's start as an ISO date (UTC), "" when unknown."""
    start = row.get("contest_start")
    if start in (None, ""):
        return ""
    return datetime.datetime.fromtimestamp(int(start), datetime.UTC).date().isoformat()


def skip_reason(row: Mapping[str, Any]) -> str | None:
    if (row.get("interaction_format") or "").strip():
        return "interactive problem without an interactor"
    if not row.get("official_tests"):
        return "no official tests"
    if row.get("official_tests_complete") is False:
        return "official tests truncated in the dataset (official_tests_complete is false)"
    if row.get("executable") is False:
        return "marked not executable in the dataset"
    return None


def statement(row: Mapping[str, Any]) -> str:
    parts = [f"# {row.get('title') or row.get('id')}", (row.get("description") or "").strip()]
    for heading, key in (("Input", "input_format"), ("Output", "output_format"), ("Interaction", "interaction_format")):
        if (row.get(key) or "").strip():
            parts.append(f"## {heading}\n{row[key].strip()}")
    for number, example in enumerate(row.get("examples") or [], 1):
        parts.append(f"## Example {number}\nInput:\n```\n{example['input'].rstrip()}\n```\nOutput:\n```\n"
                     f"{example['output'].rstrip()}\n```")
    if (row.get("note") or "").strip():
        parts.append(f"## Note\n{row['note'].strip()}")
    return "\n\n".join(p for p in parts if p)


def code_spec(row: Mapping[str, Any]) -> CodeSpec:
    tests = tuple(TestCase(t["input"], t["output"], name=f"official/{number}")
                  for number, t in enumerate(row["official_tests"], 1))
    checker: dict[str, Any] = {"kind": "tokens"}
    if row.get("generated_checker"):
        checker = {"kind": "openr1", "language": "python", "source": row["generated_checker"]}
    mode = row.get("input_mode") or "stdio"
    if mode not in ("stdio", "file"):
        raise DataError(f"Codeforces problem {row.get('id')}: input_mode {mode!r} is not stdio or file")
    return CodeSpec(tests=tests, time_limit_s=float(row.get("time_limit") or 2.0),
                    memory_mb=int(float(row.get("memory_limit") or 256)), checker=json.dumps(checker, sort_keys=True),
                    languages=("python", "cpp"), cpp_std="c++17", input_mode=mode)


def to_problem(row: Mapping[str, Any]) -> Problem:
    """A judgeable row as a Problem (check skip_reason first). meta: rating (int | None), tags, contest_id,
    contest_start (ISO date), index, title."""
    return Problem(id=str(row["id"]), question=statement(row), code=code_spec(row),
                   meta={"rating": int(row["rating"]) if row.get("rating") is not None else None,
                         "tags": list(row.get("tags") or []), "contest_id": str(row.get("contest_id") or ""),
                         "contest_start": contest_date(row), "index": str(row.get("index") or ""),
                         "title": str(row.get("title") or "")})


@dataclass(frozen=True)
class CodeforcesSource:
    start: str | None = None  # contest_start >= start (ISO date), None = no bound
    end: str | None = None  # contest_start < end
    min_rating: int | None = None
    max_rating: int | None = None
    revision: str = REVISION
    mirror: str = MIRROR
    skipped: Counter = field(default_factory=Counter, compare=False)  # reason -> problems, filled by load()

    def describe(self) -> dict[str, Any]:
        return {"hub": REPO, "config": CONFIG, "split": SPLIT, "revision": self.revision, "mirror": self.mirror,
                "start": self.start, "end": self.end, "min_rating": self.min_rating, "max_rating": self.max_rating,
                "tests": "official", "skipped": dict(sorted(self.skipped.items()))}

    def selected(self, row: Mapping[str, Any]) -> bool:
        date = contest_date(row)
        if (self.start and not (date and date >= self.start)) or (self.end and not (date and date < self.end)):
            return False
        if self.min_rating is None and self.max_rating is None:
            return True
        rating = row.get("rating")
        return rating is not None and (self.min_rating or 0) <= int(rating) <= (self.max_rating or 10**9)

    def load(self, ctx: LoadContext) -> list[Problem]:
        rows = read_jsonl_rows(Path(ctx.data_dir) / self.mirror) if ctx.data_dir else self._hub_rows()
        problems, skipped = [], Counter()
        for row in rows:
            if not self.selected(row):
                continue
            reason = skip_reason(row)
            if reason:
                skipped[reason] += 1
            else:
                problems.append(to_problem(row))
        self.skipped.clear()
        self.skipped.update(skipped)
        return problems

    def _hub_rows(self) -> Iterable[Mapping[str, Any]]:
        try:
            import datasets

            return datasets.load_dataset(REPO, CONFIG, split=SPLIT, revision=self.revision)
        except Exception as exc:  # the hub, auth and cache raise many unrelated types
            first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
            raise DataError(f"cannot load {REPO}@{self.revision[:12]} from the Hugging Face hub ({first}); for offline "
                            f"use pass --data-dir DIR holding {self.mirror} (rows with the dataset's fields)") from exc
