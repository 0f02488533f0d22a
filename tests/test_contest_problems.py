"""Contest problems without a sandbox: problem packages (the shared Code Jam fixtures and made-up broken ones),
Codeforces rows (a made-up mirror in the hub's schema), the prompt, and reading the language off the fence."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from r1eval.cli import main
from r1eval.errors import DataError
from r1eval.grading.code.blocks import extract_program
from r1eval.task.codeforces import CodeforcesSource
from r1eval.task.contest import prompt
from r1eval.task.packages import load_package, load_packages, package_submissions, tokens_checker
from r1eval.task.registry import LoadContext, load_tasks
from tests.codeforces_rows import write_mirror


@pytest.fixture
def packages(shared_data) -> Path:
    return shared_data / "problem_packages"


def test_the_shared_packages_load_with_their_limits_tests_and_judges(packages):
    problems, skipped = load_packages(packages)
    assert len(problems) == 36 and skipped == {}
    assert Counter(p.meta["validation"] for p in problems) == {"default": 24, "custom": 8, "interactive": 4}
    by_id = {p.id: p for p in problems}
    reversort = by_id["reversort"].code
    assert (reversort.time_limit_s, reversort.memory_mb, reversort.languages) == (10.0, 1024, ("python", "cpp"))
    assert [t.name for t in reversort.tests] == ["sample/1", "secret/subtask1/1"]  # samples first
    assert json.loads(reversort.checker) == {"kind": "tokens", "abs_tol": 1e-6, "rel_tol": 1e-6}
    polygon = by_id["simple_polygon"].code
    assert [t.time_limit_s for t in polygon.tests] == [None, 20.0, 40.0]  # time_limit_per_test_set
    assert json.loads(polygon.checker)["language"] == "cpp" and json.loads(polygon.checker)["kind"] == "validator"
    assert json.loads(by_id["high_buildings"].code.checker)["language"] == "python"
    median = by_id["median_sort"].code
    assert json.loads(median.interactor)["language"] == "python" and median.tests[0].output == ""
    assert by_id["steed_2_cruise_control"].meta["title"] == "Steed 2: Cruise Control"  # invalid YAML, read anyway


def test_the_packages_example_programs_become_judge_rows(packages):
    rows = package_submissions(packages)
    assert Counter(r["expected"] for r in rows) == {"accepted": 44, "wrong_answer": 15, "time_limit_exceeded": 2}
    cpp = next(r for r in rows if r["id"] == "reversort/accepted/reversort.cpp")
    assert extract_program(cpp["response"], ("python", "cpp"))[0] == "cpp"


def _package(root: Path, name: str, yaml: str, files: dict[str, str]) -> Path:
    folder = root / name
    for path, text in {"problem.yaml": yaml, **files}.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return folder


def test_packages_that_cannot_be_judged_are_skipped_with_the_reason(tmp_path):
    data = {"data/secret/1.in": "1\n", "data/secret/1.ans": "1\n", "problem_statement/statement.md": "Echo."}
    _package(tmp_path, "fine", "name: Fine\nlimits:\n  time_limit: 2\n", data)
    _package(tmp_path, "no_interactor", "validation: custom interactive\nlimits: {time_limit: 2}\n", data)
    _package(tmp_path, "no_validator", "validation: custom\nlimits: {time_limit: 2}\n", data)
    _package(tmp_path, "no_limit", "name: x\n", data)
    _package(tmp_path, "no_tests", "limits: {time_limit: 2}\n", {"problem_statement/statement.md": "x"})
    problems, skipped = load_packages(tmp_path)
    assert [p.id for p in problems] == ["fine"]
    assert problems[0].code.memory_mb == 2048  # problemtools' default
    assert skipped == {"no_interactor": "interactive problem without an interactor (output_validators/)",
                       "no_validator": "custom validation without an output validator (output_validators/)",
                       "no_limit": "no time limit (problem.yaml limits.time_limit or .timelimit)",
                       "no_tests": "no test data (data/sample, data/secret)"}


def test_a_testlib_checker_is_recognised_and_timelimit_files_are_read(tmp_path):
    folder = _package(tmp_path, "tl", "validation: custom\n", {
        ".timelimit": "3\n", "data/secret/1.in": "1\n", "data/secret/1.ans": "1\n",
        "output_validators/check/check.cpp": '#include "testlib.h"\nint main(int c, char** v) {'
                                             "registerTestlibCmd(c, v);}\n",
        "output_validators/check/testlib.h": "// the package's copy"})
    spec = load_package(folder).code
    checker = json.loads(spec.checker)
    assert (checker["kind"], spec.time_limit_s) == ("testlib", 3.0)
    assert checker["files"] == {"testlib.h": "// the package's copy"}


def test_malformed_packages_are_one_line_errors(tmp_path):
    _package(tmp_path, "bad", "name: [unclosed\n", {})
    with pytest.raises(DataError, match="not valid YAML"):
        load_packages(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no problem packages"):
        load_packages(tmp_path / "empty")
    with pytest.raises(DataError, match="float_tolerance needs a number"):
        tokens_checker("float_tolerance")


def test_the_problem_packages_task_reads_the_folder_under_data_dir(shared_data):
    [task] = load_tasks(["problem_packages"])
    problems = task.load(LoadContext(str(shared_data)))
    assert len(problems) == 36 and task.source.describe()["skipped"] == {}
    text = prompt(next(p for p in problems if p.id == "median_sort"))[0]["content"]
    assert "interactive problem" in text and "Flush the output" in text
    assert "Python 3 or C++ (C++17, compiled with g++ -O2)" in text and "```python or ```cpp" in text
    assert "Time limit: 40 seconds per test. Memory limit: 1024 megabytes." in text


def test_codeforces_mirror_problems_meta_and_skips(tmp_path):
    write_mirror(tmp_path)
    [task] = load_tasks(["codeforces"])
    problems = task.load(LoadContext(str(tmp_path)))
    assert [p.id for p in problems] == ["2099/A", "2099/B", "2011/C", "2100/F"]
    assert task.source.describe()["skipped"] == {
        "interactive problem without an interactor": 1,
        "official tests truncated in the dataset (official_tests_complete is false)": 1}
    first = problems[0]
    assert first.meta == {"rating": 800, "tags": ["math", "implementation"], "contest_id": "2099",
                          "contest_start": "2025-01-10", "index": "A", "title": "Sum of Two"}
    assert problems[3].meta["rating"] is None
    assert (first.code.time_limit_s, first.code.memory_mb, len(first.code.tests)) == (1.0, 256, 3)
    assert json.loads(problems[1].code.checker)["kind"] == "openr1"
    assert problems[2].code.input_mode == "file"
    assert "input.txt" in prompt(problems[2])[0]["content"] and "## Example 1" in problems[2].question


@pytest.mark.parametrize("options, ids", [
    ({"start": "2025-01-01"}, ["2099/A", "2099/B", "2100/F"]),
    ({"start": "2024-08-01", "end": "2025-01-01"}, ["2011/C"]),
    ({"min_rating": 900, "max_rating": 1500}, ["2099/B", "2011/C"]),  # unrated problems leave a rating range
    ({"max_rating": 800}, ["2099/A"]),
])
def test_codeforces_date_window_and_rating_range(tmp_path, options, ids):
    write_mirror(tmp_path)
    assert [p.id for p in CodeforcesSource(**options).load(LoadContext(str(tmp_path)))] == ids


def test_codeforces_without_its_mirror_file_names_it(tmp_path):
    with pytest.raises(DataError, match="codeforces.jsonl"):
        CodeforcesSource().load(LoadContext(str(tmp_path)))


@pytest.mark.parametrize("response, languages, expected", [
    ("```cpp\nint main(){}\n```", ("python", "cpp"), ("cpp", "int main(){}\n")),
    ("```c++\nint main(){}\n```", ("python", "cpp"), ("cpp", "int main(){}\n")),
    ("```\n#include <cstdio>\nint main(){}\n```", ("python", "cpp"), ("cpp", "#include <cstdio>\nint main(){}\n")),
    ("```python\nprint(1)\n```\n```cpp\nint main(){}\n```", ("python",), ("python", "print(1)\n")),
    ("```python\nprint(1)\n```\n```cpp\nint main(){}\n```", ("python", "cpp"), ("cpp", "int main(){}\n")),
    ("```java\nclass A {}\n```", ("python", "cpp"), None),
    ("<think>```cpp\nint main(){}\n```", ("python", "cpp"), None),
])
def test_the_fence_tag_names_the_language(response, languages, expected):
    assert extract_program(response, languages) == expected


def test_judge_cli_on_a_package_folder_marks_skipped_problems(tmp_path, capsys):
    data = {"data/secret/1.in": "1\n", "data/secret/1.ans": "1\n"}
    _package(tmp_path / "pk", "lonely", "validation: custom interactive\nlimits: {time_limit: 1}\n", data)
    subs = tmp_path / "s.jsonl"
    subs.write_text(json.dumps({"id": "s1", "problem_id": "lonely", "response": "```python\nprint(1)\n```"}) + "\n")
    out = tmp_path / "v.jsonl"
    code = main(["judge", "--problems", str(tmp_path / "pk"), "--submissions", str(subs), "--out", str(out)])
    assert code == 0
    row = json.loads(out.read_text())
    assert row["verdict"] == "skipped"
    assert row["detail"] == "interactive problem without an interactor (output_validators/)"
    assert main(["judge", "--problems", str(tmp_path / "nope"), "--submissions", str(subs), "--out", str(out)]) == 1
    assert "does not exist" in capsys.readouterr().err
