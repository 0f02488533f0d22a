"""String clean-up of an extracted answer before any parsing: cosmetic LaTeX goes, meaning stays.

Everything here is a pure regex/string pass (bounded time). What it removes never changes a value: delimiters,
spacing commands, \\left/\\right, \\displaystyle, thousands separators, trailing units and words. Markers that DO
carry meaning are kept as flags: a degree sign and a percent sign (30° is not pi/6, 25% is not 0.25).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SPACING = re.compile(
    r"(?<!\\)\\[,;:> ]|\\q?quad(?![a-zA-Z])|~|\\hspace\*?\{[^}]*\}|\\(?:displaystyle|textstyle|limits)(?![a-zA-Z])")
_FRAC_CMD = re.compile(r"\\[dtc]frac(?![a-zA-Z])")
_FRAC_SHORT = re.compile(r"\\frac\s*(\d)\s*(\d)")
_FRAC_HALF_SHORT = re.compile(r"\\frac\s*\{([^{}]*)\}\s*(\d)")
_FRAC_TOP_SHORT = re.compile(r"\\frac\s*(\d)\s*\{")
_SQRT_SHORT = re.compile(r"\\sqrt\s*(\d+)")
_LEFT_RIGHT = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\s*(?=[()\[\]|.]|\\[{}|])")
_DELIMITERS = re.compile(r"^\s*(?:\$\$?|\\\[|\\\()\s*|\s*(?:\$\$?|\\\]|\\\))\s*$")
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:(?:\{,\}|,(?=\d{3}(?!\d))|\\,)\d{3})+)(?![\d])")
_DEGREE = re.compile(r"\s*(?:\^\s*\{?\s*\\circ\s*\}?|\\degree|°|\^\s*\{?\s*\\text\{\s*o\s*\}\s*\}?)")
_PERCENT = re.compile(r"\s*(?:\\%|%|\\text\{\s*percent\s*\}|\bpercent\b)\s*$")
_TEXT_CMD = re.compile(
    r"\\(?:boxed|fbox|text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname|mathit|boldsymbol)\s*\{")
_UNIT_TAIL = re.compile(
    r"(?<=[\d}).])\s*(?:\\text\{[^{}]*\}|\\mbox\{[^{}]*\}|\\mathrm\{[^{}]*\})(?:\s*\^\s*\{?\d\}?)?\s*$")
_WORD_TAIL = re.compile(r"(?<=[\d}).])\s+(?:[A-Za-z]{2,}\.?(?:\s+|$))+(?:\^\s*\{?\d\}?)?$")
_HEDGE = re.compile(
    r"\s*(?:\\text\{\s*(?:or|and)\s*\}|\\(?:quad|qquad)?\s*\b(?:or|and)\b|\\lor(?![a-zA-Z])|\\vee(?![a-zA-Z]))\s*")
_TRAILING = re.compile(r"[\s.,;:]+$")


@dataclass(frozen=True)
class Cleaned:
    text: str
    degrees: bool = False
    percent: bool = False
    several: bool = False  # the answer joined alternatives with "or"/"and"


def strip_text_wrappers(text: str) -> str:
    """\\text{abc} -> abc (balanced), so plain words and units are visible to the next passes."""
    while True:
        match = _TEXT_CMD.search(text)
        if match is None:
            return text
        depth, index = 1, match.end()
        while index < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        inner = text[match.end():index - 1] if depth == 0 else text[match.end():]
        text = text[:match.start()] + inner + text[index:]


def clean(raw: str) -> Cleaned:
    text = raw.strip()
    previous = None
    while previous != text:  # "$\displaystyle 5$." needs a few rounds
        previous = text
        text = _DELIMITERS.sub("", text)
        text = _TRAILING.sub("", text).strip("*`")  # markdown bold / code around an answer line's value
    text = text.replace("\\$", "").replace("$", "").replace("\\!", "")
    text = _THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"\{,\}|,|\\,", "", m.group(2)), text)
    text = _SPACING.sub(" ", text)
    text = _LEFT_RIGHT.sub("", text)
    text = _FRAC_CMD.sub(r"\\frac", text)
    text = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_HALF_SHORT.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_TOP_SHORT.sub(r"\\frac{\1}{", text)
    text = _SQRT_SHORT.sub(r"\\sqrt{\1}", text)
    text = text.replace("\\{,\\}", "{,}").replace("\\infty", "\\infty ").replace("\\dots", "").replace("\\ldots", "")
    text = _UNIT_TAIL.sub("", text)
    degrees = bool(_DEGREE.search(text))
    text = _DEGREE.sub("", text)
    percent = bool(_PERCENT.search(text))
    text = _PERCENT.sub("", text)
    several = bool(_HEDGE.search(text))
    text = _HEDGE.sub(", ", text)
    text = _WORD_TAIL.sub("", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _TRAILING.sub("", text)
    return Cleaned(text, degrees, percent, several)
