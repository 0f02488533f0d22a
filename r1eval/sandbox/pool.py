"""A pool of long-lived sandboxes (Docker containers or namespaced host processes) fed jobs over their stdin/stdout.

Each sandbox runs sandbox/server.py and answers one JSON line per job. A sandbox that dies, hangs past the job's
deadline, answers garbage or reports itself damaged is destroyed and replaced, and its job is retried once on the
fresh sandbox; a second failure becomes a `sandbox_error` verdict (excluded from metrics, run marked incomplete).
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from r1eval.errors import SandboxUnavailable
from r1eval.sandbox.channel import Channel

START_TIMEOUT_S = 90.0


class Backend(Protocol):
    name: str

    def spawn(self, slot: int) -> Channel: ...

    def destroy(self, channel: Channel) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> dict: ...


def job_deadline(job: dict) -> float:
    """Host-side backstop for a whole job: every test at its wall-clock cap (server.wall_cap), plus slack."""
    limit = float(job.get("time_limit_s") or 6.0)
    checker = 12.0 if (job.get("checker") or {}).get("kind") == "custom" else 0.0
    return len(job.get("tests", ())) * (10 * limit + 16 + checker) + 30.0


def sandbox_error(job: dict, why: str) -> dict:
    return {"id": job.get("id"), "verdict": "sandbox_error", "tests_passed": 0,
            "tests_total": len(job.get("tests", ())), "detail": why, "times": []}


class Sandbox:
    """One running sandbox and its line channel."""

    def __init__(self, backend: Backend, slot: int) -> None:
        self.backend, self.slot = backend, slot
        self.channel = backend.spawn(slot)
        self._buffer = b""
        self.sent_keys: set[str] = set()
        hello = self._read_line(START_TIMEOUT_S)
        if not hello or not hello.get("ready"):
            self.destroy()
            raise SandboxUnavailable(f"{backend.name} sandbox did not start (no ready line in {START_TIMEOUT_S:.0f} s)")

    def _read_line(self, timeout: float) -> dict | None:
        end = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = end - time.monotonic()
            if left <= 0:
                return None
            chunk = self.channel.receive(left)
            if chunk == b"":
                return None  # end of output: the sandbox died
            self._buffer += chunk or b""
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            value = json.loads(line)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def run(self, job: dict) -> dict | None:
        """The server's result, or None when the sandbox failed (died, hung, garbled its answer). Tests with a
        `tests_key` travel once per sandbox; later jobs of the same problem refer to them by key."""
        key = job.get("tests_key")
        if key and key in self.sent_keys:
            result = self._exchange({k: v for k, v in job.items() if k != "tests"}, job)
            if result is None or not result.get("need_tests"):
                return result
            self.sent_keys.discard(key)  # evicted from the server's cache: send them again
        result = self._exchange(job, job)
        if result is not None and key and result.get("cached"):
            self.sent_keys.add(key)
        return None if result is not None and result.get("need_tests") else result

    def _exchange(self, message: dict, job: dict) -> dict | None:
        if not self.channel.send((json.dumps(message) + "\n").encode(), START_TIMEOUT_S):
            return None
        result = self._read_line(job_deadline(job))
        if result is None or result.get("id") != job.get("id") or "verdict" not in result:
            return None
        return result

    def destroy(self) -> None:
        self.backend.destroy(self.channel)


class SandboxPool:
    """Run jobs on up to `workers` sandboxes in parallel; sandboxes start lazily and live until close()."""

    def __init__(self, backend: Backend, workers: int | None = None) -> None:
        self.backend = backend
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._idle: queue.SimpleQueue[Sandbox] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = 0  # sandboxes running or starting
        self._next_slot = 0  # slot ids are never reused (the Docker backend derives a uid from them)
        self._all: list[Sandbox] = []
        self._closed = False
        self.replaced = 0
        atexit.register(self.close)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _new(self, slot: int) -> Sandbox:
        if self._closed:  # e.g. Ctrl-C closed the pool while worker threads were still judging
            raise SandboxUnavailable("the sandbox pool is closed")
        box = Sandbox(self.backend, slot)
        with self._lock:
            if self._closed:
                box.destroy()
                raise SandboxUnavailable("the sandbox pool is closed")
            self._all.append(box)
        return box

    def _take(self) -> Sandbox:
        """An idle sandbox, or a new one while fewer than `workers` are running."""
        while True:
            with self._lock:
                slot = self._next_slot if self._started < self.workers else None
                if slot is not None:
                    self._started += 1
                    self._next_slot += 1
            if slot is not None:
                try:
                    return self._new(slot)
                except BaseException:
                    with self._lock:
                        self._started -= 1
                    raise
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty:
                continue

    def _replace(self, box: Sandbox) -> Sandbox | None:
        """A fresh sandbox in box's slot; None when one cannot be started (the slot is freed for a later try)."""
        box.destroy()
        with self._lock:
            if box in self._all:  # close() may have taken the list already
                self._all.remove(box)
            self.replaced += 1
        with self._lock:
            slot = self._next_slot
            self._next_slot += 1
        try:
            return self._new(slot)
        except SandboxUnavailable:
            with self._lock:
                self._started -= 1
            return None

    def run_one(self, job: dict) -> dict:
        try:
            box: Sandbox | None = self._take()
        except SandboxUnavailable:
            if self._closed:  # jobs still queued when the pool was closed under them
                return sandbox_error(job, "the sandbox pool was closed before this job ran")
            raise
        result = None
        try:
            for _attempt in (1, 2):
                result = box.run(job)
                if result is None or result.get("damaged"):
                    box = self._replace(box)
                if result is not None and result["verdict"] != "sandbox_error":
                    result.pop("damaged", None)
                    result.pop("cached", None)
                    return result
                if box is None:
                    break
            return sandbox_error(job, (result or {}).get("detail") or "the sandbox died or hung twice on this job")
        finally:
            if box is not None:
                self._idle.put(box)

    def run(self, jobs: Sequence[dict], progress=None) -> list[dict]:
        """Results in job order. `progress(done, total)` is called after each job when given."""
        if self._closed:
            raise SandboxUnavailable("the sandbox pool is closed")
        if not jobs:
            return []
        done = [0]
        lock = threading.Lock()

        def one(job: dict) -> dict:
            result = self.run_one(job)
            if progress is not None:
                with lock:
                    done[0] += 1
                    progress(done[0], len(jobs))
            return result

        with ThreadPoolExecutor(max_workers=min(self.workers, len(jobs))) as executor:
            return list(executor.map(one, jobs))

    def close(self) -> None:
        """Stop every sandbox; nothing is left running afterwards."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            boxes, self._all = self._all, []
        for box in boxes:
            box.destroy()
        self.backend.close()
        atexit.unregister(self.close)


BACKENDS = ("docker", "process")


def open_pool(backend: str = "docker", workers: int | None = None, memory_mb: int = 512) -> SandboxPool:
    """A pool on `backend` whose sandboxes can hold tests of up to `memory_mb` each (engine checked now)."""
    if backend == "docker":
        from r1eval.sandbox.docker_backend import DockerBackend

        return SandboxPool(DockerBackend(memory_mb=memory_mb + 64), workers)
    if backend == "process":
        from r1eval.sandbox.process_backend import ProcessBackend

        return SandboxPool(ProcessBackend(), workers)
    raise SandboxUnavailable(f"unknown sandbox backend {backend!r}; choose one of {', '.join(BACKENDS)}")
