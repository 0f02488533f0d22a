"""The problem's own judge programs, run inside the sandbox. Stdlib only.

Output checkers run after the submission's processes are gone; the expected answer is written only then.
- `validator` (problemtools output validator): `validator input answer feedback_dir [flags] < team_output`;
  exit 42 accepted, 43 wrong answer (reason: feedback_dir/judgemessage.txt).
- `testlib` (Codeforces/Polygon checker): `checker input team_output answer`; exit 0 ok, 1 wrong answer,
  2 presentation error, 4/8 (dirt, unexpected end of file) wrong answer; 3 is the checker's own failure.
- `openr1` (open-r1's generated checker.py): `checker.py input correct_output solution_output`, accepted when it
  exits 0 and prints 1. Its checkers are generated and some raise on malformed output: a crash counts as the
  checker rejecting that output only when the same checker accepts the correct output (run to find out);
  otherwise the checker itself is broken.
Any other outcome (a crash, a timeout, exit 3 / another code, a validator exit other than 42/43) is the judge's
failure: JudgeError, which the server reports as sandbox_error and never as a wrong answer.

Every checker and interactor runs under the judges' uid, not the submission's, when the server runs as root (the
Docker sandbox): its program file and feedback directory are that uid's alone (mode 100/400/700), so a
submission cannot replace, read, signal or trace it. (The process backend has one uid: weaker, see below.)

Interactive problems (`interactor`, the problemtools protocol `interactor input answer feedback_dir`): the
interactor and the submission run at once, each with its limits, joined by pipes (zygote `_serve_pair`); the
interactor is started first. It receives the test's input and answer as already-open descriptors (/dev/fd/4,
/dev/fd/5) whose files are deleted before the submission starts, so the submission cannot read the hidden data.
Verdict (who ended first decides whose word counts; a closed pipe is the other side's doing):
1. the program failed while the interactor was still running (time or memory limit, crash, a write to a pipe
   the interactor had not closed): that verdict; both waiting on each other past the wall-clock backstop:
   time_limit ("idleness limit");
2. otherwise the interactor's exit decides: 43 wrong_answer; 42 accepted if the program then ended cleanly, else
   the program's verdict (e.g. it crashed writing after the interactor had finished); anything else, or an
   interactor that hangs, is the interactor's failure: JudgeError (sandbox_error) -- except without separate
   uids, where a killed or stopped interactor may be the program's doing: runtime_error.
When both were reaped at the same instant their order is unknown: a failed program keeps its verdict (so an
interactor that crashed on the pipe the program closed is not blamed), a clean one leaves the verdict to the
interactor's exit.
"""
from __future__ import annotations

import os

import programs

PROGRAM_KINDS = ("validator", "testlib", "openr1")
JUDGE_CPU_S, JUDGE_MEMORY_MB = 30, 2048  # per checker run; its wall-clock cap is 2 x CPU + 10 s
ACCEPTED, WRONG = 42, 43
TESTLIB_WRONG = {1: "wrong answer", 2: "presentation error", 4: "wrong answer (dirt)", 8: "unexpected end of file"}


class JudgeError(RuntimeError):
    """The problem's checker or interactor failed: an infrastructure error, never the submission's fault."""


def _run_judge(server, judge: dict, args: list[str], stdin: str, cpu_s: float) -> tuple[int, str]:
    """Run a checker program to completion: (exit code, its message). Raises JudgeError when it crashed."""
    mode, name = programs.install(server, judge, "judge", judge=True)
    request = server._request({}, mode or "checker", name, stdin, cpu_s, JUDGE_MEMORY_MB, judge=True)
    request.update(argv=[name, *args], wall_cap_s=2 * cpu_s + 10)
    report = server.zygote.run(request)
    server.clean_processes(report and report.get("pid"), report is not None)
    server._unlock()
    if report is None or report["wall_killed"]:
        raise JudgeError("the checker hung or was killed")
    message = _feedback(server) or (server._read("out.txt", 4096) + server._read("err.txt", 4096)).strip()
    if not os.WIFEXITED(report["status"]):
        raise JudgeError(f"the checker died of signal {os.WTERMSIG(report['status'])}: {message[:200]}")
    return os.WEXITSTATUS(report["status"]), message[:300]


def _feedback(server) -> str:
    parts = [server._read(f"feedback/{name}", 4096).strip() for name in ("judgemessage.txt", "judgeerror.txt")]
    return " ".join(p for p in parts if p)


def _prepare(server, test: dict, output: str) -> None:
    server.wipe()  # the submission is gone: drop whatever it left before the answer is written
    server._write("in.txt", test["input"])
    server._write("answer.txt", test["output"])
    server._write("team.txt", output)
    server._write("empty.txt", "")
    server.judge_dir("feedback")


def check(server, job: dict, checker: dict, test: dict, output: str) -> tuple[bool, str]:
    """(passed, reason) from the problem's checker program on one test's output."""
    w = server.workdir
    kind, cpu_s = checker["kind"], float(checker.get("time_limit_s") or JUDGE_CPU_S)
    _prepare(server, test, output)
    if kind == "validator":
        args = [str(w / "in.txt"), str(w / "answer.txt"), str(w / "feedback") + "/", *checker.get("args", ())]
        code, message = _run_judge(server, checker, args, "team.txt", cpu_s)
        if code in (ACCEPTED, WRONG):
            return code == ACCEPTED, message or "rejected by the output validator"
        raise JudgeError(f"output validator exited {code} (not 42/43): {message}")
    if kind == "testlib":
        code, message = _run_judge(server, checker, [str(w / "in.txt"), str(w / "team.txt"), str(w / "answer.txt")],
                                   "empty.txt", cpu_s)
        if code == 0 or code in TESTLIB_WRONG:
            return code == 0, message or TESTLIB_WRONG.get(code, "")
        raise JudgeError(f"checker failed (exit {code}): {message}")
    code, message = _run_judge(server, checker, [str(w / "in.txt"), str(w / "answer.txt"), str(w / "team.txt")],
                               "empty.txt", cpu_s)
    said = server._read("out.txt", 4096).strip()
    if code == 0:
        return said == "1", f"checker.py printed {said[:60]!r}" if said != "1" else ""
    _prepare(server, test, test["output"])  # does it accept the correct output?
    code_on_answer, _ = _run_judge(server, checker, [str(w / "in.txt"), str(w / "answer.txt"), str(w / "team.txt")],
                                   "empty.txt", cpu_s)
    if code_on_answer == 0 and server._read("out.txt", 4096).strip() == "1":
        return False, f"checker.py crashed on this output (exit {code}): {_last_line(message)}"
    raise JudgeError(f"checker.py exits {code} even on the correct output: {_last_line(message)}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def interact(server, job: dict, test: dict, program: tuple[str, str], limit: float) -> tuple[str, str, dict | None]:
    """Run one interactive test: (outcome, reason, the submission's report)."""
    interactor, w = job["interactor"], server.workdir
    server._write("in.txt", test["input"])
    server._write("answer.txt", test["output"])
    server.judge_dir("feedback")
    mode, name = programs.install(server, interactor, "judge", judge=True)
    mem = int(job.get("memory_mb") or 512)
    sub = server._request(job, program[0], program[1], "in.txt", limit, mem)
    judge = server._request({}, mode or "checker", name, "in.txt", 2 * limit + 10, JUDGE_MEMORY_MB, judge=True)
    judge.update(argv=[name, "/dev/fd/4", "/dev/fd/5", str(w / "feedback") + "/"],
                 hidden=[str(w / "in.txt"), str(w / "answer.txt")], stderr=str(w / "judge_err.txt"))
    sub.update(stdout=str(w / "unused.txt"))
    report = server.zygote.run({"mode": "interactive", "submission": sub, "interactor": judge,
                                "wall_cap_s": sub["wall_cap_s"] + 15})
    server.clean_processes(None, report is not None)
    server._unlock()
    if report is None:
        return "runtime_error", "the program killed or stopped its supervisor", None
    mine, theirs = report["submission"], report["interactor"]
    outcome, why = server._classify(job, mine, limit)
    exited = os.WIFEXITED(theirs["status"]) and not theirs["wall_killed"]
    code = os.WEXITSTATUS(theirs["status"]) if exited else None
    message = _feedback(server) or server._read("judge_err.txt", 4096).strip()[-200:]
    interactor_first = report["first"] == "interactor" and not report["together"]
    if not interactor_first and outcome != "ok":  # the program failed (or idled) while the interactor waited
        if report["idle"]:
            return "time_limit", "idleness limit: the program and the interactor were both waiting for input", mine
        return outcome, why, mine
    if code == WRONG:
        return "wrong_answer", message or "rejected by the interactor", mine
    if code == ACCEPTED:
        return ("accepted", "", mine) if outcome == "ok" else (outcome, why, mine)
    how = f"exited {code}" if exited else ("hung" if theirs["wall_killed"] else
                                            f"died of signal {os.WTERMSIG(theirs['status'])}")
    if server.run_as is None and not exited:  # same uid: the program could have killed or stopped it
        return "runtime_error", f"the interactor {how} (the program runs under its uid and could have done it)", mine
    raise JudgeError(f"the interactor {how}: {message}")
