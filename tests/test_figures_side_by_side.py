"""Report figures for runs without a training step (two seeds, two models): each run has its own x position, the
accuracy axis is 0-100 %, no tick label is cut off at the figure's edge, and the legend covers no data."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from r1eval.report import figures as figs
from r1eval.report import tables
from r1eval.report.runs import expand_run_paths
from tests.runfactory import bernoulli_task, make_run


@pytest.fixture
def stepless(tmp_path):
    rates = np.linspace(0.1, 0.9, 30)
    make_run(tmp_path, "a0", {"aime24": bernoulli_task(rates, 8), "math500": bernoulli_task(rates, 4)},
             model="org/model-a", label="seed0")
    make_run(tmp_path, "a1", {"aime24": bernoulli_task(rates * 0.9, 8), "math500": bernoulli_task(rates, 4)},
             model="org/model-a", label="seed1")
    make_run(tmp_path, "b", {"aime24": bernoulli_task(rates * 0.5, 8), "math500": bernoulli_task(rates, 4)},
             model="org/model-b", label="model-b")
    return expand_run_paths([tmp_path])


def _drawn(fig):
    """The figure laid out as it is saved (report figures are created without a canvas)."""
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def _points(fig):
    """Display coordinates of every data point drawn as a marker."""
    _drawn(fig)
    out = []
    for ax in fig.axes:
        for line in ax.lines:
            xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
            out += [p for p in ax.transData.transform(xy) if np.isfinite(p).all()]
    return out


def test_runs_of_different_models_get_their_own_positions_on_a_0_to_100_axis(stepless):
    fig = figs.accuracy_figure(tables.summary_table(stepless))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["seed0", "seed1", "model-b"]
    xs = sorted({float(x) for line in ax.lines for x in line.get_xdata()})
    assert xs == [0.0, 1.0, 2.0]  # not all stacked on one position
    assert ax.get_ylim() == (0, 100)
    assert fig.get_suptitle() == "Accuracy per run"


@pytest.mark.parametrize("make", [
    lambda runs: figs.accuracy_figure(tables.summary_table(runs)),
    lambda runs: figs.length_figure(tables.completion_table(runs)),
    lambda runs: figs.rates_figure(tables.completion_table(runs), figs.BEHAVIOURS, "behaviours"),
])
def test_the_legend_covers_no_data_and_no_subplot(stepless, make):
    _assert_legend_clear(make(stepless))


def _assert_legend_clear(fig):
    points = _points(fig)
    assert points and len(fig.legends) == 1
    box = fig.legends[0].get_window_extent()
    assert not any(box.contains(x, y) for x, y in points)
    assert not any(box.overlaps(ax.get_window_extent()) for ax in fig.axes)
    assert all(not ax.get_legend() for ax in fig.axes)


@pytest.fixture
def stepped(tmp_path):
    rates = np.linspace(0.1, 0.9, 30)
    for step, scale in ((100, 0.6), (200, 0.8), (300, 1.0)):
        make_run(tmp_path, f"s{step}", {"aime24": bernoulli_task(rates * scale, 8),
                                        "math500": bernoulli_task(rates * scale, 4)}, step=step)
    return expand_run_paths([tmp_path])


@pytest.mark.parametrize("make", [
    lambda runs: figs.accuracy_figure(tables.summary_table(runs)),
    lambda runs: figs.passk_figure(tables.passk_table(runs)),
    lambda runs: figs.rates_figure(tables.completion_table(runs), figs.BEHAVIOURS, "behaviours"),
])
def test_along_training_steps_too_the_legend_sits_above_the_data(stepped, make):
    fig = make(stepped)  # a step-500 point in a corner used to sit under a legend placed inside the subplot
    _assert_legend_clear(fig)
    assert fig.get_suptitle() != "Accuracy per run"


def test_tick_labels_with_minus_signs_stay_inside_the_figure(stepless):
    seed0, seed1, model_b = (tables.find_run(stepless, label) for label in ("seed0", "seed1", "model-b"))
    deltas = tables.delta_table([(seed0, seed1), (seed0, model_b)])
    fig = figs.delta_figure(deltas)
    renderer = _drawn(fig)
    labels = [t for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]
    assert any(t.get_text().startswith("\N{MINUS SIGN}") for t in labels)  # the drops are negative
    assert min(t.get_window_extent(renderer).x0 for t in labels) >= 0
    assert min(ax.yaxis.label.get_window_extent(renderer).x0 for ax in fig.axes) >= 0


def test_one_run_shows_percent_ticks_not_a_zoom_on_hundredths(tmp_path):
    make_run(tmp_path, "only", {"aime24": bernoulli_task([0.25] * 30, 8)}, label="only")
    fig = figs.accuracy_figure(tables.summary_table(expand_run_paths([tmp_path])))
    renderer = _drawn(fig)
    ax = fig.axes[0]
    assert ax.yaxis.get_offset_text().get_text() == ""  # no "+2.5e1" with ticks of -0.04 ... 0.04 beside it
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    assert [t.get_text() for t in ticks] == ["0", "20", "40", "60", "80", "100"]
    assert min(t.get_window_extent(renderer).x0 for t in ticks) >= 0


def test_compare_takes_the_start_of_a_run_id_and_names_the_candidates_when_ambiguous(tmp_path, capsys):
    from r1eval.cli import main
    from r1eval.errors import R1EvalError

    for seed, rates in (("seed0-1a2b3c4d", [0.5] * 20), ("seed1-9f8e7d6c", [0.4] * 20)):
        make_run(tmp_path / "runs", f"qwen-1.5b-{seed}", {"aime24": bernoulli_task(rates, 4)})
    runs = expand_run_paths([tmp_path / "runs"])
    assert tables.find_run(runs, "qwen-1.5b-seed1").run_id == "qwen-1.5b-seed1-9f8e7d6c"
    with pytest.raises(R1EvalError, match="2 runs match 'qwen'.*seed0-1a2b3c4d.*seed1-9f8e7d6c"):
        tables.find_run(runs, "qwen")
    assert main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "rep"), "--formats", "svg",
                 "--compare", "qwen-1.5b-seed0:qwen-1.5b-seed1"]) == 0
    assert "seed0-1a2b3c4d" in (tmp_path / "rep" / "index.html").read_text()
