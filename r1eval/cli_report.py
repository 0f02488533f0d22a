"""`r1eval gate`, `r1eval report`, `r1eval sweep`: comparing checkpoints. Heavy imports happen inside commands."""
from __future__ import annotations

from pathlib import Path

import typer

from .cli import app, fail


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@app.command()
def gate(
    baseline: Path = typer.Option(..., "--baseline", help="Run directory of the last accepted checkpoint."),
    candidate: Path = typer.Option(..., "--candidate", help="Run directory of the checkpoint under test."),
    task: str | None = typer.Option(None, "--task", help="Comma-separated tasks (default: all both runs have)."),
    metric: str = typer.Option("pass@1", "--metric", help="pass@1, pass@K or cons@N."),
    max_drop: float = typer.Option(1.0, "--max-drop", help="Allowed drop in percentage points (51.2 -> 50.2 is 1.0)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence of the one-sided test."),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="Compare incomplete runs."),
    shared_only: bool = typer.Option(False, "--shared-only", help="Compare only the problems both runs share."),
    json_out: Path = typer.Option(Path("gate.json"), "--json", help="Where to write the JSON result."),
    markdown_out: Path | None = typer.Option(None, "--markdown", help="Also write the Markdown table here."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
) -> None:
    """Exit 0 when no task regressed beyond --max-drop with --confidence, 1 when one did, 2 on unusable inputs."""
    from .gate import GateInputError, gate_markdown, run_gate, write_gate_json

    try:
        report = run_gate(baseline, candidate, _split(task), metric, max_drop, confidence, allow_incomplete,
                          shared_only, seed)
    except GateInputError as exc:
        fail(f"unusable gate inputs: {exc}", 2)
        return
    markdown = gate_markdown(report)
    typer.echo(markdown)
    write_gate_json(report, json_out)
    if markdown_out:
        markdown_out.parent.mkdir(parents=True, exist_ok=True)
        markdown_out.write_text(markdown, encoding="utf-8")
    if report.exit_code:
        raise SystemExit(report.exit_code)


@app.command()
def report(
    runs: list[Path] = typer.Argument(..., help="Run directories, or folders of run directories (a sweep's output)."),
    out: Path = typer.Option(..., "--out", help="Report folder, e.g. reports/NAME."),
    baseline: Path | None = typer.Option(None, "--baseline", help="A run drawn as a reference line and compared with."),
    reference: list[str] = typer.Option([], "--reference",
                                        help="Published numbers, e.g. 'o1-1217:aime24=79.2,math500=96.4' (percent)."),
    compare: list[str] = typer.Option([], "--compare", help="FROM:TO runs (id, label or step) to diff; "
                                                            "default: consecutive checkpoints."),
    markers: str | None = typer.Option(None, "--markers", help="Comma-separated reflection markers."),
    metric: str = typer.Option("pass@1", "--metric", help="Metric of the paired deltas."),
    formats: str = typer.Option("png,svg", "--formats", help="Figure files to write: png, svg or both."),
    title: str = typer.Option("r1eval checkpoint report", "--title"),
    tensorboard: Path | None = typer.Option(None, "--tensorboard", help="Also write every step's metrics here."),
    wandb_project: str | None = typer.Option(None, "--wandb-project", help="Also log to W&B (offline mode)."),
    wandb_dir: Path = typer.Option(Path("wandb"), "--wandb-dir", help="Where W&B writes its offline run."),
) -> None:
    """Self-contained HTML, Markdown, CSV/parquet tables and PNG/SVG figures across checkpoints."""
    from .compare import check_metric
    from .report_html import ReportOptions, write_report

    check_metric(metric)
    opts = ReportOptions(baseline=str(baseline) if baseline else None, references=reference,
                         markers=_split(markers), compare=compare, metric=metric, formats=_split(formats) or [],
                         title=title)
    result = write_report(runs, out, opts)
    _export(result.tables["summary"], tensorboard, wandb_project, wandb_dir)
    incomplete = int((~result.tables["summary"]["complete"].astype(bool)).sum())
    typer.echo(f"report: {len(result.runs)} runs -> {out}/index.html"
               + (f" ({incomplete} incomplete run/task rows flagged)" if incomplete else ""))


def _export(summary, tensorboard: Path | None, wandb_project: str | None, wandb_dir: Path) -> None:  # noqa: ANN001
    if tensorboard:
        from .export import to_tensorboard

        typer.echo(f"tensorboard: {to_tensorboard(summary, tensorboard)} scalars -> {tensorboard}")
    if wandb_project:
        from .export import to_wandb

        typer.echo(f"wandb (offline): {to_wandb(summary, wandb_project, wandb_dir)}")
