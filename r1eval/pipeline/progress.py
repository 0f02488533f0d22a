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


def _minutes(seconds: float) -> str:
    return f"{int(seconds)} s" if seconds < 60 else f"{int(seconds // 60)} min"


class RunProgress:
    """The streaming run's one line, `math500 · generate 712/1920 · grade 655/712 · 3 min`, over the whole run:
    samples journaled of those planned, and verdicts journaled of the samples journaled (earlier sessions
    included). On a terminal it is redrawn in place twice a second with generated tokens/s; otherwise a plain line
    every `every_s` seconds, so a log shows the run is alive while nothing finishes (e.g. the model loading)."""

    def __init__(self, total: int, generated: int, graded: int, show: bool = True,
                 write: Callable[[str], None] | None = None, every_s: float | None = None,
                 terminal: bool | None = None) -> None:
        self.total, self.generated_n, self.graded_n = total, generated, graded
        self.stage = ""  # the task being generated, or what the run is waiting on
        self.tokens, self.engine_s = 0, 0.0  # this session's generated tokens and engine seconds
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._write = write or self._stderr
        self._every = every_s if every_s is not None else 0.5 if self.terminal else LINE_EVERY_S
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._show = show
        self._ticker: threading.Thread | None = None

    def _stderr(self, line: str) -> None:
        if self.terminal:
            print("\r\x1b[2K" + line, end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def line(self) -> str:
        with self._lock:
            parts = [self.stage] if self.stage else []
            parts += [f"generate {self.generated_n}/{self.total}", f"grade {self.graded_n}/{self.generated_n}",
                      _minutes(time.monotonic() - self._start)]
            if self.terminal and self.engine_s > 0:
                parts.append(f"{self.tokens / self.engine_s:.0f} tok/s")
        return " · ".join(parts)

    def set_stage(self, stage: str) -> None:
        with self._lock:
            self.stage = stage

    def generated(self, samples: int, tokens: int, engine_s: float) -> None:
        with self._lock:
            self.generated_n += samples
            self.tokens += tokens
            self.engine_s += engine_s

    def graded(self, samples: int) -> None:
        with self._lock:
            self.graded_n += samples

    def __enter__(self) -> RunProgress:
        if self._show:
            self._write(self.line())
            self._ticker = threading.Thread(target=self._tick, name="r1eval-progress", daemon=True)
            self._ticker.start()
        return self

    def _tick(self) -> None:
        while not self._stop.wait(self._every):
            self._write(self.line())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self.set_stage("done" if exc[0] is None else "stopped")
            self._write(self.line())
            if self.terminal and self._write == self._stderr:
                print(file=sys.stderr, flush=True)
