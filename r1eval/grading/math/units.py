"""A unit written after a value (`5\\pi \\text{ cm}`, `12 m^2`, `7days`, `30^\\circ C`): split off, named, compared.

The value alone is compared with the gold (the question fixes the unit; a bare gold `12` is answered by `12 m^2`).
A unit is never converted: when the gold carries a unit this table knows and the answer another unit, known or
not (`7 days` or `7 fortnights` for `7 weeks`, `12 cm^2` for `12 cm`), the answer is wrong. Words after a gold's
value that name no known unit decide nothing. Letters are read as a unit only where they cannot be a variable: a word of
2+ letters after a space, a unit this table knows written straight after the number (`7days`, `5cm`), a
one-letter symbol (`m`, `s`, `g`, `L`...) only after a space and only when what is left is a constant.
"""
from __future__ import annotations

import re

_NAMES = {  # canonical unit: its spellings (lower case; plurals are added below)
    "mm": "mm millimeter millimetre", "cm": "cm centimeter centimetre", "m": "m meter metre", "km": "km kilometer "
    "kilometre", "in": "in inch inches", "ft": "ft foot feet", "yd": "yd yard", "mi": "mi mile",
    "s": "s sec second", "min": "min minute", "h": "h hr hrs hour", "day": "day", "week": "wk week", "month": "month",
    "year": "yr yrs year", "mg": "mg milligram", "g": "g gram", "kg": "kg kilogram", "lb": "lb lbs pound",
    "oz": "oz ounce",
    "ml": "ml milliliter millilitre", "l": "l liter litre", "gal": "gal gallon", "cent": "cent cents ¢",
    "dollar": "dollar dollars", "deg": "deg degree", "rad": "rad radian", "mph": "mph", "°c": "°c celsius",
    "°f": "°f fahrenheit", "unit": "unit",
}
UNITS = {spelling: key for key, spellings in _NAMES.items() for word in spellings.split()
         for spelling in (word, word + "s" if len(word) > 1 and not word.endswith("s") else word)}
UNKNOWN = "?"  # words after a value that name no unit this table knows
_ONE_LETTER = frozenset({"m", "s", "g", "h", "l"})
_POWER = r"(?:\s*\^\s*\{?\s*([23])\s*\}?)?"
_TEXT_TAIL = re.compile(r"\\(?:text|textnormal|textbf|textit|textrm|mbox|mathrm|operatorname)\s*\{([^{}]*)\}"
                        + _POWER + r"\s*$")
_WORDS_TAIL = re.compile(r"(?<=\s)((?:[A-Za-z]{2,}\.?\s+)*[A-Za-z]+)\.?" + _POWER + r"\s*$")
_GLUED_TAIL = re.compile(r"(?<=[\d}])([A-Za-z]{2,})" + _POWER + r"\s*$")
_DEGREE_LETTER = re.compile(r"(\^\s*\{?\s*\\circ\s*\}?|°)\s*([CF])\s*$")
_SQUARE = re.compile(r"^(?:square|sq\.?)\s+|^(?:cubic|cu\.?)\s+")
_VALUE_END = re.compile(r"(?:[\d}).]|\\[a-zA-Z]+|°)\s*$")
_LETTERS = re.compile(r"[A-Za-z]")


def unit_key(words: str, power: str | None = None) -> str | None:
    """The canonical name of a unit as written ("square inches" -> "in^2", "hrs" -> "h"); None when unknown."""
    words = words.strip().lower().rstrip(".")
    prefix = _SQUARE.match(words)
    if prefix:
        power = power or ("3" if prefix.group(0).startswith("cu") else "2")
        words = words[prefix.end():]
    key = (UNITS.get(words.replace(" ", "")) or UNITS.get(words.split()[0])) if words.split() else None
    if key is None:
        return None
    return key + (f"^{power}" if power else "")


def split_unit(text: str) -> tuple[str, str | None, bool]:
    """(value, unit key, UNKNOWN for words no unit of this table, or None when nothing was removed; whether
    something was removed). Only a tail after a value counts."""
    if match := _DEGREE_LETTER.search(text):  # 30^\circ C: a temperature; the degree mark stays for the caller
        return text[:match.start(2)].rstrip(), "°" + match.group(2).lower(), True
    for pattern in (_TEXT_TAIL, _WORDS_TAIL, _GLUED_TAIL):
        match = pattern.search(text)
        if match is None:
            continue
        value, words = text[:match.start()].rstrip(), match.group(1).strip()
        if not value or not _VALUE_END.search(value) or not re.search(r"[A-Za-z]{2,}|^[A-Za-z]$", words):
            continue
        key = unit_key(words, match.group(2))
        if pattern is _GLUED_TAIL and key is None:
            continue  # 2ab is a product, 7days is not
        if len(words) == 1 and (words.lower() not in _ONE_LETTER or _LETTERS.search(_commands_out(value))):
            continue  # 3 + 4\mathrm{i}, x + 5 m: a letter that may be a variable or a constant
        return value, key or UNKNOWN, True
    return text, None, False


def _commands_out(text: str) -> str:
    return re.sub(r"\\[a-zA-Z]+", "", text)
