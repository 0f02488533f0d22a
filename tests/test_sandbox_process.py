"""The process backend (host processes, weaker isolation): same server, same verdicts; namespaces contain processes
and the network where the kernel allows them."""
from __future__ import annotations

import os
import socket

import pytest

from r1eval.sandbox.pool import SandboxPool
from r1eval.sandbox.process_backend import ProcessBackend
from tests.conftest import require
from tests.sandbox_cases import (
    ADD,
    COUNT_PROCESSES,
    DAEMON,
    FORK_BOMB,
    KILL_PARENT,
    PEEK_SUPERVISORS,
    STDIN_READERS,
    assert_locked_work_dir_is_wiped,
    assert_runner_profiles_behave,
    judge,
)


@pytest.fixture(scope="module")
def pool():
    backend = ProcessBackend()
    require(backend.namespaces, "unprivileged user namespaces are not available (unshare --user failed)")
    with SandboxPool(backend, workers=1) as shared:
        yield shared
    assert _running_from(backend._code_dir) == []  # nothing the tests started is left on the host


def _running_from(folder: str) -> list[int]:
    """Host processes whose command line mentions `folder` (the backend's copy of the sandbox files)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit():
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if folder.encode() in handle.read():
                        found.append(int(entry))
        except OSError:
            pass
    return found


def test_verdicts_match_the_docker_backend(pool):
    assert judge(pool, STDIN_READERS["sys.stdin.buffer"], *ADD)["verdict"] == "accepted"
    assert judge(pool, "print(0)", *ADD)["verdict"] == "wrong_answer"
    assert judge(pool, "while True:\n    pass", *ADD, time_limit_s=1.0)["verdict"] == "time_limit"
    assert judge(pool, "x = bytearray(2 << 30)", *ADD)["verdict"] == "memory_limit"
    assert judge(pool, "print(", *ADD)["verdict"] == "compile_error"


def test_runner_profiles_recursion_limit_prelude_and_module_name(pool):
    assert_runner_profiles_behave(pool)


def test_runs_as_nobody_when_root(pool):
    result = judge(pool, "import os\nprint(os.getuid() != 0)", ("", "True"))
    assert result["verdict"] == "accepted"


def test_bombs_daemons_and_parent_killers_leave_nothing_behind(pool):
    assert judge(pool, FORK_BOMB, *ADD, time_limit_s=1.0)["verdict"] != "accepted"
    assert judge(pool, DAEMON, ("", "3"))["verdict"] == "accepted"
    assert judge(pool, KILL_PARENT, ("", "3"))["verdict"] == "runtime_error"
    assert judge(pool, COUNT_PROCESSES, ("", "3"))["verdict"] == "accepted"  # server, fork server, this test


def test_a_locked_up_work_dir_is_still_wiped(pool):
    assert_locked_work_dir_is_wiped(pool)


def test_supervisors_memory_and_channels_are_closed_to_the_test(pool):
    assert judge(pool, PEEK_SUPERVISORS, ("", "['cmdline']"))["verdict"] == "accepted"


def test_private_network_namespace_blocks_host_loopback(pool):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    try:
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {listener.getsockname()[1]}), timeout=2)"
        assert judge(pool, code, ("", ""))["verdict"] == "runtime_error"
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def test_close_removes_work_dirs():
    backend = ProcessBackend()
    require(backend.namespaces, "unprivileged user namespaces are not available")
    with SandboxPool(backend, workers=1) as solo:
        assert judge(solo, "print(3)", ("", "3"))["verdict"] == "accepted"
        dirs = list(backend._dirs)
    assert dirs and not any(os.path.exists(d) for d in dirs)


def test_cpp_and_an_interactive_package_judge_the_same_on_the_process_backend(pool, shared_data):
    from r1eval.grading.code.judge import judge_responses
    from r1eval.task.packages import load_package, package_submissions

    root = shared_data / "problem_packages"
    rows = {r["id"]: r["response"] for r in package_submissions(root)}
    equal_sum = load_package(root / "equal_sum").code
    results = judge_responses(pool, [(load_package(root / "reversort").code, rows["reversort/accepted/reversort.cpp"]),
                                     (equal_sum, rows["equal_sum/accepted/equal_sum.cpp"]),
                                     (equal_sum, rows["equal_sum/wrong_answer/equal_sum_small_numbers.py"])])
    assert [(r.verdict, r.language) for r in results] == [
        ("accepted", "c++17"), ("accepted", "c++17"), ("wrong_answer", "python3")]


def test_the_process_tree_counts_and_leftovers_cannot_break_the_judge_on_the_process_backend(pool):
    """The fork server's process-tree CPU accounting and the server's own file I/O do not depend on Docker."""
    from r1eval.grading.code.judge import judge_responses
    from tests import hostile_set as hostile

    chosen = {"unwaited_forked_workers": "time_limit", "setsid_daemon_busy": "time_limit",
              "deep_directory_tree": "wrong_answer", "judge_paths_as_directories_and_fifos": "wrong_answer",
              "python_interactor_kill_interactor": "runtime_error"}  # one uid here: the program can kill it
    attacks = [a for a in hostile.ATTACKS if a.name in chosen]
    results = judge_responses(pool, [(hostile.problem(a.problem), a.response()) for a in attacks])
    assert {a.name: r.verdict for a, r in zip(attacks, results, strict=True)} == chosen
    assert judge(pool, "print(3)", ("", "3"))["verdict"] == "accepted"  # and the sandbox still judges
