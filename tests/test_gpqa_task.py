"""The GPQA-Diamond task on synthetic rows in the GPQA column schema (the real questions are gated and must not
be committed or revealed)."""
from __future__ import annotations

import json
import sys
import types

import pytest

from r1eval import Completion, LoadContext, Status, load_tasks
from r1eval.errors import DataError
from tests.task_data import synthetic_gpqa_rows as synthetic_rows

COLUMNS = ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")


@pytest.fixture
def mirror(tmp_path):
    rows = synthetic_rows(40)
    with (tmp_path / "gpqa_diamond.jsonl").open("w") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return tmp_path, rows


@pytest.fixture
def task():
    return load_tasks(["gpqa_diamond"])[0]


def test_task_declares_the_protocol(task):
    assert (task.name, task.default_n, task.scorer.name, task.source.gated) == ("gpqa_diamond", 8, "choice", True)
    assert (task.source.repo, task.source.config, task.source.split) == ("Idavidrein/gpqa", "gpqa_diamond", "train")


def test_gold_letter_points_at_the_correct_answer_and_the_permutation_is_recorded(task, mirror):
    folder, rows = mirror
    problems = task.load(LoadContext(data_dir=str(folder), seed=3))
    assert [p.id for p in problems] == [r["Record ID"] for r in rows]
    for problem, row in zip(problems, rows):
        original = [row[c] for c in COLUMNS]
        assert problem.choices["ABCD".index(problem.answer)] == row["Correct Answer"]
        assert list(problem.choices) == [original[i] for i in problem.meta["permutation"]]
        assert problem.meta["gold_letter"] == problem.answer
    assert len({p.answer for p in problems}) == 4  # the correct answer is not always in one place


def test_order_depends_on_seed_and_problem_only(task, mirror):
    folder, _ = mirror
    first = task.load(LoadContext(data_dir=str(folder), seed=0))
    again = task.load(LoadContext(data_dir=str(folder), seed=0))
    other = task.load(LoadContext(data_dir=str(folder), seed=1))
    assert [p.choices for p in first] == [p.choices for p in again]
    assert sum(a.choices != b.choices for a, b in zip(first, other)) >= 20


def test_prompt_is_the_simple_evals_template(task, mirror):
    folder, _ = mirror
    problem = task.load(LoadContext(data_dir=str(folder)))[0]
    [message] = task.prompt(problem)
    assert message["role"] == "user"
    assert "'Answer: $LETTER' (without quotes) where LETTER is one of ABCD" in message["content"]
    assert f"\n\nA) {problem.choices[0]}\nB) {problem.choices[1]}" in message["content"]


def test_scoring_uses_the_recorded_gold_letter(task, mirror):
    folder, _ = mirror
    problem = task.load(LoadContext(data_dir=str(folder), seed=5))[0]
    wrong = "ABCD".replace(problem.answer, "")[0]
    items = [(problem, Completion(problem.id, 0, f"<think>...</think>\nAnswer: {problem.answer}", "stop", 10)),
             (problem, Completion(problem.id, 1, f"<think>...</think>\nAnswer: {wrong}", "stop", 10))]
    assert [v.status for v in task.scorer.score(items)] == [Status.CORRECT, Status.INCORRECT]


def test_gated_dataset_without_access_is_one_clear_line(task, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("401 Client Error: Unauthorized. Access to dataset Idavidrein/gpqa is restricted "
                              "and you are not in the authorized list.\nMore lines follow")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=refuse))
    with pytest.raises(DataError) as error:
        task.load(LoadContext())
    message = str(error.value)
    assert "\n" not in message and "gated" in message and "HF_TOKEN" in message
