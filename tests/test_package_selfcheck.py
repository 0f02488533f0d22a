"""Other people's truth: every example program shipped in the shared problem packages, judged in Docker.
`submissions/accepted` must be accepted; `wrong_answer` and `time_limit_exceeded` must not be (and must not be a
sandbox error, which would hide a judging bug). The table is in docs/contest.md."""
from __future__ import annotations

import json

import pytest

from r1eval.cli import main
from r1eval.sandbox import image as sandbox_image
from r1eval.task.packages import package_submissions
from tests.conftest import require
from tests.sandbox_cases import docker_available

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_every_package_submission_gets_the_verdict_its_folder_names(shared_data, tmp_path):
    require(docker_available() and sandbox_image.image_exists(sandbox_image.image_tag()), "no Docker engine/image")
    rows = package_submissions(shared_data / "problem_packages")
    subs = tmp_path / "submissions.jsonl"
    subs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "verdicts.jsonl"
    assert main(["judge", "--problems", str(shared_data / "problem_packages"), "--submissions", str(subs),
                 "--out", str(out), "--grade-workers", "2"]) == 0
    verdicts = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    wrong = []
    for row in rows:
        got = verdicts[row["id"]]
        ok = got["verdict"] == "accepted" if row["expected"] == "accepted" else \
            got["verdict"] not in ("accepted", "sandbox_error", "skipped")
        if not ok:
            wrong.append(f"{row['id']}: {got['verdict']} ({got['detail'][:120]})")
    assert not wrong, "\n".join(wrong)
    assert len(verdicts) == 61
