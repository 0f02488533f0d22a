"""`r1eval gate`, `r1eval report`, `r1eval sweep`: comparing checkpoints. Heavy imports happen inside commands."""
from __future__ import annotations

from pathlib import Path

import typer

from r1eval.cli.common import fail, split_csv
from r1eval.cli.options import run_options, with_options
from r1eval.config import RunConfig


def gate(
    baseline: Path = typer.Option(..., "--baseline", help="Run directory of the last accepted checkpoint."),
    candidate: Path = typer.Option(..., "--candidate", help="Run directory of the checkpoint under test."),
    tasks: str | None = typer.Option(None, "--tasks", "-t", help="Comma-separated tasks (default: all both runs "
                                                                 "have)."),
    metric: str = typer.Option("pass@1", "--metric", help="pass@1, pass@K or cons@N."),
    max_drop: float = typer.Option(3.0, "--max-drop",
                                   help="Allowed drop in percentage points (51.2 -> 50.2 is 1.0); the default is "
                                        "chosen by simulation for AIME x 64 and MATH-500 x 4 (docs/statistics.md)."),
    reference: Path | None = typer.Option(None, "--reference",
                                          help="A fixed reference run (e.g. the first accepted checkpoint), gated "
                                               "with --max-total-drop so small drops cannot add up."),
    max_total_drop: float | None = typer.Option(None, "--max-total-drop",
                                                help="Allowed cumulative drop against --reference, in points."),
    detect: float | None = typer.Option(None, "--detect", help="A true drop (points) you want caught; the gate says "
                                        "how many problems that needs (default: 2 x --max-drop)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence of the one-sided test."),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="Compare incomplete runs."),
    allow_config_diff: bool = typer.Option(False, "--allow-config-diff",
                                           help="Compare runs whose sampling, n, prompt, task version, scorer or "
                                                "grader versions differ (the output lists the differences)."),
    shared_only: bool = typer.Option(False, "--shared-only", help="Compare only the problems both runs share."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the result as JSON here."),
    markdown_out: Path | None = typer.Option(None, "--markdown", help="Also write the Markdown table here."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random sign flips (used above 13 problems)."),
) -> None:
    """Exit 0 when every task is shown to drop less than allowed (with --confidence), 1 when one is shown to drop
    more, 3 when none regressed but the data cannot tell for one (it says what would decide it), 2 on unusable
    inputs (unreadable runs, different problems or configuration, incomplete runs, too few problems)."""
    from r1eval.errors import DataError, StoreError
    from r1eval.report.gate import GateInputError, gate_markdown, run_gate, write_gate_json

    if _same_dir(baseline, candidate):
        fail(f"--baseline and --candidate are the same run ({candidate}): the gate would compare it with itself", 2)
    try:
        report = run_gate(baseline, candidate, list(split_csv(tasks)) or None, metric, max_drop, confidence,
                          allow_incomplete, shared_only, seed, detect, reference, max_total_drop, allow_config_diff)
    except (GateInputError, StoreError, DataError) as exc:
        fail(f"unusable gate inputs: {exc}", 2)
        return
    markdown = gate_markdown(report)
    typer.echo(markdown)
    if json_out:
        write_gate_json(report, json_out)
    if markdown_out:
        markdown_out.parent.mkdir(parents=True, exist_ok=True)
        markdown_out.write_text(markdown, encoding="utf-8")
    if report.exit_code:
        raise SystemExit(report.exit_code)


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # one does not exist: the gate says so with its own message
        return False


def report(
    runs: list[Path] = typer.Argument(..., help="Run directories, or folders of run directories (a sweep's output)."),
    out: Path = typer.Option(..., "--out", help="Report folder, e.g. reports/NAME."),
    baseline: Path | None = typer.Option(None, "--baseline", help="A run drawn as a reference line and compared with."),
    published: list[str] = typer.Option([], "--published",
                                        help="Published numbers, e.g. 'o1-1217:aime24=79.2,math500=96.4' (percent)."),
    compare: list[str] = typer.Option([], "--compare", help="FROM:TO runs (id or its start, label or step) to diff; "
                                                            "default: consecutive checkpoints."),
    markers: str | None = typer.Option(None, "--markers", help="Comma-separated reflection markers."),
    metric: str = typer.Option("pass@1", "--metric", help="Metric of the paired deltas."),
    formats: str = typer.Option("png,svg", "--formats", help="Figure files to write: png, svg or both."),
    title: str = typer.Option("r1eval checkpoint report", "--title"),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute length/behaviour stats from completions."),
    tensorboard: Path | None = typer.Option(None, "--tensorboard", help="Also write every step's metrics here."),
    wandb_project: str | None = typer.Option(None, "--wandb-project", help="Also log to W&B (offline mode)."),
    wandb_dir: Path = typer.Option(Path("wandb"), "--wandb-dir", help="Where W&B writes its offline run."),
    cf_ratings: Path | None = typer.Option(None, "--cf-ratings", envvar="R1EVAL_CF_RATINGS",
                                           help="User-rating histogram (JSON) for Codeforces percentiles."),
    best: bool = typer.Option(False, "--best", help="Also print each series' most likely best checkpoints per "
                                                    "task with p_best (their probability of being the best)."),
    budgets: str | None = typer.Option(None, "--budgets", help="Token budgets, e.g. 2048,4096: accuracy of each run "
                                       "cut at each budget and re-graded (tables/budget.csv); default: the curve "
                                       "in results.json."),
) -> None:
    """Self-contained HTML, Markdown, CSV/parquet tables and PNG/SVG figures across checkpoints."""
    from r1eval.report.html import ReportOptions, write_report
    from r1eval.report.paired import check_metric

    check_metric(metric)
    budget_list: list[int] = []
    if budgets is not None:
        from r1eval.errors import DataError
        from r1eval.pipeline.budget import parse_budgets

        try:
            budget_list = parse_budgets(budgets)
        except DataError as exc:
            fail(str(exc), 2)
    opts = ReportOptions(budgets=budget_list, log=lambda line: typer.echo(line, err=True),
                         baseline=str(baseline) if baseline else None, references=published,
                         markers=list(split_csv(markers)) or None, compare=compare, metric=metric,
                         formats=list(split_csv(formats)),
                         title=title, cache=not no_cache, cf_ratings=str(cf_ratings) if cf_ratings else None)
    result = write_report(runs, out, opts)
    _export(result.tables["summary"], tensorboard, wandb_project, wandb_dir)
    incomplete = int((~result.tables["summary"]["complete"].astype(bool)).sum())
    typer.echo(f"report: {len(result.runs)} runs -> {out}/index.html"
               + (f" ({incomplete} incomplete run/task rows flagged)" if incomplete else ""))
    if best:
        from r1eval.report.best import top_checkpoints

        typer.echo("\n".join(top_checkpoints(result.tables["summary"])))


def _export(summary, tensorboard: Path | None, wandb_project: str | None, wandb_dir: Path) -> None:  # noqa: ANN001
    if tensorboard:
        from r1eval.report.export import to_tensorboard

        typer.echo(f"tensorboard: {to_tensorboard(summary, tensorboard)} scalars -> {tensorboard}")
    if wandb_project:
        from r1eval.report.export import to_wandb

        typer.echo(f"wandb (offline): {to_wandb(summary, wandb_project, wandb_dir)}")


@with_options(config=run_options)
def sweep(
    config: RunConfig,
    checkpoints: str = typer.Option(..., "--checkpoints", help="Glob of checkpoint dirs, e.g. 'ckpts/global_step_*' "
                                    "(also checkpoint-N, step_N, iter_N), or a pattern with {step} plus --steps."),
    steps: str | None = typer.Option(None, "--steps", help="Only these steps, e.g. 100,200,300."),
    base_model: str | None = typer.Option(None, "--base-model", help="Also evaluate this model as step 0."),
    name: str | None = typer.Option(None, "--name", help="Series name (default: the --checkpoints pattern)."),
    watch: bool = typer.Option(False, "--watch", help="Keep polling and evaluate new checkpoints as they appear."),
    poll: float = typer.Option(60.0, "--poll", min=0.0, help="--watch: seconds between looks."),
    settle: float = typer.Option(60.0, "--settle", min=0.0,
                                 help="--watch: a checkpoint is ready when unchanged for this many seconds."),
    until_step: int | None = typer.Option(None, "--until-step", help="--watch: stop after this step."),
    max_idle: float | None = typer.Option(None, "--max-idle", help="--watch: stop after this many idle seconds."),
    ray_address: str | None = typer.Option(None, "--ray-address",
                                           help="auto | ray://HOST:PORT | local: one Ray task per checkpoint."),
    ray_num_cpus: int | None = typer.Option(None, "--ray-num-cpus", help="CPUs of a --ray-address local cluster."),
    tensorboard: Path | None = typer.Option(None, "--tensorboard", help="Export every step's metrics here."),
    wandb_project: str | None = typer.Option(None, "--wandb-project", help="Export to W&B (offline mode)."),
    wandb_dir: Path = typer.Option(Path("wandb"), "--wandb-dir"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the engine's own logs (vLLM INFO lines)."),
) -> None:
    """Evaluate every checkpoint with the same config; skips what is complete; --watch follows training."""
    from r1eval.pipeline.sweep import SweepSpec, local_executor, run_sweep

    if not verbose:
        from r1eval.generate.vllm_backend import quiet_engine_logs

        quiet_engine_logs()

    try:
        step_list = tuple(int(s) for s in split_csv(steps)) or None
    except ValueError:
        fail(f"--steps {steps!r}: expected comma-separated integers")
        return
    spec = SweepSpec(base=config, checkpoints=checkpoints, steps=step_list, base_model=base_model, name=name,
                     watch=watch, poll_s=poll, settle_s=settle if watch else 0.0, until_step=until_step,
                     max_idle_s=max_idle)
    if ray_address:
        from r1eval.pipeline.ray_sweep import ray_executor

        execute = ray_executor(ray_address, ray_num_cpus)
    else:
        from r1eval.pipeline.run import run as run_pipeline

        execute = local_executor(run_pipeline, show_progress=not quiet, log=typer.echo)
    result = run_sweep(spec, execute, log=typer.echo)
    typer.echo(f"sweep: {len(result.evaluated)} evaluated, {len(result.skipped)} already complete, "
               f"{len(result.failed)} failed; manifest {result.manifest}")
    if tensorboard or wandb_project:
        from r1eval.report.runs import expand_run_paths
        from r1eval.report.tables import summary_table

        _export(summary_table(expand_run_paths([Path(config.out)])), tensorboard, wandb_project, wandb_dir)
    if result.failed:
        raise SystemExit(1)


def export(
    run_dir: Path = typer.Argument(..., help="a run directory (holds config.json and results.json)"),
    fmt: str = typer.Option("lm-eval", "--format",
                            help="lm-eval: results JSON and samples JSONL, lm-eval's layout; reward-parity: each "
                                 "sample's r1eval.reward score beside its verdict (exit 1 if any differ)"),
    out: Path = typer.Option(Path("reports/lm_eval"), "--out", help="folder for the exported files"),
) -> None:
    """Write a run in another harness's output format, for the tools that read it."""
    if fmt == "reward-parity":
        from r1eval.reward.parity import export_parity

        path, total, disagree = export_parity(run_dir, out)
        typer.echo(f"{path}: {total} samples, reward equals verdict on {total - disagree}, differs on {disagree}")
        if disagree:
            raise SystemExit(1)
        return
    from r1eval.report.lm_eval_export import export_lm_eval

    if fmt != "lm-eval":
        fail(f"unknown export format '{fmt}'; available: lm-eval, reward-parity")
    for path in export_lm_eval(run_dir, out):
        typer.echo(str(path))


def view(
    runs: list[Path] = typer.Argument(..., help="A run directory, or two to compare (flipped problems)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the page (default: reports/view/<run id>)."),
    serve: bool = typer.Option(False, "--serve", help="Also serve the page on http://127.0.0.1:PORT until Ctrl-C."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="--serve: the port (0 picks a free one)."),
) -> None:
    """Write a sample browser: filter problems and samples, read prompts and responses, see each verdict."""
    from r1eval.report.viewer import make_server, write_viewer

    page = write_viewer(runs, out)
    typer.echo(f"samples: {page}")
    if serve:
        server = make_server(page.parent, port)
        typer.echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:  # the way to stop serving, not an interrupted job: exit 0
            typer.echo("stopped serving", err=True)
        finally:
            server.server_close()
