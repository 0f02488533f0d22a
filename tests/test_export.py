"""TensorBoard and W&B (offline) export of every step's metrics; read back from what the libraries wrote."""
from __future__ import annotations

import pytest

from r1eval.report.export import scalars, to_tensorboard, to_wandb
from r1eval.report.runs import expand_run_paths
from r1eval.report.tables import summary_table
from tests.conftest import require
from tests.runfactory import make_run


@pytest.fixture
def summary(tmp_path):
    for step, c in ((100, 1), (200, 3)):
        make_run(tmp_path / "runs", f"r{step}", {"t": {"p1": [("correct", "1")] * c + [("incorrect", "0")] * (4 - c)}},
                 model=f"ck/global_step_{step}", step=step)
    make_run(tmp_path / "runs", "nostep", {"t": {"p1": [("correct", "1")] * 4}}, model="other")
    return summary_table(expand_run_paths([tmp_path / "runs"]))


def test_scalars_are_per_step_and_skip_unstepped_runs(summary):
    points = scalars(summary)
    assert [(step, series) for step, series, _ in points] == [(100, "ck/global_step_*"), (200, "ck/global_step_*")]
    assert points[0][2]["eval/t/pass@1"] == pytest.approx(25.0) and points[1][2]["eval/t/pass@1"] == pytest.approx(75.0)
    assert "eval/t/cons@4" in points[0][2] and "eval/t/pass@4" in points[0][2]


def test_tensorboard_event_files_hold_the_steps(summary, tmp_path):
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        EventAccumulator = None
    require(EventAccumulator is not None, "tensorboard is not installed (pip install 'r1eval[logging]')")
    count = to_tensorboard(summary, tmp_path / "tb")
    assert count == sum(len(values) for _, _, values in scalars(summary))
    (folder,) = (tmp_path / "tb").iterdir()
    events = EventAccumulator(str(folder))
    events.Reload()
    points = events.Scalars("eval/t/pass@1")
    assert [(p.step, round(p.value, 4)) for p in points] == [(100, 25.0), (200, 75.0)]


def test_wandb_offline_run(summary, tmp_path, monkeypatch):
    try:
        import wandb
    except ImportError:
        wandb = None
    require(wandb is not None, "wandb is not installed (pip install 'r1eval[logging]')")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    folders = to_wandb(summary, "r1eval-test", tmp_path / "wb")
    (folder,) = folders.split(", ")
    assert "offline-run-" in folder
    (log,) = (tmp_path / "wb" / "wandb").glob("offline-run-*/run-*.wandb")
    rows = [row for row in wandb_history(log)]
    assert [(r["train/global_step"], r["eval/t/pass@1"]) for r in rows] == [(100, 25), (200, 75)]


def wandb_history(path):
    """History rows of an offline .wandb file (a LevelDB-style log of protobuf Records: 7-byte file header,
    32 KiB blocks, records as (crc32, length, type) + payload, split FIRST/MIDDLE/LAST across blocks)."""
    import json
    import struct

    from wandb.proto import wandb_internal_pb2 as pb

    data, pos, block, chunks = path.read_bytes(), 7, 32768, b""
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        chunks += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # FULL or LAST
            record = pb.Record()
            record.ParseFromString(chunks)
            chunks = b""
            if record.WhichOneof("record_type") == "history":
                yield {i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in record.history.item}


def test_one_run_per_step_and_incomplete_points_are_flagged(tmp_path):
    # two runs of one series at step 100 (a retry): the complete one is exported, not a mix of both
    good = {"t": {"p1": [("correct", "1")] * 4}}
    bad = {"t": {"p1": [("incorrect", "0")] * 2}}
    make_run(tmp_path / "runs", "a-retry", good, model="ck/global_step_100", step=100)
    make_run(tmp_path / "runs", "b-first", bad, model="ck/global_step_100", step=100, complete=False)
    make_run(tmp_path / "runs", "c", bad, model="ck/global_step_200", step=200, complete=False)
    points = scalars(summary_table(expand_run_paths([tmp_path / "runs"])))
    assert [step for step, _, _ in points] == [100, 200]
    assert points[0][2]["eval/t/pass@1"] == pytest.approx(100.0) and points[0][2]["eval/t/incomplete"] == 0.0
    assert points[1][2]["eval/t/incomplete"] == 1.0 and points[1][2]["eval/t/problems_scored"] == 1.0
