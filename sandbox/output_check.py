"""Output comparison, run by the trusted server (never inside the submission's process). Stdlib only.

stdin tests, LiveCodeBench's rule: the text stripped, split at "\n", each line stripped (trailing spaces, CR, the final
newline and blank lines at the ends never matter; a blank line inside does); a line that differs as text still
matches when every token on both sides is a number and they are equal as Decimals (`1.50` = `1.5`). Stricter than
LiveCodeBench: a number is ASCII digits with an optional sign, point and exponent (LCB's Decimal() also takes
`1_000`, `inf`, non-ASCII digits). functional tests compare the child's tagged value (zygote.py) with the expected
JSON under the profile's rule: "python" = LiveCodeBench's (a returned tuple counts as a list, then Python ==, so a
nested tuple is not a list and 1 is not "1" as a key); "json" = the value as JSON would carry it (tuples are lists).
Checkers: exact (the above), float (abs/rel tolerance on numeric tokens or values), unordered (multiset of lines or
of list elements), tokens (the problemtools default output validator and its flags). Checker programs (custom,
validator, testlib, openr1) run as sandboxed children (server.py, judges.py).
"""
from __future__ import annotations

import itertools
import json
import math
import re
from decimal import Decimal, InvalidOperation

KINDS = ("exact", "float", "unordered", "tokens")  # the comparisons done here; program checkers: judges.py
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


_WORD = re.compile(r"\S+")  # str.split()'s tokens: runs of characters that are not str.isspace()


def _iter_lines(text: str):  # noqa: ANN202 - each line stripped, one at a time (a huge output is never split)
    start = 0
    while True:
        end = text.find("\n", start)
        yield (text[start:] if end < 0 else text[start:end]).strip()
        if end < 0:
            return
        start = end + 1


def _number(token: str) -> Decimal | None:
    if not NUMBER.fullmatch(token):
        return None
    try:
        return Decimal(token)
    except (InvalidOperation, ValueError):
        return None


def _tokens_equal(a: str, b: str, abs_tol: float | None, rel_tol: float | None) -> bool:
    if a == b:
        return True
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return False
    if abs_tol is None and rel_tol is None:
        return x == y
    return math.isclose(float(x), float(y), rel_tol=rel_tol or 0.0, abs_tol=abs_tol or 0.0)


def _lines_equal(got: str, want: str, abs_tol: float | None, rel_tol: float | None, exact: bool) -> bool:
    """Equal as text, or token by token (as str.split() cuts them, streamed): in `exact` mode every token a number
    on both sides and equal as decimals, else equal as text or as numbers within the tolerances."""
    if got == want:
        return True
    for a, b in itertools.zip_longest(_WORD.finditer(got), _WORD.finditer(want)):
        if a is None or b is None:
            return False
        x, y = a.group(), b.group()
        if exact:
            nx, ny = _number(x), _number(y)
            if nx is None or ny is None or nx != ny:
                return False
        elif not _tokens_equal(x, y, abs_tol, rel_tol):
            return False
    return True


def compare_stdout(got: str, want: str, checker: dict) -> tuple[bool, str]:
    """(passed, reason). `checker` is {"kind": exact|float|unordered, "abs_tol", "rel_tol"}."""
    kind = checker.get("kind", "exact")
    abs_tol, rel_tol = _tolerances(checker)
    got, want = got.strip(), want.strip()
    got_count, want_count = got.count("\n") + 1, want.count("\n") + 1
    if got_count != want_count:
        return False, f"expected {want_count} lines, got {got_count}"
    got_lines, want_lines = _iter_lines(got), _iter_lines(want)
    if kind == "unordered":
        got_lines = iter(sorted(" ".join(line.split()) for line in got_lines))
        want_lines = iter(sorted(" ".join(line.split()) for line in want_lines))
    for number, (a, b) in enumerate(zip(got_lines, want_lines, strict=True), 1):
        if not _lines_equal(a, b, abs_tol, rel_tol, kind == "exact"):
            return False, f"line {number}: expected {b[:60]!r}, got {a[:60]!r}"
    return True, ""


def _tolerances(checker: dict) -> tuple[float | None, float | None]:
    if checker.get("kind") != "float":
        return None, None
    abs_tol, rel_tol = checker.get("abs_tol"), checker.get("rel_tol")
    if abs_tol is None and rel_tol is None:
        abs_tol = rel_tol = 1e-6
    return abs_tol, rel_tol


def _values_equal(a, b, abs_tol: float | None, rel_tol: float | None) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_values_equal(x, y, abs_tol, rel_tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_values_equal(a[k], b[k], abs_tol, rel_tol) for k in a)
    numeric = (int, float)
    if (abs_tol is not None or rel_tol is not None) and isinstance(a, numeric) and isinstance(b, numeric) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=rel_tol or 0.0, abs_tol=abs_tol or 0.0)
    return a == b


_SCALARS = (bool, int, float, str)


def tagged(value):  # noqa: ANN001, ANN202
    """A functional test's return value in the tagged JSON form (the test child sends it, _untagged reads it back);
    a subclass of a scalar travels as its plain value, as json.dumps would send it; anything else (sets, objects) is
    refused."""
    if value is None or type(value) in _SCALARS:
        return value
    for scalar in _SCALARS:
        if isinstance(value, scalar):
            return scalar(value)
    if isinstance(value, (list, tuple)):
        return ["tuple" if isinstance(value, tuple) else "list"] + [tagged(item) for item in value]
    if isinstance(value, dict):
        return ["dict"] + [[tagged(key), tagged(item)] for key, item in value.items()]
    raise TypeError(f"{type(value).__name__} is not a list, tuple, dict, str, number, bool or None")


def _untagged(node):  # noqa: ANN001, ANN202
    """A value from the child's tagged JSON (zygote.py); ValueError/TypeError when it is not that form."""
    if isinstance(node, list):
        if not node or node[0] not in ("list", "tuple", "dict"):
            raise ValueError("untagged array")
        if node[0] == "dict":
            return {_untagged(key): _untagged(item) for key, item in node[1:]}
        items = [_untagged(item) for item in node[1:]]
        return tuple(items) if node[0] == "tuple" else items
    if isinstance(node, dict):
        raise ValueError("untagged object")
    return node


def compare_value(got_tagged: str, want_json: str, checker: dict, values: str = "json") -> tuple[bool, str]:
    """Compare the child's tagged return value with the expected JSON (both parsed here, in the server) under the
    profile's rule, `values` = "python" (LiveCodeBench) or "json"."""
    try:
        got = _untagged(json.loads(got_tagged))
        if values == "json" or checker.get("kind", "exact") != "exact":  # tolerance/unordered: r1eval's own checkers
            got = json.loads(json.dumps(got))
        elif isinstance(got, tuple):
            got = list(got)
    except (ValueError, TypeError, RecursionError):
        return False, "return value is not a plain value (or nested too deeply)"
    try:
        want = json.loads(want_json)
    except ValueError:
        return False, "expected output is not JSON (bad test)"
    abs_tol, rel_tol = _tolerances(checker)
    if checker.get("kind") == "unordered" and isinstance(got, list) and isinstance(want, list):
        got = sorted(got, key=_sort_key)
        want = sorted(want, key=_sort_key)
    try:
        if _values_equal(got, want, abs_tol, rel_tol):
            return True, ""
    except RecursionError:
        return False, "return value nested too deeply to compare"
    return False, f"expected {json.dumps(want)[:60]}, got {repr(got)[:60]}"


def _sort_key(value) -> str:
    return json.dumps(value, sort_keys=True)


# problemtools' default output validator (support/default_validator/default_validator.cc), restated as rules:
# bytes in the C locale, so whitespace is the six ASCII isspace() characters and case folding is ASCII only; a
# token is a float when sscanf("%lf") reads all of it (strtod's syntax: decimal or 0x hexadecimal, ASCII digits,
# no underscores) and it is finite. tests/problemtools_rules.py lists the cases and r1eval's verdict on each.
SPACE = " \t\n\v\f\r"
_RUNS = re.compile(f"[{SPACE}]+|[^{SPACE}]+")
_FLOAT = re.compile(r"[+-]?(?:(?P<hex>0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
                    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def c_float(token: str) -> float | None:
    """The token's value when problemtools' isfloat() takes it (all of it a C double, finite), else None."""
    match = _FLOAT.fullmatch(token)
    if match is None:
        return None
    try:
        value = float.fromhex(token) if match["hex"] else float(token)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def _runs(text: str, spaces: bool):  # noqa: ANN202 - a generator, so a huge output is never split into a list
    """(is_space, run) pairs of `text`; only the tokens unless `spaces`."""
    for match in _RUNS.finditer(text):
        run = match.group()
        is_space = run[0] in SPACE
        if spaces or not is_space:
            yield is_space, run


def _token_error(got: str, want: str, checker: dict) -> str:
    """Why `got` does not match the answer's token `want` ("" when it does)."""
    abs_tol, rel_tol = checker.get("abs_tol"), checker.get("rel_tol")
    if (abs_tol is not None or rel_tol is not None) and (y := c_float(want)) is not None:
        x = c_float(got)
        if x is None:
            return f"expected a float, got {got[:40]!r}"
        diff = abs(y - x)  # a missing tolerance is -1, as in problemtools: never satisfied
        if diff <= (-1.0 if abs_tol is None else abs_tol) or diff <= (-1.0 if rel_tol is None else rel_tol) * abs(y):
            return ""
        return f"too large a difference: expected {want[:40]!r}, got {got[:40]!r}"
    folded = not checker.get("case_sensitive") and got.translate(_ASCII_LOWER) == want.translate(_ASCII_LOWER)
    if got == want or folded:
        return ""
    return f"expected {want[:40]!r}, got {got[:40]!r}"


def compare_tokens(got: str, want: str, checker: dict) -> tuple[bool, str]:
    """The problemtools default validator: tokens separated by ASCII whitespace, compared case-insensitively (ASCII
    only) unless `case_sensitive`; with `space_change_sensitive` every whitespace run must equal the answer's; with
    `abs_tol` / `rel_tol` an answer token that is a float accepts a float within either tolerance. Streams both
    texts, so an output of millions of tokens costs no memory beyond the texts themselves."""
    spaces = bool(checker.get("space_change_sensitive"))
    ours, theirs = _runs(got, spaces), _runs(want, spaces)
    count = 0
    for want_run in theirs:
        got_run = next(ours, None)
        if got_run is None:
            return False, f"fewer tokens than the answer (it has more after token {count})"
        if want_run[0] or got_run[0]:
            if got_run != want_run:
                return False, f"whitespace differs from the answer after token {count}"
            continue
        count += 1
        why = _token_error(got_run[1], want_run[1], checker)
        if why:
            return False, f"token {count}: {why}"
    if next(ours, None) is not None:
        return False, f"more tokens than the answer (trailing output after token {count})"
    return True, ""
