"""Real golds: every MATH-500 reference solution's final answer must be graded correct against the dataset's
`answer` field (they are often written differently), and a changed gold must not be."""
from __future__ import annotations

import json

from r1eval import Status
from r1eval.grading import grade_many


def rows(shared_data):
    path = shared_data / "math500.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def test_reference_solutions_are_graded_correct(shared_data):
    data = rows(shared_data)
    graded = grade_many([("</think>" + r["solution"], r["answer"], "math", ()) for r in data])
    wrong = [(r["id"], r["answer"], detail) for r, (status, _, detail) in zip(data, graded) if status != Status.CORRECT]
    assert len(data) == 500 and wrong == []


def test_a_solution_graded_against_another_problems_answer_is_rejected(shared_data):
    data = rows(shared_data)
    shifted = data[1:] + data[:1]
    jobs = [("</think>" + r["solution"], other["answer"], "math", ()) for r, other in zip(data, shifted)]
    accepted = [(r["answer"], other["answer"]) for r, other, (status, _, _) in zip(data, shifted, grade_many(jobs))
                if status == Status.CORRECT]
    # neighbouring problems sometimes share an answer (7 and 7, 5 and x=5): the only acceptances allowed
    def bare(gold: str) -> str:
        return gold.replace(" ", "").removeprefix("x=")

    assert 0 < len(accepted) < 10 and all(bare(a) == bare(b) for a, b in accepted), accepted
