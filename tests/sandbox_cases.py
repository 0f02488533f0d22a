"""Programs and assertions shared by the Docker and process backend tests (both run the same server)."""
from __future__ import annotations

from r1eval.errors import SandboxUnavailable
from r1eval.grading.code.judge import judge_responses
from r1eval.sandbox import image as sandbox_image
from r1eval.sandbox.docker_backend import DockerBackend
from r1eval.sandbox.pool import SandboxPool
from r1eval.types import CodeSpec, TestCase
from tests.conftest import require


def docker_available() -> bool:
    """A Docker engine answers (through the SDK, as the sandbox talks to it)."""
    try:
        sandbox_image.ensure_engine()
    except SandboxUnavailable:
        return False
    return True


def spec(*tests: tuple[str, str], **kwargs) -> CodeSpec:
    kwargs.setdefault("time_limit_s", 2.0)
    return CodeSpec(tests=tuple(TestCase(i, o) for i, o in tests), **kwargs)


def docker_pool(memory_mb: int, workers: int) -> SandboxPool:
    """A pool of Docker sandboxes for a test module; skips (fails under R1EVAL_STRICT=1) without engine or image."""
    require(docker_available(), "no Docker engine (run scripts/docker_up.sh)")
    require(sandbox_image.image_exists(sandbox_image.image_tag()),
            f"sandbox image {sandbox_image.image_tag()} not built (r1eval sandbox build)")
    return SandboxPool(DockerBackend(memory_mb=memory_mb), workers=workers)


def judge(pool, code: str, *tests: tuple[str, str], profile: str = "plain", **kwargs) -> dict:
    """The verdict row `r1eval judge` would write for this program."""
    return judge_responses(pool, [(spec(*tests, **kwargs), f"</think>\n```python\n{code}\n```\n")],
                           profile=profile)[0].as_row()


ADD = (("1 2\n", "3\n"), ("10 20\n", "30\n"))

STDIN_READERS = {
    "input": "a, b = map(int, input().split())\nprint(a + b)",
    "sys.stdin.readline": "import sys\na, b = map(int, sys.stdin.readline().split())\nprint(a + b)",
    "sys.stdin.read": "import sys\nprint(sum(map(int, sys.stdin.read().split())))",
    "sys.stdin.buffer": "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))",
    "open(0)": "print(sum(map(int, open(0).read().split())))",
    "os.read": "import os\nprint(sum(map(int, os.read(0, 1000).split())))",
    "for line in stdin": "import sys\nfor line in sys.stdin:\n    print(sum(map(int, line.split())))",
    "main guard + exit()": "def main():\n    print(sum(map(int, input().split())))\n\n"
                           "if __name__ == '__main__':\n    main()\n    exit()",
    "thread with big stack": "import sys, threading\nsys.setrecursionlimit(10**6)\nthreading.stack_size(1 << 26)\n"
                             "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
                             "def main():\n    a, b = map(int, input().split())\n    print(a + b + depth(100000) - 100000)\n"
                             "threading.Thread(target=main).start()",
}

COUNT_PROCESSES = ("import os\n"
                   "print(sum(1 for p in os.listdir('/proc') if p.isdigit()))")

FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
THREAD_BOMB = ("import threading, time\nwhile True:\n"
               "    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()")
DAEMON = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(300)\n"
          "    os._exit(0)\nprint(3)")
KILL_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\nprint(3)"
STOP_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nprint(3)"
FLOOD = "import sys\nline = 'x' * 4096 + '\\n'\nwhile True:\n    sys.stdout.write(line)"
PATCH_EQ = ("class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
            "class Solution:\n    def add(self, a, b):\n        return AlwaysEqual()")
PATCH_BUILTINS = ("import builtins, json, sys\nbuiltins.isinstance = lambda *a: True\njson.loads = lambda *a, **k: 3\n"
                  "sys.modules['compare'] = None\nclass Solution:\n    def add(self, a, b):\n        return -1")
# What a test can read of its supervisors (server, fork server) through /proc: both are non-dumpable, so their
# memory, open channels and environment are closed to it; only the world-readable cmdline is left.
PEEK_SUPERVISORS = ("import os\nseen = set()\n"
                    "for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:\n"
                    "    for what in ('fd', 'environ', 'mem', 'maps', 'cmdline'):\n"
                    "        try:\n"
                    "            os.listdir(f'/proc/{pid}/fd') if what == 'fd' else open(f'/proc/{pid}/{what}', 'rb').read(1)\n"
                    "            seen.add(what)\n"
                    "        except OSError:\n"
                    "            pass\n"
                    "print(sorted(seen))")

# A test that swaps the files its judge reads for a symlink or a FIFO: the judge must neither follow nor block.
# (With the custom checker, got.txt -> expected.txt would make the checker compare the output with itself.)
SWAP_FILES = ("import os\nprint(5)\nimport sys\nsys.stdout.flush()\n"
              "os.symlink('expected.txt', 'got.txt')\nos.rename('out.txt', 'real.txt')\nos.mkfifo('out.txt')\n"
              "os.unlink('in.txt')\nos.mkfifo('in.txt')")

# A test that locks up its work dir: a chmod-000 directory tree and a link to a directory it does not own.
LOCK_WORKDIR = ("import os\nos.makedirs('a/b/c')\nos.chmod('a/b', 0)\nos.chmod('a', 0)\n"
                "os.symlink('/dev/shm', 'shm')\nos.mkdir('d')\nos.symlink('/dev/shm', 'd/link')\n"
                "try:\n    os.chmod('.', 0)\nexcept OSError:\n    pass\nprint(3)")

# Return values built to crash a naive judge: too deep to parse, and an imitation of the child's own marker.
DEEP_RESULT = "class Solution:\n    def add(self, a, b):\n        v = []\n        for _ in range(200000):\n            v = [v]\n        return v"
FAKE_MARKER = ("import os\nclass Solution:\n    def add(self, a, b):\n"
               "        os.write(3, b'{\"__unserialisable__\": [')\n        os._exit(0)")


def assert_locked_work_dir_is_wiped(pool) -> None:
    """A test that makes its work dir unreadable passes, and the next test still starts in a clean dir."""
    assert judge(pool, LOCK_WORKDIR, ("", "3"), ("", "3"))["verdict"] == "accepted"
    assert judge(pool, "import os\nprint(sorted(os.listdir('.')))", ("", "['err.txt', 'in.txt', 'out.txt', "
                                                                     "'result.json', 'sol.py']"))["verdict"] == "accepted"

# What a program finds before its first line runs, per runner profile (README, "Runner profiles"). No import
# statement: whatever it names must come from the profile's prelude.
PROFILE_PROBE = (
    "g = globals()\n"
    "mods = ('string re datetime collections heapq bisect copy math random statistics itertools functools '\n"
    "        'operator io '\n"
    "        'sys json typing builtins os').split()\n"
    "print('modules:', *[m for m in mods if type(g.get(m)).__name__ == 'module'])\n"
    "names = ('gcd heappush defaultdict deque accumulate bisect_left lru_cache inf List Optional ascii_lowercase '\n"
    "         'deepcopy mean itemgetter StringIO loads setrecursionlimit stdin').split()\n"
    "print('names:', *[n for n in names if n in g])\n"
    "print('__name__:', __name__)\n"
    "print('pow:', pow(3, 4, 5))  # the builtin, not math.pow: builtins come after math in LCB's star imports\n"
    "print('stdin:', stdin.readline().strip() if 'stdin' in g else '-')  # the test's input, not the fork server's\n")
LCB_MODULES = ("string re datetime collections heapq bisect copy math random statistics itertools functools operator "
               "io sys json")
LCB_NAMES = ("gcd heappush defaultdict deque accumulate bisect_left lru_cache inf List Optional ascii_lowercase "
             "deepcopy mean itemgetter StringIO loads setrecursionlimit stdin")
DEPTH = "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nprint(depth(int(input())))"
DEEP_WITH_OWN_LIMIT = "import sys\nsys.setrecursionlimit(10**6)\n" + DEPTH
TYPED_FUNCTIONAL = ("class Solution:\n    def f(self, xs: List[int]) -> Optional[int]:\n"
                    "        d: Dict[int, Tuple[int, ...]] = {}\n        return sum(xs)")
NAME_OF_FUNCTIONAL_MODULE = "class Solution:\n    def name(self, x):\n        return __name__"


def assert_runner_profiles_behave(pool) -> None:
    """Each profile's recursion limit, names available without an import, and __name__ (stdin and functional)."""
    lcb = judge(pool, PROFILE_PROBE, ("hello\n", f"modules: {LCB_MODULES}\nnames: {LCB_NAMES}\n__name__: __main__\n"
                                                 "pow: 1\nstdin: hello"), profile="livecodebench")
    assert lcb["verdict"] == "accepted", lcb
    plain = judge(pool, PROFILE_PROBE, ("hello\n", "modules:\nnames:\n__name__: __main__\npow: 1\nstdin: -"))
    assert plain["verdict"] == "accepted", plain
    for profile, fits, too_deep in (("livecodebench", 49_000, 51_000), ("plain", 900, 1100)):
        assert judge(pool, DEPTH, (f"{fits}\n", str(fits)), profile=profile)["verdict"] == "accepted"
        over = judge(pool, DEPTH, (f"{too_deep}\n", str(too_deep)), profile=profile)
        assert over["verdict"] == "runtime_error" and "RecursionError" in over["detail"], over
        # the false accept: a 2*10^5-deep DFS that never raises the limit fails under both profiles ...
        assert judge(pool, DEPTH, ("200000\n", "200000"), profile=profile)["verdict"] == "runtime_error"
        # ... and passes when the program raises the limit itself, as it would on a real judge
        assert judge(pool, DEEP_WITH_OWN_LIMIT, ("200000\n", "200000"), profile=profile)["verdict"] == "accepted"
    functional = {"mode": "functional", "entry_point": "name"}
    for profile, module in (("livecodebench", "tmp_sol"), ("plain", "solution")):
        named = judge(pool, NAME_OF_FUNCTIONAL_MODULE, ("1", f'"{module}"'), profile=profile, **functional)
        assert named["verdict"] == "accepted", (profile, named)
        # LeetCode provides the typing names: a functional solution annotated with them runs under every profile
        typed = judge(pool, TYPED_FUNCTIONAL, ("[1, 2]", "3"), profile=profile, **{**functional, "entry_point": "f"})
        assert typed["verdict"] == "accepted", (profile, typed)
