"""Find the program in a model response, and its language.

Rules: only the answer region counts (text after the last </think>; nothing when a think block never closed);
the last closed fenced block in a language the problem allows wins. The fence's tag says the language:
python/py/python3/py3 is Python, cpp/c++/cc/cxx (optionally with 17/20) is C++. An untagged block is C++ when it
has an #include or `int main(`, Python when it looks like Python (a sample output block such as ```\\n3\\n``` is
skipped); blocks tagged as another language or as text/output are never code.
"""
from __future__ import annotations

import re

from r1eval.grading.extract import answer_region

PYTHON_TAGS = frozenset({"python", "py", "python3", "py3"})
CPP_TAGS = frozenset({"cpp", "c++", "cc", "cxx", "cpp17", "cpp20", "c++17", "c++20"})
_CPP_HINT = re.compile(r"^\s*#\s*include\b|\bint\s+main\s*\(", re.MULTILINE)
_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<tag>[^\s`]*)[^`]*$")
_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import |print\(|for .+:\s*$|while .+:\s*$|if .+:\s*$|return\b|"
    r"[A-Za-z_][\w\[\], .]*\s*[-+*/%|&^]?=[^=]|[A-Za-z_][\w.]*\(.*\)\s*$)")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(tag, body) of every closed fenced block, in order. An unclosed fence at the end is ignored."""
    blocks = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opened = _OPEN.match(lines[index])
        if not opened:
            index += 1
            continue
        fence, tag = opened.group("fence"), opened.group("tag").lower()
        for end in range(index + 1, len(lines)):
            stripped = lines[end].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                blocks.append((tag, "\n".join(lines[index + 1 : end])))
                index = end + 1
                break
        else:
            break
    return blocks


def looks_like_python(body: str) -> bool:
    return any(_CODE_LINE.match(line) for line in body.splitlines())


def language_of(tag: str, body: str) -> str | None:
    """"python", "cpp", or None (not code, or another language)."""
    if tag in PYTHON_TAGS:
        return "python"
    if tag in CPP_TAGS:
        return "cpp"
    if tag == "":
        return "cpp" if _CPP_HINT.search(body) else "python" if looks_like_python(body) else None
    return None


def extract_program(response: str, languages: tuple[str, ...] = ("python",)) -> tuple[str, str] | None:
    """(language, program) to judge, or None (no closed think block, or no block in an allowed language)."""
    region = answer_region(response)
    if region is None:
        return None
    for tag, body in reversed(fenced_blocks(region)):
        if body.strip() and language_of(tag, body) in languages:
            return language_of(tag, body), body.strip("\n") + "\n"
    return None


def extract_code(response: str) -> str | None:
    """The Python program to judge, or None (no closed think block, or no code block after it)."""
    found = extract_program(response, ("python",))
    return found[1] if found else None
