"""Codeforces rating through the pipeline, the report and `r1eval cf-rating`, on a synthetic rated task (problems
with meta rating/tags/contest ids as the Codeforces loader provides them; verdicts from a deterministic scorer)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from r1eval.cli import main
from r1eval.config import RunConfig, SamplingConfig
from r1eval.pipeline.run import run
from r1eval.rating import fit_rating, load_rating_distribution, rating_for_rank
from r1eval.report.html import ReportOptions, write_report
from r1eval.store import RunStore
from tests.fakes import FakeGenerator

# Problem i of contest 100+i//3: rating 800 + 200*i, tags cycle. The scorer accepts "\boxed{ok}" (FakeGenerator
# writes the given answer into about half of the samples, by a hash of (problem, sample)).
TASK_FILE = '''
from r1eval.task.registry import Task
from r1eval.types import Problem, Status, Verdict

TAGS = (["greedy", "math"], ["dp"], ["graphs", "dp"])


class Source:
    def load(self, ctx):
        return [Problem(id=f"{100 + i // 3}/{'ABC'[i % 3]}", question=f"Problem {i}",
                        meta={"rating": 800 + 200 * i if i != 7 else None, "tags": TAGS[i % 3],
                              "contest_id": 100 + i // 3, "contest_start": "2024-09-01"})
                for i in range(9)]

    def describe(self):
        return {"source": "synthetic"}


class Scorer:
    name = "synthetic"

    def score(self, items, scoring=None):
        return [Verdict(p.id, c.sample, Status.CORRECT if "\\\\boxed{ok}" in c.text else Status.INCORRECT, None)
                for p, c in items]


TASK = Task(name="cf_synthetic", version=1, source=Source(), prompt=lambda p: [{"role": "user", "content": p.question}],
            scorer=Scorer(), default_n=8, cons=False)
'''


@pytest.fixture
def rated_runs(tmp_path) -> Path:
    tasks_dir = tmp_path / "tasks"
    tasks_dir.mkdir()
    (tasks_dir / "cf_synthetic.py").write_text(TASK_FILE)
    ids = [f"{100 + i // 3}/{'ABC'[i % 3]}" for i in range(9)]
    for step, solvable in ((100, 6), (200, 9)):  # step 100 never solves the three hardest problems
        config = RunConfig(model=f"ck/global_step_{step}", tasks=("cf_synthetic",), backend="replay",
                           sampling=SamplingConfig(n=8), tasks_dirs=(str(tasks_dir),),
                           out=str(tmp_path / "runs"), run_name=f"s{step}")
        answers = {pid: "ok" if i < solvable else "wrong" for i, pid in enumerate(ids)}
        run(config, generator=FakeGenerator(answers), show_progress=False)
    return tmp_path / "runs"


def _verdict_counts(run_dir: Path) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {}
    for v in RunStore(run_dir).read_verdicts("cf_synthetic"):
        cell = counts.setdefault(v.problem_id, [0, 0])
        cell[0] += 1
        cell[1] += v.correct
    return {pid: (n, c) for pid, (n, c) in counts.items()}


def test_results_carry_the_rating_fit_and_the_bucket_and_tag_breakdown(rated_runs):
    run_dir = rated_runs / "s100"
    task = json.loads((run_dir / "results.json").read_text())["tasks"]["cf_synthetic"]
    counts = _verdict_counts(run_dir)
    ratings = {f"{100 + i // 3}/{'ABC'[i % 3]}": 800 + 200 * i for i in range(9) if i != 7}
    expected = fit_rating([(ratings[pid], n, c) for pid, (n, c) in sorted(counts.items()) if pid in ratings])
    assert task["metrics"]["cf_rating"] == pytest.approx(expected.rating)
    assert task["metrics"]["cf_rating_ci95"] == pytest.approx([expected.lo, expected.hi])
    assert task["metrics"]["cf_rating_n_problems"] == 8  # problem 7 has no rating
    buckets = task["breakdown"]["rating_bucket"]
    assert list(buckets) == ["800-999", "1000-1199", "1200-1399", "1400-1599", "1600-1799", "1800-1999",
                             "2000-2199", "2400-2599", "unrated"]
    assert buckets["1000-1199"]["pass@1"] == pytest.approx(counts["100/B"][1] / 8)
    dp = [pid for i, pid in enumerate(sorted(counts, key=lambda p: (p[:3], p[-1]))) if i % 3 in (1, 2)]
    assert task["breakdown"]["tag"]["dp"]["n_problems"] == 6
    assert task["breakdown"]["tag"]["dp"]["pass@1"] == pytest.approx(sum(counts[p][1] / 8 for p in dp) / 6)


def test_report_has_the_rating_figure_percentiles_and_solve_rate_tables(rated_runs, tmp_path, shared_data):
    out = tmp_path / "report"
    result = write_report([rated_runs], out, ReportOptions(formats=["png"],
                                                           cf_ratings=str(shared_data / "cf_ratings_2024.json")))
    table = result.tables["ratings"].set_index("step")
    for step in (100, 200):
        metrics = json.loads((rated_runs / f"s{step}" / "results.json").read_text())["tasks"]["cf_synthetic"]["metrics"]
        assert table.loc[step, "cf_rating"] == pytest.approx(metrics["cf_rating"])
    dist = load_rating_distribution(shared_data / "cf_ratings_2024.json")
    assert table["distribution"].iloc[0] == dist.describe()
    assert table["cf_percentile_lo"].iloc[0] <= table["cf_percentile"].iloc[0] <= table["cf_percentile_hi"].iloc[0]
    ax = result.figures["rating"].axes[0]
    line = next(line for line in ax.lines if line.get_label() == "rating")
    assert list(line.get_xdata()) == [100, 200]
    assert list(line.get_ydata()) == pytest.approx(list(table["cf_rating"]))
    assert table.loc[100, "cf_rating"] < table.loc[200, "cf_rating"]
    band = next(c for c in ax.collections if isinstance(c, PolyCollection)).get_paths()[0].vertices[:, 1]
    assert (band.min(), band.max()) == pytest.approx((table["cf_rating_lo"].min(), table["cf_rating_hi"].max()))
    markdown = (out / "report.md").read_text()
    assert "percentiles against cf_ratings_2024.json (89,352 users" in markdown
    assert "## Solve rate by problem rating" in markdown and "## Solve rate by tag" in markdown
    assert "| cf_synthetic | graphs |" in markdown and "| cf_synthetic | 2400-2599 |" in markdown
    assert (out / "figures" / "rating.png").is_file() and (out / "tables" / "solve_rates.csv").is_file()
    assert "Codeforces rating (maximum likelihood" in (out / "index.html").read_text()


def test_report_without_a_distribution_says_so_and_math_reports_have_no_rating_section(rated_runs, tmp_path):
    result = write_report([rated_runs], tmp_path / "r", ReportOptions(formats=["png"]))
    assert "no user-rating distribution given" in (tmp_path / "r" / "report.md").read_text()
    assert "cf_percentile" not in result.tables["ratings"].dropna(axis=1, how="all").columns


def test_cf_rating_command_prints_rating_percentile_and_contest_simulation(rated_runs, tmp_path, shared_data,
                                                                          capsys):
    standings = tmp_path / "standings.jsonl"
    contest = {"contest_id": 100, "name": "Round 100", "problems": [{"problem_id": f"100/{x}"} for x in "ABC"],
               "participants": [{"score": s, "penalty": 10 * s, "old_rating": 1000 + 100 * s} for s in range(4)]}
    points = {"contest_id": 101, "name": "Round 101", "problems": [{"problem_id": f"101/{x}", "points": 500 * (i + 1)}
                                                                  for i, x in enumerate("ABC")],
              "participants": [{"score": 700 * s, "old_rating": 1200 + 150 * s} for s in range(5)]}
    standings.write_text(json.dumps(contest) + "\n" + json.dumps(points) + "\n")
    out = tmp_path / "cf.json"
    code = main(["cf-rating", str(rated_runs / "s100"), "--cf-ratings", str(shared_data / "cf_ratings_2024.json"),
                 "--standings", str(standings), "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    summary = json.loads(out.read_text())["tasks"][0]
    results = json.loads((rated_runs / "s100" / "results.json").read_text())["tasks"]["cf_synthetic"]["metrics"]
    assert summary["cf_rating"] == pytest.approx(results["cf_rating"])
    assert f"rating {results['cf_rating']:.0f}" in printed and "among cf_ratings_2024.json" in printed
    sim = summary["contest_simulation"]
    assert sim["n_contests"] == 2 and sim["attempts"] == 8
    assert sim["mean_rating"] == pytest.approx((sim["contests"][0]["rating"] + sim["contests"][1]["rating"]) / 2)
    for row, spec in zip(sim["contests"], (contest, points), strict=True):
        old = np.array([p["old_rating"] for p in spec["participants"]], dtype=float)
        assert row["rating"] == pytest.approx(rating_for_rank(row["rank"], old), abs=1e-3)
    counts = _verdict_counts(rated_runs / "s100")
    assert sim["contests"][0]["score"] == sum(counts[f"100/{x}"][1] > 0 for x in "ABC")
    assert "contest simulation (CodeElo, 8 attempts)" in printed


def test_cf_rating_command_refuses_bad_input_in_one_line(rated_runs, tmp_path, capsys):
    assert main(["cf-rating", str(rated_runs / "s100"), "--tasks", "nope"]) == 1
    assert "has no task 'nope'" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    assert main(["cf-rating", str(rated_runs / "s100"), "--standings", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: standings") and "line 1" in err and len(err.strip().splitlines()) == 1
    assert main(["cf-rating", str(tmp_path / "nowhere")]) == 1
