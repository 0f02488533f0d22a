"""Differential check against LiveCodeBench's rules (tests/lcb_rules.py): every corner case and every program for
the LCB sample rows, judged in the real Docker sandbox under the livecodebench profile, gets LCB's verdict, except
the listed deviations, which must still differ. Also: the host's profile names are the sandbox's."""
from __future__ import annotations

import importlib.util

import pytest

from r1eval.grading.code.judge import RUNNER_PROFILES
from r1eval.sandbox import image as sandbox_image
from r1eval.sandbox.docker_backend import DockerBackend
from r1eval.sandbox.image import sandbox_dir
from r1eval.sandbox.pool import SandboxPool
from r1eval.task.data import read_jsonl_rows
from tests import lcb_rules
from tests.conftest import require
from tests.sandbox_cases import docker_available


def test_host_and_sandbox_know_the_same_profiles():
    spec = importlib.util.spec_from_file_location("sandbox_zygote", sandbox_dir() / "zygote.py")
    zygote = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zygote)
    assert set(zygote.PROFILES) == set(RUNNER_PROFILES)


@pytest.mark.docker
def test_verdicts_agree_with_livecodebench_except_listed_deviations(shared_data):
    require(docker_available(), "no Docker engine (run scripts/docker_up.sh)")
    require(sandbox_image.image_exists(sandbox_image.image_tag()),
            f"sandbox image {sandbox_image.image_tag()} not built (r1eval sandbox build)")
    rows = read_jsonl_rows(shared_data / "lcb_sample_with_tests.jsonl")
    with SandboxPool(DockerBackend(memory_mb=576), workers=2) as pool:
        records = lcb_rules.judged(pool, rows)
    assert len(records) == len(lcb_rules.CASES) + sum(map(len, lcb_rules.ROW_CASES.values()))
    unlisted = [r for r in records if not r["agrees"] and not r["deviation"]]
    stale = [r for r in records if r["agrees"] and r["deviation"]]
    assert unlisted == [], "r1eval differs from LCB where no deviation is listed"
    assert stale == [], "a listed deviation no longer differs: remove it from tests/lcb_rules.py"
    # the deviations that accept what LCB rejects are all LCB harness artifacts (correct programs)
    accepts_more = [r for r in records if r["r1eval"] == "accepted" and not r["lcb_passes"]]
    assert all(r["deviation"].startswith(lcb_rules.ARTIFACT) for r in accepts_more)
