"""A command that fails leaves nothing half-written: export and view read everything before they write, and a
report over a folder skips a run directory an engine failure left without results.json."""
from __future__ import annotations

import json

from r1eval.cli import main
from r1eval.store import RunStore
from tests.runfactory import bernoulli_task, make_run


def _corrupt_journal(run_dir, task: str = "math") -> None:
    path = run_dir / task / "completions.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3]) + "{not json\n" + "".join(lines[3:]))


def _two_tasks(tmp_path):
    return make_run(tmp_path / "runs", "r", {"a": bernoulli_task([0.5] * 5, 2), "math": bernoulli_task([0.5] * 5, 2)})


def test_export_of_a_corrupt_journal_writes_nothing(tmp_path, capsys):
    run = _two_tasks(tmp_path)
    _corrupt_journal(run)
    assert main(["export", str(run), "--out", str(tmp_path / "out")]) == 1
    assert "completions.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*"))


def test_export_of_a_sound_run_writes_whole_files(tmp_path, capsys):
    run = _two_tasks(tmp_path)
    assert main(["export", str(run), "--out", str(tmp_path / "out")]) == 0
    files = sorted(p.name.split("_")[0] for p in (tmp_path / "out" / "r").iterdir())
    assert files == ["results", "samples", "samples"]  # no staging file left
    results = next((tmp_path / "out" / "r").glob("results_*.json"))
    assert json.loads(results.read_text())["results"]


def test_view_of_a_corrupt_journal_leaves_no_folder(tmp_path, capsys):
    run = _two_tasks(tmp_path)
    _corrupt_journal(run)
    assert main(["view", str(run), "--out", str(tmp_path / "page")]) == 1
    assert not (tmp_path / "page").exists()


def test_report_over_a_folder_skips_a_run_without_results(tmp_path, capsys, caplog):
    _two_tasks(tmp_path)
    orphan = RunStore(tmp_path / "runs" / "engine-never-started")
    orphan.write_config(RunStore(tmp_path / "runs" / "r").require_config())  # what a failed engine start leaves
    assert main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "rep"), "--formats", "svg"]) == 0
    assert "report: 1 runs" in capsys.readouterr().out
    assert "skipping" in caplog.text and "engine-never-started: no results.json" in caplog.text
