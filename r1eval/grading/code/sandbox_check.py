"""`r1eval sandbox check`: judge six known programs and compare with the verdicts a working sandbox must give.

The network probe only ever aims at a listener this process opens on 127.0.0.1 (a sandbox has its own loopback,
so the connection must fail; the listener confirms nothing arrived).
"""
from __future__ import annotations

import socket
from dataclasses import dataclass

from r1eval.grading.code.judge import judge_responses
from r1eval.sandbox.pool import SandboxPool
from r1eval.types import CodeSpec, TestCase


@dataclass(frozen=True)
class Probe:
    name: str
    code: str
    expect: tuple[str, ...]  # acceptable verdicts


def probes(port: int) -> list[Probe]:
    return [
        Probe("correct", "a, b = map(int, input().split())\nprint(a + b)\n", ("accepted",)),
        Probe("wrong", "a, b = map(int, input().split())\nprint(a - b)\n", ("wrong_answer",)),
        Probe("slow", "while True:\n    pass\n", ("time_limit",)),
        Probe("memory", "blocks = []\nwhile True:\n    blocks.append(bytearray(64 << 20))\n", ("memory_limit",)),
        Probe("fork", "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
              ("time_limit", "runtime_error", "memory_limit")),
        Probe("network", f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'x')\n"
              "print(3)\n", ("runtime_error",)),
    ]


def run_check(pool: SandboxPool) -> tuple[list[dict], bool]:
    """Rows of {program, expected, verdict, ok, detail}; and whether every verdict was right and no connection
    reached the host listener."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    try:
        spec = CodeSpec(tests=(TestCase("1 2\n", "3\n"),), time_limit_s=1.0, memory_mb=256)
        items = probes(listener.getsockname()[1])
        results = judge_responses(pool, [(spec, f"```python\n{p.code}```") for p in items])
        try:
            listener.accept()
            leaked = True
        except BlockingIOError:
            leaked = False
    finally:
        listener.close()
    rows = []
    for probe, result in zip(items, results):
        ok = result.verdict in probe.expect and not (probe.name == "network" and leaked)
        detail = "a connection reached the host listener!" if probe.name == "network" and leaked else result.detail
        rows.append({"program": probe.name, "expected": "/".join(probe.expect), "verdict": result.verdict.value,
                     "ok": ok, "detail": detail})
    return rows, all(row["ok"] for row in rows)
