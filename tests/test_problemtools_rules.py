"""r1eval's `tokens` checker against problemtools' default validator's verdicts (tests/problemtools_rules.py)."""
from __future__ import annotations

import pytest

from r1eval.task.packages import tokens_checker
from tests import problemtools_rules as rules
from tests.test_output_check import compare


@pytest.mark.parametrize("case", rules.CASES, ids=lambda c: c.name)
def test_tokens_checker_gives_problemtools_verdict(case: rules.Case) -> None:
    passed, why = compare.compare_tokens(case.output, case.answer, tokens_checker(" ".join(case.flags)))
    expected = case.problemtools_accepts and not case.deviation  # a deviation is always r1eval being stricter
    assert passed is expected, f"{case.rule}: {why}"
    assert passed or why  # a rejection says why


def test_every_rule_has_cases_both_ways() -> None:
    for rule in (rules.SPACE, rules.CASE, rules.FLOAT, rules.COUNT, rules.SPACECHANGE):
        verdicts = {c.problemtools_accepts for c in rules.CASES if c.rule == rule and not c.deviation}
        assert verdicts == {True, False}, rule


@pytest.mark.parametrize("kind", ["tokens", "exact", "float"])
@pytest.mark.parametrize("separator", [" ", "\n"])
def test_a_huge_output_is_compared_without_splitting_it(kind: str, separator: str) -> None:
    """An output of millions of tokens or lines (~21 M fit under a 64 MB cap) must not be split into a list of
    strings: that took the container's memory. Streaming keeps the extra memory to a copy or two of the text
    (splitting 300,000 tokens would take ~15 MB more)."""
    import tracemalloc

    want = ("1" + separator) * 300_000
    got = want[:-2] + "2" + separator
    tracemalloc.start()
    try:
        if kind == "tokens":
            passed, why = compare.compare_tokens(got, want, {"kind": kind})
        else:  # r1eval's line comparison (LiveCodeBench's rule)
            passed, why = compare.compare_stdout(got, want, {"kind": kind})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not passed and ("token 300000" in why or "line 1:" in why or "line 300000:" in why), why
    assert peak < 3 * (len(got) + len(want)) + (1 << 20)
