"""The livecodebench task on the offline mirror rows (LCB's format), judged for real in the Docker sandbox."""
from __future__ import annotations

import json

import pytest

from r1eval.sandbox import image as sandbox_image
from r1eval.task import livecodebench as lcb
from r1eval.task.data import read_jsonl_rows
from r1eval.task.registry import LoadContext, load_tasks
from r1eval.types import Completion, Status
from tests.conftest import require
from tests.sandbox_cases import docker_available
from tests.task_data import GOLD_PROGRAMS

SAMPLE = "lcb_sample_with_tests.jsonl"

SOLUTIONS = {pid: code for (task, pid), code in GOLD_PROGRAMS.items() if task == "livecodebench"}


def _source(start="2024-08-01"):
    return lcb.LCBSource(mirror=SAMPLE, start=start)


def test_task_file_declares_the_r1_protocol():
    [task] = load_tasks(["livecodebench"])
    source = task.source.describe()
    assert (source["version_tag"], source["start"], source["end"]) == ("release_v5", "2024-08-01", "2025-02-01")
    assert task.default_n == 16 and task.breakdown_keys == ("difficulty", "platform") and not task.votes
    assert task.metric_families == ("code",)
    assert task.scorer.name == "code"


def test_window_and_all_tests_from_the_mirror(shared_data):
    problems = {p.id: p for p in _source().load(LoadContext(data_dir=str(shared_data)))}
    assert "1873_A" not in problems and len(problems) == 6  # 1873_A is from 2023, outside the R1 window
    everything = {p.id: p for p in _source(start="2023-01-01").load(LoadContext(data_dir=str(shared_data)))}
    assert len(everything["1873_A"].code.tests) == 5  # 1 public + 4 decoded private tests
    assert problems["3533"].code.mode == "functional" and problems["3533"].meta["platform"] == "leetcode"


def test_prompt_is_lcbs_reasoning_prompt_verbatim(shared_data):
    rows = {r["id"]: r for r in read_jsonl_rows(shared_data / SAMPLE)}
    for problem in _source().load(LoadContext(data_dir=str(shared_data))):
        [message] = lcb.prompt(problem)
        assert message == {"role": "user", "content": rows[problem.id]["problem"]}


@pytest.mark.docker
def test_scorer_judges_real_rows_in_docker(shared_data):
    require(docker_available() and sandbox_image.image_exists(sandbox_image.image_tag()), "no Docker engine/image")
    [task] = load_tasks(["livecodebench"])
    problems = {p.id: p for p in _source().load(LoadContext(data_dir=str(shared_data)))}
    items = []
    for sample, (pid, code) in enumerate(SOLUTIONS.items()):
        text = f"<think>\nthinking\n</think>\nSolution:\n```python\n{code}\n```\n"
        items.append((problems[pid], Completion(pid, sample, text, "stop", 10)))
    wrong = SOLUTIONS["abc365_b"].replace("+ 1", "")
    items.append((problems["abc365_b"], Completion("abc365_b", 9, f"</think>```python\n{wrong}\n```", "stop", 5)))
    items.append((problems["3533"], Completion("3533", 10, "<think>never closed ```python\nprint(1)```", "length", 5)))
    try:
        verdicts = task.scorer.score(items)
    finally:
        task.scorer.close()
    assert [v.status for v in verdicts] == [Status.CORRECT] * 3 + [Status.INCORRECT, Status.NO_ANSWER]
    assert verdicts[3].detail.startswith("wrong_answer: test 1/") and verdicts[3].answer is None
    assert verdicts[4].detail.startswith("no_code") and (verdicts[4].problem_id, verdicts[4].sample) == ("3533", 10)
    json.dumps([v.detail for v in verdicts])
