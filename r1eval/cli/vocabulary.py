"""One name per concept across commands, and the old spellings that still work for one release.

`modernize` rewrites an old spelling on the command line to its new name before typer parses it, and returns a
one-line deprecation note for each. The table is the single record of what was renamed; tests/test_vocabulary.py
checks that no command offers an old spelling and that every flag binds one parameter name everywhere.
"""
from __future__ import annotations

# (command path, old flag) -> new flag. A command path is its words: ("gate",), ("sandbox", "check").
RENAMED: dict[tuple[tuple[str, ...], str], str] = {
    (("gate",), "--task"): "--tasks",  # task names are --tasks everywhere, as on `run`
    (("cf-rating",), "--task"): "--tasks",
    (("judge",), "--backend"): "--sandbox",  # on `run`, --backend is the generator; where code runs is --sandbox
    (("sandbox", "check"), "--backend"): "--sandbox",
    (("judge",), "--workers"): "--grade-workers",  # sandboxes in parallel, as on `run` and `score`
    (("sandbox", "check"), "--workers"): "--grade-workers",
    (("report",), "--reference"): "--published",  # --reference is a run (gate); published numbers are --published
}
# Commands whose first word opens a group of sub-commands.
GROUPS = ("sandbox", "model")


def _command_path(argv: list[str]) -> tuple[str, ...]:
    words = [a for a in argv[:2] if not a.startswith("-")]
    if not words:
        return ()
    return tuple(words[:2]) if words[0] in GROUPS else (words[0],)


def modernize(argv: list[str]) -> tuple[list[str], list[str]]:
    """argv with every old spelling replaced by its new name, and one deprecation note per old spelling used."""
    path = _command_path(argv)
    renamed = {old: new for (cmd, old), new in RENAMED.items() if cmd == path}
    out: list[str] = []
    notes: list[str] = []
    for arg in argv:
        flag, eq, value = arg.partition("=")
        if flag in renamed and "--" not in out:  # after a bare `--` everything is an argument
            note = f"note: `{' '.join(path)} {flag}` is deprecated and will be removed; use {renamed[flag]}"
            if note not in notes:
                notes.append(note)
            arg = renamed[flag] + eq + value
        out.append(arg)
    return out, notes
