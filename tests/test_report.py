"""Report tables against hand-computed values on tiny constructed runs; figures by the data in their axes."""
from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from r1eval.report import figures as figs
from r1eval.report import tables
from r1eval.cli import main
from r1eval.report.behaviours import mixed_language, think_status
from r1eval.report.html import ReportOptions, write_report
from r1eval.report.runs import expand_run_paths
from tests.runfactory import make_run

C, I = "correct", "incorrect"  # noqa: E741


@pytest.fixture
def two_runs(tmp_path):
    # step 10: p1 = 2/4 correct (answers 1,1,0,0 -> tie, first seen "1" wins the vote), p2 = 0/4
    a = {"t": {
        "p1": [(C, "1", "<think>Wait, let me re-evaluate.</think> \\boxed{1}", "stop", 100),
               (C, "1", "<think>ok</think> \\boxed{1}", "stop", 200),
               (I, "0", "<think>思考一下</think> \\boxed{0}", "stop", 300),
               (I, "0", "no think tag \\boxed{0}", "stop", 400)],
        "p2": [(I, "0", "<think>a</think><think>b</think> 0", "stop", 500),
               (I, "0", "<think>all reasoning</think>   ", "stop", 600),
               (I, "0", "<think>Aha", "length", 700),
               (I, "0", "<think>x</think> \\boxed{0}", "stop", 800)]}}
    # step 20: p1 = 4/4, p2 = 2/4
    b = {"t": {"p1": [(C, "1")] * 4, "p2": [(C, "1"), (C, "1"), (I, "0"), (I, "0")]}}
    make_run(tmp_path / "runs", "m-step10", a, model="ck/global_step_10", step=10)
    make_run(tmp_path / "runs", "m-step20", b, model="ck/global_step_20", step=20, complete=False)
    return expand_run_paths([tmp_path / "runs"])


def test_runs_are_ordered_by_step_and_grouped_in_one_series(two_runs):
    assert [r.step for r in two_runs] == [10, 20]
    assert {r.series for r in two_runs} == {"ck/global_step_*"}


def test_summary_table_golden(two_runs):
    s = tables.summary_table(two_runs).set_index("step")
    assert s.loc[10, "pass@1"] == pytest.approx(25.0)        # (2/4 + 0/4) / 2
    assert s.loc[20, "pass@1"] == pytest.approx(75.0)        # (4/4 + 2/4) / 2
    assert s.loc[10, "cons"] == pytest.approx(50.0) and s.loc[10, "cons_n"] == 4  # p1 tie -> "1" (first) wins
    assert s.loc[10, "pass@k_k"] == 4 and s.loc[10, "pass@k"] == pytest.approx(50.0)
    assert s.loc[10, "truncation_rate"] == pytest.approx(12.5)  # 1 of 8 stopped at the length limit
    assert s.loc[10, "mean_tokens"] == pytest.approx(450.0)
    assert bool(s.loc[10, "complete"]) and not bool(s.loc[20, "complete"])


def test_passk_table_golden(two_runs):
    p = tables.passk_table(two_runs)
    a = p[p.step == 10].set_index("k")["pass@k"]
    # p1 (n=4, c=2): pass@2 = 1 - C(2,2)/C(4,2) = 5/6, pass@3 = 1 (n-c < k); p2: 0
    assert a.to_dict() == pytest.approx({1: 25.0, 2: 100 * (5 / 6) / 2, 3: 50.0, 4: 50.0})


def test_completion_table_golden(two_runs):
    c = tables.completion_table(two_runs).set_index("step").loc[10]
    assert c["responses"] == 8 and c["finished"] == 7
    assert c["reflection_rate"] == pytest.approx(25.0)          # "Wait...re-evaluate" and "Aha"
    assert c["reflections_per_response"] == pytest.approx(3 / 8)
    assert c["language_mixing_rate"] == pytest.approx(12.5)     # CJK in an answer to an English question
    assert c["think_missing_rate"] == pytest.approx(100 / 7)    # the truncated one is not counted
    assert c["think_malformed_rate"] == pytest.approx(200 / 7)  # two </think>; nothing after </think>
    assert c["p50_tokens"] == pytest.approx(450.0) and c["p10_tokens"] == pytest.approx(170.0)


def test_delta_and_flips_golden(two_runs):
    d = tables.delta_table(tables.default_pairs(two_runs)).iloc[0]
    assert (d["from_step"], d["to_step"], d["n_shared"]) == (10, 20, 2)
    # two problems cannot bound a change (the sign-flip test's best p with 2 problems is 1/4): no CI, p = 0.5
    assert d["delta"] == pytest.approx(50.0) and np.isnan(d["ci_low"]) and np.isnan(d["ci_high"])
    assert d["p_value"] == pytest.approx(0.5) and not d["significant"]
    assert not d["complete"]  # step 20 is incomplete: flagged
    f = tables.flips_table(*two_runs)
    assert f[["problem_id", "from_rate", "to_rate", "change"]].values.tolist() == [["p2", 0.0, 50.0, "gained"]]


def test_behaviour_rules():
    assert mixed_language("Find x.", "The answer is 这是答案")
    assert not mixed_language("求 x 的值。", "所以 \\boxed{3} 答案是 x = 3")  # LaTeX and variables are not English
    assert mixed_language("求 x 的值。", "Therefore the answer is 3")
    assert think_status("a</think>b") == "ok" and think_status("abc") == "missing"
    assert think_status("</think>b<think>") == "malformed" and think_status("x", reasoning="r") == "ok"


def test_accuracy_figure_data(two_runs):
    summary = tables.summary_table(two_runs)
    fig = figs.accuracy_figure(summary, {"t": [("o1", 79.2)]})
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    assert list(lines["pass@1"].get_xdata()) == [10, 20]
    assert list(lines["pass@1"].get_ydata()) == pytest.approx([25.0, 75.0])
    assert list(lines["cons@4"].get_ydata()) == pytest.approx(list(summary["cons"]))
    assert list(lines["incomplete"].get_xdata()) == [20]
    assert list(lines["o1 (published)"].get_ydata()) == [79.2, 79.2]
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(summary["pass@1_lo"].min())
    assert ys.max() == pytest.approx(summary["pass@1_hi"].max())


def test_heatmap_and_passk_figures_data(two_runs):
    image = figs.heatmap_figure(tables.problem_table(two_runs)).axes[0].images[0]
    # rows sorted by mean solve rate (p1 first), columns by step
    assert np.asarray(image.get_array()).tolist() == [[50.0, 100.0], [0.0, 50.0]]
    ax = figs.passk_figure(tables.passk_table(two_runs)).axes[0]
    assert [list(line.get_xdata()) for line in ax.lines] == [[1, 2, 3, 4]] * 2
    assert list(ax.lines[1].get_ydata()) == pytest.approx([75.0, 100 * (1 + 5 / 6) / 2, 100.0, 100.0])


def test_behaviour_and_delta_figures_data(two_runs):
    ax = figs.rates_figure(tables.completion_table(two_runs), figs.BEHAVIOURS, "b").axes[0]
    line = next(line for line in ax.lines if line.get_label() == "reflection markers")
    assert list(line.get_ydata()) == pytest.approx([25.0, 0.0])
    deltas = tables.delta_table(tables.default_pairs(two_runs))
    ax = figs.delta_figure(deltas).axes[0]
    assert list(ax.lines[0].get_ydata()) == pytest.approx([50.0])


def test_runs_without_steps_use_a_categorical_axis(tmp_path):
    make_run(tmp_path, "x", {"t": {"p": [(C, "1")]}}, label="model-x")
    make_run(tmp_path, "y", {"t": {"p": [(I, "0")]}}, label="model-y")
    ax = figs.accuracy_figure(tables.summary_table(expand_run_paths([tmp_path]))).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["model-x", "model-y"]


def test_write_report_is_self_contained(two_runs, tmp_path):
    out = write_report([tmp_path / "runs"], tmp_path / "rep",
                       ReportOptions(references=["o1-1217:t=79.2"], formats=("png", "svg")))
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "Incomplete runs" in page and "m-step20" in page
    assert not re.search(r'src="(?!data:)', page)  # nothing loaded from outside the file
    links = re.findall(r'href="([^"]*)"', page)  # only to the sample browser written beside it
    assert links and all(link.startswith("samples/index.html") for link in links)
    samples = (tmp_path / "rep" / "samples" / "index.html").read_text()
    assert "step 10 vs step 20" in samples and "step 10 vs step 20" in page
    assert page.count("data:image/png;base64,") == len(out.figures)
    for name in ("summary", "passk", "problems", "completions", "deltas", "flips"):
        assert (tmp_path / "rep" / "tables" / f"{name}.csv").is_file()
        assert (tmp_path / "rep" / "tables" / f"{name}.parquet").is_file()
    assert (tmp_path / "rep" / "figures" / "accuracy.svg").is_file()
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "**INCOMPLETE**" in md and "| t | step 10 | 10 | yes |" in md


def test_report_cli(two_runs, tmp_path, capsys):
    code = main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "r"), "--formats", "png",
                 "--baseline", str(tmp_path / "runs" / "m-step10"), "--published", "o1:t=79.2",
                 "--tensorboard", str(tmp_path / "tb")])
    assert code == 0 and (tmp_path / "r" / "index.html").is_file()
    assert list((tmp_path / "tb").glob("*/events.out.tfevents.*"))
    assert not (tmp_path / "r" / "figures" / "accuracy.svg").exists()
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "r2")]) == 1
    assert main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "r3"), "--published", "bad"]) == 1


def test_completion_stats_cache_is_used_and_invalidated(two_runs, monkeypatch):
    run = two_runs[0]
    first = tables.completion_table([run]).iloc[0]
    assert run.store.read_report_cache("t") is not None

    def no_reading(task):
        raise AssertionError("completions were read although the cache is valid")

    monkeypatch.setattr(run, "completions", no_reading)
    assert tables.completion_table([run]).iloc[0]["reflection_rate"] == first["reflection_rate"]
    with pytest.raises(AssertionError):  # a different marker list is a different key
        tables.completion_table([run], markers=["hmm"])
    monkeypatch.undo()
    with (run.path / "t" / "completions.jsonl").open("a") as journal:  # the run grew: recompute
        journal.write('{"problem_id": "p2", "sample": 4, "text": "wait </think> 0", "finish_reason": "stop", '
                      '"n_tokens": 900}\n')
    grown = tables.completion_table([run]).iloc[0]
    assert grown["responses"] == 9 and grown["reflection_rate"] == pytest.approx(300 / 9)


def test_significance_is_holm_corrected_over_the_table():
    from r1eval.report.paired import holm

    # p = 0.01, 0.04, 0.03, 0.2: Holm multiplies the sorted p-values by 4, 3, 2, 1 and keeps them monotone
    assert holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert holm([]) == []
