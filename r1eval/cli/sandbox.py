"""`r1eval sandbox build|check|tag` and `r1eval judge`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from r1eval.errors import DataError

sandbox_app = typer.Typer(no_args_is_help=True, help="Build and self-test the code-execution sandbox.")

BACKEND_HELP = "docker (hardened containers) or process (host processes: weaker isolation, see the README)"


@sandbox_app.command("build")
def build(offline: bool = typer.Option(False, help="Build from a local Debian base (mmdebstrap), no registry."),
          base: str = typer.Option(None, help="Base image (default python:3.12-slim, offline fallback)."),
          force: bool = typer.Option(False, help="Rebuild even if the tag exists.")) -> None:
    """Build the sandbox image, tagged by the content hash of sandbox/."""
    from r1eval.sandbox.image import build_image

    tag = build_image(offline=offline, base=base, force=force, log=lambda m: typer.echo(m, err=True))
    typer.echo(tag)


@sandbox_app.command("tag")
def tag() -> None:
    """Print the image tag this version of r1eval judges code with."""
    from r1eval.sandbox.image import image_tag

    typer.echo(image_tag())


@sandbox_app.command("check")
def check(sandbox: str = typer.Option("docker", "--sandbox", help=BACKEND_HELP),
          grade_workers: int = typer.Option(2, "--grade-workers", min=1,
                                            help="Sandboxes to run in parallel.")) -> None:
    """Self-test: correct, wrong, slow, memory-hungry, forking and network-using programs -> verdict table."""
    from r1eval.grading.code.sandbox_check import run_check
    from r1eval.sandbox.pool import open_pool

    with open_pool(sandbox, grade_workers, memory_mb=256) as pool:
        rows, ok = run_check(pool)
        description = pool.backend.describe()
    typer.echo(f"backend: {', '.join(f'{k}={v}' for k, v in description.items())}")
    typer.echo(f"{'program':<9} {'expected':<36} {'verdict':<14} ok   detail")
    for row in rows:
        typer.echo(f"{row['program']:<9} {row['expected']:<36} {row['verdict']:<14} {'yes' if row['ok'] else 'NO':<4} "
                   f"{row['detail'][:70]}")
    if not ok:
        typer.echo("sandbox check FAILED", err=True)
        raise SystemExit(1)
    typer.echo("sandbox check passed")


def judge(problems: Path = typer.Option(..., exists=False, help="Problems JSONL (LiveCodeBench field names), or a "
                                                                  "folder of problem packages (Kattis format)."),
          submissions: Path = typer.Option(..., help="Submissions JSONL: {id, problem_id, response}."),
          out: Path = typer.Option(..., help="Verdicts JSONL, written as submissions are judged; run again with "
                                             "the same --out to judge only what it lacks."),
          grade_workers: int = typer.Option(None, "--grade-workers", min=1,
                                            help="Sandboxes in parallel (default: CPU count)."),
          sandbox: str = typer.Option("docker", "--sandbox", help=BACKEND_HELP),
          all_tests: bool = typer.Option(False, "--all-tests", help="Run every test, not only up to the first "
                                                                    "failure."),
          time_scale: float = typer.Option(1.0, min=0.01, help="Multiply every CPU time limit (slow machines)."),
          profile: str = typer.Option("plain", help="Runner profile: plain (the program as written) or "
                                      "livecodebench (LiveCodeBench's prelude: star imports, recursion limit 50000).")
          ) -> None:
    """Judge raw model responses (think block, prose and fences included) against code problems."""
    from r1eval.grading.code.judge import check_profile
    from r1eval.grading.code.judge_journal import judge_files
    from r1eval.sandbox.pool import BACKENDS, open_pool

    if sandbox not in BACKENDS:
        raise DataError(f"--sandbox must be one of {', '.join(BACKENDS)}, not {sandbox!r}")
    check_profile(profile)
    if not problems.exists():
        raise DataError(f"--problems {problems} does not exist (a JSONL file or a folder of problem packages)")
    if not submissions.is_file():
        raise DataError(f"--submissions file {submissions} does not exist")

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() or done == total:
            typer.echo(f"\rjudged {done}/{total}", err=True, nl=done == total)

    started = time.monotonic()
    counts = judge_files(problems, submissions, out,
                         lambda memory: open_pool(sandbox, grade_workers, memory_mb=memory),
                         progress=progress, profile=profile, time_scale=time_scale, all_tests=all_tests)
    total = sum(counts.values())
    summary = ", ".join(f"{name} {count}" for name, count in counts.most_common())
    typer.echo(f"{total} submissions judged in {time.monotonic() - started:.1f} s: {summary or 'none'} -> {out}")
    if counts.get("sandbox_error"):
        typer.echo(f"warning: {counts['sandbox_error']} sandbox errors (infrastructure); re-run to retry them",
                   err=True)
