"""The results table `run` and `score` print: only rates become percent, every column names its unit, and the
table fits a 100-column terminal."""
from __future__ import annotations

from r1eval.cli.results import print_results
from r1eval.types import RunResult, TaskResult

METRICS = {"pass@1": 0.5, "pass@1_ci95_problems": [0.25, 0.75], "pass@1_ci95_sampling": [0.4, 0.6], "cons@64": 1.0,
           "cons@64_ci95_problems": [0.9, 1.0], "truncation_rate": 0.125, "no_answer_rate": 0.0, "mean_tokens": 1.0}


def _result(**tasks: TaskResult) -> RunResult:
    return RunResult("DeepSeek-R1-Distill-Qwen-1.5B-step300-t0.6-seed1-0123abcd", "m", 300, "seed1", True, "now",
                     "/runs/x", tasks)


def test_only_rates_are_percent_and_units_are_labelled(capsys):
    print_results(_result(aime24=TaskResult(1, 30, 64, True, METRICS, n_problems_scored=30)))
    lines = capsys.readouterr().out.splitlines()
    header = " ".join(lines[:6])
    for unit in ("pass@1", "cons@64", "trunc", "no ans", "95% CI", "%", "tokens"):
        assert unit in header
    row = next(line for line in lines if line.lstrip().startswith("aime24")).split()
    # task, problems, n, pass@1 %, CI problems %, CI sampling %, cons %, truncated %, no answer %, mean tokens
    assert row == ["aime24", "30", "64", "50.0", "25.0-75.0", "40.0-60.0", "100.0", "12.5", "0.0", "1"]
    assert any("rates as fractions" in line for line in lines)


def test_the_table_fits_100_columns_and_marks_incomplete_tasks(capsys):
    many = {"livecodebench_v5": TaskResult(1, 279, 16, False, {**METRICS, "mean_tokens": 31234.5},
                                           n_problems_scored=12),
            "math500": TaskResult(1, 500, 4, True, {**METRICS, "pass@1": 1.0}, n_problems_scored=500)}
    print_results(_result(**many))
    out = capsys.readouterr().out
    table = out.split("results:")[0]
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 100
    row = next(line for line in out.splitlines() if line.lstrip().startswith("livecodebench_v5")).split()
    assert row[:5] == ["livecodebench_v5", "*", "12", "of", "279"] and row[-1] == "31,234"
    assert "* incomplete: re-run the same command" in out
