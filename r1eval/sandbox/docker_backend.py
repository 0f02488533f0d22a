"""Docker backend: one hardened, long-lived container per pool slot, driven through `docker run -i`.

Hardening: no network, read-only root with a tmpfs work dir, every capability dropped, no-new-privileges, a
non-root uid distinct per slot (so RLIMIT_NPROC and signals never cross containers), pids/memory/CPU limits, no
System V IPC objects.
Containers carry labels naming their pool and owning process; close() removes them, and a new pool removes
containers left by owners that no longer exist.
"""
from __future__ import annotations

import os
import subprocess
import uuid

from r1eval.sandbox import image as sandbox_image

LABEL = "r1eval.sandbox"


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, check=False, text=True, timeout=timeout)


def remove_containers(*filters: str) -> int:
    """Force-remove every container matching all `--filter` expressions; how many there were."""
    args = ["ps", "-aq"]
    for item in filters:
        args += ["--filter", item]
    ids = _docker(*args).stdout.split()
    if ids:
        _docker("rm", "-f", *ids, timeout=120)
    return len(ids)


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale() -> int:
    """Remove sandbox containers whose owning process on this host has exited (a crashed or killed run)."""
    listing = _docker("ps", "-a", "--filter", f"label={LABEL}", "--format", '{{.ID}} {{.Label "r1eval.owner"}}')
    stale = [cid for cid, _, owner in (line.partition(" ") for line in listing.stdout.splitlines())
             if owner.isdigit() and not _owner_alive(int(owner))]
    if stale:
        _docker("rm", "-f", *stale, timeout=120)
    return len(stale)


class DockerBackend:
    name = "docker"

    def __init__(self, image: str | None = None, memory_mb: int = 1024, cpus: float = 1.0, pids: int = 128,
                 work_mb: int = 256) -> None:
        self.image = image or sandbox_image.ensure_image()
        self.memory_mb, self.cpus, self.pids, self.work_mb = memory_mb, cpus, pids, work_mb
        self.pool_id = uuid.uuid4().hex[:12]
        self._uid_base = 20000 + (os.getpid() % 1000) * 64
        reap_stale()

    def describe(self) -> dict:
        return {"backend": self.name, "image": self.image, "memory_mb": self.memory_mb, "cpus": self.cpus,
                "pids_limit": self.pids, "work_tmpfs_mb": self.work_mb}

    def command(self, slot: int) -> list[str]:
        uid = self._uid_base + slot % 64
        container_mb = self.memory_mb + self.work_mb + 256  # tests' memory + tmpfs pages + server and zygote
        return [
            "docker", "run", "-i", "--rm", "--name", f"r1eval-sbx-{self.pool_id}-{slot}",
            "--label", f"{LABEL}=1", "--label", f"r1eval.pool={self.pool_id}", "--label", f"r1eval.owner={os.getpid()}",
            "--network", "none", "--read-only",
            "--tmpfs", f"/work:rw,exec,nosuid,nodev,size={self.work_mb}m,mode=1777",  # exec: compiled programs
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", f"{uid}:{uid}",
            "--pids-limit", str(self.pids), "--memory", f"{container_mb}m", "--memory-swap", f"{container_mb}m",
            "--cpus", str(self.cpus), "--ulimit", "nofile=1024:1024", "--log-driver", "none",
            # no System V IPC objects: they would outlive a test and carry state to the next submission
            "--sysctl", "kernel.shmmni=0", "--sysctl", "kernel.msgmni=0", "--sysctl", "kernel.sem=0 0 0 0",
            "--sysctl", "kernel.shm_rmid_forced=1",
            self.image,
        ]

    def spawn(self, slot: int) -> subprocess.Popen:
        return subprocess.Popen(self.command(slot), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def destroy(self, proc: subprocess.Popen) -> None:
        _docker("rm", "-f", proc.args[proc.args.index("--name") + 1])  # kills a hung container too
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        remove_containers(f"label=r1eval.pool={self.pool_id}")
