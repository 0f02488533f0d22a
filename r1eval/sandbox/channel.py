"""The byte pipe between the pool and one sandbox's job server (its stdin and stdout), with deadlines on both
directions, so a sandbox that stops reading or writing can never block the harness."""
from __future__ import annotations

import os
import select
import subprocess
import time
from typing import Protocol


class Channel(Protocol):
    def send(self, data: bytes, timeout: float) -> bool:
        """Write all of data; False when the sandbox is gone or stopped reading."""

    def receive(self, timeout: float) -> bytes | None:
        """The next bytes the server wrote; b"" when its output ended; None when nothing came in time."""


def write_all(fd: int, data: bytes, timeout: float) -> bool:
    """Write data to a pipe or socket without blocking longer than `timeout`; False when it failed."""
    os.set_blocking(fd, False)
    end = time.monotonic() + timeout
    view = memoryview(data)
    while view:
        left = end - time.monotonic()
        if left <= 0:
            return False
        _, ready, _ = select.select([], [fd], [], left)
        if ready:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except OSError:  # broken pipe or reset: the sandbox died
                return False
    return True


def read_some(fd: int, timeout: float) -> bytes | None:
    """What is readable on fd within `timeout` (b"" at end of stream), or None."""
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    if not ready:
        return None
    try:
        return os.read(fd, 1 << 20)
    except BlockingIOError:
        return None
    except OSError:
        return b""


class PipeChannel:
    """A sandbox that is a child process of this one: its stdin and stdout pipes."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def send(self, data: bytes, timeout: float) -> bool:
        return write_all(self.proc.stdin.fileno(), data, timeout)

    def receive(self, timeout: float) -> bytes | None:
        return read_some(self.proc.stdout.fileno(), timeout)
