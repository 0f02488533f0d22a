"""Helpers shared by the command modules."""
from __future__ import annotations

import typer


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, then exit with `code` (1 bad input, 2 unusable input for gate/report)."""
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def split_csv(value: str | None) -> tuple[str, ...]:
    """'a, b,,c' -> ('a', 'b', 'c'); None or '' -> ()."""
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()
