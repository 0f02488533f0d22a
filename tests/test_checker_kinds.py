"""Checkers are values (r1eval.task.checkers); the host and the sandbox's server know the same kinds."""
from __future__ import annotations

import dataclasses
import importlib.util
import sys

import pytest

from r1eval.errors import DataError
from r1eval.sandbox.image import sandbox_dir
from r1eval.task import checkers


def _sandbox_server():
    sys.path.insert(0, str(sandbox_dir()))
    try:
        spec = importlib.util.spec_from_file_location("sandbox_server", sandbox_dir() / "server.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(sandbox_dir()))
    return module


def test_the_host_and_the_sandbox_know_the_same_checker_kinds():
    server = _sandbox_server()
    assert sorted(server.CHECKER_KINDS) == sorted(checkers.KINDS)
    assert sorted(server.judges.PROGRAM_KINDS) == sorted(checkers.PROGRAM_KINDS)
    parsed = {type(checkers.parse({"kind": k, "source": "x", "program": "x", "language": "python"
                                   if k != "testlib" else "cpp"})).__name__ for k in checkers.KINDS}
    assert parsed == {"Compare", "Tokens", "Custom", "JudgeProgram"}  # every kind has its type


def test_a_checker_is_parsed_once_into_a_value_and_travels_as_the_server_wants_it():
    tokens = checkers.parse('{"kind": "tokens", "case_sensitive": true, "abs_tol": 1e-6}')
    assert tokens == checkers.Tokens(case_sensitive=True, abs_tol=1e-6)
    assert checkers.parse('{"kind": "tokens", "case_sensitive": true, "abs_tol": 1e-6}') is tokens  # cached value
    assert checkers.wire(tokens) == {"kind": "tokens", "case_sensitive": True, "abs_tol": 1e-6}
    assert checkers.parse("float:1e-3") == checkers.Compare("float", 1e-3, 1e-3)
    validator = checkers.parse({"kind": "validator", "language": "cpp", "source": "int main(){}",
                                "files": {"v.h": "x"}, "args": ["case_sensitive"]})
    assert validator.is_cpp and validator.files == (("v.h", "x"),)
    assert checkers.wire(validator, "QUJD") == {"kind": "validator", "args": ["case_sensitive"], "binary": "QUJD"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        validator.source = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["nonsense", '{"kind": "testlib", "language": "python", "source": "x"}',
                                 '{"kind": "custom"}', '{"kind": "tokens", "abs_tol": "big"}', "{not json", "float:x"])
def test_a_bad_checker_is_refused_with_a_reason(bad):
    with pytest.raises(DataError):
        checkers.parse(bad)


def test_an_interactor_is_a_judge_program():
    interactor = checkers.interactor('{"language": "cpp", "source": "int main(){}"}')
    assert interactor is not None and interactor.kind == "interactor" and interactor.is_cpp
    assert checkers.interactor("") is None
