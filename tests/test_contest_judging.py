"""Contest judging in the real Docker sandbox: C++ and Python, compile errors, limits, file input, the three
checker protocols (open-r1 checker.py, problemtools output validators, testlib checkers), interactors, all-tests
mode and time scaling. The verdict a user sees is asserted, never an internal value."""
from __future__ import annotations

import json

import pytest

from r1eval.grading.code.compile_cache import CompileCache
from r1eval.grading.code.judge import judge_responses
from r1eval.types import CodeSpec
from r1eval.types import TestCase as Case
from tests.sandbox_cases import docker_pool

pytestmark = pytest.mark.docker

ADD_CPP = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}\n"
ADD_PY = "a, b = map(int, input().split())\nprint(a + b)\n"
ADD_TESTS = (Case("1 2\n", "3\n", name="t1"), Case("10 20\n", "30\n", name="t2"),
             Case("-5 5\n", "0\n", name="t3"))


@pytest.fixture(scope="module")
def pool():
    with docker_pool(memory_mb=576, workers=2) as shared:
        yield shared


def spec(tests=ADD_TESTS, **kwargs) -> CodeSpec:
    kwargs.setdefault("time_limit_s", 2.0)
    kwargs.setdefault("languages", ("python", "cpp"))
    kwargs.setdefault("checker", "tokens")
    return CodeSpec(tests=tuple(tests), **kwargs)


def fenced(code: str, tag: str = "cpp") -> str:
    return f"<think>plan</think>\nHere it is.\n```{tag}\n{code}```\n"


def judge(pool, problem: CodeSpec, *responses: str, **options) -> list[dict]:
    return [r.as_row() for r in judge_responses(pool, [(problem, r) for r in responses], **options)]


def test_language_comes_from_the_fence_and_is_recorded(pool):
    results = judge(pool, spec(), fenced(ADD_CPP, "cpp"), fenced(ADD_CPP, "c++"), fenced(ADD_PY, "python"),
                    fenced(ADD_CPP, "cpp"), fenced(ADD_CPP, "java"))
    assert [(r["verdict"], r["language"]) for r in results] == [
        ("accepted", "c++17"), ("accepted", "c++17"), ("accepted", "python3"), ("accepted", "c++17"),
        ("no_code", None)]
    python_only = judge(pool, spec(languages=("python",)), fenced(ADD_CPP, "cpp"))[0]
    assert python_only["verdict"] == "no_code" and "Python 3 code block" in python_only["detail"]


def test_cpp20_code_compiles_only_under_cpp20(pool):
    code = ("#include <iostream>\nconsteval int twice(int x){return 2*x;}\nint main(){long long a,b;std::cin>>a>>b;"
            "std::cout<<a+b+twice(0)<<\"\\n\";}\n")
    assert judge(pool, spec(cpp_std="c++20"), fenced(code))[0]["verdict"] == "accepted"
    result = judge(pool, spec(cpp_std="c++17"), fenced(code))[0]
    assert result["verdict"] == "compile_error" and result["language"] == "c++17"
    assert "consteval" in result["detail"] and result["tests_passed"] == 0


def test_compile_error_names_the_line_and_runs_nothing(pool):
    result = judge(pool, spec(), fenced("int main() { return undefined_name; }\n"))[0]
    assert result["verdict"] == "compile_error"
    assert "undefined_name" in result["detail"] and "main.cpp:1" in result["detail"]
    assert result["failed_test"] is None and result["wall_s"] == 0


def test_each_distinct_source_is_compiled_once(pool):
    cache = CompileCache()
    other = ADD_CPP.replace("a+b", "b+a")
    results = judge(pool, spec(), *[fenced(ADD_CPP)] * 4, fenced(other), cache=cache)
    assert [r["verdict"] for r in results] == ["accepted"] * 5
    assert cache.compiled == 2
    judge(pool, spec(), fenced(ADD_CPP), cache=cache)  # a later batch of the same run reuses the executable
    assert cache.compiled == 2 and cache.reused == 1


@pytest.mark.parametrize("code, verdict, why", [
    ("int main(){volatile unsigned long x=0; for(;;) x++;}\n", "time_limit", "CPU time"),
    ("#include <vector>\n#include <iostream>\nint main(){std::vector<std::vector<char>> v; for(;;) "
     "v.emplace_back(64<<20, 1); std::cout<<v.size();}\n", "memory_limit", ""),
    ("#include <cstdlib>\nint main(){ int *p = nullptr; return *p + std::rand(); }\n", "runtime_error", "SIGSEGV"),
    ("int main(){ return 3; }\n", "runtime_error", "exit code 3"),
])
def test_cpp_programs_get_limit_and_crash_verdicts(pool, code, verdict, why):
    result = judge(pool, spec(time_limit_s=1.0, memory_mb=256), fenced(code))[0]
    assert result["verdict"] == verdict, result
    assert why in result["detail"]
    assert result["failed_test"]["name"] == "t1" and result["failed_test"]["verdict"] == verdict


def test_file_input_mode_reads_input_txt_and_writes_output_txt(pool):
    file_py = "a, b = map(int, open('input.txt').read().split())\nopen('output.txt', 'w').write(f'{a + b}\\n')\n"
    file_cpp = ('#include <fstream>\nint main(){std::ifstream in("input.txt"); std::ofstream out("output.txt");'
                " long long a,b; in>>a>>b; out<<a+b<<\"\\n\";}\n")
    results = judge(pool, spec(input_mode="file"), fenced(file_py, "python"), fenced(file_cpp),
                    fenced("print(3)\n", "py"))
    assert [r["verdict"] for r in results] == ["accepted", "accepted", "wrong_answer"]  # stdout is not read


OPENR1_CHECKER = ("import sys\nn = int(open(sys.argv[1]).read())\nd = int(open(sys.argv[3]).read().split()[0])\n"
                  "print(1 if 1 < d <= n and n % d == 0 else 0)\n")
DIVISOR_TESTS = (Case("12\n", "2\n"), Case("9\n", "3\n"))


def test_openr1_checker_accepts_any_right_answer_and_rejects_wrong_ones(pool):
    problem = spec(DIVISOR_TESTS, checker=json.dumps({"kind": "openr1", "source": OPENR1_CHECKER}))
    largest = "n = int(input())\nprint(n)\n"  # n divides n: right, but never the reference answer
    results = judge(pool, problem, fenced(largest, "python"), fenced("print(5)\n", "python"),
                    fenced("print('many')\n", "python"))
    assert [r["verdict"] for r in results] == ["accepted", "wrong_answer", "wrong_answer"]
    assert "printed '0'" in results[1]["detail"]
    assert "crashed on this output" in results[2]["detail"]  # it accepts the correct output, so the crash is a no


def test_a_broken_checker_is_a_sandbox_error_never_a_wrong_answer(pool):
    broken = "import sys\nraise SystemExit(5)\n"
    for checker in ({"kind": "openr1", "source": broken}, {"kind": "validator", "source": broken},
                    {"kind": "openr1", "source": "while True:\n    pass\n", "time_limit_s": 1}):
        result = judge(pool, spec(DIVISOR_TESTS, checker=json.dumps(checker)), fenced("print(2)\n", "python"))[0]
        assert result["verdict"] == "sandbox_error", (checker, result)


VALIDATOR_PY = """import sys
n = int(open(sys.argv[1]).read())
flags = sys.argv[4:]
token = sys.stdin.read().split()
ok = len(token) == 1 and token[0].isdigit() and 1 < int(token[0]) <= n and n % int(token[0]) == 0
if not ok:
    open(sys.argv[3] + 'judgemessage.txt', 'w').write(f'{token} is not a divisor of {n} (flags {flags})')
sys.exit(42 if ok and flags == ['strict'] else 43)
"""
VALIDATOR_CPP = """#include <fstream>
#include <iostream>
#include "divides.h"
int main(int argc, char** argv) {
    std::ifstream in(argv[1]); long long n, d; in >> n;
    if (!(std::cin >> d) || !divides(d, n)) {
        std::ofstream(std::string(argv[3]) + "judgemessage.txt") << "no";
        return 43;
    }
    return 42;
}
"""


def test_problemtools_validators_in_python_and_cpp(pool):
    python = spec(DIVISOR_TESTS, checker=json.dumps({"kind": "validator", "source": VALIDATOR_PY, "args": ["strict"]}))
    results = judge(pool, python, fenced("print(int(input()))\n", "python"), fenced("print(4)\n", "python"))
    assert [r["verdict"] for r in results] == ["accepted", "wrong_answer"]
    assert "['4'] is not a divisor of 9 (flags ['strict'])" in results[1]["detail"]
    header = {"divides.h": "inline bool divides(long long d, long long n) { return d > 1 && d <= n && n % d == 0; }\n"}
    cpp = spec(DIVISOR_TESTS, checker=json.dumps({"kind": "validator", "language": "cpp", "source": VALIDATOR_CPP,
                                                  "files": header}))
    cache = CompileCache()
    results = judge(pool, cpp, fenced("print(int(input()))\n", "python"), fenced("print(4)\n", "python"), cache=cache)
    assert [r["verdict"] for r in results] == ["accepted", "wrong_answer"]
    assert cache.compiled == 1  # the validator, once for both samples


# A stand-in for the testlib.h a package would ship: just enough of its interface for the checker below.
MINI_TESTLIB = """#include <fstream>
#include <cstdio>
#include <cstdlib>
enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3 };
struct Stream { std::ifstream f; long long readLong() { long long x; if (!(f >> x)) { std::exit(_pe); } return x; } };
Stream inf, ouf, ans;
inline void registerTestlibCmd(int argc, char** argv) { inf.f.open(argv[1]); ouf.f.open(argv[2]); ans.f.open(argv[3]); }
inline void quitf(TResult r, const char* msg) { std::fprintf(stderr, "%s\\n", msg); std::exit(r); }
"""
TESTLIB_CHECKER = """#include "testlib.h"
int main(int argc, char** argv) {
    registerTestlibCmd(argc, argv);
    long long n = inf.readLong(), want = ans.readLong(), got = ouf.readLong();
    if (want == 0) quitf(_fail, "the answer file is broken");
    if (got > 1 && got <= n && n % got == 0) quitf(_ok, "a divisor");
    quitf(_wa, "not a divisor");
}
"""


def test_testlib_checkers_exit_codes(pool):
    checker = json.dumps({"kind": "testlib", "language": "cpp", "source": TESTLIB_CHECKER,
                          "files": {"testlib.h": MINI_TESTLIB}})
    results = judge(pool, spec(DIVISOR_TESTS, checker=checker), fenced("print(int(input()))\n", "python"),
                    fenced("print(4)\n", "python"), fenced("print('x')\n", "python"))
    assert [r["verdict"] for r in results] == ["accepted", "wrong_answer", "wrong_answer"]
    assert "not a divisor" in results[1]["detail"] and "presentation error" in results[2]["detail"]
    broken_answer = spec((Case("12\n", "0\n"),), checker=checker)  # the checker says "fail": judge error
    assert judge(pool, broken_answer, fenced("print(2)\n", "python"))[0]["verdict"] == "sandbox_error"


# Guess a hidden number in [1, 100] with at most 7 questions; the hidden number is the test's input.
INTERACTOR = """import sys
secret = int(open(sys.argv[1]).read())
def finish(code, message=''):
    if message:
        open(sys.argv[3] + 'judgemessage.txt', 'w').write(message)
    sys.exit(code)
for asked in range(8):
    line = sys.stdin.readline()
    if not line:
        finish(43, 'the program closed its output')
    kind, value = line.split()
    value = int(value)
    if kind == '!':
        finish(42 if value == secret and not sys.stdin.read() else 43, f'answered {value}')
    print('<' if secret < value else '>' if secret > value else '=', flush=True)
finish(43, 'too many questions')
"""
BINARY_SEARCH = """lo, hi = 1, 100
while True:
    mid = (lo + hi) // 2
    print('?', mid, flush=True)
    reply = input()
    if reply == '=':
        print('!', mid, flush=True)
        break
    lo, hi = (lo, mid - 1) if reply == '<' else (mid + 1, hi)
"""
CHEAT = """import glob, os
found = []
for path in glob.glob('*') + glob.glob('/dev/fd/*') + glob.glob('/proc/[0-9]*/fd/*'):
    try:
        if os.path.isfile(path):  # regular files only: the pipes to the interactor would block
            found.append(open(path).read().strip())
    except OSError:
        pass
guess = next((int(t) for t in found if t.isdigit()), 1)
print('!', guess, flush=True)
"""
INTERACTIVE_TESTS = (Case("37\n", "", name="secret/1"), Case("100\n", "", name="secret/2"))


def interactive(**kwargs) -> CodeSpec:
    return spec(INTERACTIVE_TESTS, interactor=json.dumps({"language": "python", "source": INTERACTOR}), **kwargs)


def test_interactor_decides_and_idleness_and_closed_pipes_have_verdicts(pool):
    linear = ("for x in range(1, 101):\n    print('?', x, flush=True)\n    if input() == '=':\n"
              "        print('!', x, flush=True)\n        break\n")
    no_flush = "import sys\nsys.stdout.write('? 50\\n')\nsys.stdin.readline()\n"  # never flushed: both wait
    crash_first = "print('?', 50, flush=True)\nraise SystemExit(3)\n"
    results = judge(pool, interactive(), fenced(BINARY_SEARCH, "python"), fenced(linear, "python"),
                    fenced(no_flush, "python"), fenced(crash_first, "python"), fenced("pass\n", "python"))
    assert [r["verdict"] for r in results] == ["accepted", "wrong_answer", "time_limit", "runtime_error",
                                               "wrong_answer"], [r["detail"] for r in results]
    assert "too many questions" in results[1]["detail"]
    assert "idleness" in results[2]["detail"]
    assert "closed its output" in results[4]["detail"]


def test_interactive_hidden_data_is_out_of_the_programs_reach(pool):
    result = judge(pool, interactive(), fenced(CHEAT, "python"))[0]
    assert result["verdict"] == "wrong_answer" and "answered 1" in result["detail"]


def test_cpp_interactor_and_submission(pool):
    binary_search = """#include <iostream>
#include <string>
int main(){int lo=1,hi=100;for(;;){int mid=(lo+hi)/2;std::cout<<"? "<<mid<<std::endl;std::string r;std::cin>>r;
if(r=="="){std::cout<<"! "<<mid<<std::endl;return 0;} if(r=="<")hi=mid-1; else lo=mid+1;}}
"""
    assert judge(pool, interactive(), fenced(binary_search))[0]["verdict"] == "accepted"


def test_a_crashing_interactor_is_a_sandbox_error(pool):
    problem = spec(INTERACTIVE_TESTS, interactor=json.dumps({"language": "python", "source": "raise SystemExit(1)\n"}))
    assert judge(pool, problem, fenced(BINARY_SEARCH, "python"))[0]["verdict"] == "sandbox_error"


def test_all_tests_runs_past_the_first_failure_and_reports_it(pool):
    wrong_on_t2 = "a, b = map(int, input().split())\nprint(a + b + (a == 10))\n"
    first = judge(pool, spec(), fenced(wrong_on_t2, "python"))[0]
    assert (first["verdict"], first["tests_passed"], first["failed_test"]["name"]) == ("wrong_answer", 1, "t2")
    every = judge(pool, spec(), fenced(wrong_on_t2, "python"), all_tests=True)[0]
    assert (every["verdict"], every["tests_passed"], every["failed_test"]["name"]) == ("wrong_answer", 2, "t2")
    assert every["failed_test"]["cpu_s"] >= 0 and every["failed_test"]["memory_mb"] > 0


def test_time_scale_and_per_test_limits(pool):
    busy = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end:\n    pass\nprint(3)\n"
    tests = (Case("", "3", name="quick"),)
    slow = judge(pool, spec(tests, time_limit_s=0.25), fenced(busy, "python"))[0]
    assert slow["verdict"] == "time_limit", slow
    scaled = judge(pool, spec(tests, time_limit_s=0.25), fenced(busy, "python"), time_scale=4.0)[0]
    assert scaled["verdict"] == "accepted", scaled
    longer = (Case("", "3", name="slow group", time_limit_s=1.0),)
    assert judge(pool, spec(longer, time_limit_s=0.25), fenced(busy, "python"))[0]["verdict"] == "accepted"
