"""Progress bars with ETA on stderr (rich), or nothing when disabled or not attached to a terminal."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(description: str, total: int, show: bool = True) -> Iterator[Callable[[int], None]]:
    if not show or total == 0:
        yield lambda _advance: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True, force_terminal=None if sys.stderr.isatty() else False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False, disable=not sys.stderr.isatty()) as progress:
        task_id = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task_id, advance)
