import base64
import json
import pickle
import zlib

import pytest

from r1eval.task import code_rows as lcb_format
from r1eval.errors import DataError
from r1eval.task.data import read_jsonl_rows


def _encode(obj) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(obj))).decode()


def test_decodes_real_lcb_private_tests(shared_data):
    row = next(r for r in read_jsonl_rows(shared_data / "lcb_sample_with_tests.jsonl") if r["id"] == "1873_A")
    tests = lcb_format.decode_tests(row["private_test_cases"])
    assert len(tests) == 4 and tests[0]["testtype"] == "stdin" and tests[0]["input"] == "1\nabc\n"
    spec = lcb_format.code_spec(row)
    assert spec.mode == "stdin" and len(spec.tests) == 1 + 4 and spec.time_limit_s == 6.0


def test_functional_rows_use_metadata_func_name(shared_data):
    row = next(r for r in read_jsonl_rows(shared_data / "lcb_sample_with_tests.jsonl") if r["id"] == "3533")
    spec = lcb_format.code_spec(row)
    assert spec.mode == "functional" and spec.entry_point == "finalPositionOfSnake"
    assert spec.tests[0].input == '2\n["RIGHT", "DOWN"]'


def test_unpickler_refuses_every_class():
    class_payload = _encode(json.JSONDecoder)  # a pickle that references a class
    with pytest.raises(DataError, match="refusing to load"):
        lcb_format.decode_tests(class_payload)
    assert lcb_format.decode_tests(_encode('[{"input": "1", "output": "2"}]')) == [{"input": "1", "output": "2"}]


def test_plain_tests_list_limits_and_checker():
    row = {"id": "p", "tests": [{"input": "1\n", "output": "1.0\n", "testtype": "stdin"}], "time_limit_s": 2,
           "memory_limit_mb": 128, "checker": "float:1e-3"}
    spec = lcb_format.code_spec(row)
    assert (spec.time_limit_s, spec.memory_mb) == (2.0, 128)
    assert lcb_format.parse_checker(spec.checker) == {"kind": "float", "abs_tol": 1e-3, "rel_tol": 1e-3}


@pytest.mark.parametrize("row, message", [
    ({"tests": []}, "no tests"),
    ({"tests": [{"input": 1, "output": "2"}]}, "string 'input'"),
    ({"tests": [{"input": "1", "output": "2", "testtype": "functional"}]}, "func_name"),
    ({"tests": [{"input": "1", "output": "2"}], "checker": "fuzzy"}, "checker must be"),
    ({"public_test_cases": "not base64 at all!"}, "cannot decode"),
])
def test_bad_rows_are_data_errors(row, message):
    with pytest.raises(DataError, match=message):
        lcb_format.code_spec(row)
