"""Report tables: runs -> tidy pandas DataFrames. Rates are in percent (0-100), tokens are counts.

Every table has the identifying columns (series, run_id, label, step, task, complete) so that incomplete runs
are visible wherever their numbers appear. Headline metrics come from results.json (what the pipeline
computed); curves, per-problem rates and deltas are computed from verdicts with r1eval.metrics; lengths and
behaviours from completions.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache

import numpy as np
import pandas as pd

from r1eval.errors import R1EvalError
from r1eval.metrics import ProblemSamples, pass_at_k
from r1eval.report.behaviours import Markers, summarize
from r1eval.report.best import p_best_column
from r1eval.report.paired import REPORT_RESAMPLES, holm, paired_delta, per_problem_values
from r1eval.report.runs import Run
from r1eval.types import MetricName

ID_COLUMNS = ["series", "run_id", "label", "step", "task", "complete"]
_pass_at_k = lru_cache(maxsize=65536)(pass_at_k)  # (n, c, k) repeat across problems and runs


def _mean_pass_at_k(problems: Sequence[ProblemSamples], k: int) -> float:
    """metrics.mean_pass_at_k, with the per-problem estimator memoized (adaptive runs: the design's)."""
    return float(np.mean([p.pass_k(k) if p.rounds else _pass_at_k(p.n, p.c, k) for p in problems]))


def _ids(run: Run, task: str) -> dict:
    return {"series": run.series, "run_id": run.run_id, "label": run.label, "step": run.step, "task": task,
            "complete": run.complete and run.task_complete(task)}


def _pct(value: object) -> float:
    return 100.0 * float(value) if value is not None else float("nan")  # type: ignore[arg-type]


def summary_table(runs: Sequence[Run]) -> pd.DataFrame:
    """One row per (run, task): pass@1 with both CIs (over problems: lo/hi; sampling only: s_lo/s_hi), p_best
    (the probability it is its series' best on the task: r1eval.report.best), cons@n with its CI, the largest
    pass@k, rates and tokens; n_problems_scored of n_problems say what they cover."""
    best = p_best_column(runs)
    rows = []
    for run in runs:
        for task in run.tasks:
            result = run.results.tasks[task]
            metrics = result.metrics
            row = {**_ids(run, task), "n_problems": result.n_problems, "n_problems_scored": result.n_problems_scored,
                   "n_samples": result.n_samples, "n_errors": result.n_errors}
            names = [name for key in metrics if (name := MetricName.parse(key)) and name.interval is None]
            lo, hi = metrics.get("pass@1_ci95_problems", [None, None])
            s_lo, s_hi = metrics.get("pass@1_ci95_sampling", [None, None])
            row.update({"pass@1": _pct(metrics.get("pass@1")), "pass@1_lo": _pct(lo), "pass@1_hi": _pct(hi),
                        "pass@1_s_lo": _pct(s_lo), "pass@1_s_hi": _pct(s_hi),
                        "p_best": best.get((run.run_id, task), float("nan"))})
            cons = [name for name in names if name.family == "cons" and name.k]
            if cons:
                top = max(cons, key=lambda name: name.k or 0)
                lo, hi = metrics.get(str(top.with_interval("ci95_problems")), [None, None])
                row.update({"cons_n": top.k, "cons": _pct(metrics[str(top)]), "cons_lo": _pct(lo),
                            "cons_hi": _pct(hi)})
            ks = [name.k for name in names if name.family == "pass" and name.k and name.k > 1]
            if ks:
                row.update({"pass@k_k": max(ks), "pass@k": _pct(metrics[f"pass@{max(ks)}"])})
            for key in ("truncation_rate", "no_answer_rate"):
                row[key] = _pct(metrics.get(key))
            row["mean_tokens"] = float(metrics.get("mean_tokens", np.nan))
            row["median_tokens"] = float(metrics.get("median_tokens", np.nan))
            rows.append(row)
    columns = [*ID_COLUMNS, "n_problems", "n_problems_scored", "n_samples", "n_errors", "pass@1", "pass@1_lo",
               "pass@1_hi", "pass@1_s_lo", "pass@1_s_hi", "p_best", "cons_n", "cons", "cons_lo", "cons_hi", "pass@k_k",
               "pass@k", "truncation_rate", "no_answer_rate", "mean_tokens", "median_tokens"]
    return pd.DataFrame(rows).reindex(columns=columns)


def passk_table(runs: Sequence[Run]) -> pd.DataFrame:
    """pass@k for k = 1..n (n = the smallest sample count of the task; adaptive runs: the first round's size),
    from verdicts; long format."""
    rows = []
    for run in runs:
        for task in run.tasks:
            problems = list(run.grouped(task).values())
            if not problems:
                continue
            n = min(min([p.n, *p.rounds[:1]]) for p in problems)
            for k in range(1, n + 1):
                rows.append({**_ids(run, task), "k": k, "pass@k": 100.0 * _mean_pass_at_k(problems, k)})
    return pd.DataFrame(rows, columns=[*ID_COLUMNS, "k", "pass@k"])


def problem_table(runs: Sequence[Run]) -> pd.DataFrame:
    """Per-problem solve rate (correct samples / graded samples, %; adaptive runs: the design's unbiased
    estimate) for the problems x steps heatmap."""
    rows = []
    for run in runs:
        for task in run.tasks:
            ids = _ids(run, task)
            for pid, p in run.grouped(task).items():
                rows.append({**ids, "problem_id": pid, "n": p.n, "correct": p.c, "solve_rate": 100.0 * p.rate})
    return pd.DataFrame(rows, columns=[*ID_COLUMNS, "problem_id", "n", "correct", "solve_rate"])


STATS_VERSION = 1  # bump when a behaviour rule or a length statistic changes
def completion_stats(run: Run, task: str, markers: Markers, cache: bool = True) -> dict[str, float]:
    """Length distribution and behaviour rates of one task's completions.

    Reading 10^5+ completions dominates a report's time, so the result is cached in the run directory (the
    store's report cache), keyed by the size and mtime of the task's journal and problems, the marker list and
    STATS_VERSION; any change recomputes. A read-only run directory simply is not cached."""
    key = {"version": STATS_VERSION, "markers": list(markers.markers), "files": run.store.journal_signature(task)}
    if cache:
        cached = run.store.read_report_cache(task)
        if isinstance(cached, dict) and cached.get("key") == key:
            return cached["stats"]
    completions = run.completions(task)
    tokens = np.array([c.n_tokens for c in completions], dtype=float)
    summary = summarize(completions, {p.id: p.question for p in run.problems(task)}, markers)
    quantiles = np.quantile(tokens, [0.1, 0.25, 0.5, 0.75, 0.9]) if tokens.size else [np.nan] * 5
    stats: dict[str, float] = {
        "responses": summary.responses, "finished": summary.finished,
        "mean_tokens": float(tokens.mean()) if tokens.size else np.nan,
        **{f"p{q}_tokens": float(v) for q, v in zip((10, 25, 50, 75, 90), quantiles, strict=True)},
        "truncation_rate": 100.0 * sum(c.finish_reason == "length" for c in completions) / len(completions)
        if completions else np.nan}
    for name, value in asdict(summary).items():
        if name.endswith("_rate"):
            stats[name] = 100.0 * value
    stats["reflections_per_response"] = summary.reflections_per_response
    if cache:
        run.store.write_report_cache(task, {"key": key, "stats": stats})
    return stats


def completion_table(runs: Sequence[Run], markers: Sequence[str] | None = None, cache: bool = True) -> pd.DataFrame:
    """Per (run, task): completion-length distribution and reasoning behaviours (rates in %)."""
    pattern = Markers(markers) if markers else Markers()
    rows = [{**_ids(run, task), **completion_stats(run, task, pattern, cache)} for run in runs for task in run.tasks]
    return pd.DataFrame(rows)


def _ordered(runs: Sequence[Run]) -> dict[str, list[Run]]:
    """Stepped runs per series, in step order."""
    series: dict[str, list[Run]] = {}
    for run in sorted((r for r in runs if r.step is not None), key=lambda r: (r.series, r.step, r.run_id)):
        series.setdefault(run.series, []).append(run)
    return series


def default_pairs(runs: Sequence[Run], baseline: Run | None = None) -> list[tuple[Run, Run]]:
    """Consecutive checkpoints of each series; with a baseline, also baseline -> every run."""
    pairs = [(a, b) for group in _ordered(runs).values() for a, b in zip(group, group[1:], strict=False)]
    if baseline is not None:
        pairs += [(baseline, r) for r in runs if r.path.resolve() != baseline.path.resolve()]
    return pairs


def find_run(runs: Sequence[Run], key: str) -> Run:
    """A run by run id, label, or step number; else by the start of its run id (as git takes a short hash)."""
    matches = [r for r in runs if key in (r.run_id, r.label, str(r.step))]
    if not matches and key:
        matches = [r for r in runs if r.run_id.startswith(key)]
    if len(matches) != 1:
        what = "no run" if not matches else f"{len(matches)} runs"
        among = matches or runs
        raise R1EvalError(f"{what} match {key!r}; use a run id or its start (one of "
                          f"{', '.join(r.run_id for r in among[:8])})")
    return matches[0]


def delta_table(pairs: Sequence[tuple[Run, Run]], metric: str = "pass@1", confidence: float = 0.95) -> pd.DataFrame:
    """Paired per-problem differences (to - from, points) with sign-flip CIs (NaN where too few problems bound
    them), per task both runs have. `significant` is Holm-corrected over every row of the table, so a report
    with many checkpoints does not flag changes by chance (p_value is the uncorrected two-sided p)."""
    rows = []
    for a, b in pairs:
        for task in (t for t in a.tasks if t in b.tasks):
            try:
                va = per_problem_values(a.grouped(task), metric, a.results.tasks[task].n_samples)
                vb = per_problem_values(b.grouped(task), metric, b.results.tasks[task].n_samples)
            except ValueError:
                continue  # the metric does not exist for this pair (e.g. cons@64 vs n=16)
            fa, fb = a.problem_fingerprints(task), b.problem_fingerprints(task)
            shared = {p for p in va.keys() & vb.keys() if fa.get(p) == fb.get(p)}
            if not shared:
                continue
            d = paired_delta({p: va[p] for p in shared}, {p: vb[p] for p in shared}, confidence,
                             resamples=REPORT_RESAMPLES)
            rows.append({"task": task, "series": b.series, "from_run": a.run_id, "from_label": a.label,
                         "from_step": a.step, "to_run": b.run_id, "to_label": b.label, "to_step": b.step,
                         "metric": metric, "n_shared": d.n, "from_value": d.baseline, "to_value": d.candidate,
                         "delta": d.delta, "ci_low": _finite(d.ci_low), "ci_high": _finite(d.ci_high),
                         "p_value": d.p_two_sided,
                         "complete": a.task_complete(task) and b.task_complete(task)})
    adjusted = holm([row["p_value"] for row in rows])
    for row, p_holm in zip(rows, adjusted, strict=True):
        row["significant"] = bool(p_holm <= 1 - confidence)
    return pd.DataFrame(rows, columns=["task", "series", "from_run", "from_label", "from_step", "to_run", "to_label",
                                       "to_step", "metric", "n_shared", "from_value", "to_value", "delta", "ci_low",
                                       "ci_high", "p_value", "significant", "complete"])


def _finite(value: float) -> float:
    return value if np.isfinite(value) else float("nan")


def flips_table(a: Run, b: Run, threshold: float = 50.0) -> pd.DataFrame:
    """Problems whose solved status changed from run a to run b; solved = solve rate >= threshold (%)."""
    rows = []
    for task in (t for t in a.tasks if t in b.tasks):
        ga, gb = a.grouped(task), b.grouped(task)
        for pid in sorted(ga.keys() & gb.keys()):
            ra, rb = 100.0 * ga[pid].rate, 100.0 * gb[pid].rate
            if (ra >= threshold) != (rb >= threshold):
                rows.append({"task": task, "problem_id": pid, "from_label": a.label, "to_label": b.label,
                             "from_rate": ra, "to_rate": rb, "change": "gained" if rb > ra else "lost"})
    frame = pd.DataFrame(rows, columns=["task", "problem_id", "from_label", "to_label", "from_rate", "to_rate",
                                        "change"])
    return frame.assign(_d=(frame.to_rate - frame.from_rate).abs()).sort_values(
        ["task", "_d", "problem_id"], ascending=[True, False, True]).drop(columns="_d").reset_index(drop=True)


def parse_references(values: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
    """'o1-1217:aime24=79.2,math500=96.4' -> {'aime24': [('o1-1217', 79.2)], 'math500': [...]} (percent)."""
    refs: dict[str, list[tuple[str, float]]] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise R1EvalError(f"--reference {value!r}: expected NAME:TASK=VALUE[,TASK=VALUE]")
        for item in rest.split(","):
            task, eq, number = item.partition("=")
            try:
                refs.setdefault(task.strip(), []).append((name.strip(), float(number)))
            except ValueError:
                raise R1EvalError(f"--reference {value!r}: {item!r} is not TASK=NUMBER (percent)") from None
            if not eq or not task.strip():
                raise R1EvalError(f"--reference {value!r}: {item!r} is not TASK=NUMBER (percent)")
    return refs
