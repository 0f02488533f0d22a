"""Write a report folder: index.html (self-contained: figures embedded as base64 PNG), report.md, tables as
CSV and parquet, figures as PNG and SVG.

    reports/NAME/index.html   reports/NAME/report.md   reports/NAME/tables/*.csv|parquet   reports/NAME/figures/*
    reports/NAME/samples/     the sample browser of the compared runs (r1eval view), linked from index.html
"""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from r1eval.errors import R1EvalError
from r1eval.rating import load_rating_distribution
from r1eval.report import budget, ratings, tables
from r1eval.report import figures as figs
from r1eval.report.runs import Run, expand_run_paths, load_run
from r1eval.report.viewer import write_viewer

SAMPLES_PAGE = "samples/index.html"  # the sample browser (r1eval view) of the compared runs, inside the report


@dataclass
class ReportOptions:
    baseline: str | None = None
    references: Sequence[str] = ()
    markers: Sequence[str] | None = None
    compare: Sequence[str] = ()  # "A:B" pairs of run ids / labels / steps; default consecutive
    metric: str = "pass@1"
    confidence: float = 0.95
    formats: Sequence[str] = ("png", "svg")
    title: str = "r1eval checkpoint report"
    cache: bool = True  # reuse <run>/<task>/report_stats.json when completions have not changed
    cf_ratings: str | None = None  # user-rating distribution (JSON histogram) for Codeforces percentiles
    budgets: Sequence[int] = ()  # token budgets to re-cut and re-grade at (default: the curves in results.json)
    log: Callable[[str], None] | None = None  # where notes on left-out budget curves go


@dataclass
class ReportOutput:
    out: Path
    runs: list[Run]
    tables: dict[str, pd.DataFrame]
    figures: dict[str, object] = field(default_factory=dict)


def compared_pairs(runs: list[Run], opts: ReportOptions, baseline: Run | None) -> tuple[list[tuple[Run, Run]],
                                                                                        tuple[Run, Run] | None]:
    """The pairs whose paired deltas are reported, and the one pair whose flipped problems are listed."""
    if opts.compare:
        pairs = []
        for spec in opts.compare:
            a, sep, b = spec.partition(":")
            if not sep:
                raise R1EvalError(f"--compare {spec!r}: expected FROM:TO (run id, label or step)")
            pairs.append((tables.find_run(runs, a), tables.find_run(runs, b)))
    else:
        pairs = tables.default_pairs(runs, baseline)
    stepped = sorted((r for r in runs if r.step is not None), key=lambda r: (r.step, r.run_id))
    flip_pair = pairs[0] if opts.compare else ((stepped[0], stepped[-1]) if len(stepped) > 1 else
                                              (pairs[0] if pairs else None))
    return pairs, flip_pair


def build_tables(runs: list[Run], opts: ReportOptions, baseline: Run | None) -> dict[str, pd.DataFrame]:
    pairs, flip_pair = compared_pairs(runs, opts, baseline)
    out = {
        "summary": tables.summary_table(runs),
        "passk": tables.passk_table(runs),
        "problems": tables.problem_table(runs),
        "completions": tables.completion_table(runs, opts.markers, opts.cache),
        "deltas": tables.delta_table(pairs, opts.metric, opts.confidence),
    }
    out["flips"] = tables.flips_table(*flip_pair) if flip_pair else pd.DataFrame()
    if baseline is not None:
        out["baseline"] = tables.summary_table([baseline])
    distribution = load_rating_distribution(opts.cf_ratings) if opts.cf_ratings else None
    out.update(ratings.rating_tables(runs, distribution))
    curves = budget.budget_table(runs, opts.budgets, opts.log)
    if len(curves):
        out["budget"] = curves
        out["solve_tokens"] = budget.solve_tokens_table(runs)
    return out


def build_figures(data: dict[str, pd.DataFrame], references: dict) -> dict[str, object]:
    result = {"accuracy": figs.accuracy_figure(data["summary"], references, data.get("baseline")),
              "passk": figs.passk_figure(data["passk"]),
              "length": figs.length_figure(data["completions"]),
              "truncation": figs.rates_figure(data["completions"], {"truncation_rate": "truncated (length)"},
                                              "Truncation rate vs training step"),
              "behaviours": figs.rates_figure(data["completions"], figs.BEHAVIOURS,
                                              "Reasoning behaviours vs training step"),
              "heatmap": figs.heatmap_figure(data["problems"])}
    if len(data["deltas"]):
        result["deltas"] = figs.delta_figure(data["deltas"])
    if "ratings" in data:
        result["rating"] = figs.rating_figure(data["ratings"])
    if "budget" in data:
        result["budget"] = budget.budget_figure(data["budget"])
        result["solve_tokens"] = budget.solve_tokens_figure(data["solve_tokens"])
    return result


def _fmt(value: object, column: str = "") -> str:
    if isinstance(value, bool | np.bool_):
        if column == "complete":
            return "yes" if value else "**INCOMPLETE**"
        return "yes" if value else "no"
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column in ("step", "from_step", "to_step", "n_problems", "n_problems_scored", "n_samples", "n_shared",
                  "cons_n"):
        return str(int(value))  # type: ignore[call-overload]
    if isinstance(value, float):
        if column == "p_value":
            return f"{value:.3g}"
        if column == "p_best":
            return f"{value:.2f}"
        return f"{value:.2f}" if column == "reflections_per_response" else f"{value:.1f}"
    return str(value)


def markdown_table(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    cols = [c for c in columns if c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame[cols].iterrows():
        lines.append("| " + " | ".join(_fmt(row[c], c) for c in cols) + " |")
    return "\n".join(lines)


SUMMARY_COLUMNS = ["task", "label", "step", "complete", "n_problems", "n_problems_scored", "n_samples", "pass@1",
                   "pass@1_lo", "pass@1_hi", "pass@1_s_lo", "pass@1_s_hi", "p_best", "cons", "pass@k",
                   "truncation_rate", "no_answer_rate", "mean_tokens"]
SUMMARY_NOTE = ("Rates in %. pass@1_lo/hi: 95% CI of the mean over the population of problems like these; "
                "pass@1_s_lo/s_hi: 95% CI of the true pass@1 of these fixed problems (sampling noise only). "
                "p_best: probability that this checkpoint is the best of its series on the task, resampling "
                "problems and samples (complete runs only). See docs/statistics.md.")
DELTA_COLUMNS = ["task", "from_label", "to_label", "n_shared", "from_value", "to_value", "delta", "ci_low", "ci_high",
                 "p_value", "significant", "complete"]
DELTA_NOTE = ("Paired sign-flip test over shared problems; an empty CI means too few problems to bound the change. "
              "`significant` is Holm-corrected over every comparison in this table (p_value is uncorrected).")
BEHAVIOUR_COLUMNS = ["task", "label", "step", "reflection_rate", "reflections_per_response", "language_mixing_rate",
                     "think_missing_rate", "think_malformed_rate"]
FLIP_COLUMNS = ["task", "problem_id", "from_label", "to_label", "from_rate", "to_rate", "change"]


def incomplete_notes(runs: list[Run]) -> list[str]:
    notes = []
    for run in runs:
        bad = [t for t in run.tasks if not run.task_complete(t)]
        if bad or not run.complete:
            covered = []
            for task in bad:
                result = run.results.tasks[task]
                planned, scored = result.n_problems, result.n_problems_scored
                if scored < planned:
                    covered.append(f"{task}: {scored} of {planned} problems scored, its numbers cover only those "
                                   "(unfinished problems tend to be the hard, long ones)")
            notes.append(f"{run.label} ({run.run_id}): incomplete" + (f" for {', '.join(bad)}" if bad else "")
                         + (f"; {'; '.join(covered)}" if covered else ""))
    return notes


def _markdown(title: str, data: dict[str, pd.DataFrame], notes: list[str], figure_files: dict[str, str]) -> str:
    parts = [f"# {title}", ""]
    if notes:
        parts += ["> ⚠️ **Incomplete runs** (shown, never averaged in silently; marked red x in figures):", ""]
        parts += [f"> - {n}" for n in notes] + [""]
    parts += ["## Summary", "", SUMMARY_NOTE, "", markdown_table(data["summary"], SUMMARY_COLUMNS), ""]
    if len(data["deltas"]):
        parts += ["## Changes between checkpoints (paired, points)", "", DELTA_NOTE, "",
                  markdown_table(data["deltas"], DELTA_COLUMNS), ""]
    parts += ["## Reasoning behaviours (% of responses)", "",
              markdown_table(data["completions"], BEHAVIOUR_COLUMNS), ""]
    if len(data["flips"]):
        parts += ["## Problems that flipped (solved = solve rate ≥ 50%)", "",
                  markdown_table(data["flips"].head(50), FLIP_COLUMNS), ""]
    for heading, frame in ratings.rating_sections(data):
        parts += [f"## {heading}", "", markdown_table(frame, list(frame.columns)), ""]
    parts += ["## Figures", ""] + [f"![{name}]({path})" for name, path in figure_files.items()]
    return "\n".join(parts) + "\n"


CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1500px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f0f0f0}td:first-child,td:nth-child(2){text-align:left}.bad{background:#fdd}
.warn{background:#fff3cd;border:1px solid #e0b000;padding:.6em 1em;margin:1em 0}img{max-width:100%}
h2{border-bottom:1px solid #ddd;margin-top:2em}"""


def _html_table(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    rows = []
    for _, row in frame[cols].iterrows():
        cls = ' class="bad"' if "complete" in cols and not bool(row["complete"]) else ""
        cells = "".join(f"<td>{html.escape(_fmt(row[c], c).replace('**', ''))}</td>" for c in cols)
        rows.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _html(title: str, data: dict[str, pd.DataFrame], notes: list[str], pngs: dict[str, bytes],
          samples: str = "") -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    if samples:
        body.append(f'<p><a href="{SAMPLES_PAGE}">Browse the samples</a> of {html.escape(samples)}: every prompt, '
                    "response and verdict, filtered by wrong, no answer, truncated or flipped. Other runs: "
                    "<code>r1eval view RUN [RUN2]</code>.</p>")
    if notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        body.append(f'<div class="warn"><b>⚠ Incomplete runs</b> (shown, never averaged in silently; red x in '
                    f'figures):<ul>{items}</ul></div>')
    body += [f"<h2>Summary</h2><p>{html.escape(SUMMARY_NOTE)}</p>",
             _html_table(data["summary"], SUMMARY_COLUMNS)]
    for name in ("accuracy", "passk", "length", "truncation", "behaviours", "heatmap", "deltas", "rating", "budget",
                 "solve_tokens"):
        if name in pngs:
            encoded = base64.b64encode(pngs[name]).decode()
            body.append(f'<h2>{name}</h2><img alt="{name}" src="data:image/png;base64,{encoded}">')
            if name == "deltas":
                body.append(f"<p>{html.escape(DELTA_NOTE.replace('`', ''))}</p>")
                body.append(_html_table(data["deltas"], DELTA_COLUMNS))
            if name == "behaviours":
                body.append(_html_table(data["completions"], BEHAVIOUR_COLUMNS))
            if name == "rating":
                body += [f"<h3>{html.escape(heading)}</h3>{_html_table(frame, list(frame.columns))}"
                         for heading, frame in ratings.rating_sections(data)]
    if len(data["flips"]):
        if samples:
            body.append(f'<p><a href="{SAMPLES_PAGE}#f=flipped">Read the flipped problems\' samples</a>.</p>')
        body += ["<h2>Problems that flipped</h2><p>Solved (solve rate ≥ 50%) in one checkpoint and not in the "
                 "other; largest changes first.</p>", _html_table(data["flips"].head(200), FLIP_COLUMNS)]
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(paths: Sequence[str | Path], out: str | Path, opts: ReportOptions | None = None) -> ReportOutput:
    opts = opts or ReportOptions()
    unknown = set(opts.formats) - {"png", "svg"}
    if unknown:
        raise R1EvalError(f"unknown figure format(s) {', '.join(sorted(unknown))}; use png and/or svg")
    runs = expand_run_paths(list(paths))
    empty = [r.run_id for r in runs if not r.tasks]
    if empty:  # a run of no task (an empty --tasks before it was refused) has nothing to draw
        raise R1EvalError(f"run {empty[0]} has no task results; leave it out or re-run it with --tasks")
    baseline = load_run(opts.baseline, series="baseline") if opts.baseline else None
    references = tables.parse_references(opts.references)
    data = build_tables(runs, opts, baseline)
    data["summary"] = data["summary"].sort_values(["task", "series", "step", "run_id"], kind="stable",
                                                  na_position="first").reset_index(drop=True)
    figures = build_figures(data, references)
    out_dir = Path(out)
    (out_dir / "tables").mkdir(parents=True, exist_ok=True)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    for name, frame in data.items():
        frame.to_csv(out_dir / "tables" / f"{name}.csv", index=False)
        frame.to_parquet(out_dir / "tables" / f"{name}.parquet", index=False)
    pngs, files = {}, {}
    for name, fig in figures.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        pngs[name] = buffer.getvalue()
        if "png" in opts.formats:
            (out_dir / "figures" / f"{name}.png").write_bytes(pngs[name])
            files[name] = f"figures/{name}.png"
        if "svg" in opts.formats:
            fig.savefig(out_dir / "figures" / f"{name}.svg", format="svg")
            files.setdefault(name, f"figures/{name}.svg")
    notes = incomplete_notes(runs)
    shown = compared_pairs(runs, opts, baseline)[1] or runs[-1:]
    write_viewer([r.path for r in shown], out_dir / Path(SAMPLES_PAGE).parent)
    samples = " vs ".join(r.label for r in shown)
    (out_dir / "report.md").write_text(_markdown(opts.title, data, notes, files), encoding="utf-8")
    (out_dir / "index.html").write_text(_html(opts.title, data, notes, pngs, samples), encoding="utf-8")
    return ReportOutput(out_dir, runs, data, figures)
