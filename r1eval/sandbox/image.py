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

from r1eval.errors import SandboxUnavailable

IMAGE_REPO = "r1eval-sandbox"
REGISTRY_BASE = "python:3.12-slim"
OFFLINE_BASE = "r1eval-base:bookworm-python3-gxx"
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


def _docker(*args: str, timeout: float = 60, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=check)


def ensure_engine() -> None:
    """Raise SandboxUnavailable (one line: what is missing, how to start it) unless a Docker engine answers."""
    if shutil.which("docker") is None:
        raise SandboxUnavailable("the Docker client is not installed: `apt-get install docker.io` (Debian/Ubuntu), "
                                 "or run scripts/docker_up.sh; without Docker use --backend process")
    try:
        info = _docker("info", "--format", "{{.ServerVersion}}", timeout=20)
    except subprocess.TimeoutExpired as exc:
        raise SandboxUnavailable(f"the Docker engine did not answer `docker info` in 20 s; {START_HINT}") from exc
    if info.returncode != 0 or not info.stdout.strip():
        reason = (info.stderr.strip().splitlines() or ["no answer"])[-1][:160]
        raise SandboxUnavailable(f"no Docker engine is running ({reason}); {START_HINT}")


def image_exists(tag: str) -> bool:
    return _docker("image", "inspect", tag, timeout=30).returncode == 0


def ensure_image() -> str:
    """The current image tag, after checking the engine is up and the image is built."""
    ensure_engine()
    tag = image_tag()
    if not image_exists(tag):
        raise SandboxUnavailable(f"sandbox image {tag} is not built: run `r1eval sandbox build` "
                                 f"(or scripts/docker_up.sh)")
    return tag


def build_offline_base(log=print) -> str:
    """A Debian bookworm minbase with python3 and g++, made by mmdebstrap and imported (no registry needed)."""
    if image_exists(OFFLINE_BASE):
        return OFFLINE_BASE
    if shutil.which("mmdebstrap") is None:
        raise SandboxUnavailable("offline build needs mmdebstrap: `apt-get install -y mmdebstrap`")
    with tempfile.TemporaryDirectory(prefix="r1eval-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        log(f"building {OFFLINE_BASE} with mmdebstrap (Debian bookworm minbase + python3, g++)")
        made = subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=python3,g++", "bookworm",
                               str(rootfs)], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            raise SandboxUnavailable(f"mmdebstrap failed: {(made.stderr.strip().splitlines() or ['?'])[-1]}")
        imported = _docker("import", str(rootfs), OFFLINE_BASE, timeout=600)
        if imported.returncode != 0:
            raise SandboxUnavailable(f"docker import failed: {imported.stderr.strip()[:200]}")
    return OFFLINE_BASE


def build_image(offline: bool = False, base: str | None = None, force: bool = False, log=print) -> str:
    """Build the sandbox image unless it exists. offline: from the local Debian base; otherwise from `base`
    (default python:3.12-slim, pulled from the registry), falling back to the offline base when that fails."""
    ensure_engine()
    tag = image_tag()
    if image_exists(tag) and not force:
        log(f"{tag} is already built")
        return tag
    bases = [build_offline_base(log)] if offline else [base or REGISTRY_BASE]
    for index, base_image in enumerate(bases):
        log(f"building {tag} from {base_image}")
        built = _docker("build", "--quiet", "--build-arg", f"BASE={base_image}", "--label",
                        f"r1eval.sandbox.base={base_image}", "-t", tag, str(sandbox_dir()), timeout=1200)
        if built.returncode == 0:
            log(f"built {tag}")
            return tag
        reason = (built.stderr.strip().splitlines() or ["?"])[-1][:200]
        if not offline and base is None and index == 0:
            log(f"registry base {base_image} unavailable ({reason}); building offline instead")
            bases.append(build_offline_base(log))
            continue
        raise SandboxUnavailable(f"docker build of {tag} from {base_image} failed: {reason}")
    raise SandboxUnavailable(f"docker build of {tag} failed")
