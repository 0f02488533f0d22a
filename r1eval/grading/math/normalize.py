"""String clean-up of an extracted answer before any parsing: cosmetic LaTeX goes, meaning stays.

Everything here is a pure regex/string pass (bounded time). What it removes never changes a value: delimiters,
spacing commands, \\left/\\right, \\displaystyle, thousands separators (only when the whole answer is one number
written in groups of three: `(1,100)` stays a pair), trailing units and words (a unit units.py knows is kept aside
in `Cleaned.unit`, never converted); `2 3/4` becomes the mixed number 2\\frac{3}{4}. Markers that DO
carry meaning are kept as flags: a degree sign and a percent sign (30° is not pi/6, 25% is not 0.25).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from r1eval.grading.math.units import UNKNOWN, split_unit

_SPACING = re.compile(
    r"(?<!\\)\\[,;:> ]|\\q?quad(?![a-zA-Z])|~|\\hspace\*?\{[^}]*\}|\\(?:displaystyle|textstyle|limits)(?![a-zA-Z])")
_FRAC_CMD = re.compile(r"\\[dtc]frac(?![a-zA-Z])")
_FRAC_SHORT = re.compile(r"\\frac\s*(\d)\s*(\d)")
_FRAC_HALF_SHORT = re.compile(r"\\frac\s*\{([^{}]*)\}\s*(\d)")
_FRAC_TOP_SHORT = re.compile(r"\\frac\s*(\d)\s*\{")
_SQRT_SHORT = re.compile(r"\\sqrt\s*(\d+)")
_LEFT_RIGHT = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\s*(?=[()\[\]|.]|\\[{}|])")
_DELIMITERS = re.compile(r"^\s*(?:\$\$?|\\\[|\\\()\s*|\s*(?:\$\$?|\\\]|\\\))\s*$")
_GROUPED = re.compile(r"^([+-]?[1-9]\d{0,2})(,|\{,\}| )(\d{3}(?:\2\d{3})*)(\.\d+)?$")  # 1,000 / 1{,}000 / 1 000
_REALS = re.compile(r"^(?:[a-z]\s*\\in\s*)?(?:\\mathbb\s*\{?\s*R\s*\}?|ℝ|\\R)$")
_CURRENCY = re.compile(r"^[€£¥]\s*|\s*[€£¥]$")
_GROUP_BANG = re.compile(r",\s*\\!\s*")  # 11,\! 111 is one number: \! takes back the space
_LT_GT = re.compile(r"\\([lg])t(?![a-zA-Z])")
_EMPTY_ITEMS = re.compile(r",(?:\s*,)+")
_DEGREE = re.compile(r"\s*(?:\^\s*\{?\s*\\circ\s*\}?|\\degree|°|\^\s*\{?\s*\\text\{\s*o\s*\}\s*\}?)")
_PERCENT = re.compile(r"\s*(?:\\%|%|\\text\{\s*percent\s*\}|\bpercent\b)\s*$")
_TEXT_CMD = re.compile(
    r"\\(?:boxed|fbox|text|textbf|textit|textrm|textnormal|mathrm|mathbf|mbox|operatorname|mathit|boldsymbol)\s*\{")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(:[0-5]\d)?\s*(?:\\(?:text|mathrm|mbox)\s*\{\s*)?"
                    r"([AaPp])\.?\s*[Mm]\.?\s*\}?$")
_MIXED_SLASH = re.compile(r"^([+-]?\d+)\s+(\d+)\s*/\s*(\d+)$")  # 2 3/4: a mixed number when 3/4 is proper
# "5 or 6", "1 and 2", "(11,7)or(7,11)": alternatives (a hedge in an answer, a list in a gold)
_HEDGE = re.compile(r"\s*(?:\\text\{\s*(?:or|and)\s*\}|\b(?:or|and)\b|\\lor(?![a-zA-Z])|\\vee(?![a-zA-Z]))\s*")
_TRAILING = re.compile(r"[\s.,;:]+$")


@dataclass(frozen=True)
class Cleaned:
    text: str
    degrees: bool = False
    percent: bool = False
    several: bool = False  # the answer joined alternatives with "or"/"and"
    unit: str | None = None  # a unit units.py knows, written after the value ("cm^2"); never converted


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


def _clock_24(match: re.Match[str]) -> str:
    """7:15 p.m. -> 19:15, 12:05 a.m. -> 0:05 (the 12-hour clock's convention: 12 a.m. is midnight, 12 p.m. noon)."""
    hour = int(match.group(1))
    if not 1 <= hour <= 12:
        return match.group(0)
    hour = hour % 12 + (12 if match.group(4) in "Pp" else 0)
    return f"{hour}:{match.group(2)}{match.group(3) or ''}"


def clean(raw: str) -> Cleaned:
    text = raw.strip()
    previous = None
    while previous != text:  # "$\displaystyle 5$." needs a few rounds
        previous = text
        text = _DELIMITERS.sub("", text)
        text = _TRAILING.sub("", text).strip("*`")  # markdown bold / code around an answer line's value
    if "\\!" in text:
        text = _GROUP_BANG.sub(",", text).replace("\\!", "")
    text = text.replace("\\$", "").replace("$", "")
    text = _CURRENCY.sub("", text)
    text = _SPACING.sub(" ", text)
    text = _LEFT_RIGHT.sub("", text)
    text = _FRAC_CMD.sub(r"\\frac", text)
    text = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_HALF_SHORT.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_TOP_SHORT.sub(r"\\frac{\1}{", text)
    text = _SQRT_SHORT.sub(r"\\sqrt{\1}", text)
    text = _LT_GT.sub(lambda m: "<" if m.group(1) == "l" else ">", text)
    text = text.replace("\\{,\\}", "{,}").replace("\\infty", "\\infty ").replace("\\dots", "").replace("\\ldots", "")
    text = _CLOCK.sub(_clock_24, text)
    text, unit, _ = split_unit(text)
    degrees = bool(_DEGREE.search(text))
    text = _DEGREE.sub("", text)
    percent = bool(_PERCENT.search(text))
    text = _PERCENT.sub("", text)
    text, hedges = _HEDGE.subn(", ", text)
    if hedges:  # "19, 46, and 82" leaves empty items
        text = _EMPTY_ITEMS.sub(",", text).strip(", ")
    text, later_unit, _ = split_unit(text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _TRAILING.sub("", text)
    if grouped := _GROUPED.match(text):
        text = grouped.group(1) + grouped.group(3).replace(grouped.group(2), "") + (grouped.group(4) or "")
    if (mixed := _MIXED_SLASH.match(text)) and 0 < int(mixed.group(2)) < int(mixed.group(3)):
        text = f"{mixed.group(1)}\\frac{{{mixed.group(2)}}}{{{mixed.group(3)}}}"
    if _REALS.match(text):
        text = "(-\\infty, \\infty)"
    unit = unit or later_unit
    if degrees and unit in (None, UNKNOWN):
        unit = "deg"  # 30^\\circ (an angle, whatever words follow) is in degrees: never 30 radians
    return Cleaned(text, degrees, percent, several=bool(hedges), unit=unit)
