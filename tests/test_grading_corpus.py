"""The labelled corpus (tests/grading_corpus.py) graded through the public door, one test per case."""
from __future__ import annotations

import pytest

from r1eval import grade_answer
from tests.grading_corpus import cases

CASES = cases()


def test_corpus_is_large_and_covers_every_kind():
    kinds = {c.kind for c in CASES}
    assert len(CASES) >= 300 and kinds == {"math", "integer", "choice"}
    assert {c.expected for c in CASES} == {"correct", "incorrect", "no_answer"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case):
    verdict = grade_answer(case.response, case.gold, case.kind)
    assert verdict.status.value == case.expected, verdict.detail
    if case.canonical is not None:
        assert verdict.answer == case.canonical
    if verdict.status.value == "no_answer":
        assert verdict.answer is None
    assert verdict.detail and len(verdict.detail) <= 160
