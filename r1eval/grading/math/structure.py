"""The shape of a math answer: number/expression, ordered tuple or interval, unordered set or list, union of
intervals, matrix, relation, assignment (x = 5), base-b numeral (1011_2) or plain text; and how shapes compare.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from r1eval.grading.math import symbolic
from r1eval.grading.math.normalize import strip_text_wrappers
from r1eval.grading.math.symbolic import sympy

_OPEN, _CLOSE = "([{", ")]}"
_MATRIX = re.compile(r"^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^}]*\})?(.*)\\end\{\1\}$", re.DOTALL)
_BASE = re.compile(r"^([0-9A-Za-z]+)_\{?\s*(\d{1,2})\s*\}?$")
_REL = re.compile(r"\\(?:leq?|geq?|neq?|leqslant|geqslant)(?![a-zA-Z])|<=|>=|!=|[=<>≤≥≠]")
_SYMBOL = re.compile(r"^(?:[A-Za-z]|\\[a-zA-Z]+)(?:_\{?[\w]+\}?)?(?:\([A-Za-z]\))?$")
_MEMBER = re.compile(r"^[A-Za-z]\s*(?:\\in|∈)\s*")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z '\-()]*$")


@dataclass(frozen=True)
class Node:
    kind: str  # num | seq | set | matrix | base | text | assign
    raw: str
    value: Any = None  # num: exact value; assign: (symbol, Node); base: (digits, base)
    items: tuple[Node, ...] = ()
    brackets: str = ""  # seq: opening + closing bracket, e.g. "[)"
    shape: tuple[int, int] = (0, 0)


def split_top(text: str, separators: str | re.Pattern[str]) -> list[str]:
    """Split at separators that are not inside any bracket (counting \\{ \\} like { })."""
    pattern = separators if isinstance(separators, re.Pattern) else re.compile(separators)
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1:index + 2] in ("{", "}"):
            depth += 1 if text[index + 1] == "{" else -1
            index += 2
            continue
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0:
            match = pattern.match(text, index)
            if match and match.end() > index:
                parts.append(text[start:index])
                start = index = match.end()
                continue
        index += 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _wraps(text: str) -> bool:
    """Whether the first bracket closes exactly at the last character."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char in _OPEN) - (char in _CLOSE)
        if depth == 0:
            return index == len(text) - 1
    return False


def text_key(text: str) -> str:
    text = strip_text_wrappers(text).lower()
    text = re.sub(r"\\[a-z]+", " ", text)
    return re.sub(r"[\s(){}\[\].,:;'\"*]+", " ", text).strip()


@functools.lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """Parse a cleaned answer; raises ValueError (or symbolic.TooComplex) when it is not an answer we can read."""
    text = text.strip()
    if not text:
        raise ValueError("empty answer")
    if (member := _MEMBER.match(text)) is not None:
        text = text[member.end():]  # "x \in [-2, 7]" states the set
    if text.startswith("\\{") and text.endswith("\\}"):
        inner = text[2:-2].strip()
        items = [p for p in split_top(inner, r",|;") if p] if inner else []
        return Node("set", text, items=tuple(parse(p) for p in items))
    unions = split_top(text, r"\\cup(?![a-zA-Z])|∪")
    if len(unions) > 1:
        return Node("set", text, items=tuple(parse(p) for p in unions), brackets="cup")
    if (matrix := _MATRIX.match(text)) is not None:
        rows = [r for r in (row.strip() for row in matrix.group(2).split("\\\\")) if r]
        cells = [[parse(c.strip()) for c in row.split("&")] for row in rows]
        if not cells or len({len(r) for r in cells}) != 1:
            raise ValueError("ragged matrix")
        return Node("matrix", text, items=tuple(c for r in cells for c in r), shape=(len(cells), len(cells[0])))
    if text[0] in "([" and text[-1] in ")]" and _wraps(text):
        items = split_top(text[1:-1], r",")
        if len(items) == 1:
            if text[0] == "(":
                return parse(items[0])
            raise ValueError("bracketed expression")
        return Node("seq", text, items=tuple(parse(p) for p in items), brackets=text[0] + text[-1])
    parts = split_top(text, r",|;")
    if len(parts) > 1:
        return Node("set", text, items=tuple(parse(p) for p in parts if p), brackets="list")
    if "\\pm" in text or "±" in text:
        plus, minus = (text.replace(s, o, 1) for s, o in (("\\pm", "+"), ("\\pm", "-")))
        return Node("set", text, items=(parse(plus), parse(minus)), brackets="pm")
    if (base := _BASE.match(text)) is not None and int(base.group(2)) >= 2 and not base.group(1).isalpha():
        return Node("base", text, value=(base.group(1).upper(), int(base.group(2))))
    relations = split_top(text, _REL)
    if len(relations) > 1:
        ops = _REL.findall(text)
        if all(op == "=" for op in ops) and _SYMBOL.match(relations[0]):
            return Node("assign", text, value=(relations[0], parse(relations[-1])))
        numeric_lhs = not re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", "", relations[0]))
        if all(op == "=" for op in ops) and (len(relations) > 2 or numeric_lhs):
            return parse(relations[-1])  # a computation "2 + 3 = 5": the last member is the value
    plain = strip_text_wrappers(text).strip()
    if _WORDS.match(plain) and (plain != text or len(max(plain.split(), key=len)) >= 3):
        return Node("text", text, value=text_key(plain))
    return Node("num", text, value=symbolic.parse_value(plain if plain != text else text))


def _match_unordered(a: tuple[Node, ...], b: tuple[Node, ...]) -> bool:
    if len(a) != len(b):
        return False
    unused = list(b)
    for item in a:
        for index, other in enumerate(unused):
            if equivalent(item, other):
                del unused[index]
                break
        else:
            return False
    return True


def _as_sympy_set(node: Node) -> Any:
    """An interval, union of intervals, or one-variable inequality as a sympy set (None when it is none of these)."""
    if node.kind == "seq" and len(node.items) == 2 and all(i.kind == "num" for i in node.items):
        low, high = (symbolic.to_sympy(i.value) for i in node.items)
        return sympy.Interval(low, high, node.brackets[0] == "(", node.brackets[1] == ")")
    if node.kind == "set" and node.brackets == "cup":
        parts = [_as_sympy_set(i) for i in node.items]
        return None if any(p is None for p in parts) else sympy.Union(*parts)
    if _is_relation(node) and len(node.value.free_symbols) == 1:
        return node.value.as_set()
    return None


def _is_relation(node: Node) -> bool:
    return node.kind == "num" and not isinstance(node.value, Fraction) and isinstance(node.value, sympy.Rel)


def _as_relation(node: Node) -> Node:
    """x = 5 read as the equation it is (to compare with an equation written another way)."""
    return Node("num", node.raw, value=symbolic.parse_value(node.raw))


def equivalent(a: Node, b: Node) -> bool:
    """Whether answer `a` is mathematically equivalent to gold `b` (tuples ordered; sets and lists not)."""
    if a.kind == "assign" and b.kind != "assign":
        return equivalent(_as_relation(a) if _is_relation(b) else a.value[1], b)
    if b.kind == "assign" and a.kind != "assign":
        return equivalent(a, _as_relation(b) if _is_relation(a) else b.value[1])
    if a.kind != b.kind:
        if a.kind == "base" and b.kind == "num":  # the answer names its base: compare values
            return _base_value(*a.value) == b.value
        if a.kind == "num" and b.kind == "base":  # the gold asks for base-b digits: the digits must match
            return a.raw.strip().upper() == b.value[0]
        if {a.kind, b.kind} <= {"seq", "matrix"}:
            seq, mat = (a, b) if a.kind == "seq" else (b, a)
            return 1 in mat.shape and seq.brackets == "()" and len(seq.items) == len(mat.items) and all(
                equivalent(x, y) for x, y in zip(seq.items, mat.items))
        if "text" in (a.kind, b.kind):
            return text_key(a.raw) == text_key(b.raw)
        set_a, set_b = _as_sympy_set(a), _as_sympy_set(b)
        return set_a is not None and set_b is not None and set_a == set_b
    if a.kind == "num":
        return symbolic.equal_values(a.value, b.value)
    if a.kind == "text":
        return a.value == b.value
    if a.kind == "base":
        return a.value == b.value
    if a.kind == "assign":
        return a.value[0] == b.value[0] and equivalent(a.value[1], b.value[1])
    if a.kind == "seq":
        return a.brackets == b.brackets and len(a.items) == len(b.items) and all(
            equivalent(x, y) for x, y in zip(a.items, b.items))
    if a.kind == "matrix":
        return a.shape == b.shape and all(equivalent(x, y) for x, y in zip(a.items, b.items))
    return _match_unordered(a.items, b.items)  # set, list, union, +-


def _base_value(digits: str, radix: int) -> Any:
    try:
        return Fraction(int(digits, radix))
    except ValueError:
        return None


def canonical(node: Node) -> str:
    """The vote key: equivalent answers in the forms the fast paths know give the same string."""
    if node.kind == "num":
        return symbolic.canonical_value(node.value)
    if node.kind == "text":
        return node.value
    if node.kind == "base":
        return f"{node.value[0]}_{node.value[1]}"
    if node.kind == "assign":
        return canonical(node.value[1])
    inner = [canonical(item) for item in node.items]
    if node.kind == "seq":
        return node.brackets[0] + ", ".join(inner) + node.brackets[1]
    if node.kind == "matrix":
        rows, cols = node.shape
        return "[" + "; ".join(", ".join(inner[r * cols:(r + 1) * cols]) for r in range(rows)) + "]"
    joiner = " U " if node.brackets == "cup" else ", "
    return "{" + joiner.join(sorted(inner)) + "}"
