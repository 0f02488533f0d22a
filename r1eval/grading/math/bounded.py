"""Time and memory bounds for the symbolic layer that work from any thread: no signals, killable processes.
(This is the parent side; grading/worker.py is the child.)

Items that the fast path cannot settle run in worker processes started with `python -c` (not multiprocessing,
so a user's unguarded __main__ is never re-imported). The parent waits on each worker's pipe with a per-item
deadline; a worker that overruns is killed and replaced, and its item becomes an incorrect verdict that says so.
Workers are shared and kept warm between calls; at most one batch runs through the pool at a time.
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from pathlib import Path

from r1eval.types import Status

Job = tuple[str, str, str, tuple[str, ...]]  # response, gold, kind, choices
Graded = tuple[Status, "str | None", str]

DEFAULT_TIMEOUT_S = 5.0  # per item; ScoringConfig.timeout_s (r1eval run --grade-timeout) overrides it
MEMORY_LIMIT_BYTES = 3 << 30
STARTUP_TIMEOUT_S = 120.0
READY = "ready"
CLEAR = "clear caches"
WARM_UP = [("</think>\\boxed{\\sqrt{2}+\\pi i}", "\\frac{1}{\\sqrt2}"), ("</think>\\boxed{(x+1)^2}", "x^2+2x+1"),
           ("</think>\\boxed{\\sin(x)}", "y = 2x")]


class _Worker:
    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        code = f"from r1eval.grading.worker import serve; serve({to_child_r}, {from_child_w})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=(to_child_r, from_child_w), env=env,
                                     stdin=subprocess.DEVNULL, close_fds=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)
        self.pending: deque[int] = deque()
        self.deadline = 0.0
        self.ready = False

    def wait_ready(self) -> bool:
        """Block until the worker has imported and warmed up; False when it died or hung starting."""
        if not self.ready:
            try:
                self.ready = self.inbox.poll(STARTUP_TIMEOUT_S) and self.inbox.recv() == READY
            except (EOFError, OSError):
                self.ready = False
        return self.ready

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.inbox.close()
        self.outbox.close()


class _StartFailed(Exception):
    pass


class Batch:
    """Jobs graded by a pool's workers while more are added: `add` never waits for grading (it only collects
    what is done), `collect` waits for everything. Handles per-item deadlines and replaces killed workers."""

    def __init__(self, pool: Pool, timeout_s: float) -> None:
        self.pool, self.timeout_s = pool, timeout_s
        self.jobs: list[Job] = []
        self.results: list[Graded | None] = []
        self.queue: deque[int] = deque()
        self.failed = False

    def add(self, jobs: Sequence[Job]) -> None:
        start = len(self.jobs)
        self.jobs.extend(jobs)
        self.results.extend([None] * len(jobs))
        self.queue.extend(range(start, len(self.jobs)))
        self.pool.grow(len(self.jobs))
        self._step(block=False)

    def collect(self) -> list[Graded]:
        while not self.failed and (self.queue or any(w.pending for w in self.pool.workers)):
            self._step(block=True)
        why = "verifier worker failed to start (see its stderr)" if self.failed else "not graded"
        return [r if r is not None else (Status.ERROR, None, why) for r in self.results]

    def _step(self, block: bool) -> None:
        try:
            self._feed_idle(block)
            busy = [w for w in self.pool.workers if w.pending]
            if not busy:
                return
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if block else 0.0
            ready = wait([w.inbox for w in busy], timeout=timeout)
            for worker in busy:
                if worker.inbox in ready:
                    self._receive(worker)
                elif time.monotonic() > worker.deadline:
                    self._replace(worker, (Status.INCORRECT, None, f"timed out after {self.timeout_s:g} s"))
            self._feed_idle(block=False)
        except _StartFailed:  # the harness is broken, not an answer: everything left becomes ERROR
            self.failed = True
            self.pool.close_workers()

    def _feed_idle(self, block: bool) -> None:
        for worker in self.pool.workers:
            if not self.queue:
                return
            if worker.pending or not (block or worker.ready or worker.inbox.poll(0)):
                continue  # busy, or still starting and we may not wait
            if not worker.wait_ready():
                raise _StartFailed
            size = max(1, min(16, len(self.queue) // (2 * len(self.pool.workers))))
            chunk = [self.queue.popleft() for _ in range(min(size, len(self.queue)))]
            worker.outbox.send([(i, self.jobs[i]) for i in chunk])
            worker.pending.extend(chunk)
            worker.deadline = time.monotonic() + self.timeout_s

    def _receive(self, worker: _Worker) -> None:
        try:
            index, graded = worker.inbox.recv()
        except (EOFError, OSError):
            self._replace(worker, (Status.INCORRECT, None, "verifier process died on this answer"))
            return
        self.results[index] = graded
        worker.pending.remove(index)
        worker.deadline = time.monotonic() + self.timeout_s

    def _replace(self, worker: _Worker, verdict: Graded) -> None:
        """The worker's current item gets `verdict`; its other items go back to the queue; a fresh worker starts."""
        self.results[worker.pending.popleft()] = verdict
        self.queue.extendleft(reversed(worker.pending))
        worker.kill()
        self.pool.workers[self.pool.workers.index(worker)] = _Worker()


class Pool:
    """Up to `size` warm workers shared by all callers; one batch at a time, each item under a deadline."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()

    @contextmanager
    def batch(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[Batch]:
        with self.lock:
            yield Batch(self, timeout_s)

    def run(self, jobs: Sequence[Job], timeout_s: float = DEFAULT_TIMEOUT_S) -> list[Graded]:
        with self.batch(timeout_s) as batch:
            batch.add(jobs)
            return batch.collect()

    def grow(self, wanted: int) -> None:
        """Start workers (without waiting for them) until there are min(size, wanted)."""
        while len(self.workers) < min(self.size, wanted):
            self.workers.append(_Worker())

    def clear_caches(self) -> None:
        """Empty the parse caches of the workers that are up (benchmarks measure cold starts with this)."""
        with self.lock:
            for worker in self.workers:
                if worker.wait_ready():
                    worker.outbox.send(CLEAR)
                    worker.inbox.recv()

    def close_workers(self) -> None:
        for worker in self.workers:
            worker.kill()
        self.workers.clear()

    def close(self) -> None:
        with self.lock:
            self.close_workers()


_POOLS: dict[int, Pool] = {}
_POOLS_LOCK = threading.Lock()


def default_workers() -> int:
    return os.cpu_count() or 1


def pool(size: int | None = None) -> Pool:
    """The shared pool of that size (started lazily, shut down at exit)."""
    size = size or default_workers()
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = Pool(size)
        return _POOLS[size]


def shared_pools() -> list[Pool]:
    with _POOLS_LOCK:
        return list(_POOLS.values())


@atexit.register
def _close_all() -> None:
    for shared in list(_POOLS.values()):
        shared.close()
