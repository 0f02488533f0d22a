# ruff: noqa: E501 - the attacks are program texts, kept one statement per line where they fit
"""r1eval's own hostile set: wrong programs that attack the judge instead of solving the problem, in C++ and Python,
by class (compile-time, runtime, output, checker, interactor). None of them may be accepted, and none may cause a
sandbox_error (that would drop a wrong program from pass@1). Run against the real Docker engine by
tests/test_hostile.py, which prints what each class gets. Network probes aim at loopback only.

Every problem here is "print the sum of two numbers" (answer 3 for input "1 2"), judged by problemtools' default
validator with a float tolerance, by a Python output validator, or interactively ("guess the hidden number").
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from r1eval.types import CodeSpec
from r1eval.types import TestCase as Case

NEVER = ("accepted", "sandbox_error")


@dataclass(frozen=True)
class Attack:
    cls: str  # compile | runtime | output | checker | interactor
    name: str
    language: str  # python | cpp
    code: str
    problem: str = "tokens"  # tokens | file | validator | interactive | interactive_cpp
    expect: tuple[str, ...] = ()  # the verdicts it should get ("" = anything but NEVER)

    def response(self) -> str:
        return f"<think>attack</think>\n```{self.language}\n{self.code}\n```\n"


ADD = (Case("1 2\n", "3\n", name="t1"),)
VALIDATOR = ("import sys\nwant = open(sys.argv[2]).read().split()\ngot = sys.stdin.read().split()\n"
             "sys.exit(42 if got == want else 43)\n")
# Guess the hidden number (the test's input); the interactor says < > = and ends with 42 (right) or 43.
INTERACTOR_PY = """import sys
secret = int(open(sys.argv[1]).read())
for _ in range(20):
    line = sys.stdin.readline().split()
    if len(line) != 2:
        sys.exit(43)
    value = int(line[1])
    if line[0] == '!':
        sys.exit(42 if value == secret else 43)
    print('<' if secret < value else '>' if secret > value else '=', flush=True)
sys.exit(43)
"""
INTERACTOR_CPP = r"""#include <cstdio>
#include <cstdlib>
int main(int argc, char** argv){FILE* f=fopen(argv[1],"r");int secret;if(fscanf(f,"%d",&secret)!=1)return 1;
for(int i=0;i<20;i++){char k[4];int v;if(scanf("%3s %d",k,&v)!=2)return 43;if(k[0]=='!')return v==secret?42:43;
printf("%s\n",secret<v?"<":secret>v?">":"=");fflush(stdout);}return 43;}
"""
SECRETS = tuple(Case(f"{n}\n", "", name=f"s{n}") for n in (37, 64, 81))
TRIES = tuple(Case(f"{n}\n", "", name=f"try{i}") for i, n in enumerate(range(41, 61)))  # 20 attempts each


def problem(kind: str, tests: tuple[Case, ...] | None = None) -> CodeSpec:
    common = {"time_limit_s": 1.0, "memory_mb": 256, "languages": ("python", "cpp")}
    if kind in ("tokens", "file"):  # file: the program reads input.txt and writes output.txt
        return CodeSpec(tests=tests or ADD, checker=json.dumps({"kind": "tokens", "abs_tol": 1e-6, "rel_tol": 1e-6}),
                        input_mode="file" if kind == "file" else "stdio", **common)
    if kind == "validator":
        return CodeSpec(tests=tests or ADD, checker=json.dumps({"kind": "validator", "source": VALIDATOR,
                                                                "language": "python"}), **common)
    source, language = (INTERACTOR_CPP, "cpp") if kind == "interactive_cpp" else (INTERACTOR_PY, "python")
    return CodeSpec(tests=tests or SECRETS, checker="tokens",
                    interactor=json.dumps({"source": source, "language": language}), **common)


def _py(cls: str, name: str, code: str, problem: str = "tokens", expect: tuple[str, ...] = ()) -> Attack:
    return Attack(cls, name, "python", code, problem, expect)


def _cpp(cls: str, name: str, code: str, problem: str = "tokens", expect: tuple[str, ...] = ()) -> Attack:
    return Attack(cls, name, "cpp", code, problem, expect)


BUSY_PY = "import time\ndef spin(s):\n    end = time.process_time() + s\n    while time.process_time() < end:\n        pass\n"
# Everything a submission could do to the interactor or its files; it then answers wrong ("! 1"), so only a
# successful attack could turn the verdict into accepted. Each route runs on every one of TRIES (20 attempts).
REPLACE_ROUTES = {
    "overwrite": "open(p, 'w').write(FAKE)",
    "unlink_and_create": "os.unlink(p); open(p, 'w').write(FAKE)",
    "rename_over": "open('x.py', 'w').write(FAKE); os.replace('x.py', p)",
    "symlink_over": "os.unlink(p); os.symlink('/bin/true', p)",
    "chmod_and_write": "os.chmod(p, 0o777); open(p, 'w').write(FAKE)",
    "kill_interactor": "[os.kill(q, signal.SIGKILL) for q in others()]",
    "stop_interactor": "[os.kill(q, signal.SIGSTOP) for q in others()]",
    "ptrace_interactor": "[libc.ptrace(16, q, 0, 0) for q in others()]",  # PTRACE_ATTACH
    "read_hidden_input_via_proc": "[print('!', open(f'/proc/{q}/fd/4').read().strip(), flush=True) or os._exit(0)"
                                  " for q in others()]",
    "fake_feedback": "open('feedback/judgemessage.txt', 'w').write('accepted')",
}
ROUTE_TEMPLATE = """import ctypes, os, signal, time
libc = ctypes.CDLL(None)
FAKE = "import sys\\nsys.exit(42)\\n"
def others():
    me = os.getpid()
    return [int(q) for q in os.listdir('/proc') if q.isdigit() and int(q) not in (1, me, os.getppid())]
for p in ('judge.py', 'judge'):
    for _ in range(3):
        try:
            {route}
        except Exception:
            pass
        time.sleep(0.01)
print('! 1', flush=True)
"""

ATTACKS = (
    # compile-time: the compiler is a sandboxed child with its own limits; its failures are compile_error
    _cpp("compile", "include_unreadable_host_file", '#include "/etc/shadow"\nint main(){}', expect=("compile_error",)),
    _cpp("compile", "include_proc_environ", '#include "/proc/1/environ"\nint main(){}', expect=("compile_error",)),
    _cpp("compile", "template_recursion_bomb",
         "template<int N> struct B { enum { v = B<N + 1>::v }; };\nint main(){ return B<0>::v; }",
         expect=("compile_error",)),
    _py("compile", "nested_parentheses_bomb", "x = " + "(" * 200 + "1" + ")" * 200 + "\nprint(3", expect=("compile_error",)),
    # runtime: the time and memory limits hold over the whole process tree
    # forked workers that send their results through pipes and are never waited for
    _py("runtime", "unwaited_forked_workers", BUSY_PY + "import os\nreads = []\nfor _ in range(3):\n"
        "    r, w = os.pipe()\n    if os.fork() == 0:\n        spin(0.8)\n        os.write(w, b'1')\n        os._exit(0)\n"
        "    reads.append(r)\nprint(sum(int(os.read(r, 1)) for r in reads))\n", expect=("time_limit",)),
    _py("runtime", "parent_busy_enough_to_look_alive", BUSY_PY + "import os\nfor _ in range(4):\n    if os.fork() == 0:\n"
        "        spin(5)\n        os._exit(0)\nspin(0.5)\nprint(3)\n", expect=("time_limit",)),
    _py("runtime", "setsid_daemon_busy", BUSY_PY + "import os\nif os.fork() == 0:\n    os.setsid()\n    spin(5)\n"
        "    os._exit(0)\nspin(0.6)\nprint(3)\n", expect=("time_limit",)),
    _py("runtime", "threads_busy", BUSY_PY + "import threading\nthreading.stack_size(8 << 20)\nts = [threading.Thread(target=spin, args=(1.5,)) "
        "for _ in range(3)]\n[t.start() for t in ts]\n[t.join() for t in ts]\nprint(3)\n", expect=("time_limit",)),
    _cpp("runtime", "unwaited_forked_workers_cpp",
         "#include <cstdio>\n#include <unistd.h>\n#include <ctime>\nvoid spin(double s){clock_t e=clock()+s*CLOCKS_PER_SEC;"
         "while(clock()<e);}\nint main(){int fd[2];pipe(fd);for(int i=0;i<3;i++) if(fork()==0){spin(0.8);"
         "write(fd[1],\"1\",1);_exit(0);} int n=0;char c;for(int i=0;i<3;i++) n+=read(fd[0],&c,1);printf(\"%d\\n\",n);}",
         expect=("time_limit",)),
    _cpp("runtime", "static_array_over_the_limit",
         "#include <cstdio>\nchar a[1500000000];\nint main(){int i,j;scanf(\"%d %d\",&i,&j);a[i]=j+1;printf(\"%d\\n\",a[i]+a[j]);}",
         expect=("memory_limit",)),
    _py("runtime", "kill_every_process_it_sees", "import os, signal\nfor p in os.listdir('/proc'):\n"
        "    if p.isdigit() and int(p) != os.getpid():\n        try:\n            os.kill(int(p), signal.SIGKILL)\n"
        "        except OSError:\n            pass\nprint(4)\n", expect=("wrong_answer", "runtime_error")),
    _py("runtime", "loopback_connect_probe", "import socket\ns = socket.socket()\ns.settimeout(0.5)\n"
        "try:\n    s.connect(('127.0.0.1', 2375))\n    print(3)\nexcept OSError:\n    print(4)\n",
        expect=("wrong_answer",)),
    # output: what a loose comparison would take for the right answer (problemtools' rules reject each)
    _py("output", "underscore_digits", "print('3.00_0')", expect=("wrong_answer",)),
    _py("output", "arabic_indic_digit", "print('\\u0663')", expect=("wrong_answer",)),
    _py("output", "fullwidth_digit", "print('\\uff13')", expect=("wrong_answer",)),
    _py("output", "trailing_token_after_control_byte", "print('3\\x1c4')", expect=("wrong_answer",)),
    _py("output", "millions_of_tokens_under_the_cap", "import sys\nsys.stdout.write('3 ' + '1 ' * 10_000_000)",
        expect=("wrong_answer",)),
    _py("output", "flood_past_the_cap", "import sys\nwhile True:\n    sys.stdout.write('3' * 65536)",
        expect=("runtime_error", "wrong_answer", "time_limit")),
    _cpp("output", "huge_output_cpp", "#include <cstdio>\nint main(){for(long i=0;i<30000000;i++) fputs(\"1 \", stdout);}",
         expect=("wrong_answer", "runtime_error")),
    _py("output", "output_file_as_a_directory", "import os\nos.makedirs('output.txt/3')\n", "file",
        expect=("wrong_answer",)),
    _cpp("output", "output_file_as_a_fifo_cpp", "#include <sys/stat.h>\nint main(){mkfifo(\"output.txt\",0600);}",
         "file", expect=("wrong_answer",)),
    # checker: the submission is gone before the validator runs; whatever it left cannot break the judge
    _py("checker", "deep_directory_tree", "import os\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\n"
        "print(4)\n", "validator", expect=("wrong_answer",)),
    _py("checker", "judge_paths_as_directories_and_fifos", "import os\nfor make in (lambda: os.makedirs("
        "'feedback/judgemessage.txt'), lambda: os.makedirs('team.txt'), lambda: os.makedirs('answer.txt/x'),\n"
        "             lambda: os.mkfifo('empty.txt'), lambda: os.chmod('answer.txt', 0)):\n    try:\n        make()\n"
        "    except OSError:\n        pass\nprint(4)\n", "validator", expect=("wrong_answer",)),
    _py("checker", "daemon_waiting_for_the_validator", "import os, time\nif os.fork() == 0:\n    os.setsid()\n"
        "    for _ in range(2000):\n        try:\n            open('judge.py', 'w').write('import sys\\nsys.exit(42)')\n"
        "        except OSError:\n            pass\n        time.sleep(0.001)\n    os._exit(0)\nprint(4)\n",
        "validator", expect=("wrong_answer",)),
    _py("checker", "fake_validator_files", "import os\nos.mkdir('feedback')\nopen('feedback/judgemessage.txt', 'w')"
        ".write('ok')\nopen('judge.py', 'w').write('import sys\\nsys.exit(42)')\nprint(4)\n", "validator",
        expect=("wrong_answer",)),
    _cpp("checker", "leftover_tree_cpp", "#include <sys/stat.h>\n#include <unistd.h>\n#include <cstdio>\n"
         "int main(){for(int i=0;i<3000;i++){mkdir(\"d\",0);chmod(\"d\",0700);if(chdir(\"d\"))break;}puts(\"4\");}",
         "validator", expect=("wrong_answer",)),
    # interactor: out of the submission's reach (its own uid, started first, hidden input passed as descriptors)
    *(_py("interactor", f"python_interactor_{route}", ROUTE_TEMPLATE.replace("{route}", line), "interactive",
          expect=("wrong_answer", "runtime_error")) for route, line in REPLACE_ROUTES.items()),
    _py("interactor", "cpp_interactor_replace_binary", ROUTE_TEMPLATE.replace("{route}", REPLACE_ROUTES["unlink_and_create"]),
        "interactive_cpp", expect=("wrong_answer", "runtime_error")),
    _py("interactor", "cpp_interactor_kill", ROUTE_TEMPLATE.replace("{route}", REPLACE_ROUTES["kill_interactor"]),
        "interactive_cpp", expect=("wrong_answer", "runtime_error")),
    _cpp("interactor", "cpp_submission_stops_interactor",
         "#include <csignal>\n#include <cstdio>\n#include <cstdlib>\n#include <dirent.h>\n#include <unistd.h>\n"
         "int main(){DIR* d=opendir(\"/proc\");while(dirent* e=readdir(d)){int p=atoi(e->d_name);"
         "if(p>1&&p!=getpid()&&p!=getppid())kill(p,SIGSTOP);}puts(\"! 1\");fflush(stdout);}",
         "interactive", expect=("wrong_answer", "runtime_error")),
)
