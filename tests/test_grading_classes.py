"""Issue 18's answer classes judged on golds someone else wrote: MATH-500's own `answer` fields (read from the
dataset by id, not retyped) with units, a mixed number and function-notation lines, answered in the forms a model
writes; plus the 12-hour clock's convention (12 a.m. is midnight, 12 p.m. noon) and hostile answers whose unit or
retraction changes the value."""
from __future__ import annotations

import json

import pytest

from r1eval import Status
from r1eval.grading import grade_many

C, I = True, False
# (MATH-500 id, the model's final answer, accepted?)
MATH500 = [
    ("test/geometry/473.json", "864", C), ("test/geometry/473.json", "864 \\text{ square inches}", C),
    ("test/geometry/473.json", "864 \\text{ in}^2", C), ("test/geometry/473.json", "864 sq. in.", C),
    ("test/geometry/473.json", "864 \\text{ inches}", I), ("test/geometry/473.json", "864 \\text{ cm}^2", I),
    ("test/geometry/473.json", "865", I),
    ("test/prealgebra/1114.json", "15", C), ("test/prealgebra/1114.json", "15 cm^2", C),
    ("test/prealgebra/1114.json", "15 \\text{ cm}", I), ("test/prealgebra/1114.json", "15 m^2", I),
    ("test/prealgebra/1044.json", "5.4", C), ("test/prealgebra/1044.json", "5.4 cents", C),
    ("test/prealgebra/1044.json", "5.4 \\text{ dollars}", I),
    ("test/prealgebra/1003.json", "\\frac{270}{7}^\\circ", C), ("test/prealgebra/1003.json", "\\frac{270}{7}", C),
    ("test/prealgebra/1003.json", "\\frac{270}{7} \\text{ radians}", I),
    ("test/geometry/826.json", "1 4/5", C), ("test/geometry/826.json", "\\frac{9}{5}", C),
    ("test/geometry/826.json", "1.8", C), ("test/geometry/826.json", "1 5/4", I), ("test/geometry/826.json", "4/5", I),
    ("test/precalculus/356.json", "f(x) = -2x", C), ("test/precalculus/356.json", "g(x) = 2x", I),
    ("test/precalculus/323.json", "f(x) = 2x + 3", C), ("test/precalculus/323.json", "x = 2y + 3", I),
]
# 12-hour clock convention (any textbook): (answer, gold, accepted?)
CLOCK = [("12:00 a.m.", "0:00", C), ("12:00 p.m.", "12:00", C), ("3:45 p.m.", "15:45", C), ("11:59 p.m.", "23:59", C),
         ("6:30 a.m.", "6:30", C), ("3:45 a.m.", "15:45", I), ("12:00 a.m.", "12:00", I), ("9:15 p.m.", "21:15:00", C)]


@pytest.fixture
def golds(shared_data):
    with (shared_data / "math500.jsonl").open(encoding="utf-8") as handle:
        return {row["id"]: row["answer"] for row in map(json.loads, handle)}


def _accepted(jobs):
    return [status is Status.CORRECT for status, _, _ in grade_many(jobs, timeout_s=60)]


def test_math500_golds_with_units_mixed_numbers_and_function_lines(golds):
    jobs = [(f"</think>The answer is $\\boxed{{{answer}}}$.", golds[pid], "math", ()) for pid, answer, _ in MATH500]
    verdicts = _accepted(jobs)
    wrong = [(pid, answer) for (pid, answer, expected), got in zip(MATH500, verdicts, strict=True) if got != expected]
    assert wrong == []


def test_twelve_hour_clock_convention():
    verdicts = _accepted([(f"</think>\\boxed{{{answer}}}", gold, "math", ()) for answer, gold, _ in CLOCK])
    assert [(a, g) for (a, g, expected), got in zip(CLOCK, verdicts, strict=True) if got != expected] == []


def test_a_unit_mismatch_says_so_and_integer_kind_checks_units_too():
    verdict = grade_many([("</think>\\boxed{7 days}", "7 weeks", "math", ())])[0]
    assert verdict[0] is Status.INCORRECT and "in day, the gold is in week" in verdict[2]
    assert grade_many([("</think>\\boxed{204 dollars}", "204 cents", "integer", ())])[0][0] is Status.INCORRECT
    assert grade_many([("</think>\\boxed{204 dollars}", "204", "integer", ())])[0][0] is Status.CORRECT
