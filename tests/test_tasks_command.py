"""`r1eval tasks`: the pattern filters r1eval's own tasks, a column says whether each task's offline data is in
--data-dir, and the LiveCodeBench problem list (no tests) in the shared data is named as what it is."""
from __future__ import annotations

import shutil

import pytest

from r1eval.cli import main
from r1eval.errors import DataError
from r1eval.task.livecodebench import PROBLEM_LIST, LCBSource
from r1eval.task.registry import LoadContext


def _rows(out: str) -> dict[str, str]:
    return {cells[0]: cells[-1] for line in out.splitlines()
            if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) > 5}


def test_the_pattern_selects_tasks(capsys):
    assert main(["tasks", "aime*"]) == 0
    assert set(_rows(capsys.readouterr().out)) - {"task"} == {"aime24", "aime25"}


def test_a_pattern_matching_nothing_is_one_line(capsys):
    assert main(["tasks", "aime42*"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: no task matches 'aime42*'; `r1eval tasks` lists them all"


def test_offline_data_column_says_present_or_missing(tmp_path, capsys, shared_data):
    shutil.copy(shared_data / "math500.jsonl", tmp_path / "math500.jsonl")
    assert main(["tasks", "--data-dir", str(tmp_path)]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows["math500"] == "yes"
    assert rows["aime24"] == "missing aime_2024.jsonl"
    assert rows["livecodebench"] == "missing livecodebench_release_v5.jsonl"


def test_the_lcb_problem_list_without_tests_is_named_not_silently_missing(tmp_path, shared_data):
    shutil.copy(shared_data / PROBLEM_LIST, tmp_path / PROBLEM_LIST)
    with pytest.raises(DataError, match="problem list without tests.*livecodebench_release_v5.jsonl"):
        LCBSource().load(LoadContext(data_dir=str(tmp_path)))
