"""Problem packages in the Kattis / problemtools format (ICPC, Kattis, DOMjudge) as code problems.

A package is a folder named by its problem id:
- `problem.yaml`: `name`, `source`, `validation` (default | custom | custom interactive), `output_validator_flags`,
  `limits: {time_limit: s, memory: MiB}` (2023-07 spec; `.timelimit` holds the time limit in legacy/DOMjudge
  packages), optionally `time_limit_per_test_set: {group: s}` (per test-group folder, as the shared fixtures use);
- `problem_statement/`: `statement.md`, `problem.en.md` or `problem.md` (else `problem.html` as text);
- `data/sample/` and `data/secret/` (nested groups allowed): `X.in` with `X.ans`, judged samples first, then
  secret, each in name order;
- `output_validators/<name>/` (or `output_validator/`): the output validator or the interactor, one Python or C++
  program plus the headers it includes. A C++ program calling `registerTestlibCmd` is a testlib checker
  (`checker input output answer`); any other follows the problemtools protocol (exit 42 / 43).
Default validation compares tokens as problemtools' default validator does (case-insensitive unless
`case_sensitive`; `space_change_sensitive`; `float_tolerance`, `float_absolute_tolerance`,
`float_relative_tolerance`). Packages that cannot be judged are skipped with a reason, never dropped silently.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r1eval.errors import DataError
from r1eval.task.registry import LoadContext
from r1eval.types import CodeSpec, Problem, TestCase

DEFAULT_MEMORY_MIB = 2048  # problemtools' default when problem.yaml gives no memory limit
SOURCE_SUFFIXES = {".py": "python", ".cpp": "cpp", ".cc": "cpp", ".cxx": "cpp"}
HEADER_SUFFIXES = (".h", ".hpp", ".hh")
_COLON_VALUE = re.compile(r"(?m)^(\s*[\w-]+:[ \t]+)([^'\"{\[#\n][^#\n]*?:[ \t][^#\n]*?)[ \t]*$")


class Skip(Exception):
    """This package cannot be judged (the message says why)."""


def _yaml(folder: Path) -> dict[str, Any]:
    import yaml

    path = folder / "problem.yaml"
    if not path.is_file():
        raise DataError(f"{folder}: no problem.yaml (is it a problem package?)")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        try:  # `name: Steed 2: Cruise Control` is invalid YAML that hand-written packages contain: quote such values
            data = yaml.safe_load(_COLON_VALUE.sub(lambda m: f"{m[1]}{json.dumps(m[2])}", text)) or {}
        except yaml.YAMLError as exc:
            raise DataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a mapping")
    return data


def tokens_checker(flags: str) -> dict[str, Any]:
    """problemtools default-validator flags -> the sandbox's `tokens` checker."""
    checker: dict[str, Any] = {"kind": "tokens"}
    words = flags.split()
    for index, word in enumerate(words):
        if word in ("case_sensitive", "space_change_sensitive"):
            checker[word] = True
        elif word in ("float_tolerance", "float_absolute_tolerance", "float_relative_tolerance"):
            try:
                value = float(words[index + 1])
            except (IndexError, ValueError) as exc:
                raise DataError(f"output_validator_flags: {word} needs a number") from exc
            if word != "float_relative_tolerance":
                checker["abs_tol"] = value
            if word != "float_absolute_tolerance":
                checker["rel_tol"] = value
    return checker


def _time_limit(folder: Path, meta: dict[str, Any]) -> float:
    limits = meta.get("limits") or {}
    if isinstance(limits, dict) and limits.get("time_limit") is not None:
        return float(limits["time_limit"])
    timelimit = folder / ".timelimit"
    if timelimit.is_file():
        return float(timelimit.read_text().split()[0])
    raise Skip("no time limit (problem.yaml limits.time_limit or .timelimit)")


def _tests(folder: Path, interactive: bool, per_group: dict[str, float]) -> tuple[TestCase, ...]:
    tests = []
    for part in ("sample", "secret"):
        for path in sorted((folder / "data" / part).rglob("*.in"), key=lambda p: p.relative_to(folder).parts):
            answer = path.with_suffix(".ans")
            if not answer.is_file() and not interactive:
                raise DataError(f"{path}: no matching .ans file")
            group = path.parent.name
            tests.append(TestCase(path.read_text(encoding="utf-8", errors="surrogateescape"),
                                  answer.read_text(encoding="utf-8", errors="surrogateescape") if answer.is_file()
                                  else "", name=path.relative_to(folder / "data").with_suffix("").as_posix(),
                                  time_limit_s=per_group.get(group)))
    if not tests:
        raise Skip("no test data (data/sample, data/secret)")
    return tuple(tests)


def _program(folder: Path) -> dict[str, Any] | None:
    """The package's output validator or interactor: {"language", "source", "files", "kind"}."""
    dirs = sorted(p for p in (folder / "output_validators").glob("*") if p.is_dir())
    dirs += [folder / "output_validator"] if (folder / "output_validator").is_dir() else []
    for directory in dirs:
        sources = sorted(p for p in directory.iterdir() if p.suffix in SOURCE_SUFFIXES)
        if not sources:
            continue
        if len(sources) > 1:
            raise DataError(f"{directory}: several programs ({', '.join(p.name for p in sources)}); expected one")
        source = sources[0].read_text(encoding="utf-8")
        language = SOURCE_SUFFIXES[sources[0].suffix]
        files = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())
                 if p.suffix in HEADER_SUFFIXES}
        testlib = language == "cpp" and "registerTestlibCmd" in source
        return {"kind": "testlib" if testlib else "validator", "language": language, "source": source,
                "files": files}
    return None


def statement(folder: Path) -> str:
    base = folder / "problem_statement"
    for name in ("statement.md", "problem.en.md", "problem.md"):
        if (base / name).is_file():
            return (base / name).read_text(encoding="utf-8").strip()
    page = base / "problem.html"
    if page.is_file():
        text = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", page.read_text(encoding="utf-8"))
        return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    return ""


def load_package(folder: Path) -> Problem:
    """One package as a code problem; Skip when it cannot be judged, DataError when it is malformed."""
    meta = _yaml(folder)
    validation = str(meta.get("validation") or "default").split()
    interactive = "interactive" in validation
    flags = str(meta.get("output_validator_flags") or "")
    limits = meta.get("limits") if isinstance(meta.get("limits"), dict) else {}
    per_group = {str(k): float(v) for k, v in (meta.get("time_limit_per_test_set") or {}).items()}
    program = _program(folder) if validation[0] == "custom" else None
    if interactive and program is None:
        raise Skip("interactive problem without an interactor (output_validators/)")
    if validation[0] == "custom" and program is None:
        raise Skip("custom validation without an output validator (output_validators/)")
    checker: dict[str, Any] = tokens_checker(flags)
    interactor = ""
    if interactive:
        interactor = json.dumps({k: v for k, v in program.items() if k != "kind"}, sort_keys=True)
    elif program is not None:
        checker = {**program, "args": flags.split()} if program["kind"] == "validator" else program
    kind = "interactive" if interactive else "custom" if program else "default"
    time_limit = _time_limit(folder, meta)
    spec = CodeSpec(tests=_tests(folder, interactive, per_group), time_limit_s=time_limit,
                    memory_mb=int(limits.get("memory") or DEFAULT_MEMORY_MIB),
                    checker=json.dumps(checker, sort_keys=True), languages=("python", "cpp"), interactor=interactor)
    return Problem(id=folder.name, question=statement(folder), code=spec,
                   meta={"title": str(meta.get("name") or folder.name), "source": str(meta.get("source") or ""),
                         "validation": kind, "time_limit_s": time_limit, "memory_mb": spec.memory_mb})


def load_packages(root: Path) -> tuple[list[Problem], dict[str, str]]:
    """Every package in `root` (one per sub-folder with a problem.yaml), and {problem id: why it was skipped}."""
    if not root.is_dir():
        raise DataError(f"problem package folder {root} does not exist")
    problems, skipped = [], {}
    folders = sorted(p for p in root.iterdir() if (p / "problem.yaml").is_file())
    if not folders:
        raise DataError(f"{root} holds no problem packages (sub-folders with a problem.yaml)")
    for folder in folders:
        try:
            problems.append(load_package(folder))
        except Skip as why:
            skipped[folder.name] = str(why)
    return problems, skipped


@dataclass(frozen=True)
class PackageSource:
    """A folder of problem packages; a relative `folder` is looked up in --data-dir (then the working directory).
    Skipped packages and their reasons are in describe() (recorded in the run's config.json)."""

    folder: str
    skipped: dict[str, str] = field(default_factory=dict, compare=False)

    def root(self, ctx: LoadContext | None = None) -> Path:
        path = Path(self.folder).expanduser()
        if not path.is_absolute() and ctx is not None and ctx.data_dir and (Path(ctx.data_dir) / path).is_dir():
            return Path(ctx.data_dir) / path
        return path

    def describe(self) -> dict[str, Any]:
        return {"path": self.folder, "format": "Kattis/problemtools packages",
                "skipped": dict(sorted(self.skipped.items()))}

    def load(self, ctx: LoadContext) -> list[Problem]:
        problems, skipped = load_packages(self.root(ctx))
        no_statement = {p.id: "no problem statement (problem_statement/)" for p in problems if not p.question}
        self.skipped.clear()
        self.skipped.update({**skipped, **no_statement})
        return [p for p in problems if p.id not in no_statement]


SUBMISSION_LANGUAGES = {".py": "python", ".cpp": "cpp", ".cc": "cpp"}


def package_submissions(root: Path) -> list[dict[str, str]]:
    """The packages' own example programs (`submissions/<accepted|wrong_answer|time_limit_exceeded|...>/`) as judge
    rows: {"id": "<problem>/<folder>/<file>", "problem_id", "response" (the program in a fenced block tagged with
    its language), "expected" (the folder name)}."""
    rows = []
    for path in sorted(root.glob("*/submissions/*/*")):
        language = SUBMISSION_LANGUAGES.get(path.suffix)
        if language is None or not path.is_file():
            continue
        problem, expected = path.parents[2].name, path.parent.name
        rows.append({"id": f"{problem}/{expected}/{path.name}", "problem_id": problem, "expected": expected,
                     "response": f"```{language}\n{path.read_text(encoding='utf-8')}\n```\n"})
    return rows
