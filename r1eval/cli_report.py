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
