"""The prompt for contest problems (Codeforces rows, problem packages): the statement, then the limits, the
input/output mode and the languages the judge accepts, and how to hand in the program (one fenced block whose tag
names the language: the judge reads the language from that tag)."""
from __future__ import annotations

from r1eval.task.prompts import Messages, user
from r1eval.types import Problem

LANGUAGES = {"python": "Python 3", "cpp": "C++ ({std}, compiled with g++ -O2)"}
FENCES = {"python": "```python", "cpp": "```cpp"}


def instructions(problem: Problem) -> str:
    spec = problem.code
    if spec is None:
        raise ValueError(f"problem {problem.id} has no CodeSpec")
    languages = [LANGUAGES[lang].format(std=spec.cpp_std.upper()) for lang in spec.languages]
    fences = " or ".join(FENCES[lang] for lang in spec.languages)
    limit = f"{spec.time_limit_s:g} second{'s' if spec.time_limit_s != 1 else ''}"
    lines = [f"Time limit: {limit} per test. Memory limit: {spec.memory_mb} megabytes."]
    if spec.interactor:
        lines.append("This is an interactive problem: your program talks to the judge's program through standard "
                     "input and output. Flush the output after every line you print.")
    elif spec.input_mode == "file":
        lines.append("Read the input from the file input.txt and write the output to the file output.txt.")
    else:
        lines.append("Read the input from standard input and write the output to standard output.")
    lines.append(f"Write a complete program in {' or '.join(languages)}. Give your final program in a single "
                 f"fenced code block that starts with {fences}.")
    return "\n".join(lines)


def prompt(problem: Problem) -> Messages:
    return user(f"{problem.question.strip()}\n\n{instructions(problem)}")
