"""Multiple-choice grading: one letter, compared with the gold letter; several letters are a hedge."""
from __future__ import annotations

import re
from collections.abc import Sequence

from r1eval.grading.extract import answer_line, boxes, choice_letters, clip_sentence
from r1eval.grading.math.grade import Graded
from r1eval.types import Status

LETTERS = "ABCDEFGHIJ"


def _by_choice_text(region: str, choices: Sequence[str]) -> str | None:
    """The letter whose full choice text the final answer line or box states ("Answer: 42 kJ/mol")."""
    line = answer_line(region)
    found = boxes(region)
    statement = found[-1][2] if found and (line is None or found[-1][0] > line[0]) else (
        clip_sentence(line[1]) if line else None)
    if not statement:
        return None
    said = _squash(statement)
    hits = [LETTERS[i] for i, choice in enumerate(choices) if _squash(choice) and _squash(choice) == said]
    return hits[0] if len(hits) == 1 else None


def _squash(text: str) -> str:
    return re.sub(r"[\s$*{}\\.]+|\\text|\\mathrm", "", text).lower()


def grade_choice(region: str, gold: str, choices: Sequence[str] = ()) -> Graded:
    gold_letter = gold.strip().strip("()").upper()
    if len(gold_letter) != 1 or gold_letter not in LETTERS:  # a data problem, not the model's
        return Status.ERROR, None, f"gold {gold[:20]!r} is not a choice letter A-J"
    n_choices = max(len(choices), LETTERS.index(gold_letter) + 1, 4)
    found = choice_letters(region, n_choices)
    if found is None:
        letter = _by_choice_text(region, choices) if choices else None
        if letter is None:
            return Status.NO_ANSWER, None, "no choice letter after </think>"
        found = ([letter], "choice text")
    letters, form = found
    distinct = sorted(set(letters))
    if len(distinct) > 1:
        return Status.INCORRECT, "/".join(distinct), f"{form}: several letters {'/'.join(distinct)} (hedge)"
    letter = distinct[0]
    if letter == gold_letter:
        return Status.CORRECT, letter, f"{form}: {letter}"
    return Status.INCORRECT, letter, f"{form}: {letter}, gold {gold_letter}"
