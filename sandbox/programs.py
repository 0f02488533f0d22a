"""Programs other than a Python submission, inside the sandbox. Stdlib only.

- Compiling C++ (`{"kind": "compile", "language": "cpp", "std": "c++17"|"c++20", "source", "files"}`): g++ -O2 runs
  as a sandboxed child of the zygote with its own limits (30 s CPU, 2 GiB address space, 64 MB of output); the
  answer carries the executable (base64) or verdict compile_error. The host caches executables by source hash.
- Installing a program in the work dir before a run: Python source as `<stem>.py`, run by the zygote's Python;
  an executable as `<stem>`, execute-only (mode 0111: a process running an unreadable executable is non-dumpable,
  so another process of the same uid cannot read its memory or open its file descriptors through /proc).
"""
from __future__ import annotations

import base64
import os
import shutil
import signal
import struct

CPP_STANDARDS = ("c++17", "c++20")
COMPILE_CPU_S, COMPILE_MEMORY_MB, COMPILE_WALL_CAP_S = 30, 2048, 90.0
MAX_BINARY_BYTES = 64 << 20


def install(server, program: dict, stem: str, judge: bool = False) -> tuple[str, str]:
    """Write `program` ({"language", "code"} or {"binary"}) into the work dir: (zygote mode, file name); the mode
    is None for Python source (the caller picks stdin, functional or checker). A `judge` (checker, interactor)
    belongs to the judges' uid and no one else may read it, when the server can switch uids."""
    if program.get("binary"):
        server._write(stem, base64.b64decode(program["binary"]), judge=judge, mode=0o111)
        return "exec", stem
    server._write(stem + ".py", program["code"], judge=judge, mode=0o444)
    return None, stem + ".py"


def static_bytes(binary_b64: str) -> int:
    """Memory an ELF64 executable's loadable segments take before it runs (static arrays included): the sum of its
    PT_LOAD p_memsz; 0 when it is not a 64-bit ELF file."""
    head = base64.b64decode(binary_b64[:8192])
    if head[:5] != b"\x7fELF\x02" or len(head) < 64:
        return 0
    phoff, = struct.unpack_from("<Q", head, 32)
    size, count = struct.unpack_from("<HH", head, 54)
    if phoff + size * count > len(head):
        head = base64.b64decode(binary_b64)
    total = 0
    for index in range(count):
        offset = phoff + index * size
        if offset + 56 > len(head) or size < 56:
            break
        kind, = struct.unpack_from("<I", head, offset)
        if kind == 1:  # PT_LOAD
            total += struct.unpack_from("<Q", head, offset + 40)[0]
    return total


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return ((errors or lines or ["g++ failed"])[0])[:300]


def compile_job(server, job: dict) -> dict:
    """Compile one C++ source; {"verdict": compiled | compile_error, "binary", "detail", "times"}."""
    std = job.get("std") or "c++17"
    if job.get("language") != "cpp" or std not in CPP_STANDARDS:
        raise ValueError(f"cannot compile language {job.get('language')!r} with standard {std!r}")
    compiler = shutil.which("g++")
    if compiler is None:
        raise RuntimeError("the sandbox image has no g++ (rebuild it: r1eval sandbox build)")
    server.wipe()
    for name, text in (job.get("files") or {}).items():  # headers the problem ships (testlib.h, ...)
        server._write(os.path.basename(name), text)
    server._write("main.cpp", job["source"])
    server._write("empty.txt", "")
    request = server._request(job, "exec", compiler, "empty.txt", COMPILE_CPU_S, COMPILE_MEMORY_MB)
    request.update(argv=["g++", f"-std={std}", "-O2", "-pipe", "-o", "prog", "main.cpp"], wall_cap_s=COMPILE_WALL_CAP_S)
    report = server.zygote.run(request)
    server.clean_processes(report and report.get("pid"), report is not None)
    server._unlock()
    times = [[round(report["cpu"], 4), round(report["wall"], 4)]] if report else []
    result = {"verdict": "compile_error", "tests_passed": 0, "tests_total": 0, "times": times, "binary": None}
    if report is None:
        return {**result, "detail": "the compiler killed or stopped its supervisor"}
    status = report["status"]
    if report["wall_killed"] or (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)):
        return {**result, "detail": f"compilation exceeded its limits ({COMPILE_CPU_S} s CPU, {COMPILE_MEMORY_MB} MB)"}
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return {**result, "detail": _first_error(server._read("out.txt", 1 << 16) + server._read("err.txt", 1 << 16))}
    binary = server._read_bytes("prog", MAX_BINARY_BYTES + 1)
    if not binary or len(binary) > MAX_BINARY_BYTES:
        return {**result, "detail": "the compiler wrote no executable (or one over 64 MB)"}
    server.wipe()
    return {**result, "verdict": "compiled", "detail": "", "binary": base64.b64encode(binary).decode()}
