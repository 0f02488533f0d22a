"""The contract every task file in tasks/ keeps, checked for each file found there (a new task is picked up
without a test of its own): it loads from the offline mirror, renders a chat prompt that carries each problem,
and a response stating the gold answer scores correct while a response without one does not. For code tasks the
gold is a reference program (tests/task_data.py); a code task without one is only loaded and rendered.

Code runs in the process sandbox here (no engine needed); the Docker sandbox gives the same verdicts
(tests/test_sandbox_process.py compares them)."""
from __future__ import annotations

import pytest

from r1eval.config import ScoringConfig
from r1eval.task.registry import LoadContext, discover, load_tasks
from r1eval.types import Completion, Problem, Status
from tests.task_data import GOLD_PROGRAMS, mirror_dir

SCORING = ScoringConfig(sandbox="process", workers=2)
ROLES = {"system", "user", "assistant"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from tests.conftest import SHARED_DATA, require

    require(SHARED_DATA.is_dir(), f"offline benchmark mirrors not found at {SHARED_DATA} (set R1EVAL_DATA_DIR)")
    return mirror_dir(SHARED_DATA, tmp_path_factory.mktemp("mirror"))


def gold_response(task_name: str, problem: Problem) -> str | None:
    if problem.code is None:
        return f"<think>\nSome reasoning.\n</think>\nThe final answer is $\\boxed{{{problem.answer}}}$."
    program = GOLD_PROGRAMS.get((task_name, problem.id))
    return None if program is None else f"<think>\nSome reasoning.\n</think>\n```python\n{program}\n```\n"


def score(task, problem_responses: list[tuple[Problem, str]]) -> list[Status]:
    items = [(p, Completion(p.id, i, text, "stop", 10)) for i, (p, text) in enumerate(problem_responses)]
    try:
        return [v.status for v in task.scorer.score(items, SCORING)]
    finally:
        if hasattr(task.scorer, "close"):
            task.scorer.close()


@pytest.mark.parametrize("name", sorted(discover()))  # every file in tasks/, found when the tests are collected
def test_task_loads_renders_and_scores_the_gold_answer_correct(name, data_dir):
    [task] = load_tasks([name])
    problems = task.load(LoadContext(data_dir=str(data_dir), seed=0))
    assert problems and len({p.id for p in problems}) == len(problems)
    for problem in problems:
        messages = task.prompt(problem)
        assert messages and all(m["role"] in ROLES and isinstance(m["content"], str) for m in messages)
        assert messages[-1]["role"] == "user" and problem.question.strip() in messages[-1]["content"]

    golds = [(p, gold_response(name, p)) for p in problems]
    golds = [(p, text) for p, text in golds if text is not None]
    if not golds:
        pytest.skip(f"{name}: no reference program for any of its code problems (loaded and rendered only)")
    statuses = score(task, golds)
    wrong = [(p.id, status.value) for (p, _), status in zip(golds, statuses, strict=True)
             if status is not Status.CORRECT]
    assert not wrong, f"{name}: gold answers not scored correct: {wrong[:10]}"

    silent = score(task, [(p, "<think>\nI am not sure.\n</think>\nI cannot solve this.") for p, _ in golds[:3]])
    assert Status.CORRECT not in silent
