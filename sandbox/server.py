"""The sandbox's job server. Stdlib only. In Docker it is PID 1 of a hardened container; the process backend runs it
in a private user/PID/network namespace when the kernel allows.

Reads one JSON job per line on stdin and answers one JSON result per line on stdout:
job:    {"id", "code", "mode": stdin|functional, "profile": livecodebench|plain (zygote.PROFILES; default plain),
         "func_name", "tests": [{"input", "output", "time_limit_s"?, "name"?}], "tests_key", "time_limit_s",
         "memory_mb", "checker": {"kind": exact|float|unordered|custom|tokens|validator|testlib|openr1, ...},
         "output_limit_bytes", "language": python|cpp, "binary" (cpp: the base64 executable from a compile job),
         "input_mode": stdio|file (input.txt / output.txt), "interactor": {"code" | "binary"}, "all_tests": false}
result: {"id", "verdict", "tests_passed", "tests_total", "detail", "times": [[cpu_s, wall_s], ...], "damaged",
         "failed_test": {"test", "name", "verdict", "cpu_s", "wall_s", "memory_mb"} | null}
compile job: {"id", "kind": "compile", ...} -> {"id", "verdict": compiled|compile_error, "binary", "detail"}
(programs.py); checker programs and interactors: judges.py.
A job may leave out "tests" when an earlier job sent them under the same "tests_key"; if they are no longer
cached the answer is {"need_tests": true} and the host sends the job again with its tests.
Options: --workdir DIR (default /work), --nproc N (RLIMIT_NPROC for tests; default 64), --scratch DIR:DIR (other
writable directories to empty after every test; the image passes /dev/shm:/dev/mqueue), --run-as A:B (when root:
the uids tests run under, A for the submission and the compiler, B for checkers and interactors; default
65534:65533; not root: every test runs under the server's own uid).
Each test runs in a fresh child forked by the zygote, with rlimits, its CPU counted over its whole process tree
(proctree.py); this process judges the child's output, so nothing the submission does inside its own process can
change a verdict, and its own file I/O (workdir.py) does not break on anything a test leaves behind. Between tests stray processes are killed
(as PID 1: every process but this one) and the work directory is emptied.
"""
from __future__ import annotations

import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import judges  # noqa: E402
import output_check  # noqa: E402
import programs  # noqa: E402
import workdir as files  # noqa: E402
import zygote as zygote_module  # noqa: E402
from testcache import TestCache  # noqa: E402

PROTOCOL = 1
CHECKER_KINDS = (*output_check.KINDS, "custom", *judges.PROGRAM_KINDS)  # = r1eval.task.checkers.KINDS (tested)
DEFAULT_RUN_AS = "65534:65533"  # when root: the submission's and the judges' uids, unless --run-as says others
MB = 1 << 20
STACK_BYTES = 512 * MB  # deep recursion is common in contest solutions; AS still bounds total memory


def wall_cap(cpu_s: float) -> float:
    """The most wall-clock time a test may take while it keeps using CPU (a loaded machine slows it down)."""
    return 10 * cpu_s + 10


class Zygote:
    def __init__(self, workdir: Path) -> None:
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(HERE / "zygote.py"), str(req_r), str(rep_w)], pass_fds=(req_r, rep_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
        os.close(req_r)
        os.close(rep_w)
        self._buffer = b""
        self._eof = False
        if self._read(60.0) is None:
            raise RuntimeError("zygote did not start")

    def _read(self, timeout: float) -> dict | None:
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self._rep_r], [], [], timeout)
            chunk = os.read(self._rep_r, 1 << 16) if ready else b""
            self._eof = self._eof or (ready and not chunk)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, request: dict) -> dict | None:
        """The zygote's report, or None when it died or hung (the test killed or stopped its supervisor)."""
        try:
            os.write(self._req_w, (json.dumps(request) + "\n").encode())
        except OSError:
            return None
        deadline = time.monotonic() + request["wall_cap_s"] + 5.0
        while True:  # every 2 s: is the zygote still there and not stopped?
            report = self._read(max(0.0, min(2.0, deadline - time.monotonic())))
            if report is not None or self._eof or time.monotonic() >= deadline or self._stopped():
                return report

    def _stopped(self) -> bool:
        """True when the zygote is stopped (SIGSTOP from a test) or gone."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        return state in (b"T", b"t", b"Z", b"X")

    def close(self) -> None:
        for fd in (self._req_w, self._rep_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.proc.kill()
        except OSError:
            pass


class Server:
    def __init__(self, workdir: Path, nproc: int, scratch: tuple[Path, ...] = (),
                 run_as: tuple[int, int] | None = None) -> None:
        self.workdir, self.nproc, self.scratch = workdir, nproc, scratch
        self.run_as = run_as if os.geteuid() == 0 else None  # (submission uid, judge uid): only root can switch
        self.pid1 = os.getpid() == 1
        self.zygote = Zygote(workdir)
        self.cache = TestCache()

    def tests_for(self, job: dict) -> list | None:
        """The job's tests: sent with it (and cached under `tests_key`), or from the cache; None = ask the host."""
        key = job.get("tests_key")
        if job.get("tests") is not None:
            if key:
                self.cache.put(key, job["tests"])
            return job["tests"]
        return self.cache.get(key) if key else None

    # -- process hygiene -------------------------------------------------------------------------------------
    def _reap(self, block: bool) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def _others(self) -> list[int]:
        mine = {os.getpid(), self.zygote.proc.pid}
        return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine]

    def clean_processes(self, child_pid: int | None, zygote_ok: bool) -> None:
        """Kill whatever the test left running. As PID 1 that is every other process (then a new zygote)."""
        if self.pid1:
            self._reap(block=False)
            if zygote_ok and not self._others():
                return
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass  # nothing else was left
            self._reap(block=True)
            self.zygote.close()
            self.zygote = Zygote(self.workdir)
            return
        if child_pid:
            try:
                os.killpg(child_pid, signal.SIGKILL)
            except OSError:
                pass
        if not zygote_ok:
            self.zygote.close()
            self.zygote.proc.wait()
            self.zygote = Zygote(self.workdir)

    def _unlock(self) -> None:
        """Give the work dir back its permissions (the process backend's test owns it and may chmod it 000; in
        Docker it is root's, sticky and open to all, and a test cannot change it)."""
        try:
            os.chmod(self.workdir, 0o1777 if self.run_as else 0o700)
        except OSError:
            pass

    def wipe(self, keep: tuple[str, ...] = ()) -> None:
        """Empty the work dir (but `keep`) and the other writable places (/dev/shm, /dev/mqueue), whatever a test
        did to them (workdir.py)."""
        self._unlock()
        for folder in self.scratch:
            files.wipe(folder)
        files.wipe(self.workdir, keep)

    # -- judging ---------------------------------------------------------------------------------------------
    def _request(self, job: dict, mode: str, code: str, stdin: str, cpu_s: float, mem_mb: int,
                 judge: bool = False) -> dict:
        """A zygote request; `judge`: for the problem's checker or interactor (its own uid when root)."""
        w = self.workdir
        return {"uid": self.run_as[judge] if self.run_as else None, "mode": mode, "code": str(w / code),
                "input": str(w / stdin), "stdout": str(w / "out.txt"),
                "profile": "plain" if mode == "checker" else job.get("profile") or "plain",
                "stderr": str(w / "err.txt"), "result": str(w / "result.json"), "func_name": job.get("func_name"),
                "cpu_s": max(1, int(-(-cpu_s // 1))), "mem_bytes": (mem_mb + 64) * MB,
                "fsize": int(job.get("output_limit_bytes") or 64 * MB), "nproc": self.nproc, "wall_s": 2 * cpu_s + 2,
                "wall_cap_s": wall_cap(cpu_s)}

    def _read(self, name: str, limit: int) -> str:
        """A file the test wrote; "" unless it is a regular file (a test may swap in a symlink or a FIFO)."""
        return self._read_bytes(name, limit).decode("utf-8", errors="replace")

    def _read_bytes(self, name: str, limit: int) -> bytes:
        return files.read_bytes(self.workdir / name, limit)

    def _write(self, name: str, data: str | bytes, judge: bool = False, mode: int = 0o644) -> None:
        """Create a fresh file, replacing whatever a test left under that name (never writing through a link);
        `judge`: only the judge's uid may read it (when the server can switch uids)."""
        data = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
        owner = self.run_as[1] if judge and self.run_as else None
        files.write(self.workdir / name, data, owner, mode if owner is None else mode & 0o500)

    def judge_dir(self, name: str) -> None:
        """A fresh directory for the judge (its feedback dir): the judge's uid's alone when root."""
        files.make_dir(self.workdir / name, self.run_as[1] if self.run_as else None)

    def _classify(self, job: dict, report: dict | None, limit: float | None = None) -> tuple[str, str]:
        """Verdict of one finished child from its exit status and resource use ("ok" = ran cleanly)."""
        limit = limit or float(job.get("time_limit_s") or 6.0)
        if report is None:
            return "runtime_error", "the program killed or stopped its supervisor"
        status, cpu = report["status"], report["cpu"]
        if report.get("cpu_killed"):
            return "time_limit", f"CPU time of its processes together over {limit:g} s"
        if report["wall_killed"]:
            return "time_limit", f"wall-clock backstop hit after {report['wall']:.1f} s ({cpu:.2f} s CPU)"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= int(-(-limit // 1)) - 0.05):
                return "time_limit", f"CPU time over {limit:g} s"
            if sig == signal.SIGKILL:
                return "memory_limit", "killed by the memory limit"
            if sig == signal.SIGABRT and "bad_alloc" in self._read("err.txt", 1 << 16):
                return "memory_limit", f"std::bad_alloc under {job.get('memory_mb') or 512} MB"
            try:
                name = signal.Signals(sig).name
            except ValueError:  # real-time signals have no name
                name = f"signal {sig}"
            return "runtime_error", f"killed by {name}"
        code = os.WEXITSTATUS(status)
        if code == zygote_module.EXIT_NO_UID:
            raise RuntimeError("could not switch to the test's uid")
        err_lines = [line for line in self._read("err.txt", 1 << 20)[-4000:].splitlines() if line.strip()]
        tail = err_lines[-1].strip()[:200] if err_lines else ""
        if code == zygote_module.EXIT_COMPILE:
            return "compile_error", tail
        if code == zygote_module.EXIT_MEMORY or (code == 1 and tail.endswith("MemoryError")):
            return "memory_limit", f"MemoryError under {job.get('memory_mb') or 512} MB"
        if code != 0:
            return "runtime_error", f"exit code {code}: {tail}"
        if cpu > limit:  # over the whole process tree, forked children included
            return "time_limit", f"CPU time {cpu:.2f} s over {limit:g} s"
        return "ok", ""

    def _check_output(self, job: dict, test: dict, output: str) -> tuple[bool, str]:
        checker = job.get("checker") or {"kind": "exact"}
        if checker.get("kind") not in CHECKER_KINDS:
            raise ValueError(f"unknown checker kind {checker.get('kind')!r}")
        if checker.get("kind") == "custom":
            return self._custom_check(job, checker, test, output)
        if checker.get("kind") in judges.PROGRAM_KINDS:
            return judges.check(self, job, checker, test, output)
        if checker.get("kind") == "tokens":
            return output_check.compare_tokens(output, test["output"], checker)
        if job.get("mode") == "functional":
            if output.startswith('{"__unserialisable__"'):  # the child's marker (or a submission's imitation)
                try:
                    why = str(json.loads(output)["__unserialisable__"])[:200]
                except (ValueError, KeyError, TypeError, RecursionError):
                    why = "?"
                return False, "return value is not JSON-serialisable: " + why
            values = zygote_module.PROFILES[job.get("profile") or "plain"]["values"]
            return output_check.compare_value(output, test["output"], checker, values)
        return output_check.compare_stdout(output, test["output"], checker)

    def _custom_check(self, job: dict, checker: dict, test: dict, output: str) -> tuple[bool, str]:
        """Run the problem's checker program as a sandboxed child: argv = input, expected, output; exit 0 = pass.
        The expected output is written only now, after the submission's processes are gone."""
        w = self.workdir
        self.wipe(keep=("sol.py",))  # the test's output is read; drop whatever it left (FIFOs, links)
        self._write("in.txt", test["input"])
        self._write("expected.txt", test["output"])
        self._write("checker.py", checker["program"], judge=True, mode=0o400)
        self._write("got.txt", output)
        request = self._request(job, "checker", "checker.py", "got.txt", float(checker.get("time_limit_s", 10)), 1024,
                                judge=True)
        request["argv"] = ["checker.py", str(w / "in.txt"), str(w / "expected.txt"), str(w / "got.txt")]
        report = self.zygote.run(request)
        self.clean_processes(None, report is not None)
        if report is None or report["wall_killed"] or not os.WIFEXITED(report["status"]):
            raise RuntimeError("custom checker crashed or timed out")
        message = (self._read("out.txt", 4096) + self._read("err.txt", 4096)).strip()[:200]
        if os.WEXITSTATUS(report["status"]) not in (0, 1):
            raise RuntimeError(f"custom checker failed: {message}")
        return os.WEXITSTATUS(report["status"]) == 0, message or "rejected by the checker"

    def judge(self, job: dict) -> dict:
        if job.get("kind") == "compile":
            return programs.compile_job(self, job)
        if (job.get("profile") or "plain") not in zygote_module.PROFILES:
            raise ValueError(f"unknown runner profile {job.get('profile')!r}")
        tests = self.tests_for(job)
        if tests is None:
            return {"verdict": "need_tests", "need_tests": True, "tests_passed": 0, "tests_total": 0, "detail": "",
                    "times": []}
        verdict, detail, passed, times, failed = "accepted", "", 0, [], None
        for index, test in enumerate(tests, 1):
            outcome, why, report = self.run_test(job, test)
            times.append([round(report["cpu"], 4), round(report["wall"], 4)] if report else None)
            if outcome == "accepted":
                passed += 1
                continue
            if failed is None:
                verdict, detail = outcome, f"test {index}/{len(tests)}: {why}".strip()
                failed = {"test": index, "name": test.get("name") or str(index), "verdict": outcome,
                          "cpu_s": times[-1] and times[-1][0], "wall_s": times[-1] and times[-1][1],
                          "memory_mb": report and round(report.get("rss_kb", 0) / 1024, 1)}
            if not job.get("all_tests"):
                break
        self.wipe()
        return {"verdict": verdict, "tests_passed": passed, "tests_total": len(tests), "detail": detail,
                "times": times, "failed_test": failed,
                "cached": bool(job.get("tests_key")) and job["tests_key"] in self.cache}

    def run_test(self, job: dict, test: dict) -> tuple[str, str, dict | None]:
        """(outcome, reason, the program's report) for one test, in a freshly emptied work dir."""
        functional, file_io = job.get("mode") == "functional", job.get("input_mode") == "file"
        limit = float(test.get("time_limit_s") or job.get("time_limit_s") or 6.0)
        self.wipe()  # fresh files for every test: nothing one test wrote (or swapped) reaches the next
        memory_mb = int(job.get("memory_mb") or 512)
        static = programs.static_bytes(job["binary"]) if job.get("binary") else 0
        if static > memory_mb * MB:  # it would be killed or crash at its first touch of that memory
            return "memory_limit", f"its static data take {static / MB:.0f} MB, over the {memory_mb} MB limit", None
        mode, name = programs.install(self, {"code": job["code"], "binary": job.get("binary")}, "sol")
        mode = mode or job.get("mode") or "stdin"
        if job.get("interactor"):
            return judges.interact(self, job, test, (mode, name), limit)
        self._write("input.txt" if file_io else "in.txt", test["input"])
        if file_io:
            self._write("in.txt", "")
        request = self._request(job, mode, name, "in.txt", limit, memory_mb)
        report = self.zygote.run(request)
        self.clean_processes(report and report.get("pid"), report is not None)
        self._unlock()
        outcome, why = self._classify(job, report, limit)
        if outcome == "ok":
            output = self._read("output.txt" if file_io else "result.json" if functional else "out.txt",
                                request["fsize"])
            ok, why = self._check_output(job, test, output)
            outcome = "accepted" if ok else "wrong_answer"
        return outcome, why, report


def main() -> None:
    def option(name: str, default: str) -> str:
        return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default

    workdir, nproc = Path(option("--workdir", "/work")), int(option("--nproc", "64"))
    scratch = tuple(Path(p) for p in option("--scratch", "").split(":") if p)
    run_as = tuple(int(u) for u in option("--run-as", DEFAULT_RUN_AS).split(":"))
    zygote_module.non_dumpable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a test must not be able to interrupt its judge
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (STACK_BYTES, STACK_BYTES))
    except (ValueError, OSError):
        pass
    os.chdir(workdir)
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but protocol lines may reach the channel
    server = Server(workdir, nproc, scratch, run_as)  # type: ignore[arg-type]
    out.write(json.dumps({"ready": True, "protocol": PROTOCOL, "pid1": server.pid1,
                          "separate_uids": server.run_as is not None}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        job: dict = {}
        try:
            job = json.loads(line)
            result = server.judge(job)
            result["damaged"] = False
        except Exception as exc:  # noqa: BLE001 - infrastructure failure: the host retries on a new sandbox
            traceback.print_exc()
            result = {"verdict": "sandbox_error", "tests_passed": 0, "tests_total": len(job.get("tests", [])),
                      "detail": f"{type(exc).__name__}: {exc}"[:300], "times": [], "damaged": True}
        result["id"] = job.get("id")
        out.write(json.dumps(result) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
