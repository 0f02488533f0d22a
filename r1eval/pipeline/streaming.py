"""Grade while generating: every completion is graded as soon as it is journaled, by one grader thread that feeds
the task's scorer (its own bounded pool: math verifier processes, or `workers` sandboxes). Generation never waits
on grading: journaled completions go into an unbounded queue, and each verdict is journaled (append-only, fsynced)
the moment its batch is graded, so a kill -9 loses neither finished samples nor finished verdicts."""
from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from r1eval.config import RunConfig, ScoringConfig
from r1eval.errors import SandboxUnavailable
from r1eval.generate import Generator, GenRequest
from r1eval.pipeline.progress import RunProgress
from r1eval.store import Journal, RunStore
from r1eval.task.registry import Task
from r1eval.types import Completion, Problem

GRADE_BATCH = 256  # most completions per scorer call
BATCH_PER_WORKER = 4  # a batch is 4 x the scorer's workers (at least 8): bounds the grading work a kill can lose


class TaskGrading:
    """One task's scorer and verdict journal (or, for `r1eval score`, its re-grade journal)."""

    def __init__(self, store: RunStore, task: Task, problems: Sequence[Problem], scoring: ScoringConfig,
                 on_graded: Callable[[int], None] = lambda _n: None, regrade: bool = False) -> None:
        self.task, self.scoring, self.on_graded = task, scoring, on_graded
        self.problems = {p.id: p for p in problems}
        self.journal: Journal = store.verdict_journal(task.name, regrade)
        if hasattr(task.scorer, "expect"):  # code: sandboxes sized for every problem of the task at once
            task.scorer.expect(problems)
        workers = scoring.workers or os.cpu_count() or 1
        self.batch_size = min(GRADE_BATCH, max(8, BATCH_PER_WORKER * workers))
        # code: up to `workers` batches at once, so that small batches (a slow engine hands out a few samples at a
        # time) still keep every sandbox busy; other scorers parallelize inside a batch
        self.parallel = workers if getattr(task.scorer, "profile", None) else 1
        self._lock = threading.Lock()
        self.closed = threading.Event()  # set once the scorer is closed and every verdict journaled

    def prepare(self) -> None:
        """Code: start the sandboxes and build the checkers before the first samples come."""
        if hasattr(self.task.scorer, "prepare"):
            self.task.scorer.prepare(list(self.problems.values()), self.scoring)

    def grade(self, completions: Sequence[Completion]) -> None:
        verdicts = self.task.scorer.score([(self.problems[c.problem_id], c) for c in completions], self.scoring)
        with self._lock:
            self.journal.append(verdicts)
            self.on_graded(len(completions))

    def close(self) -> None:
        """Stop the scorer's sandboxes (as soon as the task is graded) and close the journal."""
        try:
            if hasattr(self.task.scorer, "close"):
                self.task.scorer.close()
        finally:
            self.journal.close()
            self.closed.set()


def grade_all(grading: TaskGrading, completions: Sequence[Completion]) -> None:
    """Grade in this thread, batch by batch, each batch journaled before the next starts."""
    try:
        for start in range(0, len(completions), grading.batch_size):
            grading.grade(completions[start : start + grading.batch_size])
    finally:
        grading.close()


_END = object()  # after a task's last completions: close its scorer
_STOP = object()  # no more work


class Grader:
    """The grader thread. submit() never blocks; a batch takes what of one task is queued, up to its batch size,
    and runs on one of the task's `parallel` slots (the thread waits for a free one while the queue fills up).
    A scorer failure stops grading (generation goes on) and is raised by join()."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._open: list[TaskGrading] = []
        self._slots: dict[TaskGrading, tuple[ThreadPoolExecutor, threading.Semaphore]] = {}
        self._aborted = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="r1eval-grader", daemon=True)
        self._thread.start()

    def submit(self, grading: TaskGrading, completions: Iterable[Completion]) -> None:
        items = list(completions)
        for start in range(0, len(items), grading.batch_size):
            self._queue.put((grading, items[start : start + grading.batch_size]))

    def end(self, grading: TaskGrading) -> None:
        self._queue.put((grading, _END))

    def _next(self, held: list[Any]) -> Any:
        return held.pop() if held else self._queue.get()

    def _loop(self) -> None:
        held: list[Any] = []
        while not self._aborted.is_set():
            item = self._next(held)
            if item is _STOP:
                return
            grading, items = item
            if grading not in self._open:
                self._open.append(grading)
            if items is _END:
                self._drain(grading)
                self._open.remove(grading)
                self._guard(grading.close)
                continue
            batch = list(items)
            while len(batch) < grading.batch_size and not held:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP or more[0] is not grading or more[1] is _END:
                    held.append(more)
                else:
                    batch.extend(more[1])
            if self.error is None:
                self._start(grading, batch)

    def _start(self, grading: TaskGrading, batch: list[Completion]) -> None:
        if grading.parallel <= 1:
            self._guard(grading.grade, batch)
            return
        if grading not in self._slots:
            self._slots[grading] = (ThreadPoolExecutor(grading.parallel, thread_name_prefix="r1eval-grade"),
                                    threading.Semaphore(grading.parallel))
            self._slot(grading, grading.prepare)
        self._slot(grading, grading.grade, batch)

    def _slot(self, grading: TaskGrading, work: Callable[..., None], *args: Any) -> None:
        """Run work(*args) on one of the task's slots (waiting for a free one)."""
        executor, free = self._slots[grading]
        free.acquire()

        def run() -> None:
            try:
                if self.error is None and not self._aborted.is_set():
                    self._guard(work, *args)
            finally:
                free.release()

        executor.submit(run)

    def _drain(self, grading: TaskGrading) -> None:
        """Wait for the task's batches in flight."""
        if grading in self._slots:
            executor, _ = self._slots.pop(grading)
            executor.shutdown(wait=True)

    def _guard(self, work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by join()
            self.error = self.error or exc

    def join(self) -> None:
        """Wait until everything submitted is graded; raise the first scorer failure."""
        self._queue.put(_STOP)
        self._thread.join()
        for grading in list(self._slots):
            self._drain(grading)
        self._close_open()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop after the batch in hand (a crash or Ctrl-C in the main thread) and close every scorer."""
        self._aborted.set()
        self._queue.put(_STOP)
        self._thread.join(timeout=60)
        self._close_open()

    def _close_open(self) -> None:
        for grading in self._open:
            self._guard(grading.close)
        self._open.clear()


def ungraded(store: RunStore, task: Task, problems: Sequence[Problem], n: int,
             regrade: bool = False) -> tuple[list[Completion], int]:
    """The task's journaled completions (of planned problems and samples) without a verdict, and how many have
    one."""
    ids = {p.id for p in problems}
    done = [c for c in store.read_completions(task.name) if c.problem_id in ids and c.sample < n]
    graded = {(v.problem_id, v.sample) for v in store.read_verdicts(task.name, regrade)}
    todo = [c for c in done if (c.problem_id, c.sample) not in graded]
    return todo, len(done) - len(todo)


def load_engine(generator: Generator) -> None:
    """Start the engine now (backends that have one), so that loading is not counted as generation time."""
    load = getattr(generator, "load", None)
    if callable(load):
        load()


def generate_task(store: RunStore, task: Task, requests: Sequence[GenRequest], generator: Generator,
                  config: RunConfig, grading: TaskGrading, grader: Grader, progress: RunProgress) -> None:
    """Journal each finished request's completions and their engine time, then hand them to the grader."""
    progress.set_stage(f"{task.name} · loading model")
    load_engine(generator)
    progress.set_stage(task.name)
    with store.journal(task.name) as journal, store.generation_journal(task.name) as timing:
        last = time.monotonic()
        for _request, completions in generator.generate(requests, config.sampling):
            journal.append(completions)
            now = time.monotonic()
            tokens = sum(c.n_tokens for c in completions)
            timing.append([{"samples": len(completions), "tokens": tokens, "seconds": round(now - last, 6)}])
            progress.generated(len(completions), tokens, now - last)
            last = now
            grader.submit(grading, completions)


def run_key(run_dir: Path) -> str:
    """The label value that marks a run directory's sandbox containers."""
    return hashlib.sha256(str(Path(run_dir).resolve()).encode()).hexdigest()[:16]


@contextmanager
def sandbox_scope(store: RunStore, tasks: Iterable[Task], scoring: ScoringConfig) -> Iterator[None]:
    """For a run with code tasks on Docker: label the sandbox containers with the run, remove those a killed
    earlier session of this run left before grading starts, and any of this session's at the end."""
    if scoring.sandbox != "docker" or not any(getattr(t.scorer, "profile", None) for t in tasks):
        yield
        return
    from r1eval.sandbox.docker_backend import remove_run_containers, run_label

    key = run_key(store.path)

    def remove() -> None:
        try:
            remove_run_containers(key)
        except SandboxUnavailable:  # no engine: the scorer says so in one line when it first needs one
            pass

    remove()
    with run_label(key):
        try:
            yield
        finally:
            remove()
