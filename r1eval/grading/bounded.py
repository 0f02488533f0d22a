"""Time and memory bounds for the symbolic layer that work from any thread: no signals, killable processes.

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
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path

from ..types import Status

Job = tuple[str, str, str, tuple[str, ...]]  # response, gold, kind, choices
Graded = tuple[Status, "str | None", str]

DEFAULT_TIMEOUT_S = float(os.environ.get("R1EVAL_GRADE_TIMEOUT", "5"))
MEMORY_LIMIT_BYTES = 3 << 30


def serve(read_fd: int, write_fd: int) -> None:
    """Worker loop: receive [(index, job), ...], send (index, graded) per job as soon as it is done."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):  # not POSIX, or a lower hard limit: keep what we have
        pass
    from . import grade_text, symbolic

    symbolic.allow_symbolic(True)
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    while True:
        try:
            batch = inbox.recv()
        except (EOFError, OSError):
            return
        for index, job in batch:
            try:
                graded = grade_text(*job)
            except MemoryError:
                graded = (Status.INCORRECT, None, "answer too large to evaluate (memory bound)")
            except RecursionError:
                graded = (Status.INCORRECT, None, "answer nested too deeply to evaluate")
            except Exception as exc:  # sympy raises anything on odd input; the model's answer is at fault
                graded = (Status.INCORRECT, None, f"answer could not be evaluated ({type(exc).__name__})")
            outbox.send((index, graded))


class _Worker:
    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        code = f"from r1eval.grading.bounded import serve; serve({to_child_r}, {from_child_w})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=(to_child_r, from_child_w), env=env,
                                     stdin=subprocess.DEVNULL, close_fds=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)
        self.pending: deque[int] = deque()
        self.deadline = 0.0
        self.answered = 0

    def failed_to_start(self) -> bool:
        """Died with a Python error before answering anything: the harness is broken, not the answer."""
        try:
            return self.answered == 0 and self.proc.wait(timeout=5) == 1
        except subprocess.TimeoutExpired:
            return False

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.inbox.close()
        self.outbox.close()


class Pool:
    """Up to `size` warm workers; `run` grades jobs with a per-item deadline and never raises for an item."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()

    def run(self, jobs: Sequence[Job], timeout_s: float = DEFAULT_TIMEOUT_S) -> list[Graded]:
        with self.lock:
            return self._run(jobs, timeout_s)

    def _run(self, jobs: Sequence[Job], timeout_s: float) -> list[Graded]:
        results: list[Graded | None] = [None] * len(jobs)
        queue = deque(range(len(jobs)))
        while len(self.workers) < min(self.size, len(jobs)):
            self.workers.append(_Worker())
        active = self.workers[: min(self.size, len(jobs))]
        chunk = max(1, min(16, len(jobs) // (4 * len(active)) if active else 1))

        def feed(worker: _Worker) -> None:
            batch = [queue.popleft() for _ in range(min(chunk, len(queue)))]
            if batch:
                worker.outbox.send([(i, jobs[i]) for i in batch])
                worker.pending.extend(batch)
                worker.deadline = time.monotonic() + timeout_s

        def replace(worker: _Worker, verdict: Graded) -> _Worker:
            results[worker.pending.popleft()] = verdict
            queue.extendleft(reversed(worker.pending))
            worker.kill()
            fresh = _Worker()
            self.workers[self.workers.index(worker)] = fresh
            active[active.index(worker)] = fresh
            feed(fresh)
            return fresh

        for worker in active:
            feed(worker)
        while any(w.pending for w in active):
            busy = [w for w in active if w.pending]
            now = time.monotonic()
            ready = wait([w.inbox for w in busy], timeout=max(0.0, min(w.deadline for w in busy) - now))
            for worker in busy:
                if worker.inbox in ready:
                    try:
                        index, graded = worker.inbox.recv()
                    except (EOFError, OSError):
                        if worker.failed_to_start():
                            return self._abandon(results, "verifier worker failed to start (see stderr)")
                        replace(worker, (Status.INCORRECT, None, "verifier process died on this answer"))
                        continue
                    worker.answered += 1
                    results[index] = graded
                    worker.pending.remove(index)
                    worker.deadline = time.monotonic() + timeout_s
                    if not worker.pending:
                        feed(worker)
                elif time.monotonic() > worker.deadline:
                    replace(worker, (Status.INCORRECT, None, f"timed out after {timeout_s:g} s"))
        return [r if r is not None else (Status.ERROR, None, "not graded") for r in results]

    def _abandon(self, results: list[Graded | None], why: str) -> list[Graded]:
        for worker in self.workers:
            worker.kill()
        self.workers.clear()
        return [r if r is not None else (Status.ERROR, None, why) for r in results]

    def close(self) -> None:
        with self.lock:
            for worker in self.workers:
                worker.kill()
            self.workers.clear()


_POOLS: dict[int, Pool] = {}
_POOLS_LOCK = threading.Lock()


def default_workers() -> int:
    return int(os.environ.get("R1EVAL_GRADE_WORKERS", "0")) or (os.cpu_count() or 1)


def pool(size: int | None = None) -> Pool:
    """The shared pool of that size (started lazily, shut down at exit)."""
    size = size or default_workers()
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = Pool(size)
        return _POOLS[size]


@atexit.register
def _close_all() -> None:
    for shared in list(_POOLS.values()):
        shared.close()
