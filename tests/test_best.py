"""p_best: the probability each checkpoint is its series' best, in summary.csv, the HTML report and `report --best`."""
from __future__ import annotations

import numpy as np
import pytest

from r1eval.cli import main
from r1eval.metrics import ProblemSamples
from r1eval.report.best import p_best
from tests.runfactory import bernoulli_task, make_run


def _problems(counts, k=16):
    return {f"p{i}": ProblemSamples((True,) * c + (False,) * (k - c), ("",) * k) for i, c in enumerate(counts)}


def test_a_clear_leader_is_almost_surely_best_and_equal_checkpoints_share():
    rng = np.random.default_rng(0)
    counts = rng.integers(2, 10, 30)
    probs = p_best([_problems(counts), _problems(counts + 6), _problems(counts)])
    assert probs.sum() == pytest.approx(1.0) and probs[1] > 0.99
    equal = p_best([_problems(counts)] * 4)
    assert equal == pytest.approx([0.25] * 4, abs=0.05)  # the same data: no checkpoint is favoured


def test_each_checkpoint_counts_its_own_samples_and_only_shared_problems():
    a = {"x": ProblemSamples((True,) * 2 + (False,) * 2, ("",) * 4), "y": ProblemSamples((False,) * 8, ("",) * 8)}
    b = {"x": ProblemSamples((True,) * 7 + (False,), ("",) * 8)}  # unequal sample counts (adaptive sampling)
    probs = p_best([a, b])
    assert probs[1] > probs[0]  # compared on x only: 7/8 beats 2/4 in most worlds


def test_summary_csv_html_and_report_best(tmp_path, capsys):
    rates = np.random.default_rng(1).uniform(0.2, 0.7, 30)
    for step, shift in ((100, 0.0), (200, 0.25), (300, 0.02)):
        make_run(tmp_path / "runs", f"s{step}", {"math": bernoulli_task(np.clip(rates + shift, 0, 1), 8)},
                 model=f"ck/global_step_{step}", step=step)
    make_run(tmp_path / "runs", "s400", {"math": bernoulli_task(rates + 0.3, 8)}, model="ck/global_step_400",
             step=400, complete=False)
    code = main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "r"), "--formats", "png", "--best"])
    printed = capsys.readouterr().out
    assert code == 0
    import pandas as pd

    summary = pd.read_csv(tmp_path / "r" / "tables" / "summary.csv").set_index("step")
    assert summary.loc[200, "p_best"] > 0.95 and np.isnan(summary.loc[400, "p_best"])  # incomplete: no p_best
    assert summary["p_best"].sum() == pytest.approx(1.0)
    assert "p_best" in (tmp_path / "r" / "index.html").read_text()
    assert "most likely best" in printed and "step 200: p_best 1.00" in printed.replace("0.99", "1.00")
