"""The in-sandbox comparison (sandbox/output_check.py is stdlib-only and runs in the image; it is imported here by path)."""
import importlib.util

from r1eval.sandbox.image import sandbox_dir

_spec = importlib.util.spec_from_file_location("sandbox_compare", sandbox_dir() / "output_check.py")
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)
EXACT = {"kind": "exact"}


def test_stdout_ignores_trailing_spaces_final_newline_and_crlf():
    assert compare.compare_stdout("1 2  \r\n3\n\n", "1 2\n3", EXACT)[0]
    assert compare.compare_stdout("1  2\n", "1 2\n", EXACT)[0]  # numbers equal though the text differs
    assert not compare.compare_stdout("Yes  2\n", "Yes 2\n", EXACT)[0]  # LCB: a word is never a number


def test_stdout_rejects_a_different_token_or_line_count():
    assert not compare.compare_stdout("1 2\n", "1 3\n", EXACT)[0]
    ok, why = compare.compare_stdout("1\n2\n", "1\n", EXACT)
    assert not ok and "expected 1 lines, got 2" in why


def test_numbers_compare_exactly_unless_a_tolerance_is_given():
    assert compare.compare_stdout("1.50\n", "1.5\n", EXACT)[0]  # same Decimal, as LiveCodeBench
    assert not compare.compare_stdout("0.3333333\n", "0.33333333\n", EXACT)[0]
    assert compare.compare_stdout("0.3333333\n", "0.33333333\n", {"kind": "float", "abs_tol": 1e-6})[0]
    assert not compare.compare_stdout("0.3334\n", "0.3333\n", {"kind": "float", "abs_tol": 1e-6})[0]
    assert compare.compare_stdout("1000001\n", "1000000\n", {"kind": "float", "rel_tol": 1e-5})[0]


def test_unordered_lines():
    assert compare.compare_stdout("b 1\na 2\n", "a 2\nb 1\n", {"kind": "unordered"})[0]
    assert not compare.compare_stdout("b 1\na 2\n", "a 2\nb 2\n", {"kind": "unordered"})[0]


def test_functional_values_tuples_are_lists_and_floats_need_tolerance():
    assert compare.compare_value('["list", 1, 2]', "[1, 2]", EXACT)[0]
    assert not compare.compare_value('["list", 1, 2]', "[2, 1]", EXACT)[0]
    assert compare.compare_value('["list", 2, 1]', "[1, 2]", {"kind": "unordered"})[0]
    assert not compare.compare_value("0.30000000000000004", "0.3", EXACT)[0]
    assert compare.compare_value('["list", 0.30000000000000004]', "[0.3]", {"kind": "float"})[0]
    assert not compare.compare_value("not json", "1", EXACT)[0]
    nested = '["list", ["tuple", 1, 2]]'  # [(1, 2)]
    assert compare.compare_value(nested, "[[1, 2]]", EXACT, "json")[0]
    assert not compare.compare_value(nested, "[[1, 2]]", EXACT, "python")[0]  # LiveCodeBench: a tuple is no list
    assert compare.compare_value('["tuple", 1, 2]', "[1, 2]", EXACT, "python")[0]  # ... except the value itself
    assert not compare.compare_value('["dict", [1, 2]]', '{"1": 2}', EXACT, "python")[0]
    assert compare.compare_value('["dict", [1, 2]]', '{"1": 2}', EXACT, "json")[0]
    for forged in ("[1, 2]", '{"a": 1}', '["set", 1]', '["dict", [["list"], 1]]'):  # not the child's tagged form
        assert not compare.compare_value(forged, "[1, 2]", EXACT)[0]


def test_hostile_values_are_wrong_answers_not_judge_crashes():
    deep = "[" * 100_000 + "]" * 100_000
    too_deep = (False, "return value is not a plain value (or nested too deeply)")
    assert compare.compare_value(deep, "[]", EXACT) == too_deep
    assert not compare.compare_stdout("1e999999999 nan inf\n", "1e999999999 nan infinity\n", EXACT)[0]
    assert compare.compare_stdout("\udcff 1\n", "\udcff 1\n", EXACT)[0]
