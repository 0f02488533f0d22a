"""One name per concept across the commands, old spellings that still work with a one-line note, and the calls a
new user makes in the first hour: Ctrl-C, an empty --tasks, a gate against itself, --version."""
from __future__ import annotations

from pathlib import Path

import pytest
import typer

from r1eval.cli import app, main
from r1eval.cli.vocabulary import RENAMED, modernize
from tests.runfactory import bernoulli_task, make_run

REPO = Path(__file__).resolve().parent.parent


def _commands(command, path: tuple[str, ...] = ()):  # noqa: ANN001 - typer's vendored click types
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, path + (name,))
    else:
        yield path, command


def _flags() -> dict[tuple[str, ...], dict[str, str]]:
    """command path -> {flag: parameter name}, for every visible option of every command."""
    return {path: {flag: p.name for p in cmd.params if p.param_type_name == "option" and not p.hidden
                   for flag in p.opts + p.secondary_opts if flag.startswith("--")}
            for path, cmd in _commands(typer.main.get_command(app))}


def test_every_flag_names_one_parameter_and_every_parameter_one_flag():
    by_flag: dict[str, set[str]] = {}
    by_param: dict[str, set[str]] = {}
    for flags in _flags().values():
        for flag, param in flags.items():
            if flag.startswith("--no-"):
                continue
            by_flag.setdefault(flag, set()).add(param)
            by_param.setdefault(param, set()).add(flag)
    assert len(by_flag) > 60 and "--tasks" in by_flag  # the walk saw every command's options
    assert {f: p for f, p in by_flag.items() if len(p) > 1} == {}
    assert {p: f for p, f in by_param.items() if len(f) > 1} == {}


def test_no_command_offers_an_old_spelling_and_every_new_name_exists():
    flags = _flags()
    for (path, old), new in RENAMED.items():
        assert old not in flags[path], f"{' '.join(path)} still offers {old}"
        assert new in flags[path], f"{' '.join(path)} lacks {new}"
    # the concepts the issue named: task names, where code runs, published numbers vs a reference run
    assert all("--task" not in f for f in flags.values())
    assert "--sandbox" in flags[("judge",)] and "--sandbox" in flags[("run",)] and "--backend" in flags[("run",)]
    assert "--published" in flags[("report",)] and "--reference" in flags[("gate",)]


def test_modernize_rewrites_old_spellings_of_that_command_only():
    argv, notes = modernize(["judge", "--backend=process", "--workers", "2", "--out", "--backend"])
    assert argv == ["judge", "--sandbox=process", "--grade-workers", "2", "--out", "--sandbox"]
    assert len(notes) == 2 and "`judge --backend` is deprecated" in notes[0] and "use --sandbox" in notes[0]
    assert modernize(["run", "--backend", "vllm", "--tasks", "x"]) == (["run", "--backend", "vllm", "--tasks", "x"],
                                                                        [])
    assert modernize(["sandbox", "check", "--backend", "process"])[0] == ["sandbox", "check", "--sandbox", "process"]


def test_an_old_spelling_still_works_with_a_one_line_note(capsys):
    assert main(["judge", "--problems", "a", "--submissions", "b", "--out", "c", "--backend", "vm"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("note: `judge --backend` is deprecated") and "--sandbox" in err[0]
    assert err[1] == "error: --sandbox must be one of docker, process, not 'vm'"


def test_ctrl_c_exits_130_and_says_how_to_resume(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("r1eval.pipeline.run.run", interrupted)
    assert main(["run", "--model", "m", "--tasks", "aime24", "-q", "-v"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "re-run the same command to resume" in err


@pytest.mark.parametrize("tasks", ["", ",", " , "])
def test_a_run_without_a_task_is_refused(tmp_path, capsys, tasks):
    assert main(["run", "--model", "m", "--tasks", tasks, "--out", str(tmp_path), "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--tasks" in err and "no task named" in err
    assert not any(tmp_path.iterdir())  # nothing written


def test_the_gate_refuses_a_run_compared_with_itself(tmp_path, capsys):
    run = make_run(tmp_path, "base", {"math": bernoulli_task([0.5] * 20, 4)})
    assert main(["gate", "--baseline", str(run), "--candidate", str(tmp_path / "." / "base")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "same run" in err
    assert not (tmp_path / "gate.json").exists()


def test_the_gate_writes_json_only_when_asked(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = make_run(tmp_path, "base", {"math": bernoulli_task([0.5] * 20, 4)})
    cand = make_run(tmp_path, "cand", {"math": bernoulli_task([0.5] * 20, 4)})
    assert main(["gate", "--baseline", str(base), "--candidate", str(cand), "--task", "math"]) == 0
    out = capsys.readouterr()
    assert "deprecated" in out.err and "baseline `base`" in out.out
    assert not (tmp_path / "gate.json").exists()


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("r1eval ")


def test_ctrl_c_on_view_serve_is_the_normal_stop(tmp_path, capsys, monkeypatch):
    class Server:
        server_address = ("127.0.0.1", 8765)

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr("r1eval.report.viewer.make_server", lambda folder, port: Server())
    run = make_run(tmp_path, "r", {"math": bernoulli_task([0.5] * 3, 2)})
    assert main(["view", str(run), "--out", str(tmp_path / "page"), "--serve"]) == 0
    err = capsys.readouterr().err
    assert "stopped serving" in err and "interrupted" not in err


def test_a_run_of_no_task_cannot_be_configured_and_an_old_one_is_refused_by_report(tmp_path, capsys):
    from r1eval.config import RunConfig
    from r1eval.errors import ConfigError

    with pytest.raises(ConfigError, match="at least one task"):
        RunConfig(model="m", tasks=())
    empty = make_run(tmp_path, "empty", {})  # what `--tasks ""` wrote before it was refused
    assert main(["report", str(empty), "--out", str(tmp_path / "rep")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: run empty has no task results; leave it out or re-run it with --tasks"


def test_ctrl_c_in_a_real_process_exits_130_with_the_line(tmp_path):
    """The bug was in the process's exit status: SIGINT a `sweep --watch` waiting for a checkpoint to settle."""
    import os
    import signal
    import subprocess
    import sys

    (tmp_path / "ckpts" / "global_step_100").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "r1eval", "sweep", "--checkpoints",
                             str(tmp_path / "ckpts" / "global_step_*"), "--tasks", "aime24", "--watch", "--poll", "600",
                             "--settle", "600", "--out", str(tmp_path / "runs"), "-q", "-v"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().startswith("step 100: still being written, waiting")  # inside the command
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err and err.strip().endswith("re-run the same command to resume")
