"""The sandbox image: where its files are, its content-hash tag, the engine check, and building it.

The image is tagged `r1eval-sandbox:<first 12 hex of sha256 over sandbox/>`, so a run's config names exactly the
runner code that judged it, and changing any file in sandbox/ makes a new image.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from r1eval.errors import SandboxUnavailable

IMAGE_REPO = "r1eval-sandbox"
REGISTRY_BASE = "python:3.12-slim"
OFFLINE_BASE = "r1eval-base:bookworm-python3"
START_HINT = "start it with `sudo dockerd &` (or run scripts/docker_up.sh, which also installs it and builds the image)"


def sandbox_dir() -> Path:
    """`r1eval/_sandbox` in an installed wheel, `<repo>/sandbox` in a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_sandbox"
    if (packaged / "server.py").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "sandbox"
    if (checkout / "server.py").is_file():
        return checkout
    raise SandboxUnavailable(f"sandbox files not found in {packaged} or {checkout}; reinstall r1eval")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@lru_cache(maxsize=1)
def content_hash() -> str:
    folder = sandbox_dir()
    digest = hashlib.sha256()
    for path in _files(folder):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def image_tag() -> str:
    """The image that judges code in this version of r1eval (record it in each run's config)."""
    return f"{IMAGE_REPO}:{content_hash()[:12]}"


def engine(timeout: float = 60) -> Any:
    """A client of the Docker engine (the SDK finds it from DOCKER_HOST or the default socket; no client binary is
    needed), checked to answer. Raises SandboxUnavailable with one line saying how to start one."""
    import docker

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except docker.errors.DockerException as exc:
        reason = (str(exc).strip().splitlines() or ["no answer"])[0][:160]
        raise SandboxUnavailable(f"no Docker engine is running ({reason}); {START_HINT}") from exc
    return client


def ensure_engine() -> None:
    """Raise SandboxUnavailable (one line: what is missing, how to start it) unless a Docker engine answers."""
    engine().close()


def image_exists(tag: str) -> bool:
    import docker

    client = engine()
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    finally:
        client.close()
    return True


def ensure_image() -> str:
    """The current image tag, after checking the engine is up and the image is built."""
    tag = image_tag()
    if not image_exists(tag):
        raise SandboxUnavailable(f"sandbox image {tag} is not built: run `r1eval sandbox build` "
                                 f"(or scripts/docker_up.sh)")
    return tag


def build_offline_base(log=print) -> str:
    """A Debian bookworm minbase with python3, made by mmdebstrap and imported (no registry needed)."""
    import docker

    if image_exists(OFFLINE_BASE):
        return OFFLINE_BASE
    if shutil.which("mmdebstrap") is None:
        raise SandboxUnavailable("offline build needs mmdebstrap: `apt-get install -y mmdebstrap`")
    with tempfile.TemporaryDirectory(prefix="r1eval-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        log(f"building {OFFLINE_BASE} with mmdebstrap (Debian bookworm minbase + python3)")
        made = subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=python3", "bookworm",
                               str(rootfs)], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            raise SandboxUnavailable(f"mmdebstrap failed: {(made.stderr.strip().splitlines() or ['?'])[-1]}")
        repository, _, tag = OFFLINE_BASE.partition(":")
        client = engine(timeout=600)
        try:
            client.api.import_image_from_file(str(rootfs), repository=repository, tag=tag)
        except docker.errors.DockerException as exc:
            raise SandboxUnavailable(f"importing {OFFLINE_BASE} failed: {str(exc)[:200]}") from exc
        finally:
            client.close()
    if not image_exists(OFFLINE_BASE):
        raise SandboxUnavailable(f"importing {OFFLINE_BASE} failed: the engine does not list it afterwards")
    return OFFLINE_BASE


def build_image(offline: bool = False, base: str | None = None, force: bool = False, log=print) -> str:
    """Build the sandbox image unless it exists. offline: from the local Debian base; otherwise from `base`
    (default python:3.12-slim, pulled from the registry), falling back to the offline base when that fails."""
    tag = image_tag()
    if image_exists(tag) and not force:
        log(f"{tag} is already built")
        return tag
    bases = [build_offline_base(log)] if offline else [base or REGISTRY_BASE]
    for index, base_image in enumerate(bases):
        log(f"building {tag} from {base_image}")
        reason = _build(tag, base_image)
        if reason is None:
            log(f"built {tag}")
            return tag
        if not offline and base is None and index == 0:
            log(f"registry base {base_image} unavailable ({reason}); building offline instead")
            bases.append(build_offline_base(log))
            continue
        raise SandboxUnavailable(f"docker build of {tag} from {base_image} failed: {reason}")
    raise SandboxUnavailable(f"docker build of {tag} failed")


def _build(tag: str, base_image: str) -> str | None:
    """Build sandbox/ as `tag` on `base_image`; None when it worked, else the engine's last error line."""
    import docker

    client = engine(timeout=1200)
    try:
        for event in client.api.build(path=str(sandbox_dir()), tag=tag, buildargs={"BASE": base_image},
                                      labels={"r1eval.sandbox.base": base_image}, rm=True, forcerm=True,
                                      decode=True):
            if "error" in event:
                return (str(event["error"]).strip().splitlines() or ["?"])[-1][:200]
    except docker.errors.DockerException as exc:
        return (str(exc).strip().splitlines() or ["?"])[-1][:200]
    finally:
        client.close()
    return None if image_exists(tag) else "the engine does not list the image afterwards"
