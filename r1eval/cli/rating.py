"""`r1eval cf-rating`: a run's Codeforces rating with its interval, percentile and contest-simulation rating."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from r1eval.cli.common import fail, split_csv

CF_RATINGS_HELP = ("User-rating distribution for percentiles: a JSON object rating -> number of users "
                   "(default: cf_ratings_2024.json in --data-dir; without one, no percentile).")


def cf_rating(
    run_dir: Path = typer.Argument(..., help="A run directory."),
    tasks: str | None = typer.Option(None, "--tasks", "-t", help="Comma-separated tasks (default: every rated "
                                                                 "one)."),
    cf_ratings: Path | None = typer.Option(None, "--cf-ratings", envvar="R1EVAL_CF_RATINGS", help=CF_RATINGS_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", envvar="R1EVAL_DATA_DIR",
                                         help="Offline data folder, where the default distribution is looked for."),
    standings: Path | None = typer.Option(None, "--standings",
                                          help="Contest standings (JSONL; README 'Codeforces rating'): adds "
                                               "CodeElo's contest-simulation rating."),
    attempts: int = typer.Option(8, "--attempts", min=1, help="Submissions per problem in the contest simulation "
                                                              "(the first N samples, in order)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the numbers as JSON here."),
) -> None:
    """Rating of the model from a run's verdicts on problems that carry a Codeforces rating."""
    from r1eval.rating import find_rating_distribution, load_contests
    from r1eval.report.ratings import run_rating_summary
    from r1eval.report.runs import load_run

    run = load_run(run_dir)
    names = list(split_csv(tasks)) or run.tasks
    unknown = [name for name in names if name not in run.tasks]
    if unknown:
        fail(f"run {run.run_id} has no task '{unknown[0]}'; it has: {', '.join(run.tasks)}")
    distribution = find_rating_distribution(cf_ratings, data_dir)
    contests = load_contests(standings) if standings else []
    summaries = [s for name in names if (s := run_rating_summary(run, name, distribution, contests, attempts))]
    if not summaries:
        fail(f"no task of run {run.run_id} has graded problems with a Codeforces rating (Problem.meta['rating'])")
    for summary in summaries:
        typer.echo(_describe(summary))
    if distribution is None:
        typer.echo("percentile: not computed (no user-rating distribution: pass --cf-ratings FILE or --data-dir)")
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({"run_id": run.run_id, "tasks": summaries}, indent=1), encoding="utf-8")


def _describe(s: dict) -> str:
    lo, hi = s["cf_rating_ci95"]
    rule = {"mle": "maximum likelihood", "all_solved": "every sample correct: median-unbiased, lower bound exact",
            "none_solved": "no sample correct: median-unbiased, upper bound exact"}[s["rule"]]
    lines = [f"{s['task']}: rating {s['cf_rating']:.0f} (95% interval {lo:.0f} to {hi:.0f}; {rule}; "
             f"{s['n_correct']}/{s['n_samples']} samples correct on {s['n_rated']} rated problems)"]
    if s["cf_rating_ci95_robust"]:
        rlo, rhi = s["cf_rating_ci95_robust"]
        lines.append(f"  robust 95% interval {rlo:.0f} to {rhi:.0f} (problem-clustered sandwich SE)")
    if "cf_percentile" in s:
        plo, phi = s["cf_percentile_ci95"]
        lines.append(f"  percentile {s['cf_percentile']:.1f} ({plo:.1f} to {phi:.1f}) among {s['distribution']}")
    sim = s.get("contest_simulation")
    if sim is not None:
        if not sim["n_contests"]:
            lines.append("  contest simulation: no contest in the standings shares a problem with this run")
        else:
            spread = f", sd {sim['sd_rating']:.0f}" if sim["sd_rating"] is not None else ""
            pct = f", percentile {sim['mean_percentile']:.1f}" if "mean_percentile" in sim else ""
            lines.append(f"  contest simulation (CodeElo, {sim['attempts']} attempts): mean rating "
                         f"{sim['mean_rating']:.0f} over {sim['n_contests']} contests{spread}{pct}")
            for c in sim["contests"]:
                missing = f"; {len(c['missing'])} problems not in the run (unsolved)" if c["missing"] else ""
                lines.append(f"    {c['contest_id']} {c['name']}: score {c['score']:g}, penalty {c['penalty']:g}, "
                             f"rank {c['rank']:g} of {c['n_participants'] + 1} -> {c['rating']:.0f}{missing}")
    return "\n".join(lines)
