"""A small exact LaTeX reader for the forms most answers take, straight to sympy (~0.1 ms instead of the ANTLR
parser's ~30 ms): numbers, + - * / \\cdot \\times, implicit products, ^, \\frac, \\sqrt[n]{}, \\pi, \\infty,
(), [], {} groups and one-letter symbols. Anything else raises Unsupported and the caller falls back to
latex2sympy2_extended. Symbols are lowercased, as latex2sympy does, so the two readers agree on a value.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import sympy

_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(\\[a-zA-Z]+)|([A-Za-z])|(\S))")
_CONSTANTS = {"\\pi": sympy.pi, "\\infty": sympy.oo}
_TIMES = {"*", "\\cdot", "\\times"}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_RELATIONS = {"=": sympy.Eq, "<": sympy.Lt, ">": sympy.Gt, "\\le": sympy.Le, "\\leq": sympy.Le,
              "\\ge": sympy.Ge, "\\geq": sympy.Ge}


class Unsupported(ValueError):
    """Outside the subset this reader knows; use the full parser."""


def _tokens(text: str) -> list[str]:
    out = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            break
        out.append(match.group(match.lastindex))
        position = match.end()
    return out


class _Reader:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise Unsupported(f"expected {expected or 'more'}")
        self.index += 1
        return token

    def expression(self) -> Any:
        sign = -1 if self.peek() == "-" else 1
        if self.peek() in ("-", "+"):
            self.take()
        value = sign * self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> Any:
        value = self.power()
        while True:
            token = self.peek()
            if token in _TIMES or token == "/":
                self.take()
                right = self.power()
                value = value / right if token == "/" else value * right
            elif token is not None and (token[0].isalnum() or token in _OPENERS or token in _CONSTANTS
                                        or token in ("\\frac", "\\sqrt")):
                value = value * self.power()  # implicit product: 2\pi, 3x, 2(x+1)
            else:
                return value

    def power(self) -> Any:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            if self.peek() == "-":
                self.take()
                return base ** (-self.atom())
            return base ** self.atom()
        return base

    def group(self) -> Any:
        self.take("{")
        value = self.expression()
        self.take("}")
        return value

    def atom(self) -> Any:
        token = self.take()
        if token[0].isdigit() or token[0] == ".":
            value = Fraction(token)
            return sympy.Rational(value.numerator, value.denominator)
        if token in _CONSTANTS:
            return _CONSTANTS[token]
        if token == "\\frac":
            top = self.group()
            return top / self.group()
        if token == "\\sqrt":
            if self.peek() == "[":
                self.take("[")
                index = self.expression()
                self.take("]")
                return sympy.root(self.group(), index)
            return sympy.sqrt(self.group())
        if token in _OPENERS:
            value = self.expression()
            self.take(_OPENERS[token])
            return value
        if len(token) == 1 and token.isalpha():
            return sympy.Symbol(token.lower())
        raise Unsupported(token)


def read(text: str) -> Any:
    """The exact sympy value of `text`, or Unsupported."""
    reader = _Reader(_tokens(text))
    if not reader.tokens:
        raise Unsupported("empty")
    value = reader.expression()
    if reader.peek() in _RELATIONS:
        relation = _RELATIONS[reader.take()]
        value = relation(value, reader.expression(), evaluate=False)
    if reader.peek() is not None:
        raise Unsupported(reader.peek())
    return value
