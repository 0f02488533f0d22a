"""CPU time over a test's whole process tree, and its clean-up. Stdlib only; used by the zygote (zygote.py).

The zygote is a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every process a test forks stays its
descendant even after its parent exits or it calls setsid: orphans are re-parented to the zygote, never to PID 1.
A test's CPU is therefore the sum over the zygote's descendants (read from /proc while they run: own time plus
that of children they waited for), and after the test every remaining descendant is killed and reaped here, its
rusage added. Forked or threaded busy work cannot hide from the time limit: a child that is never waited for is
counted all the same. Threads are part of their process's times.
"""
from __future__ import annotations

import ctypes
import os
import signal
import time

PR_SET_CHILD_SUBREAPER = 36
TICK = os.sysconf("SC_CLK_TCK")


def become_subreaper() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _stats() -> dict[int, tuple[int, float, bytes]]:
    """{pid: (parent pid, CPU seconds of it and its waited-for children, state)} for every process we can see."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # it just ended
        cpu = sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
        found[int(entry)] = (int(fields[1]), cpu, fields[0])
    return found


def descendants(root: int, stats: dict[int, tuple[int, float, bytes]] | None = None) -> dict[int, float]:
    """{pid: CPU seconds} of every descendant of `root` (not `root` itself)."""
    stats = _stats() if stats is None else stats
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found[pid] = stats[pid][1]
            todo.extend(children.get(pid, ()))
    return found


def tree(root: int, exclude: int | None = None) -> tuple[float, bool]:
    """(CPU seconds, whether any of them is running or waiting for the CPU or a page: state R or D) of all of
    `root`'s descendants but the subtree of `exclude` (an interactor, say). A runnable process that a loaded
    machine does not schedule uses little CPU, yet is not idle."""
    stats = _stats()
    mine = descendants(root, stats)
    if exclude is not None and exclude in mine:
        for pid in (exclude, *descendants(exclude, stats)):
            mine.pop(pid, None)
    return sum(mine.values()), any(stats[pid][2] in (b"R", b"D") for pid in mine if pid in stats)


def kill_and_reap_all(patience_s: float = 5.0) -> float:
    """Kill every remaining descendant of this process and reap it; the CPU seconds they used (their rusage).
    Gives up after `patience_s` if a child cannot be seen in /proc (the server then kills what is left)."""
    me, cpu, waited = os.getpid(), 0.0, 0.0
    while waited < patience_s:
        for pid in descendants(me):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)  # a killed process's children are re-parented here
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.005)
            waited += 0.005
            continue
        cpu += usage.ru_utime + usage.ru_stime
    return cpu
