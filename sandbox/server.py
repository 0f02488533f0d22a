"""The sandbox's job server. Stdlib only. In Docker it is PID 1 of a hardened container; the process backend runs it
in a private user/PID/network namespace when the kernel allows.

Reads one JSON job per line on stdin and answers one JSON result per line on stdout:
job:    {"id", "code", "mode": stdin|functional, "profile": livecodebench|plain (zygote.PROFILES; default plain),
         "func_name", "tests": [{"input", "output"}], "tests_key",
         "time_limit_s", "memory_mb", "checker": {"kind": exact|float|unordered|custom, "abs_tol", "rel_tol",
         "program"}, "output_limit_bytes"}
result: {"id", "verdict", "tests_passed", "tests_total", "detail", "times": [[cpu_s, wall_s], ...], "damaged"}
A job may leave out "tests" when an earlier job sent them under the same "tests_key"; if they are no longer
cached the answer is {"need_tests": true} and the host sends the job again with its tests.
Options: --workdir DIR (default /work), --nproc N (RLIMIT_NPROC for tests; default 64), --scratch DIR:DIR (other
writable directories to empty after every test; the image passes /dev/shm:/dev/mqueue).
Each test runs in a fresh child forked by the zygote, with rlimits; this process judges the child's output, so
nothing the submission does inside its own process can change a verdict. Between tests stray processes are killed
(as PID 1: every process but this one) and the work directory is emptied.
"""
from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
import traceback
from collections import OrderedDict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import output_check  # noqa: E402
import zygote as zygote_module  # noqa: E402

PROTOCOL = 1
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


class TestCache:
    """Tests of recent problems, by the host's key, so n samples of one problem send its tests once."""

    LIMIT_BYTES = 128 * MB

    def __init__(self) -> None:
        self._tests: OrderedDict[str, list] = OrderedDict()
        self._sizes: dict[str, int] = {}

    def get(self, key: str) -> list | None:
        if key in self._tests:
            self._tests.move_to_end(key)
            return self._tests[key]
        return None

    def __contains__(self, key: str) -> bool:
        return key in self._tests

    def put(self, key: str, tests: list) -> None:
        size = sum(len(t.get("input", "")) + len(t.get("output", "")) for t in tests)
        if size > self.LIMIT_BYTES // 2 or key in self._tests:
            return
        self._tests[key], self._sizes[key] = tests, size
        while sum(self._sizes.values()) > self.LIMIT_BYTES:
            oldest, _ = self._tests.popitem(last=False)
            del self._sizes[oldest]


class Server:
    def __init__(self, workdir: Path, nproc: int, scratch: tuple[Path, ...] = ()) -> None:
        self.workdir, self.nproc, self.scratch = workdir, nproc, scratch
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
        """Give the work dir back its permissions (the process backend's test owns it and may chmod it 000)."""
        try:
            os.chmod(self.workdir, 0o700)
        except OSError:
            pass  # in Docker the tmpfs root belongs to root: a test cannot change it, nor can we

    def wipe(self, keep: tuple[str, ...] = ()) -> None:
        """Empty the work dir (but `keep`), undoing what a test may have done to stop that: chmod 000 directories,
        symlinks to directories outside it."""
        self._unlock()
        for folder in self.scratch:  # other writable places of the container (/dev/shm, /dev/mqueue)
            for entry in folder.iterdir() if folder.is_dir() else ():
                self._remove(entry)
        for entry in self.workdir.iterdir():
            if entry.name not in keep:
                self._remove(entry)

    def _remove(self, entry: Path) -> None:
        if entry.is_dir() and not entry.is_symlink():
            os.chmod(entry, 0o700)
            for root, dirs, _ in os.walk(entry):  # top-down: each level is opened up before it is entered
                for name in dirs:
                    path = os.path.join(root, name)
                    if not os.path.islink(path):
                        os.chmod(path, 0o700)
            shutil.rmtree(entry)
        else:
            entry.unlink()

    # -- judging ---------------------------------------------------------------------------------------------
    def _request(self, job: dict, mode: str, code: str, stdin: str, cpu_s: float, mem_mb: int) -> dict:
        w = self.workdir
        return {"mode": mode, "code": str(w / code), "input": str(w / stdin), "stdout": str(w / "out.txt"),
                "profile": "plain" if mode == "checker" else job.get("profile") or "plain",
                "stderr": str(w / "err.txt"), "result": str(w / "result.json"), "func_name": job.get("func_name"),
                "cpu_s": max(1, int(-(-cpu_s // 1))), "mem_bytes": (mem_mb + 64) * MB,
                "fsize": int(job.get("output_limit_bytes") or 64 * MB), "nproc": self.nproc, "wall_s": 2 * cpu_s + 2,
                "wall_cap_s": wall_cap(cpu_s)}

    def _read(self, name: str, limit: int) -> str:
        """A file the test wrote; "" unless it is a regular file (a test may swap in a symlink or a FIFO)."""
        try:
            fd = os.open(self.workdir / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return ""
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return ""
            return handle.read(limit).decode("utf-8", errors="replace")

    def _write(self, name: str, text: str) -> None:
        """Create a fresh file, replacing whatever a test left under that name (never writing through a link)."""
        path = self.workdir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _classify(self, job: dict, report: dict | None) -> tuple[str, str]:
        """Verdict of one finished child from its exit status and resource use ("ok" = ran cleanly)."""
        limit = float(job.get("time_limit_s") or 6.0)
        if report is None:
            return "runtime_error", "the program killed or stopped its supervisor"
        status, cpu = report["status"], report["cpu"]
        if report["wall_killed"]:
            return "time_limit", f"wall-clock backstop hit after {report['wall']:.1f} s ({cpu:.2f} s CPU)"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= int(-(-limit // 1)) - 0.05):
                return "time_limit", f"CPU time over {limit:g} s"
            if sig == signal.SIGKILL:
                return "memory_limit", "killed by the memory limit"
            try:
                name = signal.Signals(sig).name
            except ValueError:  # real-time signals have no name
                name = f"signal {sig}"
            return "runtime_error", f"killed by {name}"
        code = os.WEXITSTATUS(status)
        err_lines = [line for line in self._read("err.txt", 1 << 20)[-4000:].splitlines() if line.strip()]
        tail = err_lines[-1].strip()[:200] if err_lines else ""
        if code == zygote_module.EXIT_COMPILE:
            return "compile_error", tail
        if code == zygote_module.EXIT_MEMORY or (code == 1 and tail.endswith("MemoryError")):
            return "memory_limit", f"MemoryError under {job.get('memory_mb') or 512} MB"
        if code != 0:
            return "runtime_error", f"exit code {code}: {tail}"
        if cpu > limit:
            return "time_limit", f"CPU time {cpu:.2f} s over {limit:g} s"
        return "ok", ""

    def _check_output(self, job: dict, test: dict, output: str) -> tuple[bool, str]:
        checker = job.get("checker") or {"kind": "exact"}
        if checker.get("kind") == "custom":
            return self._custom_check(job, checker, test, output)
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
        self._write("checker.py", checker["program"])
        self._write("got.txt", output)
        request = self._request(job, "checker", "checker.py", "got.txt", float(checker.get("time_limit_s", 10)), 1024)
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
        if (job.get("profile") or "plain") not in zygote_module.PROFILES:
            raise ValueError(f"unknown runner profile {job.get('profile')!r}")
        tests = self.tests_for(job)
        if tests is None:
            return {"verdict": "need_tests", "need_tests": True, "tests_passed": 0, "tests_total": 0, "detail": "",
                    "times": []}
        verdict, detail, passed, times = "accepted", "", 0, []
        functional = job.get("mode") == "functional"
        limit = float(job.get("time_limit_s") or 6.0)
        for index, test in enumerate(tests, 1):
            self.wipe()  # fresh files for every test: nothing one test wrote (or swapped) reaches the next
            self._write("sol.py", job["code"])
            self._write("in.txt", test["input"])
            request = self._request(job, job.get("mode") or "stdin", "sol.py", "in.txt", limit,
                                    int(job.get("memory_mb") or 512))
            report = self.zygote.run(request)
            self.clean_processes(report and report.get("pid"), report is not None)
            self._unlock()
            times.append([round(report["cpu"], 4), round(report["wall"], 4)] if report else None)
            outcome, why = self._classify(job, report)
            if outcome == "ok":
                output = self._read("result.json" if functional else "out.txt", request["fsize"])
                ok, why = self._check_output(job, test, output)
                outcome = "accepted" if ok else "wrong_answer"
            if outcome != "accepted":
                verdict, detail = outcome, f"test {index}/{len(tests)}: {why}".strip()
                break
            passed += 1
        self.wipe()
        return {"verdict": verdict, "tests_passed": passed, "tests_total": len(tests), "detail": detail,
                "times": times, "cached": bool(job.get("tests_key")) and job["tests_key"] in self.cache}


def main() -> None:
    def option(name: str, default: str) -> str:
        return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default

    workdir, nproc = Path(option("--workdir", "/work")), int(option("--nproc", "64"))
    scratch = tuple(Path(p) for p in option("--scratch", "").split(":") if p)
    zygote_module.non_dumpable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a test must not be able to interrupt its judge
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (STACK_BYTES, STACK_BYTES))
    except (ValueError, OSError):
        pass
    os.chdir(workdir)
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but protocol lines may reach the channel
    server = Server(workdir, nproc, scratch)
    out.write(json.dumps({"ready": True, "protocol": PROTOCOL, "pid1": server.pid1}) + "\n")
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
