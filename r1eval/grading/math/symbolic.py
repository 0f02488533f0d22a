"""One scalar answer -> an exact value, and exact equivalence of two values.

Fast paths (no sympy): integers, decimals, fractions, mixed numbers, scientific notation and repeating decimals
become `fractions.Fraction`. Everything else needs sympy, which only time-bounded workers may run: r1eval's own
reader (latexfast) first, latex2sympy2_extended (the kept LaTeX parser) for the rest. Decimals become exact
fractions first, so no float ever enters a comparison: 1/2^98 is never 1/2^99.
"""
from __future__ import annotations

import contextvars
import functools
import hashlib
import re
from fractions import Fraction
from typing import Any


class _LazySympy:
    """sympy, imported on first use: `import r1eval` (the CLI, reports) should not pay ~0.5 s for it."""

    def __getattr__(self, name: str) -> Any:
        import sympy as module

        return getattr(module, name)


sympy = _LazySympy()
Value = Any  # Fraction or a sympy expression / relational

_NUM = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)$")
_RATIO = re.compile(r"^([+-]?)\s*(?:\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}|(\d+)\s*/\s*(\d+))$")
_NEG_FRAC = re.compile(r"^\\frac\{\s*(-?\d+)\s*\}\{\s*(-?\d+)\s*\}$")
_MIXED = re.compile(r"^([+-]?)(\d+)\s*\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}$")
_SCI = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$|"
                  r"^([+-]?\d+(?:\.\d+)?)[eE]([+-]?\d+)$")
_REPEAT = re.compile(r"^([+-]?)(\d*)\.(\d*)\s*\\overline\{\s*(\d+)\s*\}$")
_DECIMAL_IN_EXPR = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")
# power towers, exponents of 4+ digits, 60+ digit literals, multifactorials, 100!: unbounded work for sympy
_HUGE = re.compile(
    r"\^\s*\{[^{}]*\^|\^\s*\d+\s*\^|\^\s*\{?\s*\d{4,}|\d{60,}|\d\s*!\s*!|\d{3,}\s*!|\\underbrace|\\overbrace")
_MAX_SYMBOLIC_CHARS = 300
_MAX_KEY_CHARS = 120


class NeedsSymbolic(Exception):
    """Raised on the fast path when sympy work is needed; the caller re-runs the item under a time bound.

    `key` names the work (kind, gold, final answer as extracted): items with equal keys get equal verdicts.
    """

    key: tuple = ()


_SYMBOLIC = contextvars.ContextVar("r1eval_symbolic_allowed", default=False)


def allow_symbolic(allowed: bool = True) -> None:
    """Let sympy work run in this context (set in time-bounded worker processes only)."""
    _SYMBOLIC.set(allowed)


def need_symbolic() -> None:
    """Raise NeedsSymbolic unless sympy work may run here (a worker): call before any unbounded sympy step."""
    if not _SYMBOLIC.get():
        raise NeedsSymbolic


class TooComplex(ValueError):
    """The answer would take unbounded work to evaluate (e.g. 10^{10^{10}}); graded as incorrect."""


def fast_number(text: str) -> Fraction | None:
    """Exact value of a plain number written as integer, decimal, fraction, mixed number, 1.2e3, 0.1\\overline{6}."""
    text = text.strip()
    if match := _NUM.match(text):
        value = Fraction(match.group(2))
        return -value if match.group(1) == "-" else value
    if match := _RATIO.match(text):
        top, bottom = (match.group(2), match.group(3)) if match.group(2) else (match.group(4), match.group(5))
        if int(bottom) == 0:
            return None
        value = Fraction(int(top), int(bottom))
        return -value if match.group(1) == "-" else value
    if match := _NEG_FRAC.match(text):
        return Fraction(int(match.group(1)), int(match.group(2))) if int(match.group(2)) else None
    if match := _MIXED.match(text):
        if int(match.group(4)) == 0:
            return None
        value = int(match.group(2)) + Fraction(int(match.group(3)), int(match.group(4)))
        return -value if match.group(1) == "-" else value
    if match := _SCI.match(text):
        mantissa, exponent = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        if abs(int(exponent)) > 400:
            return None
        return Fraction(mantissa) * Fraction(10) ** int(exponent)
    if match := _REPEAT.match(text):
        whole, fixed, period = match.group(2) or "0", match.group(3), match.group(4)
        value = int(whole) + (Fraction(int(fixed or "0"), 10 ** len(fixed))
                              + Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed)))
        return -value if match.group(1) == "-" else value
    return None


def _exact_decimals(text: str) -> str:
    return _DECIMAL_IN_EXPR.sub(lambda m: f"\\frac{{{m.group(1)}{m.group(2)}}}{{1{'0' * len(m.group(2))}}}", text)


@functools.lru_cache(maxsize=8192)
def parse_value(text: str) -> Value:
    """Exact value of one scalar or relational LaTeX answer; raises ValueError when it is not mathematics."""
    number = fast_number(text)
    if number is not None:
        return number
    if text in ("\\infty", "+\\infty", "-\\infty", "∞", "-∞"):
        return sympy.oo if not text.startswith("-") else -sympy.oo
    if len(text) > _MAX_SYMBOLIC_CHARS or _HUGE.search(text):
        raise TooComplex("too large to evaluate exactly")
    need_symbolic()
    from r1eval.grading.math import latexfast

    try:
        value = latexfast.read(_exact_decimals(text))
    except latexfast.Unsupported:
        value = _full_parse(text)
    except (TypeError, ZeroDivisionError) as exc:
        raise ValueError(f"not a value ({type(exc).__name__})") from exc
    if not isinstance(value, (sympy.Basic, sympy.MatrixBase)):
        raise ValueError("not an expression")  # noqa: TRY004 - "not an answer we can read", like the rest
    symbols = getattr(value, "free_symbols", set())
    imaginary = [s for s in symbols if s.name in ("i", "j")]
    if imaginary and len(symbols) == len(imaginary):
        value = value.subs({s: sympy.I for s in imaginary})
    euler = [s for s in symbols if s.name == "e"]
    if euler and len(symbols) == 1:
        value = value.subs(euler[0], sympy.E)
    return value


def _full_parse(text: str) -> Any:
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.math_normalization import NormalizationConfig

    config = NormalizationConfig(basic_latex=True, units=False, malformed_operators=True, nits=False,
                                 boxed="none", equations=False)
    try:
        return latex2sympy(_exact_decimals(text), normalization_config=config)
    except Exception as exc:  # the ANTLR parser raises bare Exception subclasses
        raise ValueError(f"unparsed: {str(exc).splitlines()[0][:60]}") from exc


def to_sympy(value: Value) -> Any:
    return sympy.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else value


def _magnitude(value: Any) -> Any:
    try:
        return max(1, abs(sympy.N(value, 15))) if value.is_number else 1
    except (TypeError, ValueError, ArithmeticError):
        return 1


def _is_zero_numeric(diff: Any, a: Any, b: Any) -> bool | None:
    """False when |a - b| is clearly nonzero at 15 digits; True when it is below 1e-45 relative at 60 digits;
    None when numbers cannot decide (not a number, nan)."""
    try:
        scale = max(_magnitude(a), _magnitude(b))
        rough = sympy.N(diff, 15)
        if not rough.is_number or rough.has(sympy.nan, sympy.zoo):
            return None
        if abs(rough) > sympy.Float(10) ** -10 * scale:
            return False
        fine = sympy.N(diff, 60)
        return bool(abs(fine) <= sympy.Float(10) ** -45 * scale)
    except (TypeError, ValueError, ArithmeticError):
        return None


def equal_values(a: Value, b: Value) -> bool:
    """Exact mathematical equality of two scalars (constants compared exactly, expressions by identity)."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    if all(isinstance(v, Fraction) or v in (sympy.oo, -sympy.oo) for v in (a, b)):
        return a == b
    need_symbolic()
    a, b = to_sympy(a), to_sympy(b)
    if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
        return isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase) and a.shape == b.shape and all(
            equal_values(x, y) for x, y in zip(a, b))
    if isinstance(a, sympy.Rel) or isinstance(b, sympy.Rel):
        return equal_relations(a, b)
    if not isinstance(a, sympy.Expr) or not isinstance(b, sympy.Expr):
        return a == b
    if a == b:
        return True
    if a.is_infinite or b.is_infinite:
        return False
    if a.is_Rational and b.is_Rational:
        return False
    if (a.is_Rational and b.is_rational is False) or (b.is_Rational and a.is_rational is False):
        return False  # a decimal, however long, is not sqrt(2)
    diff = a - b
    symbols = diff.free_symbols
    if not symbols:
        numeric = _is_zero_numeric(diff, a, b)
        if numeric is False:
            return False
        if sympy.simplify(diff) == 0:
            return True
        return bool(numeric)
    if sympy.expand(diff) == 0:
        return True
    # identity test at a few rational points, then a symbolic confirmation
    points = (sympy.Rational(7, 3), sympy.Rational(-5, 11), sympy.Rational(13, 17))
    for point in points:
        values = {s: point + k for k, s in enumerate(sorted(symbols, key=str))}
        numeric = _is_zero_numeric(diff.subs(values), a.subs(values), b.subs(values))
        if numeric is False:
            return False
    return sympy.simplify(diff) == 0


def _relation_parts(rel: Any) -> tuple[str, Any]:
    """A relation as (op, expr) with expr op 0, where op is one of == > >=."""
    if isinstance(rel, sympy.Eq):
        return "==", rel.lhs - rel.rhs
    if isinstance(rel, (sympy.StrictGreaterThan, sympy.GreaterThan)):
        return (">" if rel.rel_op == ">" else ">="), rel.lhs - rel.rhs
    if isinstance(rel, (sympy.StrictLessThan, sympy.LessThan)):
        return (">" if rel.rel_op == "<" else ">="), rel.rhs - rel.lhs
    return "!=", rel.lhs - rel.rhs


def equal_relations(a: Any, b: Any) -> bool:
    """Equations match when one side-difference is a nonzero constant multiple of the other (positive for <, >)."""
    if not (isinstance(a, sympy.Rel) and isinstance(b, sympy.Rel)):
        return False
    try:
        op_a, expr_a = _relation_parts(a)
        op_b, expr_b = _relation_parts(b)
    except TypeError:  # a relation between a symbol and a set, say: not an equation
        return a == b
    if op_a != op_b:
        return False
    if expr_b == 0:
        return expr_a == 0
    ratio = sympy.simplify(expr_a / expr_b)
    if ratio.free_symbols or ratio == 0 or not ratio.is_finite:
        return False
    return op_a in ("==", "!=") or bool(ratio.is_positive)


def canonical_value(value: Value) -> str:
    """A vote key: equal rationals give equal keys ("1/2" for 0.5, \\frac12, 1/2); sympy's normal form otherwise."""
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, sympy.Expr) and value.is_Rational:
        return str(value)
    if isinstance(value, sympy.Expr):
        value = sympy.expand(value) if value.free_symbols else sympy.radsimp(sympy.expand(value))
    text = str(value)
    if len(text) <= _MAX_KEY_CHARS:
        return text
    return text[:_MAX_KEY_CHARS] + "...#" + hashlib.sha1(text.encode()).hexdigest()[:8]
