"""LiveCodeBench's row format: test lists (plain JSON or base64 -> zlib -> pickle -> JSON), checker specs, and
the CodeSpec a row describes. Shared by the livecodebench task and `r1eval judge` (whose problem rows use LCB's
field names where they exist).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import zlib
from collections.abc import Mapping
from typing import Any

from r1eval.errors import DataError
from r1eval.task import checkers
from r1eval.types import CodeSpec, TestCase

DEFAULT_TIME_LIMIT_S = 6.0  # LiveCodeBench's per-test timeout


class _NoClassesUnpickler(pickle.Unpickler):
    """The pickle in LCB rows holds one str; any class or function reference is refused, so loading is safe."""

    def find_class(self, module: str, name: str):  # noqa: ANN201
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a test-case pickle")


def decode_tests(value: Any) -> list[dict]:
    """A test list from a list, a JSON string, or LCB's compressed form; [] for None/""/"None"."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "None", "null", "[]")):
        return []
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise DataError(f"test cases must be a list or a string, not {type(value).__name__}")
    text = value.strip()
    if not text.startswith("["):
        try:
            raw = zlib.decompress(base64.b64decode(text, validate=False))
            text = _NoClassesUnpickler(io.BytesIO(raw)).load()
        except (binascii.Error, zlib.error, pickle.UnpicklingError, EOFError, ValueError) as exc:
            raise DataError(f"cannot decode test cases ({type(exc).__name__}: {exc})") from exc
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if not isinstance(text, str):
            raise DataError(f"decoded test cases are a {type(text).__name__}, expected a JSON string")
    try:
        tests = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"test cases are not valid JSON ({exc.msg})") from exc
    if not isinstance(tests, list):
        raise DataError("test cases must be a JSON list")
    return tests


def parse_checker(value: Any) -> dict:
    """A row's checker as a mapping {"kind": ...}, from "exact" / "float" / "float:1e-6" / "unordered" / a dict / a
    JSON object string; checked by r1eval.task.checkers (whose types say what each kind takes)."""
    if value is None or value == "":
        return {"kind": "exact"}
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("float:"):
            checker = checkers.parse(stripped)
            return {"kind": "float", "abs_tol": checker.abs_tol, "rel_tol": checker.rel_tol}
        if stripped.startswith("{"):
            value = checkers.json_object(stripped, "checker")
        else:
            value = {"kind": stripped}
    if not isinstance(value, Mapping):
        raise DataError(f"checker must be a kind name or an object with 'kind', got {value!r}")
    checkers.parse(value)
    return dict(value)


def _metadata(row: Mapping[str, Any]) -> dict:
    meta = row.get("metadata") or {}
    if isinstance(meta, str):
        try:
            meta = json.loads(meta) if meta.strip() else {}
        except json.JSONDecodeError as exc:
            raise DataError(f"metadata is not valid JSON ({exc.msg})") from exc
    return meta if isinstance(meta, dict) else {}


def code_spec(row: Mapping[str, Any]) -> CodeSpec:
    """All public + private tests of a row (or its plain `tests` list), its mode, entry point and limits."""
    raw = decode_tests(row.get("tests")) if row.get("tests") is not None else \
        decode_tests(row.get("public_test_cases")) + decode_tests(row.get("private_test_cases"))
    if not raw:
        raise DataError("problem has no tests (public_test_cases / private_test_cases / tests)")
    for test in raw:
        if not isinstance(test, Mapping) or not isinstance(test.get("input"), str) \
                or not isinstance(test.get("output"), str):
            raise DataError("each test must be an object with string 'input' and 'output'")
    func_name = _metadata(row).get("func_name") or row.get("func_name")
    types = {test.get("testtype") for test in raw} - {None}
    mode = "functional" if ("functional" in types or (not types and func_name)) else "stdin"
    if mode == "functional" and not func_name:
        raise DataError("functional tests need metadata.func_name (the Solution method to call)")
    checker = parse_checker(row.get("checker"))
    return CodeSpec(
        tests=tuple(TestCase(t["input"], t["output"]) for t in raw), mode=mode,
        entry_point=func_name if mode == "functional" else None, starter_code=row.get("starter_code") or "",
        time_limit_s=float(row.get("time_limit_s") or DEFAULT_TIME_LIMIT_S),
        memory_mb=int(row.get("memory_limit_mb") or CodeSpec.memory_mb),
        checker=checkers.canonical(checker))
