"""LiveCodeBench code generation: the dataset source (release tag + contest-date window) and LCB's prompt for
reasoning models (lighteval's lcb:codegeneration = LCB's DeepSeekR1 style without the R1-Zero system prefix)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from r1eval.errors import DataError
from r1eval.task import code_rows as lcb_format
from r1eval.task.data import read_jsonl_rows
from r1eval.task.prompts import Messages, user
from r1eval.task.registry import LoadContext
from r1eval.types import Problem

REPO = "livecodebench/code_generation_lite"
PROBLEM_LIST = "lcb_v5_2408_2502_problems.jsonl"  # QwQ's list of the same 279 problems, without tests
PREFIX = ("You will be given a question (problem specification) and will generate a correct Python program that "
          "matches the specification and passes all tests.\n\n")
STARTER = ("You will use the following starter code to write the solution to the problem and enclose your code "
           "within delimiters.\n```python\n{starter_code}\n```\n\n")
STDIN = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the "
         "sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, "
         "it reads the inputs, runs the algorithm and writes output to STDOUT.\n```python\n# YOUR CODE HERE\n```\n\n")


def render(question: str, starter_code: str) -> str:
    """The prompt; trailing newlines of the starter code are dropped (the prompts in QwQ's 2408-2502 list show the
    starter code's last line directly above the closing fence)."""
    tail = STARTER.format(starter_code=starter_code.rstrip("\n")) if starter_code else STDIN
    return f"{PREFIX}Question: {question}\n\n{tail}"


def prompt(problem: Problem) -> Messages:
    return user(render(problem.question, problem.code.starter_code if problem.code else ""))


def question_content(row: Mapping[str, Any]) -> str:
    """`question_content` (hub rows), or the question inside an offline row's full prompt, or its `problem`."""
    if row.get("question_content"):
        return row["question_content"]
    text = row.get("problem") or ""
    if text.startswith(PREFIX + "Question: "):
        body = text[len(PREFIX + "Question: "):]
        for marker in ("\n\n" + STARTER.split("\n", 1)[0], "\n\n" + STDIN.split("\n", 1)[0]):
            if marker in body:
                return body[: body.rindex(marker)]
    if not text:
        raise DataError("LiveCodeBench row has neither question_content nor problem")
    return text


def to_problem(row: Mapping[str, Any]) -> Problem:
    problem_id = str(row.get("question_id") or row.get("id"))
    try:
        spec = lcb_format.code_spec(row)
    except DataError as exc:
        raise DataError(f"LiveCodeBench problem {problem_id}: {exc}") from exc
    return Problem(id=problem_id, question=question_content(row), answer=None, code=spec,
                   meta={"difficulty": row.get("difficulty") or "unknown", "platform": row.get("platform") or "unknown",
                         "contest_date": str(row.get("contest_date") or "")[:10],
                         "title": row.get("question_title") or ""})


@dataclass(frozen=True)
class LCBSource:
    """Problems of `release` with start <= contest_date < end (dates "YYYY-MM-DD"). Offline: a JSONL mirror in
    LCB's row format (../shared/data/lcb_sample_with_tests.jsonl shows it) inside --data-dir."""

    release: str = "release_v5"
    start: str = "2024-08-01"
    end: str = "2025-02-01"
    mirror: str = "livecodebench_release_v5.jsonl"
    revision: str = "main"

    def describe(self) -> dict[str, Any]:
        return {"hub": REPO, "version_tag": self.release, "revision": self.revision, "start": self.start,
                "end": self.end, "mirror": self.mirror, "tests": "public + private"}

    def in_window(self, row: Mapping[str, Any]) -> bool:
        date = str(row.get("contest_date") or "")[:10]
        return bool(date) and self.start <= date < self.end

    def load(self, ctx: LoadContext) -> list[Problem]:
        if ctx.data_dir and not (Path(ctx.data_dir) / self.mirror).is_file() \
                and (Path(ctx.data_dir) / PROBLEM_LIST).is_file():
            raise DataError(f"{ctx.data_dir} holds {PROBLEM_LIST}, the problem list without tests; this task reads "
                            f"{self.mirror}: LiveCodeBench rows with their tests (public_test_cases, "
                            f"private_test_cases), e.g. {REPO} {self.release} saved as JSONL")
        rows = read_jsonl_rows(Path(ctx.data_dir) / self.mirror) if ctx.data_dir else self._hub_rows()
        return [to_problem(row) for row in rows if self.in_window(row)]

    def _hub_rows(self) -> Iterable[Mapping[str, Any]]:
        try:
            import datasets

            return datasets.load_dataset(REPO, split="test", version_tag=self.release, revision=self.revision,
                                         trust_remote_code=True)
        except Exception as exc:  # hub, auth, script and cache failures raise many unrelated types
            first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
            raise DataError(f"cannot load {REPO} ({self.release}) from the Hugging Face hub ({first}); for offline "
                            f"use pass --data-dir DIR holding {self.mirror} (rows in LiveCodeBench's format)") from exc
