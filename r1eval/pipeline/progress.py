"""Progress on stderr: a rich bar with ETA on a terminal; otherwise (a log file, CI) one plain line every few
seconds, also while nothing finishes (an engine starting, a long batch), so a log always shows the run is alive."""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LINE_EVERY_S = 5.0


@contextmanager
def progress_bar(description: str, total: int, show: bool = True) -> Iterator[Callable[[int], None]]:
    if not show or total == 0:
        yield lambda _advance: None
        return
    if not sys.stderr.isatty():
        with progress_lines(description, total) as advance:
            yield advance
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

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task_id = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task_id, advance)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


@contextmanager
def progress_lines(description: str, total: int, every_s: float = LINE_EVERY_S,
                   write: Callable[[str], None] | None = None) -> Iterator[Callable[[int], None]]:
    """Print `description: done/total (pct), elapsed, ETA` at the start, every `every_s` seconds and at the end."""
    out = write or (lambda line: print(line, file=sys.stderr, flush=True))
    start = time.monotonic()
    done = [0]
    stop = threading.Event()

    def line(final: bool = False) -> str:
        elapsed = time.monotonic() - start
        count = min(done[0], total)
        text = f"{description}: {count}/{total} ({100 * count // total}%), {_clock(elapsed)} elapsed"
        if final:
            return text + (", done" if count == total else ", stopped")
        if count:
            text += f", ETA {_clock(elapsed * (total - count) / count)}"
        return text

    def tick() -> None:
        while not stop.wait(every_s):
            out(line())

    out(line())
    ticker = threading.Thread(target=tick, name="r1eval-progress", daemon=True)
    ticker.start()
    try:
        yield lambda advance: done.__setitem__(0, done[0] + advance)
    finally:
        stop.set()
        ticker.join()
        out(line(final=True))
