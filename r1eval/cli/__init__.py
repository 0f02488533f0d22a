"""The `r1eval` command: a thin shell. Each command builds one config and calls one library function.

Exit codes: 0 ok, 1 user error (bad input, one line on stderr), 2 internal error (one line; R1EVAL_DEBUG=1 shows
the traceback) or unusable gate/report input, 130 interrupted (Ctrl-C: one line saying to re-run to resume).
Heavy imports (vllm, docker, matplotlib) happen inside commands.
"""
from __future__ import annotations

import os
import sys
import traceback

import click
import typer

from r1eval.cli import model, rating, report, run, sandbox
from r1eval.cli.vocabulary import modernize
from r1eval.errors import R1EvalError

try:  # typer >= 0.20 vendors click as typer._click; parse errors then come from there
    from typer._click import exceptions as _vendored
except ImportError:  # pragma: no cover - older typer uses click itself
    _vendored = click.exceptions
_USAGE = (click.exceptions.UsageError, _vendored.UsageError)
_ABORT = (click.exceptions.Abort, getattr(typer, "Abort", click.exceptions.Abort))
_EXIT = (click.exceptions.Exit, getattr(typer, "Exit", click.exceptions.Exit))

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Evaluate R1-style reasoning models the way the DeepSeek-R1 paper does.")
# Every command is registered here, in one place; the command modules import nothing from this one.
app.command()(run.run)
app.command()(run.score)
app.command("force-answer")(run.force_answer)
app.command("tasks")(run.list_tasks)
app.command()(report.sweep)
app.command()(report.report)
app.command()(report.gate)
app.command()(report.view)
app.command("cf-rating")(rating.cf_rating)
app.command()(report.export)
app.command("judge")(sandbox.judge)
app.add_typer(sandbox.sandbox_app, name="sandbox")
app.add_typer(model.model_app, name="model")


INTERRUPTED = "interrupted: completed samples are in the run journal; re-run the same command to resume"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"r1eval {version('r1eval')}")
        except PackageNotFoundError:  # a checkout on PYTHONPATH, not installed
            typer.echo("r1eval (not installed)")
        raise typer.Exit()


@app.callback()
def _root(show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                            help="Print the version and exit.")) -> None:
    """Evaluate R1-style reasoning models the way the DeepSeek-R1 paper does."""


def main(argv: list[str] | None = None) -> int:
    argv, notes = modernize(list(sys.argv[1:] if argv is None else argv))
    for note in notes:
        typer.echo(note, err=True)
    try:
        code = app(args=argv, standalone_mode=False)
    except _ABORT:
        typer.echo(INTERRUPTED, err=True)
        return 130
    except _USAGE as exc:
        if not exc.format_message().strip():  # bare `r1eval`: the help was the answer
            return 0
        typer.echo(f"error: {exc.format_message()}", err=True)
        return 1
    except _EXIT as exc:
        return exc.exit_code
    except R1EvalError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED, err=True)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # the harness's own failure: loud, one line, traceback on request
        if os.environ.get("R1EVAL_DEBUG") == "1":
            traceback.print_exc()
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (set R1EVAL_DEBUG=1 for the traceback)", err=True)
        return 2
    # Without standalone mode typer turns Ctrl-C into a returned 130 (commands themselves return None).
    if code == 130:
        typer.echo(INTERRUPTED, err=True)
    return code if isinstance(code, int) else 0
