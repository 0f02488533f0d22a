"""Codeforces ratings across runs: the rating per (run, task) from results.json, its percentile against a stated
user-rating distribution, solve rates by problem-rating bucket and by tag, and CodeElo's contest simulation.

Tasks whose problems carry no rating do not appear in these tables (docs/contest.md "Codeforces rating").
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from r1eval.rating import (
    CONTEST_ATTEMPTS,
    Contest,
    RatingDistribution,
    cf_percentile,
    fit_rating,
    rated_counts,
    simulate_contests,
)
from r1eval.report.runs import Run
from r1eval.report.tables import ID_COLUMNS, _ids

RATING_COLUMNS = [*ID_COLUMNS, "n_rated", "cf_rating", "cf_rating_lo", "cf_rating_hi", "robust_lo", "robust_hi",
                  "rule", "cf_percentile",
                  "cf_percentile_lo", "cf_percentile_hi", "distribution"]
BREAKDOWNS = ("rating_bucket", "tag")


def rating_table(runs: Sequence[Run], distribution: RatingDistribution | None = None) -> pd.DataFrame:
    """One row per (run, task) with a cf_rating in results.json; percentiles only with a distribution (the
    `distribution` column names it)."""
    rows = []
    for run in runs:
        for task in run.tasks:
            metrics = run.results.tasks[task].metrics
            if metrics.get("cf_rating") is None:
                continue
            lo, hi = metrics.get("cf_rating_ci95", [np.nan, np.nan])
            robust_lo, robust_hi = metrics.get("cf_rating_ci95_robust") or [np.nan, np.nan]
            row = {**_ids(run, task), "n_rated": metrics.get("cf_rating_n_problems"), "cf_rating": metrics["cf_rating"],
                   "cf_rating_lo": lo, "cf_rating_hi": hi, "robust_lo": robust_lo, "robust_hi": robust_hi,
                   "rule": metrics.get("cf_rating_rule")}
            if distribution is not None:
                row.update({"cf_percentile": cf_percentile(row["cf_rating"], distribution),
                            "cf_percentile_lo": cf_percentile(lo, distribution),
                            "cf_percentile_hi": cf_percentile(hi, distribution),
                            "distribution": distribution.describe()})
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=RATING_COLUMNS)


def solve_rate_table(runs: Sequence[Run]) -> pd.DataFrame:
    """Long format: pass@1 (%) and problem count per rating bucket and per tag, from results.json's breakdown."""
    rows = []
    for run in runs:
        for task in run.tasks:
            breakdown = run.results.tasks[task].breakdown
            for by in BREAKDOWNS:
                for value, cell in breakdown.get(by, {}).items():
                    rows.append({**_ids(run, task), "by": by, "value": value, "pass@1": 100.0 * cell["pass@1"],
                                 "n_problems": cell["n_problems"]})
    return pd.DataFrame(rows, columns=[*ID_COLUMNS, "by", "value", "pass@1", "n_problems"])


def solve_rate_pivot(solve_rates: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows (task, value, n_problems of the last run), one pass@1 column per run label in step order; values in
    the breakdown's own order (ascending rating buckets)."""
    frame = solve_rates[solve_rates["by"] == by]
    if frame.empty:
        return pd.DataFrame()
    order = frame.drop_duplicates("run_id").sort_values(["step", "run_id"], na_position="first")
    labels = dict(zip(order["run_id"], order["label"], strict=True))
    pivot = frame.pivot_table(index=["task", "value"], columns="run_id", values="pass@1", sort=False)
    pivot = pivot.reindex(columns=list(labels)).rename(columns=labels)
    last = frame[frame["run_id"] == order["run_id"].iloc[-1]].set_index(["task", "value"])["n_problems"]
    pivot.insert(0, "n_problems", last.reindex(pivot.index))
    return pivot.reset_index().rename(columns={"value": by})


def run_rating_summary(run: Run, task: str, distribution: RatingDistribution | None,
                       contests: Sequence[Contest] = (), attempts: int = CONTEST_ATTEMPTS) -> dict[str, Any] | None:
    """Everything `r1eval cf-rating` prints for one task of a run, recomputed from its problems and verdicts;
    None when no graded problem carries a rating."""
    grouped = run.grouped(task)
    rated = rated_counts({p.id: p for p in run.problems(task)}, grouped)
    if not rated:
        return None
    fit = fit_rating(rated)
    out: dict[str, Any] = {"task": task, "cf_rating": fit.rating, "cf_rating_ci95": [fit.lo, fit.hi],
                           "cf_rating_se": fit.se, "cf_rating_ci95_robust": list(fit.robust) if fit.robust else None,
                           "rule": fit.rule, "n_rated": fit.n_problems,
                           "n_samples": fit.n_samples, "n_correct": fit.n_correct}
    if distribution is not None:
        out["cf_percentile"] = cf_percentile(fit.rating, distribution)
        out["cf_percentile_ci95"] = [cf_percentile(fit.lo, distribution), cf_percentile(fit.hi, distribution)]
        out["distribution"] = distribution.describe()
    if contests:
        results = simulate_contests(contests, {pid: s.correct for pid, s in grouped.items()}, attempts)
        ratings = [r.rating for r in results]
        out["contest_simulation"] = {
            "attempts": attempts, "n_contests": len(results),
            "mean_rating": float(np.mean(ratings)) if ratings else None,
            "sd_rating": float(np.std(ratings, ddof=1)) if len(ratings) > 1 else None,
            "contests": [r.__dict__ | {"missing": list(r.missing)} for r in results]}
        if ratings and distribution is not None:
            out["contest_simulation"]["mean_percentile"] = cf_percentile(float(np.mean(ratings)), distribution)
    return out


def rating_tables(runs: Sequence[Run], distribution: RatingDistribution | None) -> dict[str, pd.DataFrame]:
    """The report's "ratings" and "solve_rates" tables; {} when no task of any run has a rating."""
    table = rating_table(runs, distribution)
    return {"ratings": table, "solve_rates": solve_rate_table(runs)} if len(table) else {}


def rating_sections(data: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame]]:
    """(heading, table) pairs of the report's Codeforces section; the first heading says which distribution the
    percentiles use, or that none was given."""
    if "ratings" not in data:
        return []
    table = data["ratings"]
    named = table["distribution"].dropna()
    source = (f"percentiles against {named.iloc[0]}" if len(named) else
              "no user-rating distribution given (--cf-ratings), so no percentiles")
    shown = [c for c in RATING_COLUMNS if c not in ("series", "run_id", "distribution")
             and (len(named) or not c.startswith("cf_percentile"))]
    sections = [(f"Codeforces rating (maximum likelihood, 95% interval; {source})", table[shown])]
    for by, label in (("rating_bucket", "problem rating"), ("tag", "tag")):
        pivot = solve_rate_pivot(data["solve_rates"], by)
        if len(pivot):
            sections.append((f"Solve rate by {label} (pass@1 %, one column per run)", pivot))
    return sections
