"""LiveCodeBench's verdicts on corner cases, written down from its runner's rules (lcb_runner/evaluation/
testing_util.py at LiveCodeBench/LiveCodeBench 15808c7), for the differential test (tests/test_lcb_rules.py) and the
agreement benchmark (benchmarks/lcb_agreement.py). r1eval judges every case under the livecodebench profile.

The facts each `rule` cites (LCB's code read, restated; nothing of it is run here):
- prelude: star imports of string, re, datetime, collections, heapq, bisect, copy, math, random, statistics,
  itertools, functools, operator, io, sys, json, builtins, typing (in that order), plain imports of the first 16,
  then sys.setrecursionlimit(50000). Runs on Python 3.11 (its README's venv).
- reliability guard, run before the program: builtins.quit = None (exit is left alone), sys.modules["resource"]
  (and ipdb, joblib, psutil, tkinter) = None, many os/shutil/subprocess functions = None; no memory limit.
- stdin programs: a last top-level statement `if __name__ == '__main__':` is replaced by its body; the program's
  import statements are hoisted to module level and every other statement becomes the body of a function, in a
  module named tmp_sol. Per test: sys.stdin is replaced by a StringIO of the input (it has no .buffer), open() by a
  mock that reads the input; the original sys.stdin object (which `from sys import stdin` bound when the module
  loaded; in a multiprocessing child it reads /dev/null) gets readline/read/readlines that return the input; sys.stdout
  is replaced by a StringIO (fd 1 is not captured); SystemExit is swallowed, whatever its code; any other exception
  is a runtime error.
- stdin comparison: both texts stripped, split at "\\n", each line stripped; different line counts fail; a line
  passes when equal as text, or when every whitespace-separated token on both lines converts with Decimal() and the
  two lists are equal (Decimal takes 1_000, inf, non-ASCII digits; NaN never equals).
- functional: the prelude and the code form module tmp_sol; the method is Solution().<name> when the text
  `class Solution` occurs, else the module's function; each input line is json.loads'ed into one argument; a
  returned tuple becomes a list, then `prediction == expected` (Python ==, so the object's own __eq__ decides).
"""
from __future__ import annotations

from dataclasses import dataclass

FACT_STDIN = "stdin: strip, split at \\n, strip lines; equal text, or all tokens Decimal and equal"
FACT_PRELUDE = "prelude: LCB's star imports and recursion limit 50000"
FACT_FUNCTIONAL = "functional: returned tuple -> list, then Python =="
FACT_HARNESS = "stdin harness: program body in a function of module tmp_sol, StringIO stdin/stdout"
FACT_GUARD = "reliability guard"

# Why r1eval's verdict differs from LCB's, by kind.
ARTIFACT = ("LCB's in-process harness fails a correct program that runs as written on a real judge; "
            "r1eval runs it as a script: ")
STRICTER = "r1eval rejects what LCB accepts, by design: "


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    tests: tuple[tuple[str, str], ...]
    lcb_passes: bool  # LiveCodeBench's verdict under its rules
    rule: str  # the fact that decides it
    mode: str = "stdin"
    entry_point: str | None = None
    deviation: str = ""  # why r1eval deliberately differs; "" = r1eval must agree


def stdout_case(name: str, printed: str, expected: str, lcb_passes: bool, deviation: str = "") -> Case:
    """A program that prints exactly `printed` (sys.stdout.write, no newline added)."""
    return Case(name, f"import sys\nsys.stdout.write({printed!r})", (("", expected),), lcb_passes, FACT_STDIN,
                deviation=deviation)


def functional_case(name: str, body: str, expected: str, lcb_passes: bool, deviation: str = "",
                    rule: str = FACT_FUNCTIONAL) -> Case:
    code = f"class Solution:\n    def solve(self, x):\n        {body}"
    return Case(name, code, (("1", expected),), lcb_passes, rule, "functional", "solve", deviation)


ADD = (("1 2\n", "3\n"), ("10 20\n", "30\n"))
DEPTH = "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nprint(depth(int(input())))"

CASES: tuple[Case, ...] = (
    # -- output comparison (stdin) ----------------------------------------------------------------------------
    stdout_case("trailing spaces and no final newline", "3  \n4", "3\n4\n", True),
    stdout_case("extra blank lines at the end", "3\n4\n\n\n", "3\n4\n", True),
    stdout_case("blank lines before the output", "\n\n3\n4\n", "3\n4\n", True),
    stdout_case("a blank line inside the output", "3\n\n4\n", "3\n4\n", False),
    stdout_case("CRLF line ends", "3\r\n4\r\n", "3\n4\n", True),
    stdout_case("form feed is not a line break", "3\x0c4\n", "3\n4\n", False),
    stdout_case("1.50 for 1.5 (decimals as tokens)", "1.50\n", "1.5\n", True),
    stdout_case("1.0 for 1", "1.0\n", "1\n", True),
    stdout_case("1e2 for 100", "1e2\n", "100\n", True),
    stdout_case("-0 for 0", "-0\n", "0\n", True),
    stdout_case("+5 for 5", "+5\n", "5\n", True),
    stdout_case("0.333 for 0.3333", "0.333\n", "0.3333\n", False),
    stdout_case("3.0000000001 for 3", "3.0000000001\n", "3\n", False),
    stdout_case("10^23+1 for 10^23", "100000000000000000000001\n", "100000000000000000000000\n", False),
    stdout_case("two spaces between numbers", "1  2\n", "1 2\n", True),
    stdout_case("a tab between numbers", "1\t2\n", "1 2\n", True),
    stdout_case("two spaces between words", "Yes  3\n", "Yes 3\n", False),
    stdout_case("a tab between words", "a\tb\n", "a b\n", False),
    stdout_case("yes for Yes", "yes\n", "Yes\n", False),
    stdout_case("tokens on other lines", "1 2\n3\n", "1\n2 3\n", False),
    stdout_case("empty output for 0", "", "0\n", False),
    stdout_case("nan for nan (same text)", "nan 1\n", "nan 1\n", True),
    stdout_case("nan with other spacing", "nan  1\n", "nan 1\n", False),
    stdout_case("1_000 for 1000", "1_000\n", "1000\n", True,
                STRICTER + "Decimal() reads Python's digit grouping; no judge prints it"),
    stdout_case("Arabic-Indic digits for 12", "\u0661\u0662\n", "12\n", True,
                STRICTER + "Decimal() reads any Unicode digits; a number in the output is ASCII"),
    stdout_case("inf for Infinity", "inf\n", "Infinity\n", True,
                STRICTER + "Decimal() equates spellings of infinity; r1eval compares non-numbers as text"),
    # -- prelude and recursion limit (stdin) --------------------------------------------------------------------
    Case("prelude names without imports", "a, b = map(int, input().split())\n"
         "print(gcd(a, b) * 0 + len(list(accumulate([a, b]))) * 0 + a + b)", ADD, True, FACT_PRELUDE),
    Case("Counter, deque, heappush, bisect_left, inf, lru_cache without imports",
         "a, b = map(int, input().split())\nh = []\nheappush(h, a)\nq = deque([b])\n"
         "@lru_cache(None)\ndef f(x):\n    return x\n"
         "print(f(h[0]) + q[0] + bisect_left([0], 1) - 1 + (0 if inf > 0 else 1) + Counter('x')['y'])", ADD, True,
         FACT_PRELUDE),
    Case("3-argument pow (builtins come after math)", "a, b = map(int, input().split())\nprint(pow(a + b, 1, 1000))",
         ADD, True, FACT_PRELUDE),
    Case("recursion depth 49000 without raising the limit", DEPTH, (("49000\n", "49000\n"),), True, FACT_PRELUDE),
    Case("recursion depth 2*10^5 without raising the limit", DEPTH, (("200000\n", "200000\n"),), False, FACT_PRELUDE),
    Case("recursion depth 2*10^5 after setrecursionlimit(10**6)", "import sys\nsys.setrecursionlimit(10**6)\n" + DEPTH,
         (("200000\n", "200000\n"),), True, FACT_PRELUDE + "; Python 3.11 recursion needs no C stack"),
    # -- the stdin harness ------------------------------------------------------------------------------------
    Case("main guard as the last statement", "def main():\n    a, b = map(int, input().split())\n    print(a + b)\n"
         "if __name__ == \"__main__\":\n    main()", ADD, True, FACT_HARNESS),
    Case("exit() after the output", "a, b = map(int, input().split())\nprint(a + b)\nexit()", ADD, True, FACT_HARNESS),
    Case("from sys import stdin; stdin.readline()", "from sys import stdin\na, b = map(int, stdin.readline().split())\n"
         "print(a + b)", ADD, True, FACT_HARNESS),
    Case("prelude's stdin.read() without imports", "a, b = map(int, stdin.read().split())\nprint(a + b)", ADD, True,
         FACT_HARNESS),
    Case("input = sys.stdin.readline", "import sys\ninput = sys.stdin.readline\na, b = map(int, input().split())\n"
         "print(a + b)", ADD, True, FACT_HARNESS),
    Case("open(0).read()", "print(sum(map(int, open(0).read().split())))", ADD, True, FACT_HARNESS),
    Case("exception after the output", "print(sum(map(int, input().split())))\nraise ValueError", ADD, False,
         FACT_HARNESS),
    Case("output on stderr only", "import sys\nprint(sum(map(int, input().split())), file=sys.stderr)", ADD, False,
         FACT_HARNESS),
    Case("sys.stdin.buffer", "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))", ADD, False,
         FACT_HARNESS, deviation=ARTIFACT + "its StringIO stdin has no .buffer"),
    Case("for line in stdin (bound by from sys import stdin)",
         "from sys import stdin\nfor line in stdin:\n    print(sum(map(int, line.split())))", ADD, False, FACT_HARNESS,
         deviation=ARTIFACT + "the name is bound to the process's own stdin (/dev/null) before the test's is "
                              "swapped in"),
    Case("global counter updated in a function", "total = 0\ndef add(v):\n    global total\n    total += v\n"
         "for v in input().split():\n    add(int(v))\nprint(total)", ADD, False, FACT_HARNESS,
         deviation=ARTIFACT + "top-level names become locals of its wrapper function, so `global` finds nothing"),
    Case("main guard followed by another statement",
         "import sys\ndef main():\n    print(sum(map(int, input().split())))\n"
         "if __name__ == '__main__':\n    main()\nsys.stdout.flush()", ADD, False, FACT_HARNESS,
         deviation=ARTIFACT + "only a last-statement guard is unwrapped; its module is tmp_sol"),
    Case("quit() after the output", "print(sum(map(int, input().split())))\nquit()", ADD, False, FACT_GUARD,
         deviation=ARTIFACT + "its reliability guard sets builtins.quit to None"),
    Case("import resource", "import resource\nprint(sum(map(int, input().split())))", ADD, False, FACT_GUARD,
         deviation=ARTIFACT + "its reliability guard blocks the resource module"),
    Case("answer written to fd 1", "import os\nos.write(1, (str(sum(map(int, input().split()))) + '\\n').encode())",
         ADD, False, FACT_HARNESS, deviation=ARTIFACT + "it captures sys.stdout, not fd 1"),
    Case("sys.exit(1) after the output", "import sys\nprint(sum(map(int, input().split())))\nsys.exit(1)", ADD, True,
         FACT_HARNESS, deviation=STRICTER + "a non-zero exit status is a runtime error"),
    Case("import numpy", "import numpy as np\nprint(int(np.array(input().split(), dtype=np.int64).sum()))", ADD, True,
         FACT_HARNESS + "; numpy is installed (its runner imports it)",
         deviation=STRICTER + "the sandbox image has the standard library only"),
    Case("700 MB allocation", "x = bytearray(700 << 20)\nprint(sum(map(int, input().split())))", ADD, True, FACT_GUARD,
         deviation=STRICTER + "the memory limit (default 512 MB); LCB sets none"),
    # -- functional (call-based) ------------------------------------------------------------------------------
    functional_case("tuple for a list", "return (1, 5)", "[1, 5]", True),
    functional_case("list of tuples for a list of lists", "return [(1, 2), (3, 4)]", "[[1, 2], [3, 4]]", False),
    functional_case("float 2.0 for 2", "return 2.0", "2", True),
    functional_case("True for 1", "return True", "1", True),
    functional_case("0.1 + 0.2 for 0.3", "return 0.1 + 0.2", "0.3", False),
    functional_case("int keys for a JSON object", "return {1: 2}", '{"1": 2}', False),
    functional_case("a set for a list", "return {1, 2}", "[1, 2]", False),
    functional_case("None (no return)", "pass", "3", False),
    functional_case("string for a number", "return '3'", "3", False),
    Case("List annotation without imports", "class Solution:\n    def solve(self, x: List[int]) -> Optional[int]:\n"
         "        return x + 2", (("1", "3"),), True, FACT_PRELUDE, "functional", "solve"),
    functional_case("debug print in the method", "print('debug')\n        return x + 2", "3", True),
    functional_case("object whose __eq__ is always true", "return type('E', (), {'__eq__': lambda s, o: True})()",
                    "3", True, STRICTER + "the submission's own __eq__ never decides; the value must be plain data"),
    Case("main guard in a functional module", "class Solution:\n    def solve(self, x: List[int]) -> int:\n"
         "        return x + 2\nif __name__ == '__main__':\n    input()\n    raise SystemExit(1)", (("1", "3"),), True,
         FACT_FUNCTIONAL + "; the module is tmp_sol", "functional", "solve"),
    Case("module-level function, no class", "def solve(x):\n    return x + 2", (("1", "3"),), True, FACT_FUNCTIONAL,
         "functional", "solve"),
    Case("functional recursion depth 2*10^5", "class Solution:\n    def solve(self, x):\n"
         "        def d(n):\n            return 0 if n == 0 else 1 + d(n - 1)\n        return d(200000)",
         (("1", "200000"),), False, FACT_PRELUDE, "functional", "solve"),
)

# Programs for the rows of ../shared/data/lcb_sample_with_tests.jsonl (question_id -> cases; `tests` is filled
# from the row). Correct programs written the ways models write them, plus wrong ones and corner variants.
SHORT_SORT = ("t = int(input())\nfor _ in range(t):\n    s = input().strip()\n"
              "    print('YES' if sum(a != b for a, b in zip(s, 'abc')) in (0, 2) else 'NO')")
SHORTEST = ("class Solution:\n"
            "    def shortestDistanceAfterQueries(self, n: int, queries: List[List[int]]) -> List[int]:\n"
            "        adj = [[i + 1] for i in range(n)]\n        out = []\n        for u, v in queries:\n"
            "            adj[u].append(v)\n            dist = [-1] * n\n            dist[0] = 0\n"
            "            q = deque([0])\n"
            "            while q:\n                x = q.popleft()\n                for y in adj[x]:\n"
            "                    if y < n and dist[y] < 0:\n                        dist[y] = dist[x] + 1\n"
            "                        q.append(y)\n            out.append(dist[n - 1])\n        return {ret}")
ALTERNATING = ("class Solution:\n"
               "    def numberOfAlternatingGroups(self, colors: List[int], queries: List[List[int]]) -> List[int]:\n"
               "        n, out = len(colors), []\n        for q in queries:\n            if q[0] == 2:\n"
               "                colors[q[1]] = q[2]\n                continue\n            k = q[1]\n"
               "            out.append(sum(all(colors[(s + i) % n] != colors[(s + i + 1) % n] for i in range(k - 1))\n"
               "                           for s in range(n)))\n        return {ret}")
SNAKE = ("class Solution:\n    def finalPositionOfSnake(self, n: int, commands: List[str]) -> int:\n        i = j = 0\n"
         "        for c in commands:\n"
         "            di, dj = {{'UP': (-1, 0), 'DOWN': (1, 0), 'LEFT': (0, -1), 'RIGHT': (0, 1)}}[c]\n"
         "            i, j = i + di, j + dj\n        return {ret}")
DAYS = "y = int(input())\nd = 366 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 365\nprint({expr})"
SECOND = "n = int(input())\na = list(map(int, {read}.split()))\nprint(a.index(sorted(a)[-2]) + 1)"
XOR_SIGMA = ("def main():\n    n = int(input())\n    a = list(map(int, input().split()))\n    total = 0\n"
             "    for bit in range(27):\n        cnt = [1, 0]\n        p = 0\n        for v in a:\n"
             "            p ^= (v >> bit) & 1\n            total += cnt[p ^ 1] << bit\n            cnt[p] += 1\n"
             "    print(total - sum(a))\n{guard}")

ROW_CASES: dict[str, tuple[Case, ...]] = {
    "1873_A": (
        Case("correct", SHORT_SORT, (), True, FACT_STDIN),
        Case("lowercase yes/no (the statement allows any case)",
             SHORT_SORT.replace("'YES'", "'yes'").replace("'NO'", "'no'"),
             (), False, FACT_STDIN),
        Case("always YES", "for _ in range(int(input())):\n    input()\n    print('YES')", (), False, FACT_STDIN),
        Case("answers on one line", SHORT_SORT.replace("    print(", "    print(end=' ' if _ < t - 1 else '\\n', *[")
             .replace(" else 'NO')", " else 'NO'])"), (), False, FACT_STDIN),
    ),
    "3517": (
        Case("correct", SHORTEST.format(ret="out"), (), True, FACT_FUNCTIONAL, "functional"),
        Case("returns a tuple", SHORTEST.format(ret="tuple(out)"), (), True, FACT_FUNCTIONAL, "functional"),
        Case("returns list of 1-tuples", SHORTEST.format(ret="[(d,) for d in out]"), (), False, FACT_FUNCTIONAL,
             "functional"),
        Case("off by one", SHORTEST.format(ret="[d + 1 for d in out]"), (), False, FACT_FUNCTIONAL, "functional"),
    ),
    "3527": (
        Case("correct (brute force)", ALTERNATING.format(ret="out"), (), True, FACT_FUNCTIONAL, "functional"),
        Case("returns a tuple", ALTERNATING.format(ret="tuple(out)"), (), True, FACT_FUNCTIONAL, "functional"),
        Case("ignores the circle",
             ALTERNATING.format(ret="out").replace("for s in range(n)", "for s in range(n - k + 1)"),
             (), False, FACT_FUNCTIONAL, "functional"),
    ),
    "3533": (
        Case("correct", SNAKE.format(ret="i * n + j"), (), True, FACT_FUNCTIONAL, "functional"),
        Case("returns a float", SNAKE.format(ret="float(i * n + j)"), (), True, FACT_FUNCTIONAL, "functional"),
        Case("returns a string", SNAKE.format(ret="str(i * n + j)"), (), False, FACT_FUNCTIONAL, "functional"),
        Case("returns (i, j)", SNAKE.format(ret="(i, j)"), (), False, FACT_FUNCTIONAL, "functional"),
    ),
    "abc365_a": (
        Case("correct", DAYS.format(expr="d"), (), True, FACT_STDIN),
        Case("prints 365.0", DAYS.format(expr="float(d)"), (), True, FACT_STDIN),
        Case("prints '365 days'", DAYS.format(expr="d, 'days'"), (), False, FACT_STDIN),
        Case("forgets the 400 rule", DAYS.format(expr="d").replace(" or y % 400 == 0", ""), (), False, FACT_STDIN),
    ),
    "abc365_b": (
        Case("correct", SECOND.format(read="input()"), (), True, FACT_STDIN),
        Case("reads with sys.stdin.readline (imported)", "import sys\n" + SECOND.format(read="sys.stdin.readline()"),
             (), True, FACT_HARNESS),
        Case("reads with sys.stdin.buffer", "import sys\nn = int(sys.stdin.buffer.readline())\n"
             "a = list(map(int, sys.stdin.buffer.readline().split()))\nprint(a.index(sorted(a)[-2]) + 1)", (), False,
             FACT_HARNESS, deviation=ARTIFACT + "its StringIO stdin has no .buffer"),
        Case("largest instead of second largest", SECOND.format(read="input()").replace("[-2]", "[-1]"), (), False,
             FACT_STDIN),
    ),
    "abc365_e": (
        Case("correct, main guard last", XOR_SIGMA.format(guard="if __name__ == '__main__':\n    main()"), (), True,
             FACT_HARNESS),
        Case("correct, plain call", XOR_SIGMA.format(guard="main()"), (), True, FACT_STDIN),
        Case("includes i = j terms", XOR_SIGMA.format(guard="main()").replace("total - sum(a)", "total"), (), False,
             FACT_STDIN),
    ),
}


def judged(pool, rows: list[dict] | None = None, limit: int | None = None) -> list[dict]:
    """Judge every case (and, given the LCB sample rows, every row program with the row's tests) under the
    livecodebench profile: one record per case with LCB's verdict, r1eval's, and whether they agree.
    `limit`: only the first cases (a smoke run)."""
    from r1eval.grading.code.judge import judge_responses
    from r1eval.task.code_rows import code_spec
    from r1eval.types import CodeSpec, TestCase

    items = [("corner", case, CodeSpec(tests=tuple(TestCase(i, o) for i, o in case.tests), mode=case.mode,
                                       entry_point=case.entry_point, time_limit_s=6.0)) for case in CASES]
    for row in rows or ():
        for case in ROW_CASES.get(str(row["question_id"]), ()):
            items.append((f"row {row['question_id']}", case, code_spec(row)))
    items = items[:limit]
    results = judge_responses(pool, [(spec, f"```python\n{case.code}\n```") for _, case, spec in items],
                              profile="livecodebench")
    return [{"group": group, "case": case.name, "lcb_passes": case.lcb_passes, "rule": case.rule,
             "r1eval": result.verdict.value, "agrees": (result.verdict == "accepted") == case.lcb_passes,
             "deviation": case.deviation, "detail": result.detail}
            for (group, case, _), result in zip(items, results)]
