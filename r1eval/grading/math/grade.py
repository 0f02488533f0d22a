"""Math and integer grading of one extracted final answer against a gold answer.

Returns (status, canonical answer, detail). Every answer judged correct carries the gold's key as its canonical
form, so all correct samples vote together in cons@n whatever form they were written in.
"""
from __future__ import annotations

import functools
import re
from fractions import Fraction

from r1eval.grading.extract import Found, answer_line, boxes, clip_sentence, last_box_run, read_statement
from r1eval.grading.math import structure, symbolic
from r1eval.grading.math.normalize import Cleaned, clean
from r1eval.grading.math.units import UNKNOWN
from r1eval.types import Status

Graded = tuple[Status, "str | None", str]
MAX_ANSWER_CHARS = 1000  # longer than any real final answer; parsing it would only cost time


@functools.lru_cache(maxsize=4096)
def gold_clean(gold: str) -> Cleaned:
    """The cleaned gold (cached: golds repeat across samples). A gold that holds boxes (`\\boxed{1, 2}`, a worked
    solution) is its last run of boxes, read like a response's final answer; a gold written as a sentence with an
    answer cue ("The final answer is 250.") is the answer that sentence states."""
    found = boxes(gold)
    if not found:
        line = answer_line(gold)
        said = read_statement(clip_sentence(line[1])) if line is not None else None
        return clean(said if said is not None else gold)
    parts = [clean(part) for part in last_box_run(found, gold)]
    texts = list(dict.fromkeys(part.text for part in parts if part.text))
    return Cleaned(", ".join(texts), unit=parts[-1].unit if len(texts) == 1 else None)


def gold_text(gold: str) -> str:
    return gold_clean(gold).text


@functools.lru_cache(maxsize=4096)
def gold_key(gold: str, integer: bool) -> str:
    """The canonical form of a gold answer, computed without sympy."""
    text = gold_text(gold)
    number = symbolic.fast_number(text)
    if number is not None:
        return str(int(number)) if integer and number.denominator == 1 else str(number)
    return re.sub(r"(?<=[^A-Za-z])\s+|\s+(?=[^A-Za-z])", "", text)


@functools.lru_cache(maxsize=4096)
def gold_node(gold: str) -> structure.Node:
    """The parsed gold; a gold no parser reads is compared as text (a dataset quirk, not the model's fault)."""
    text = gold_text(gold)
    try:
        return structure.parse(text)
    except (ValueError, RecursionError):
        return structure.Node("text", text, value=structure.text_key(text))


def _answer_text(found: Found) -> Cleaned:
    """Clean each part; adjacent boxes with different contents become one list flagged as several answers."""
    parts = [clean(part) for part in found.parts]
    distinct = list(dict.fromkeys(p.text for p in parts if p.text))
    if len(distinct) > 1 and _all_equivalent(distinct):  # "\boxed{15\frac{39}{40}} = \boxed{\frac{639}{40}}"
        return parts[-1]
    if len(distinct) <= 1:
        return parts[-1]
    return Cleaned(", ".join(distinct), parts[-1].degrees, parts[-1].percent, several=True, unit=parts[-1].unit)


def _all_equivalent(texts: list[str]) -> bool:
    try:
        nodes = [structure.parse(text) for text in texts]
    except (ValueError, RecursionError):
        return False
    return all(structure.equivalent(node, nodes[0]) for node in nodes[1:])


def _final_answer(found: Found | None, gold: str) -> Cleaned | Graded:
    """The cleaned final answer, or the verdict when there is nothing to compare (none, empty, too long, or in
    another unit than the gold's: units are never converted)."""
    if found is None:
        return Status.NO_ANSWER, None, "no \\boxed{} answer or 'Answer:' line after </think>"
    if sum(len(part) for part in found.parts) > MAX_ANSWER_CHARS:
        return Status.INCORRECT, None, f"{found.source}: answer too long to be one final answer"
    answer = _answer_text(found)
    if not answer.text:
        return Status.NO_ANSWER, None, f"empty {found.source}"
    gold_unit = gold_clean(gold).unit
    if answer.unit and gold_unit not in (None, UNKNOWN) and answer.unit != gold_unit:
        said = "a unit it does not know" if answer.unit == UNKNOWN else answer.unit
        return Status.INCORRECT, answer.text, f"{found.source}: in {said}, the gold is in {gold_unit} (never converted)"
    return answer


def grade_math(found: Found | None, gold: str) -> Graded:
    answer = _final_answer(found, gold)
    if isinstance(answer, tuple):
        return answer
    key = gold_key(gold, False)
    if answer.text == gold_text(gold) and not answer.several:
        return Status.CORRECT, key, f"{found.source}: same as gold"
    gold_parsed = gold_node(gold)
    try:
        node = structure.parse(answer.text)
    except symbolic.TooComplex as exc:
        return Status.INCORRECT, answer.text, f"{found.source}: {exc}"
    except (ValueError, RecursionError) as exc:
        node = structure.Node("text", answer.text, value=structure.text_key(answer.text))
        if gold_parsed.kind != "text":
            return Status.INCORRECT, answer.text, f"{found.source}: unreadable answer ({exc})"[:160]
    named_gold = gold_parsed.kind == "seq" and gold_parsed.value is not None  # x = 2, y = 3 answers as "2, 3"
    if node.kind == "set" and gold_parsed.kind != "set" and not named_gold and (
            answer.several or node.brackets in ("list", "pm")):
        return Status.INCORRECT, structure.canonical(node), f"{found.source}: several answers (hedge)"
    if structure.equivalent(node, gold_parsed):
        return Status.CORRECT, key, f"{found.source}: equivalent to gold"
    return Status.INCORRECT, structure.canonical(node), f"{found.source}: not equivalent to gold"


def grade_integer(found: Found | None, gold: str) -> Graded:
    """AIME-style: the answer must be an integer equal to the gold (033 == 33)."""
    answer = _final_answer(found, gold)
    if isinstance(answer, tuple):
        return answer
    expected = symbolic.fast_number(gold_text(gold))
    if expected is None or expected.denominator != 1:
        return grade_math(found, gold)  # a non-integer gold: grade it as math rather than guess
    if answer.several:
        return Status.INCORRECT, answer.text, f"{found.source}: several answers (hedge)"
    value = symbolic.fast_number(answer.text)
    if value is None:
        try:
            node = structure.parse(answer.text)
        except (ValueError, RecursionError) as exc:
            return Status.INCORRECT, answer.text, f"{found.source}: not an integer ({exc})"[:160]
        if node.kind == "assign":
            node = node.value[1]
        if node.kind != "num":
            return Status.INCORRECT, structure.canonical(node), f"{found.source}: not a single integer"
        exact = symbolic.to_sympy(node.value)
        if not getattr(exact, "is_Integer", False):
            exact = exact.simplify() if hasattr(exact, "simplify") else exact
        if not getattr(exact, "is_Integer", False):
            return Status.INCORRECT, symbolic.canonical_value(node.value), f"{found.source}: not an integer"
        value = Fraction(int(exact))
    if value.denominator != 1:
        return Status.INCORRECT, str(value), f"{found.source}: not an integer"
    if value == expected:
        return Status.CORRECT, str(int(expected)), f"{found.source}: equals gold"
    return Status.INCORRECT, str(int(value)), f"{found.source}: differs from gold"
