"""Docker backend: one hardened, long-lived container per pool slot, driven through the Docker engine API (the
`docker` SDK: it needs a reachable engine socket, e.g. DOCKER_HOST, not the docker client binary).

Hardening: no network, read-only root with a tmpfs work dir, no-new-privileges, pids/memory/CPU limits, no
System V IPC objects. The job server starts as root with only the capabilities it needs to run each test under
another uid and clean up after it (SETUID, SETGID, KILL, CHOWN, FOWNER, DAC_OVERRIDE; every other one dropped);
every test process runs without any: the submission under a uid distinct per slot (so RLIMIT_NPROC and signals
never cross containers), the problem's checker or interactor under a second uid the submission cannot touch.
Each container's stdin/stdout is an attach socket held by this process; the engine closes the container's stdin
when that socket closes (stdin_once), so the server exits and the container is removed (auto_remove) even if this
process is killed. Containers carry labels naming their pool and owning process, and, while a run grades inside
run_label(), the run; close() removes them, a new pool removes containers left by owners that no longer exist, and
a resumed run removes what its killed predecessor left (remove_run_containers).
"""
from __future__ import annotations

import os
import socket
import struct
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from r1eval.errors import SandboxUnavailable
from r1eval.sandbox import image as sandbox_image
from r1eval.sandbox.channel import read_some, write_all

LABEL = "r1eval.sandbox"
# base URLs of engines whose attach socket carries the raw stream (a unix socket, plain tcp); not TLS or ssh
PLAIN_SOCKETS = ("http+docker://localhost", "http://")
STDOUT = 1  # stream type in the engine's frame header
SERVER_CAPABILITIES = ["SETUID", "SETGID", "KILL", "CHOWN", "FOWNER", "DAC_OVERRIDE"]
JUDGE_UID_OFFSET = 100000  # a slot's checker/interactor uid = its submission uid + this


def _remove(client: Any, ids: list[str]) -> None:
    """Force-remove containers; ones already gone (or being removed by auto_remove) are fine."""
    import docker

    for cid in ids:
        try:
            client.api.remove_container(cid, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: removal already in progress
                raise


def remove_containers(client: Any, **labels: str) -> int:
    """Force-remove every container carrying all these labels; how many there were."""
    wanted = [f"{key}={value}" for key, value in labels.items()]
    ids = [c["Id"] for c in client.api.containers(all=True, filters={"label": wanted})]
    _remove(client, ids)
    return len(ids)


_RUN_LABEL = "r1eval.run"
_current_run: list[str] = []  # the run whose grading the pools opened now serve (a label on their containers)


@contextmanager
def run_label(run_key: str) -> Iterator[None]:
    """Label the containers of pools opened in this block (any thread) with `run_key`."""
    _current_run.append(run_key)
    try:
        yield
    finally:
        _current_run.remove(run_key)


def remove_run_containers(run_key: str) -> int:
    """Force-remove every sandbox container labelled with this run; how many there were."""
    client = sandbox_image.engine()
    try:
        return remove_containers(client, **{LABEL: "1", _RUN_LABEL: run_key})
    finally:
        client.close()


def run_containers(run_key: str) -> list[str]:
    """Ids of the sandbox containers (running or not) labelled with this run."""
    client = sandbox_image.engine()
    try:
        return [c["Id"] for c in client.api.containers(all=True, filters={"label": [f"{_RUN_LABEL}={run_key}"]})]
    finally:
        client.close()


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale(client: Any) -> int:
    """Remove sandbox containers whose owning process on this host has exited (a crashed or killed run)."""
    stale = [c["Id"] for c in client.api.containers(all=True, filters={"label": LABEL})
             if (owner := (c.get("Labels") or {}).get("r1eval.owner", "")).isdigit() and not _owner_alive(int(owner))]
    _remove(client, stale)
    return len(stale)


class AttachChannel:
    """A container's stdin and stdout over the engine's attach socket. Without a TTY the engine frames the
    container's output: an 8-byte header (stream type, 3 zero bytes, big-endian payload length), then the payload."""

    def __init__(self, container_id: str, attached: Any) -> None:
        self.container_id = container_id
        self._attached = attached  # the SDK's socket object; it keeps the HTTP response (and connection) alive
        self.sock: socket.socket = getattr(attached, "_sock", attached)
        self._frames = b""

    def send(self, data: bytes, timeout: float) -> bool:
        return write_all(self.sock.fileno(), data, timeout)

    def receive(self, timeout: float) -> bytes | None:
        end = time.monotonic() + timeout
        while True:
            payload = self._take_stdout()
            if payload:
                return payload
            chunk = read_some(self.sock.fileno(), end - time.monotonic())
            if not chunk:
                return chunk  # b"": the stream ended; None: nothing in time
            self._frames += chunk

    def _take_stdout(self) -> bytes:
        out = b""
        while len(self._frames) >= 8:
            stream, size = self._frames[0], struct.unpack(">I", self._frames[4:8])[0]
            if len(self._frames) < 8 + size:
                break
            if stream == STDOUT:
                out += self._frames[8 : 8 + size]
            self._frames = self._frames[8 + size :]
        return out

    def close(self) -> None:
        for closable in (self.sock, self._attached):
            try:
                closable.close()
            except OSError:
                pass


class DockerBackend:
    name = "docker"

    def __init__(self, image: str | None = None, memory_mb: int = 1024, cpus: float = 1.0, pids: int = 128,
                 work_mb: int = 256) -> None:
        self.image = image or sandbox_image.ensure_image()
        self.client = sandbox_image.engine()
        if not self.client.api.base_url.startswith(PLAIN_SOCKETS):
            self.client.close()
            raise SandboxUnavailable(f"the Docker sandbox needs the engine on a unix socket or plain tcp:// "
                                     f"(DOCKER_HOST), not {self.client.api.base_url}; tunnel it to a local socket")
        self.memory_mb, self.cpus, self.pids, self.work_mb = memory_mb, cpus, pids, work_mb
        self.pool_id = uuid.uuid4().hex[:12]
        self.run_key = _current_run[-1] if _current_run else None
        self._uid_base = 20000 + (os.getpid() % 1000) * 64
        reap_stale(self.client)

    def describe(self) -> dict:
        return {"backend": self.name, "image": self.image, "memory_mb": self.memory_mb, "cpus": self.cpus,
                "pids_limit": self.pids, "work_tmpfs_mb": self.work_mb}

    def container_config(self, slot: int) -> dict[str, Any]:
        """Arguments of the engine's create-container call for pool slot `slot`."""
        import docker

        uid = self._uid_base + slot % 64
        judge_uid = uid + JUDGE_UID_OFFSET
        container_mb = self.memory_mb + self.work_mb + 256  # tests' memory + tmpfs pages + server and zygote
        host_config = self.client.api.create_host_config(
            auto_remove=True, network_mode="none", read_only=True,
            tmpfs={"/work": f"rw,exec,nosuid,nodev,size={self.work_mb}m,mode=1777"},  # exec: compiled programs
            cap_drop=["ALL"], cap_add=SERVER_CAPABILITIES, security_opt=["no-new-privileges"], pids_limit=self.pids,
            mem_limit=f"{container_mb}m", memswap_limit=f"{container_mb}m", nano_cpus=int(self.cpus * 1e9),
            ulimits=[docker.types.Ulimit(name="nofile", soft=1024, hard=1024)],
            log_config=docker.types.LogConfig(type="none"),
            # no System V IPC objects: they would outlive a test and carry state to the next submission
            sysctls={"kernel.shmmni": "0", "kernel.msgmni": "0", "kernel.sem": "0 0 0 0",
                     "kernel.shm_rmid_forced": "1"},
        )
        return {"image": self.image, "name": f"r1eval-sbx-{self.pool_id}-{slot}", "user": "0:0",
                "command": ["--run-as", f"{uid}:{judge_uid}"],
                "labels": {LABEL: "1", "r1eval.pool": self.pool_id, "r1eval.owner": str(os.getpid()),
                           **({_RUN_LABEL: self.run_key} if self.run_key else {})},
                "stdin_open": True, "host_config": host_config}  # stdin_open without detach: StdinOnce

    def spawn(self, slot: int) -> AttachChannel:
        api = self.client.api
        container = api.create_container(**self.container_config(slot))["Id"]
        try:  # attach before start: nothing the server writes can be read (and lost) with the attach reply
            attached = api.attach_socket(container, params={"stdin": 1, "stdout": 1, "stream": 1})
            api.start(container)
        except BaseException:
            _remove(self.client, [container])
            raise
        return AttachChannel(container, attached)

    def destroy(self, channel: AttachChannel) -> None:
        _remove(self.client, [channel.container_id])  # kills a hung container too
        channel.close()

    def close(self) -> None:
        remove_containers(self.client, **{"r1eval.pool": self.pool_id})
        self.client.close()
