"""Process backend: the same job server as the Docker image, run as host processes. WEAKER ISOLATION.

For clusters without Docker. Each pool slot is `python3 -I sandbox/server.py` in a private user, PID and network
namespace (`unshare`, when the kernel allows unprivileged user namespaces), dropped to `nobody` when r1eval runs
as root. Tests still get per-process rlimits (CPU, address space, file size, process count) and the server still
kills every leftover process in its PID namespace after each test. What it does NOT give: a private filesystem
(submissions can read any file the user can read, and write where it can write), memory/CPU cgroups, or a process
cap that is private to the sandbox. Without working namespaces it falls back to plain child processes (stray
cleanup then only covers the test's process group, and the network is open): `describe()` says which mode ran.
"""
from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from r1eval.sandbox import image as sandbox_image
from r1eval.sandbox.channel import PipeChannel

NOBODY = 65534


def _count_processes(uid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


class ProcessBackend:
    name = "process"

    def __init__(self, python: str | None = None) -> None:
        self.as_root = os.geteuid() == 0
        self.uid = NOBODY if self.as_root else os.getuid()
        self.gid = NOBODY if self.as_root else os.getgid()
        # The server is stdlib-only. As root it runs as nobody, who often cannot reach root's interpreter or
        # site-packages: use the system python3 and a world-readable copy of the sandbox files.
        self.python = python or (
            "/usr/bin/python3" if self.as_root and os.path.exists("/usr/bin/python3") else sys.executable)
        self._code_dir = tempfile.mkdtemp(prefix="r1eval-sbx-code-")
        os.chmod(self._code_dir, 0o755)
        for name in ("server.py", "zygote.py", "output_check.py"):
            shutil.copy(sandbox_image.sandbox_dir() / name, self._code_dir)
            os.chmod(os.path.join(self._code_dir, name), 0o644)
        self.server = Path(self._code_dir) / "server.py"
        self._dirs: list[str] = [self._code_dir]
        self.namespaces = self._probe()

    def _prefix(self, namespaces: bool) -> list[str]:
        prefix = []
        if self.as_root and shutil.which("setpriv"):
            prefix += ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"]
        if namespaces:
            prefix += ["unshare", "--user", f"--map-user={self.uid}", f"--map-group={self.gid}", "--net", "--pid",
                       "--fork", "--mount-proc", "--kill-child"]
        return prefix

    def _probe(self) -> bool:
        if shutil.which("unshare") is None:
            return False
        try:
            done = subprocess.run([*self._prefix(True), "true"], capture_output=True, check=False, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    def describe(self) -> dict:
        return {"backend": self.name, "namespaces": self.namespaces, "uid": self.uid, "python": self.python,
                "isolation": "user+pid+net namespaces, rlimits; host filesystem visible" if self.namespaces
                else "rlimits and process groups only; host filesystem and network visible"}

    def spawn(self, slot: int) -> PipeChannel:
        workdir = tempfile.mkdtemp(prefix=f"r1eval-sbx-{slot}-")
        self._dirs.append(workdir)
        if self.as_root:
            os.chown(workdir, self.uid, self.gid)
        nproc = _count_processes(self.uid) + 64  # RLIMIT_NPROC counts all of this uid's processes on the host
        command = [*self._prefix(self.namespaces), self.python, "-I", str(self.server), "--workdir", workdir,
                   "--nproc", str(nproc)]
        return PipeChannel(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, start_new_session=True, cwd=workdir))

    def destroy(self, channel: PipeChannel) -> None:
        proc = channel.proc
        inits = self._namespace_inits(proc.pid)
        try:
            os.killpg(proc.pid, 9)  # unshare and the server (init of the PID namespace) share a process group
        except OSError:
            pass
        proc.wait()
        for pidfd in inits:  # an init exits only after the kernel has killed everything in its namespace
            select.select([pidfd], [], [], 10.0)
            os.close(pidfd)
        workdir = proc.args[proc.args.index("--workdir") + 1]
        shutil.rmtree(workdir, ignore_errors=True)

    def _namespace_inits(self, pid: int) -> list[int]:
        """pidfds of unshare's children (the server, PID 1 of the namespace) taken before anything is killed."""
        if not self.namespaces:
            return []
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        fds = []
        for child in children:
            try:
                fds.append(os.pidfd_open(int(child)))
            except OSError:
                pass
        return fds

    def close(self) -> None:
        for workdir in self._dirs:
            shutil.rmtree(workdir, ignore_errors=True)
