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
_MEMBER = re.compile(r"^[A-Za-z]\s*(?:\\in|∈)\s*")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z '\-()]*$")


@dataclass(frozen=True)
class Node:
    kind: str  # num | seq | set | matrix | base | text | assign | ratio | chain
    raw: str
    value: Any = None  # num: exact value; assign: (name, Node); base: (digits, base); seq: names (x=2, y=3) or None;
    # ratio: whether written as a clock time H:MM; chain: (middle, (op, op)) of low < middle < high
    items: tuple[Node, ...] = ()
    brackets: str = ""  # seq: opening + closing bracket, e.g. "[)"; assign: "name" (x = 5) or "expr" (m + n = 113)
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


_SUBSCRIPT = re.compile(r"_\s*(?:\{[^{}]*\}|\w)")
_ARGUMENTS = re.compile(r"(?<=[A-Za-z}])\([^()]*\)")  # f(2), P(A)
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_TIME = re.compile(r"^\d{1,2}:[0-5]\d(?::[0-5]\d)?$")  # H:MM or H:MM:SS
_INEQUALITY = {"<": "<", ">": ">", "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "<=": "<=",
               "≤": "<=", "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", ">=": ">=", "≥": ">="}


def is_name(text: str) -> bool:
    """Whether `text` names a quantity rather than computing one: x, a_{37}, f(x), |AB|, AB, V_1:V_2, \\frac{NO}{BO},
    (p, q). No digits (outside subscripts and arguments) and no + - * ^: `2x + z` and `x^2` are expressions."""
    bare = _ARGUMENTS.sub("", _SUBSCRIPT.sub("", text))
    if not re.search(r"[A-Za-z]", bare) or re.search(r"[\d+\-*^=<>!]", bare):
        return False
    return not re.sub(r"[A-Za-z\s{}()|:,/]", "", _COMMAND.sub("", bare))


def _is_constant(text: str) -> bool:
    return not re.search(r"[A-Za-z]", _COMMAND.sub("", text))


def _split_list(text: str) -> list[str]:
    """Top-level items of a loose list; with both "," and ";" at the top, ";" separates groups ("p=5,q=2;p=7,q=2")."""
    if ";" in text:
        groups = split_top(text, r";")
        if len(groups) > 1 and any(len(split_top(group, r",")) > 1 for group in groups):
            return groups
    return split_top(text, r",|;")


def _list_node(text: str, parts: list[str]) -> Node:
    """A list; assignments to distinct names make a named tuple (`x=2, y=3` is (2, 3)); assignments to one name
    and bare values make the list of that name's values (`a=4, -8, -10`)."""
    items = tuple(parse(p) for p in parts if p)
    names = [item.value[0] for item in items if item.kind == "assign" and item.brackets == "name"]
    if len(names) == len(items) > 1 and len({_name_key(n) for n in names}) == len(names):
        return Node("seq", text, value=tuple(_name_key(n) for n in names), items=tuple(i.value[1] for i in items),
                    brackets="()")
    if names and len({_name_key(n) for n in names}) == 1:
        values: list[Node] = []
        for item in items:
            value = item.value[1] if item.kind == "assign" else item
            values += value.items if value.kind == "set" and value.brackets == "pm" else [value]
        items = tuple(values)
    return Node("set", text, items=items, brackets="list")


def _name_key(name: str) -> str:
    return re.sub(r"[\s{}]", "", name)


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
    if text[0] == "{" and text[-1] == "}" and _wraps(text) and len(split_top(text[1:-1], r",|;")) > 1:
        return Node("set", text, items=tuple(parse(p) for p in split_top(text[1:-1], r",|;") if p))  # {1,2,3}
    unions = split_top(text, r"\\cup(?![a-zA-Z])|∪")
    if len(unions) > 1:
        return Node("set", text, items=tuple(parse(p) for p in unions), brackets="cup")
    if re.match(r"^[\[(]\s*\\begin\{array\}.*\\end\{array\}\s*[\])]$", text, re.DOTALL):
        text = text[1:-1].strip()  # \left[\begin{array}{cc}...\end{array}\right]
    if (matrix := _MATRIX.match(text)) is not None:
        rows = [r for r in (row.strip() for row in matrix.group(2).split("\\\\")) if r]
        cells = [[parse(c.strip()) for c in row.split("&")] for row in rows]
        if not cells or len({len(r) for r in cells}) != 1:
            raise ValueError("ragged matrix")
        return Node("matrix", text, items=tuple(c for r in cells for c in r), shape=(len(cells), len(cells[0])))
    if text[0] in "([" and text[-1] in ")]" and _wraps(text):
        items = split_top(text[1:-1], r",")
        if len(items) == 1 and ";" in text:
            items = split_top(text[1:-1], r";")  # (0;-2;6)
        if len(items) == 1:
            if text[0] == "(":
                return parse(items[0])
            raise ValueError("bracketed expression")
        return Node("seq", text, items=tuple(parse(p) for p in items), brackets=text[0] + text[-1])
    parts = _split_list(text)
    if len(parts) > 1:
        return _list_node(text, parts)
    if "\\pm" in text or "±" in text:
        plus, minus = (text.replace(s, o, 1) for s, o in (("\\pm", "+"), ("\\pm", "-")))
        return Node("set", text, items=(parse(plus), parse(minus)), brackets="pm")
    if (base := _BASE.match(text)) is not None and int(base.group(2)) >= 2 and not base.group(1).isalpha():
        return Node("base", text, value=(base.group(1).upper(), int(base.group(2))))
    relations = split_top(text, _REL)
    if len(relations) > 1:
        ops = [op.strip() for op in _REL.findall(text)]
        if all(op == "=" for op in ops):
            if len(relations) > 2:
                return parse(relations[-1])  # a computation "x = 5+5+1 = 11": the last member is the value
            left, right = relations
            if is_name(left):
                return Node("assign", text, value=(left, parse(right)), brackets="name")
            if is_name(right) and _is_constant(left):
                return Node("assign", text, value=(right, parse(left)), brackets="name")
            if _is_constant(left) and _is_constant(right):
                return parse(right)  # a computation "2 + 3 = 5": the right side is the value
            if _is_constant(right) != _is_constant(left):  # "m + n = 113", "7 = 11a + c"
                expr, value = (left, right) if _is_constant(right) else (right, left)
                return Node("assign", text, value=(expr, parse(value)), brackets="expr")
        elif len(relations) == 3 and len(ops) == 2 and all(op in _INEQUALITY for op in ops):
            return Node("chain", text, value=(relations[1], tuple(_INEQUALITY[op] for op in ops)),
                        items=(parse(relations[0]), parse(relations[2])))  # -2 \le x \le 7
    ratio = split_top(text, r":")
    if len(ratio) > 1 and all(part and _is_constant(part) for part in ratio):
        return Node("ratio", text, items=tuple(parse(p) for p in ratio), value=bool(_TIME.match(text)))
    plain = strip_text_wrappers(text).strip()
    if _WORDS.match(plain) and (plain != text or len(max(plain.split(), key=len)) >= 3):
        return Node("text", text, value=text_key(plain))
    return Node("num", text, value=symbolic.parse_value(plain if plain != text else text))


def _distinct(items: tuple[Node, ...]) -> list[Node]:
    """An answer's tuples once each: the same tuple listed twice is one solution. Numbers are kept as listed
    ("7, 5, 7" is not "5, 7"), and a gold that repeats a member means it (a double root)."""
    kept: list[Node] = []
    for item in items:
        if item.kind != "seq" or not any(equivalent(item, other) for other in kept):
            kept.append(item)
    return kept


def _match_unordered(a: tuple[Node, ...], b: tuple[Node, ...]) -> bool:
    if len(a) != len(b):
        a = tuple(_distinct(a))
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


_COMPARE = {"<": "Lt", "<=": "Le", ">": "Gt", ">=": "Ge"}


def _chain_set(node: Node) -> Any:
    """`low < m < high` as the set of real values it allows: of m itself when m is a name (`0 < f(x) < 1` is
    (0, 1)), else of m's one unknown (`1 <= |z| <= 2` is [-2, -1] U [1, 2])."""
    middle, ops = node.value
    low, high = (symbolic.to_sympy(i.value) for i in node.items)
    if is_name(middle) and "|" not in middle:
        if ops[0][0] != ops[1][0]:
            return None  # 1 < x > 0 is no interval
        if ops[0][0] == ">":
            low, high, ops = high, low, ops[::-1]
        return sympy.Interval(low, high, len(ops[0]) == 1, len(ops[1]) == 1)
    symbolic.need_symbolic()
    value = symbolic.to_sympy(symbolic.parse_value(middle))
    symbols = getattr(value, "free_symbols", set())
    if len(symbols) != 1:
        return None
    (symbol,) = symbols
    unknown = sympy.Symbol(symbol.name, real=True)
    value = value.subs(symbol, unknown)
    condition = sympy.And(getattr(sympy, _COMPARE[ops[0]])(low, value), getattr(sympy, _COMPARE[ops[1]])(value, high))
    try:
        return condition.as_set()
    except (NotImplementedError, TypeError, ValueError):
        return None


def _as_sympy_set(node: Node) -> Any:
    """An interval, union of intervals and finite sets, chained or one-variable inequality as a sympy set (None when
    it is none of these)."""
    if node.kind == "seq" and len(node.items) == 2 and all(i.kind == "num" for i in node.items):
        low, high = (symbolic.to_sympy(i.value) for i in node.items)
        return sympy.Interval(low, high, node.brackets[0] == "(", node.brackets[1] == ")")
    if node.kind == "set" and node.brackets == "cup":
        parts = [_as_sympy_set(i) for i in node.items]
        return None if any(p is None for p in parts) else sympy.Union(*parts)
    if node.kind == "set" and node.brackets == "" and all(i.kind == "num" for i in node.items):
        return sympy.FiniteSet(*(symbolic.to_sympy(i.value) for i in node.items))  # \{-1\} \cup [0, 7)
    if node.kind == "chain" and all(i.kind == "num" for i in node.items):
        return _chain_set(node)
    if _is_relation(node) and len(node.value.free_symbols) == 1:
        return node.value.as_set()
    return None


def _is_relation(node: Node) -> bool:
    return node.kind == "num" and not isinstance(node.value, Fraction) and isinstance(node.value, sympy.Rel)


def _as_relation(node: Node) -> Node:
    """x = 5 read as the equation it is (to compare with an equation written another way)."""
    return Node("num", node.raw, value=symbolic.parse_value(node.raw))


def _equal_ratios(a: Node, b: Node) -> bool:
    """Clock times compare as the time they name (9:05 = 9:05:00, never 12:00 = 1:00); a ratio a:b scales
    (2:3 = 4:6) only when no part is zero."""
    if a.value and b.value:
        return _seconds(a.raw) == _seconds(b.raw)
    if len(a.items) != len(b.items) or not all(i.kind == "num" for i in a.items + b.items):
        return False
    if any(symbolic.equal_values(i.value, Fraction(0)) for i in a.items + b.items):
        return all(equivalent(x, y) for x, y in zip(a.items, b.items))
    first_a, first_b = a.items[0].value, b.items[0].value
    return all(symbolic.equal_values(_product(x.value, first_b), _product(y.value, first_a))
               for x, y in zip(a.items, b.items))


def _seconds(clock: str) -> int:
    hours, minutes, *seconds = (int(part) for part in clock.split(":"))
    return hours * 3600 + minutes * 60 + sum(seconds)


def _product(x: Any, y: Any) -> Any:
    """Exact product, staying with Fractions (no sympy, so the fast path can decide) when both are."""
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x * y
    return symbolic.to_sympy(x) * symbolic.to_sympy(y)


def _assign_vs_other(assign: Node, other: Node, assign_is_gold: bool) -> bool:
    """`name = value` answers with its value; an equation `2x + z = 1` in the gold stays an equation (answer `1` is
    not it), while in an answer `m + n = 113` states the value asked for."""
    if _is_relation(other):
        return equivalent(_as_relation(assign), other)
    if assign.brackets == "expr" and assign_is_gold:
        return False
    return equivalent(assign.value[1], other) if not assign_is_gold else equivalent(other, assign.value[1])


_FUNCTION = re.compile(r"^([A-Za-z])(?:_\{?\w+\}?)?\s*(?:\(\s*([A-Za-z](?:\s*,\s*[A-Za-z])*)\s*\))?$")


def _function_names(a: Node, b: Node) -> bool:
    """Both sides define a function of the variables in their values (`f(x) = ...`, `y = ...`), at least one in
    function notation with its arguments free in the value, and neither value a constant or using its own name."""
    forms = [(_FUNCTION.match(_name_key(n.value[0])), n.value[1].raw) for n in (a, b)]
    if not all(form and _letters(raw) and form.group(1) not in _letters(raw) for form, raw in forms):
        return False
    return any(form.group(2) and set(form.group(2).replace(",", "")) <= _letters(raw) for form, raw in forms)


def _letters(raw: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]", re.sub(r"\\[a-zA-Z]+", "", raw)))


def equivalent(a: Node, b: Node) -> bool:
    """Whether answer `a` is mathematically equivalent to gold `b` (tuples ordered; sets and lists not)."""
    if a.kind == "assign" and b.kind != "assign":
        return _assign_vs_other(a, b, assign_is_gold=False)
    if b.kind == "assign" and a.kind != "assign":
        return _assign_vs_other(b, a, assign_is_gold=True)
    if a.kind != b.kind:
        if a.kind == "base" and b.kind == "num":  # the answer names its base: compare values
            return _base_value(*a.value) == b.value
        if a.kind == "num" and b.kind == "base":  # the gold asks for base-b digits: the digits must match
            return a.raw.strip().upper() == b.value[0]
        if {a.kind, b.kind} <= {"seq", "matrix"}:
            seq, mat = (a, b) if a.kind == "seq" else (b, a)
            return 1 in mat.shape and seq.brackets == "()" and len(seq.items) == len(mat.items) and all(
                equivalent(x, y) for x, y in zip(seq.items, mat.items))
        if {a.kind, b.kind} == {"seq", "set"}:  # named values "x=2, y=3" against a bare list "2, 3", in order
            seq, loose = (a, b) if a.kind == "seq" else (b, a)
            return seq.value is not None and loose.brackets == "list" and len(seq.items) == len(loose.items) and all(
                equivalent(x, y) for x, y in zip(a.items, b.items))
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
    if a.kind == "ratio":
        return _equal_ratios(a, b)
    if a.kind == "chain":
        set_a, set_b = _as_sympy_set(a), _as_sympy_set(b)
        return set_a is not None and set_a == set_b
    if a.kind == "assign":
        if _name_key(a.value[0]) == _name_key(b.value[0]):
            return equivalent(a.value[1], b.value[1])
        if _function_names(a, b):  # g(t) = 3t - 1 is y = 3t - 1: the name of the dependent variable is free
            return equivalent(a.value[1], b.value[1])
        if a.brackets == "name" and b.brackets == "name" and not _is_relation(a.value[1]):
            return False  # x = 5 is not y = 5
        return equivalent(_as_relation(a), _as_relation(b))  # 2x - y + 3 = 0 against y = 2x + 3
    if a.kind == "seq":
        if a.value is not None and b.value is not None:  # named values match by name: x=2, y=3 is y=3, x=2
            order = {name: index for index, name in enumerate(b.value)}
            return set(a.value) == set(b.value) and all(
                equivalent(x, b.items[order[name]]) for name, x in zip(a.value, a.items))
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
    if node.kind == "ratio":
        return ":".join(canonical(item) for item in node.items)
    if node.kind == "chain":
        return node.raw
    inner = [canonical(item) for item in node.items]
    if node.kind == "seq":
        return node.brackets[0] + ", ".join(inner) + node.brackets[1]
    if node.kind == "matrix":
        rows, cols = node.shape
        return "[" + "; ".join(", ".join(inner[r * cols:(r + 1) * cols]) for r in range(rows)) + "]"
    joiner = " U " if node.brackets == "cup" else ", "
    return "{" + joiner.join(sorted(inner)) + "}"
