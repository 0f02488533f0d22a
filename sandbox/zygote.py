"""Fork server for test processes. Stdlib only; runs inside the sandbox, started by server.py.

It imports the modules of every runner profile's prelude once, then forks one fresh child per test, so a test pays a
fork (~1 ms) instead of an interpreter start (~40 ms). The zygote never holds job data beyond file paths, and never
runs submitted code itself: only its children do, after setting their rlimits. It is non-dumpable, so a child
(same uid) cannot read its memory or file descriptors through /proc or ptrace.

Protocol (fds passed on the command line): one JSON request per line in, one JSON reply per line out.
request: {"mode": stdin|functional|checker|exec, "profile": a PROFILES key, "code", "input", "stdout", "stderr",
          "result": paths, "func_name", "argv": [...], "cpu_s": int, "mem_bytes": int, "fsize": int, "nproc": int,
          "wall_s": float, "wall_cap_s": float, "uid": the uid to run as (null: this process's own)}
         mode exec: `code` is an executable (a compiled submission, checker or the compiler) run with `argv`.
reply:   {"status": raw wait status, "cpu": seconds over its whole process tree, "wall": seconds, "wall_killed": bool,
          "cpu_killed": bool (its processes together went over cpu_s), "rss_kb": peak RSS}
interactive request: {"mode": "interactive", "submission": request, "interactor": request}: both run at once, the
         submission's stdout piped to the interactor's stdin and back (their "input"/"stdout" paths are unused);
reply:   {"submission": reply, "interactor": reply, "first": which ended first, "together": ended at one wake-up
         (order unknown), "idle": both were waiting}
A functional test's return value goes to fd 3 as JSON in which every container is an array tagged with its type
(["list", ...], ["tuple", ...], ["dict", [key, value], ...]), so the server sees tuples, lists and key types apart.
"""
from __future__ import annotations

import ctypes
import fcntl
import io
import json
import os
import resource
import select
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import output_check  # noqa: E402
import proctree  # noqa: E402

del sys.path[0]  # submissions forked from here do not see the sandbox's modules

# Runner profiles: what a program finds in place before its first line runs (README, "Runner profiles").
# livecodebench is LiveCodeBench's prelude (lcb_runner/evaluation/testing_util.py, import_string): a star import of
# each of these modules in this order, then builtins and typing, then a plain import of each, then a recursion limit
# of 50000. LCB loads a functional solution as module "tmp_sol" and compares its return value with Python's ==
# (a returned tuple counts as a list). plain is the program as written: Python's defaults, nothing injected; a
# functional solution is module "solution" and its return value is compared as JSON (tuples are lists).
# A stdin program always runs as __main__. A functional solution under any profile also finds the typing names
# (List, Optional, Dict, ...) that LeetCode's own environment provides (FUNCTIONAL_STAR_IMPORTS).
LCB_MODULES = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
               "itertools", "functools", "operator", "io", "sys", "json")
PROFILES = {
    "livecodebench": {"star_imports": LCB_MODULES + ("builtins", "typing"), "imports": LCB_MODULES,
                      "recursion_limit": 50000, "functional_module": "tmp_sol", "values": "python"},
    "plain": {"star_imports": (), "imports": (), "recursion_limit": None, "functional_module": "solution",
              "values": "json"},
}
FUNCTIONAL_STAR_IMPORTS = ("typing",)


def prelude_source(profile: dict) -> str:
    return "".join(f"from {name} import *\n" for name in profile["star_imports"]) + \
        "".join(f"import {name}\n" for name in profile["imports"])


EXIT_COMPILE, EXIT_MEMORY, EXIT_BAD_ENTRY, EXIT_NO_UID = 70, 71, 72, 73


def non_dumpable() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


def _limits(req: dict) -> None:
    cpu = int(req["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (req["mem_bytes"], req["mem_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (req["fsize"], req["fsize"]))
    resource.setrlimit(resource.RLIMIT_NPROC, (req["nproc"], req["nproc"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _streams(req: dict) -> None:
    hidden = [fcntl.fcntl(fd, fcntl.F_DUPFD, 256) for fd in req.get("hidden_fds", ())]  # out of the way first
    files = [(2, req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
             (3, req["result"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)]
    if "pipe_fds" in req:  # an interactive run: stdin and stdout are the pipes to the other process
        for fd, pipe_end in zip((0, 1), req["pipe_fds"], strict=True):
            os.dup2(pipe_end, fd, inheritable=True)
    else:
        files[:0] = [(0, req["input"], os.O_RDONLY), (1, req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)]
    for fd, path, flags in files:
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd, inheritable=True)
        os.close(opened)
    for number, fd in enumerate(hidden, 4):  # an interactor's input and answer: /dev/fd/4, /dev/fd/5
        os.dup2(fd, number, inheritable=True)
    os.closerange(4 + len(hidden), 1 << 16)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8",
                                 errors="replace")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False), 1 << 16), encoding="utf-8",
                                  errors="replace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace",
                                  write_through=True)
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr


def _finish(code: int) -> None:
    """Join non-daemon threads and flush, as a normal interpreter exit would, then leave without zygote cleanup."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]
    except BaseException:  # noqa: BLE001 - a submission may have broken threading
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - EFBIG (output cap), closed stream
            code = code or 1
    os._exit(code)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _run(req: dict, namespace: dict) -> int:
    with open(req["code"], encoding="utf-8", errors="replace") as handle:
        source = handle.read()
    args = None
    if req["mode"] == "functional":
        with open(0, encoding="utf-8", closefd=False) as handle:
            args = [json.loads(line) for line in handle.read().split("\n") if line.strip()]
    try:
        code = compile(source, "solution.py", "exec", dont_inherit=True)  # not this file's __future__ imports
    except (SyntaxError, ValueError) as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_COMPILE
    sys.argv = req.get("argv") or ["solution.py"]
    dumps = json.dumps
    try:
        exec(code, namespace)  # noqa: S102 - this child is the sandboxed test process
        if req["mode"] != "functional":
            return 0
        target = namespace.get("Solution")
        method = getattr(target(), req["func_name"], None) if isinstance(target, type) else None
        method = method or namespace.get(req["func_name"])
        if not callable(method):
            print(f"no class Solution with method {req['func_name']}", file=sys.stderr)
            return EXIT_BAD_ENTRY
        value = method(*args)
    except SystemExit as exc:
        return _exit_code(exc)
    except MemoryError:
        print("MemoryError", file=sys.stderr)
        return EXIT_MEMORY
    except BaseException:  # noqa: BLE001 - report any failure of the submission as its runtime error
        import traceback

        traceback.print_exc(limit=-4)
        return 1
    try:
        text = dumps(output_check.tagged(value))
    except (TypeError, ValueError, RecursionError) as exc:
        text = dumps({"__unserialisable__": f"{type(value).__name__}: {exc}"[:200]})
    os.write(3, text.encode())
    return 0


def _exec(req: dict) -> int:
    """Replace this child by a compiled program (signals back to their defaults, the result fd closed)."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a program writing to a closed pipe dies as it would anywhere
    os.close(3)
    try:
        os.execv(req["code"], req.get("argv") or [req["code"]])
    except MemoryError:
        return EXIT_MEMORY
    except OSError as exc:  # ENOMEM: its static data do not fit the address-space limit
        print(f"cannot execute the program: {exc}", file=sys.stderr)
        return EXIT_MEMORY if exc.errno == 12 else EXIT_BAD_ENTRY
    return EXIT_BAD_ENTRY


def _become(uid: int) -> None:
    """Drop to `uid` (and gid = uid, no groups) for good: a submission and the problem's judges run under different
    uids, so one cannot signal, trace or replace the other. Exits EXIT_NO_UID rather than run as the wrong user."""
    try:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError:
        os._exit(EXIT_NO_UID)
    if os.getuid() != uid or os.geteuid() != uid:
        os._exit(EXIT_NO_UID)


def _child(req: dict, preludes: dict) -> None:
    code = 1
    try:
        os.setsid()
        try:
            with open("/proc/self/oom_score_adj", "w") as handle:
                handle.write("1000")  # if the cgroup runs out of memory, the test dies, not the supervisor
        except OSError:
            pass
        _streams(req)
        if req.get("uid") is not None:
            _become(req["uid"])
        _limits(req)
        if req["mode"] == "exec":
            _finish(_exec(req))
        import random

        random.seed()
        profile = PROFILES[req.get("profile") or "plain"]
        name = profile["functional_module"] if req["mode"] == "functional" else "__main__"
        extra = preludes["functional"] if req["mode"] == "functional" else {}
        namespace = {**extra, **preludes[req.get("profile") or "plain"], "__name__": name, "__file__": "solution.py",
                     "__builtins__": __builtins__}
        for stream in ("stdin", "stdout", "stderr"):  # `from sys import *` bound the fork server's; use the test's
            if stream in namespace:
                namespace[stream] = getattr(sys, stream)
        if profile["recursion_limit"]:
            sys.setrecursionlimit(profile["recursion_limit"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        code = _run(req, namespace)
    except MemoryError:
        code = EXIT_MEMORY
    except BaseException:  # noqa: BLE001
        code = 1
    _finish(code)


POLL_S = 0.2  # how often a running test's process tree is measured


def _await(pid: int, pidfd: int, started: float, req: dict, exclude: int | None = None) -> str | None:
    """Wait for the child: None when it ended, "cpu" when its process tree (all descendants of the zygote but
    `exclude`) used more than its CPU limit, "wall" when the wall-clock backstop hit. A tree still burning CPU when
    `wall_s` runs out is only slowed by machine load, so it gets more time, up to `wall_cap_s`; one that sleeps or
    blocks (under 5% CPU over the last interval, and none of its processes runnable) is killed."""
    wall_s, cap_s = req["wall_s"], req.get("wall_cap_s", req["wall_s"])
    last_cpu, interval = 0.0, wall_s
    check_at = started + interval
    while True:
        now = time.monotonic()
        ready, _, _ = select.select([pidfd], [], [], max(0.0, min(POLL_S, started + cap_s - now, check_at - now)))
        if ready:
            return None
        cpu, active = proctree.tree(os.getpid(), exclude)
        if cpu > req["cpu_s"]:
            return "cpu"
        now = time.monotonic()
        if now >= started + cap_s:
            return "wall"
        if now >= check_at:
            if cpu - last_cpu < 0.05 * interval and not active:
                return "wall"
            last_cpu, interval = cpu, max(1.0, wall_s / 2)
            check_at = now + interval


def _serve(req: dict, preludes: dict) -> dict:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(req, preludes)
    pidfd = os.pidfd_open(pid)
    killed = _await(pid, pidfd, started, req)
    if killed:
        _kill(pid)
    report = _ended(pid, pidfd, started, killed == "wall")
    report["cpu"] += proctree.kill_and_reap_all()  # what its forked processes used, waited for or not
    report["cpu_killed"] = killed == "cpu"
    return report


def _ended(pid: int, pidfd: int, started: float, killed: bool) -> dict:
    _, status, usage = os.wait4(pid, 0)
    os.close(pidfd)
    return {"pid": pid, "status": status, "cpu": usage.ru_utime + usage.ru_stime, "wall": time.monotonic() - started,
            "wall_killed": killed, "rss_kb": usage.ru_maxrss}


def _kill(pid: int) -> None:
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except OSError:
            pass


def _serve_pair(req: dict, preludes: dict) -> dict:
    """Run a submission and its interactor at once, each with its own limits, joined by two pipes.

    Backstops: the submission's process tree is killed once it used more CPU than its limit; while the submission
    runs, the pair gets the submission's `wall_s`; then, if the submission's tree used under 5% CPU over the last
    interval, both are waiting on each other (idleness) and both are killed; a busy one
    gets up to `wall_cap_s`. Once the submission has ended, the interactor gets 10 s more to give its verdict."""
    to_judge, to_submission = os.pipe(), os.pipe()
    hidden = [os.open(path, os.O_RDONLY) for path in req["interactor"].get("hidden", ())]
    for path in req["interactor"].get("hidden", ()):
        os.unlink(path)  # only the interactor keeps them open: the submission never sees these files
    started = time.monotonic()
    # the interactor starts first: it holds its ends of both pipes (and its hidden input) before the submission runs
    ends = {"interactor": (to_judge[0], to_submission[1]), "submission": (to_submission[0], to_judge[1])}
    running: dict[str, tuple[int, int]] = {}
    for name, pipe_fds in ends.items():
        pid = os.fork()
        if pid == 0:
            _child({**req[name], "pipe_fds": pipe_fds, "hidden_fds": hidden if name == "interactor" else []},
                   preludes)
        running[name] = (pid, os.pidfd_open(pid))
    for fd in (*to_judge, *to_submission, *hidden):
        os.close(fd)
    sub = req["submission"]
    done: dict[str, dict] = {}
    order: list[str] = []
    idle, together, cpu_killed, last_cpu, interval = False, False, False, 0.0, sub["wall_s"]
    check_at = started + interval
    cpu, active = 0.0, False
    while running:
        now = time.monotonic()
        if "submission" in running:
            deadline = min(check_at, started + sub["wall_cap_s"])
            wake = min(deadline, now + POLL_S)
        else:
            deadline = wake = done["submission"]["end"] + 10.0
        ready, _, _ = select.select([fd for _, fd in running.values()], [], [], max(0.0, wake - now))
        ended = sorted(n for n, (_, fd) in running.items() if fd in ready)  # "interactor" sorts first
        together = together or len(ended) == 2  # reaped at one wake-up: their order is unknown
        for name in ended:
            pid, fd = running.pop(name)
            done[name] = {**_ended(pid, fd, started, False), "end": time.monotonic()}
            order.append(name)
        if "submission" in running and not cpu_killed:
            cpu, active = proctree.tree(os.getpid(), running["interactor"][0] if "interactor" in running else None)
            if cpu > sub["cpu_s"]:  # its processes together are over the limit: kill it now
                cpu_killed = True
                _kill(running["submission"][0])
                continue
        if ready or time.monotonic() < deadline:
            continue
        if "submission" in running:
            over_cap = time.monotonic() >= started + sub["wall_cap_s"]
            if not over_cap and (cpu - last_cpu >= 0.05 * interval or active):  # busy: slowed down by machine load
                last_cpu, interval = cpu, max(1.0, sub["wall_s"] / 2)
                check_at = time.monotonic() + interval
                continue
            idle = not over_cap
        for name in sorted(running, key=lambda n: n != "submission"):  # idle pair (the program first), or an
            pid, fd = running[name]  # interactor that never gave its verdict
            _kill(pid)
            done[name] = {**_ended(pid, fd, started, True), "end": time.monotonic()}
            order.append(name)
            del running[name]
    done["submission"]["cpu"] += proctree.kill_and_reap_all()  # strays are the submission's (the judge is trusted)
    done["submission"]["cpu_killed"] = cpu_killed
    return {**{name: done[name] for name in ends}, "first": order[0], "together": together, "idle": idle}


def main() -> None:
    non_dumpable()
    proctree.become_subreaper()
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    preludes: dict[str, dict] = {}
    functional = {"star_imports": FUNCTIONAL_STAR_IMPORTS, "imports": ()}
    for name, profile in (*PROFILES.items(), ("functional", functional)):  # each prelude runs once, here
        preludes[name] = {}
        exec(prelude_source(profile), preludes[name])  # noqa: S102 - our own constant preludes
        preludes[name].pop("__builtins__", None)
    requests = os.fdopen(rfd, "r", encoding="utf-8")
    replies = os.fdopen(wfd, "w", encoding="utf-8")
    replies.write('{"ready": true}\n')
    replies.flush()
    for line in requests:
        req = json.loads(line)
        serve = _serve_pair if req["mode"] == "interactive" else _serve
        replies.write(json.dumps(serve(req, preludes)) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
