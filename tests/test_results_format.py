"""Metric names are one type (MetricName); results.json carries format_version and earlier files still read."""
from __future__ import annotations

import json

import numpy as np
import pytest

from r1eval.cli import main
from r1eval.errors import StoreError
from r1eval.report import tables
from r1eval.report.runs import load_run
from r1eval.store import RunStore
from r1eval.types import RESULTS_FORMAT_VERSION, MetricName
from tests.runfactory import bernoulli_task, make_run


@pytest.mark.parametrize("key,family,k,interval", [
    ("pass@1", "pass", 1, None), ("pass@16", "pass", 16, None), ("cons@64", "cons", 64, None),
    ("cons", "cons", None, None), ("pass@1_ci95_sampling", "pass", 1, "ci95_sampling"),
    ("pass@1_pi95_rerun", "pass", 1, "pi95_rerun"), ("cons@8_ci95_problems", "cons", 8, "ci95_problems")])
def test_metric_names_parse_and_print_back(key, family, k, interval):
    name = MetricName.parse(key)
    assert (name.family, name.k, name.interval) == (family, k, interval) and str(name) == key


@pytest.mark.parametrize("key", ["pass", "truncation_rate", "cf_rating_ci95", "pass@1_ci90", "acc,none", "mean_tokens"])
def test_other_keys_are_not_metric_names(key):
    assert MetricName.parse(key) is None


def test_the_old_unversioned_interval_names_read_as_the_current_ones(tmp_path):
    assert str(MetricName.parse("pass@1_ci95")) == "pass@1_ci95_problems"
    run = make_run(tmp_path, "r", {"math": bernoulli_task(np.linspace(0.1, 0.9, 12), 4)}, step=1)
    data = json.loads((run / "results.json").read_text())
    assert data["format_version"] == RESULTS_FORMAT_VERSION
    metrics = data["tasks"]["math"]["metrics"]
    metrics["pass@1_ci95"] = metrics.pop("pass@1_ci95_problems")  # as the release before the rename wrote it
    metrics["cons@4_ci95"] = metrics.pop("cons@4_ci95_problems")
    del data["format_version"]
    (run / "results.json").write_text(json.dumps(data))
    read = RunStore(run).read_results().tasks["math"].metrics
    assert read["pass@1_ci95_problems"] == metrics["pass@1_ci95"] and "pass@1_ci95" not in read
    assert read["cons@4_ci95_problems"] == metrics["cons@4_ci95"]
    row = tables.summary_table([load_run(run)]).iloc[0]
    assert row["pass@1_lo"] == pytest.approx(100 * metrics["pass@1_ci95"][0])
    assert row["cons_lo"] == pytest.approx(100 * metrics["cons@4_ci95"][0])


def test_a_results_file_from_a_newer_version_is_refused_in_one_line(tmp_path, capsys):
    run = make_run(tmp_path, "r", {"math": bernoulli_task(np.linspace(0.1, 0.9, 12), 4)}, step=1)
    data = json.loads((run / "results.json").read_text())
    (run / "results.json").write_text(json.dumps({**data, "format_version": RESULTS_FORMAT_VERSION + 1}))
    with pytest.raises(StoreError, match="newer than this r1eval reads"):
        RunStore(run).read_results()
    other = make_run(tmp_path, "r2", {"math": bernoulli_task(np.linspace(0.1, 0.9, 12), 4)}, step=2)
    assert main(["gate", "--baseline", str(run), "--candidate", str(other), "--json", str(tmp_path / "g.json")]) == 2
    assert "format_version" in capsys.readouterr().err


def test_tasks_declare_metric_families_and_results_record_them(tmp_path):
    from r1eval.errors import TaskError
    from r1eval.task.registry import Task, load_tasks

    tasks = load_tasks(["aime24", "gpqa_diamond", "codeforces", "livecodebench"])
    assert {t.name: t.metric_families for t in tasks} == {
        "aime24": ("math",), "gpqa_diamond": ("choice",), "codeforces": ("code", "rating"),
        "livecodebench": ("code",)}
    assert [t.votes for t in tasks] == [True, True, False, False]
    base = tasks[0]
    old_style = Task(name="x", version=1, source=base.source, prompt=base.prompt, scorer=base.scorer, cons=False)
    assert old_style.metric_families == ("code",) and not old_style.votes  # a task file written before families
    with pytest.raises(TaskError, match="unknown metric family"):
        Task(name="x", version=1, source=base.source, prompt=base.prompt, scorer=base.scorer,
             metric_families=("maths",))
