"""How a code problem's output is judged, as a value: a checker is one of these types, parsed once from the
problem's stored form (CodeSpec.checker: a kind name or a JSON object, kept as text so problem hashes stay stable).

- Compare: r1eval's line comparison (`exact`: LiveCodeBench's rule; `float`: with a tolerance; `unordered`).
- Tokens: problemtools' default output validator and its flags (tests/problemtools_rules.py).
- Custom: a Python program `checker input expected output`, exit 0 = accepted.
- JudgeProgram: the problem's own judge program: `validator` (problemtools), `testlib` (Codeforces/Polygon),
  `openr1` (open-r1's generated checker.py), or an `interactor` (CodeSpec.interactor).
The sandbox's server knows the same kinds (sandbox/server.py CHECKER_KINDS); a test keeps the lists equal.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from r1eval.errors import DataError

COMPARE_KINDS = ("exact", "float", "unordered")
PROGRAM_KINDS = {"validator": ("python", "cpp"), "testlib": ("cpp",), "openr1": ("python",)}  # kind -> languages
KINDS = (*COMPARE_KINDS, "custom", "tokens", *PROGRAM_KINDS)
INTERACTOR_LANGUAGES = ("python", "cpp")


@dataclass(frozen=True)
class Compare:
    kind: str = "exact"
    abs_tol: float | None = None
    rel_tol: float | None = None


@dataclass(frozen=True)
class Tokens:
    case_sensitive: bool = False
    space_change_sensitive: bool = False
    abs_tol: float | None = None
    rel_tol: float | None = None
    kind: str = "tokens"


@dataclass(frozen=True)
class Custom:
    program: str
    time_limit_s: float | None = None
    kind: str = "custom"


@dataclass(frozen=True)
class JudgeProgram:
    kind: str  # validator | testlib | openr1 | interactor
    source: str
    language: str
    files: tuple[tuple[str, str], ...] = ()  # headers it includes: (name, text)
    args: tuple[str, ...] = ()  # a validator's flags
    time_limit_s: float | None = None

    @property
    def is_cpp(self) -> bool:
        return self.language == "cpp"


Checker = Compare | Tokens | Custom | JudgeProgram


def _tolerance(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"checker {name} must be a number, got {value!r}")
    return float(value)


def _program(kind: str, value: Mapping[str, Any], languages: tuple[str, ...]) -> JudgeProgram:
    language = value.get("language", languages[0])
    if not isinstance(value.get("source"), str) or language not in languages:
        raise DataError(f"a {kind} needs 'source' and a 'language' in {', '.join(languages)}")
    files = value.get("files") or {}
    return JudgeProgram(kind, value["source"], language, tuple(sorted(files.items())),
                        tuple(str(a) for a in value.get("args") or ()), _tolerance(value.get("time_limit_s"), "time"))


def _from_mapping(value: Mapping[str, Any]) -> Checker:
    kind = value.get("kind")
    if kind not in KINDS:
        raise DataError(f"checker must be one of {', '.join(KINDS)} (or an object with 'kind'), got {dict(value)!r}")
    abs_tol, rel_tol = _tolerance(value.get("abs_tol"), "abs_tol"), _tolerance(value.get("rel_tol"), "rel_tol")
    if kind in COMPARE_KINDS:
        return Compare(kind, abs_tol, rel_tol)
    if kind == "tokens":
        return Tokens(bool(value.get("case_sensitive")), bool(value.get("space_change_sensitive")), abs_tol, rel_tol)
    if kind == "custom":
        if not isinstance(value.get("program"), str):
            raise DataError("a custom checker needs 'program': Python source run as `checker input expected output`")
        return Custom(value["program"], _tolerance(value.get("time_limit_s"), "time"))
    return _program(kind, value, PROGRAM_KINDS[kind])


def json_object(text: str, what: str) -> Mapping[str, Any]:
    """`text` as a JSON object, or DataError naming `what` it should have been."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{what} is not valid JSON ({exc.msg})") from exc
    if not isinstance(value, Mapping):
        raise DataError(f"{what} must be a JSON object, got {value!r}")
    return value


@lru_cache(maxsize=1024)
def _from_text(text: str) -> Checker:
    stripped = text.strip()
    if stripped.startswith("{"):
        return _from_mapping(json_object(stripped, "checker"))
    if stripped.startswith("float:"):
        try:
            tol = float(stripped.split(":", 1)[1])
        except ValueError as exc:
            raise DataError(f"checker {stripped!r}: the tolerance is not a number") from exc
        return Compare("float", tol, tol)
    return _from_mapping({"kind": stripped or "exact"})


def parse(value: Any) -> Checker:
    """The checker a problem names: "exact" / "float" / "float:1e-6" / "unordered" / "tokens" / a mapping / a JSON
    object string. Raises DataError with what is wrong."""
    if isinstance(value, (Compare, Tokens, Custom, JudgeProgram)):
        return value
    if value is None:
        return Compare()
    if isinstance(value, str):
        return _from_text(value)
    if isinstance(value, Mapping):
        return _from_mapping(value)
    raise DataError(f"checker must be a kind name or an object, got {value!r}")


def interactor(text: str) -> JudgeProgram | None:
    """The interactor a problem stores (CodeSpec.interactor: JSON {"language", "source", "files"}), or None."""
    if not text:
        return None
    return _interactor(text)


@lru_cache(maxsize=256)
def _interactor(text: str) -> JudgeProgram:
    return _program("interactor", json_object(text, "interactor"), INTERACTOR_LANGUAGES)


def canonical(checker: Mapping[str, Any]) -> str:
    """The stored form of a checker given as a mapping: its kind alone when that is all, else sorted JSON."""
    parse(checker)  # refuse a bad one where it is made
    return str(checker["kind"]) if set(checker) == {"kind"} else json.dumps(dict(checker), sort_keys=True)


def wire(checker: Checker, binary: str | None = None) -> dict[str, Any]:
    """The checker as the sandbox's server takes it (sandbox/server.py); a C++ judge program travels as its
    executable (`binary`, base64), a Python one as its source."""
    if isinstance(checker, Compare):
        return {"kind": checker.kind, **_tolerances(checker)}
    if isinstance(checker, Tokens):
        flags = {k: True for k in ("case_sensitive", "space_change_sensitive") if getattr(checker, k)}
        return {"kind": "tokens", **flags, **_tolerances(checker)}
    if isinstance(checker, Custom):
        limit = {"time_limit_s": checker.time_limit_s} if checker.time_limit_s else {}
        return {"kind": "custom", "program": checker.program, **limit}
    program: dict[str, Any] = {"kind": checker.kind}
    if checker.args:
        program["args"] = list(checker.args)
    if checker.time_limit_s:
        program["time_limit_s"] = checker.time_limit_s
    if checker.is_cpp:
        program["binary"] = binary
    else:
        program["code"] = checker.source
    return program


def _tolerances(checker: Compare | Tokens) -> dict[str, float]:
    return {k: v for k, v in (("abs_tol", checker.abs_tol), ("rel_tol", checker.rel_tol)) if v is not None}
