"""Shared fixtures. Resources a machine may lack (Docker engine, vllm) skip with a reason on a laptop, but
R1EVAL_STRICT=1 (set by .ci/run) turns every such skip into a failure, so nothing silently stops being tested."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("R1EVAL_DATA_DIR") or REPO.parent / "shared" / "data")


def require(available: bool, reason: str) -> None:
    """Skip (laptop) or fail (CI, R1EVAL_STRICT=1) when a resource the test needs is missing."""
    if available:
        return
    if os.environ.get("R1EVAL_STRICT") == "1":
        pytest.fail(f"required resource missing under R1EVAL_STRICT=1: {reason}")
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    require(SHARED_DATA.is_dir(), f"offline benchmark mirrors not found at {SHARED_DATA} (set R1EVAL_DATA_DIR)")
    return SHARED_DATA
