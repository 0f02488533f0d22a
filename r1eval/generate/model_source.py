"""Where a model's files come from (local directory or Hugging Face hub id) and how to identify them cheaply."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from r1eval.errors import ModelError

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")


@dataclass(frozen=True)
class ModelSource:
    name: str  # what the user gave
    location: str  # absolute local directory, or the hub id
    local: bool
    revision: str | None  # hub commit sha, when known
    weights_sha256: str | None  # local directories only

    def identity(self) -> dict[str, str | None]:
        return {"model": self.name, "location": self.location, "revision": self.revision,
                "weights_sha256": self.weights_sha256}


def resolve_model(model: str) -> ModelSource:
    """A local directory wins; otherwise a hub id whose commit we can learn (online or from the local HF cache)."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"model '{model}' is a directory without config.json: not a Hugging Face model folder")
        return ModelSource(model, str(path.resolve()), True, None, weights_fingerprint(path))
    if not _HUB_ID.match(model) or model.startswith((".", "~")):
        raise ModelError(f"model '{model}' not found: not a local directory and not a Hugging Face hub id")
    revision = _hub_revision(model)
    if revision is None:
        raise ModelError(f"model '{model}' not found: not a local directory and not reachable on the Hugging Face "
                         "hub (check the id, your network or HF_TOKEN, or pass a local path)")
    return ModelSource(model, model, False, revision, None)


def _hub_revision(model_id: str) -> str | None:
    """The commit sha of the hub model: asked online, else read from a snapshot already in the local cache."""
    try:
        from huggingface_hub import HfApi, snapshot_download
    except ImportError:
        return None
    try:
        return HfApi().model_info(model_id, timeout=10).sha
    except Exception:  # offline, unknown id, gated: fall back to the cache
        pass
    try:
        snapshot = Path(snapshot_download(model_id, local_files_only=True))
        return snapshot.name  # .../snapshots/<commit sha>
    except Exception:
        return None


def weights_fingerprint(path: Path) -> str:
    """sha256 of config.json, any shard index, and the weight files' names and sizes (never the GBs themselves)."""
    digest = hashlib.sha256()
    for name in ("config.json", "generation_config.json"):
        if (path / name).is_file():
            digest.update(name.encode() + b"\x00" + (path / name).read_bytes() + b"\x00")
    for index in sorted(path.glob("*.index.json")):
        digest.update(index.name.encode() + b"\x00" + index.read_bytes() + b"\x00")
    for file in sorted(p for p in path.iterdir() if p.suffix in _WEIGHT_SUFFIXES and p.is_file()):
        digest.update(json.dumps([file.name, file.stat().st_size]).encode())
    return digest.hexdigest()


def template_sha256(template: str | None) -> str | None:
    return hashlib.sha256(template.encode()).hexdigest() if template else None
