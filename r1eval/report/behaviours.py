"""Reasoning behaviours the R1 paper tracks over RL training, measured on completion text.

- reflection: the response contains a reflection marker ("wait", "re-evaluate", "let me check", "aha", ...),
  matched case-insensitively on word boundaries; the list is configurable.
- language mixing: the response uses a writing system the question does not (e.g. CJK characters in an answer
  to an English question). Latin counts only as words of 4+ letters outside LaTeX commands and think tags, so
  `\\boxed{}` or a variable `x` never makes a Chinese answer "mixed".
- think-tag health: `</think>` missing, or malformed (repeated tags, `<think>` after `</think>`, nothing after
  `</think>`). Measured over finished responses only: a truncated response lacks `</think>` because it was cut,
  which the truncation rate already reports.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from r1eval.grading.extract import split_response
from r1eval.types import Completion

DEFAULT_MARKERS: tuple[str, ...] = ("wait", "re-evaluate", "reevaluate", "let me check", "let me verify",
                                    "double-check", "aha")
MIN_FOREIGN_CHARS = 3

_SCRIPTS = {
    "cjk": re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "arabic": re.compile(r"[\u0600-\u06ff]"),
    "latin": re.compile(r"(?<![\\A-Za-z])[A-Za-z]{4,}"),
}
_TAGS = re.compile(r"</?think>")


class Markers:
    """Counts reflection markers: case-insensitive, whole words, spaces in a marker match any whitespace.

    Matching runs on the lower-cased text with a pattern that has no leading look-behind (the word boundary
    before a match is checked by hand): 4x faster than one IGNORECASE pattern, which matters at 100k+
    responses per report."""

    def __init__(self, markers: Sequence[str] = DEFAULT_MARKERS):
        words = [m.strip().lower() for m in markers if m.strip()]
        if not words:
            raise ValueError("the reflection marker list is empty")
        parts = sorted((r"\s+".join(re.escape(w) for w in m.split()) for m in words), key=len, reverse=True)
        self.markers = tuple(words)
        self._pattern = re.compile("(?:" + "|".join(parts) + r")(?!\w)")

    def count(self, text: str) -> int:
        low = text.lower()
        hits = 0
        for match in self._pattern.finditer(low):
            start = match.start()
            if start == 0 or not (low[start - 1].isalnum() or low[start - 1] == "_"):
                hits += 1
        return hits


def marker_pattern(markers: Sequence[str] = DEFAULT_MARKERS) -> Markers:
    return Markers(markers)


def scripts(text: str) -> dict[str, int]:
    """Characters (Latin: letters in 4+-letter words) per writing system."""
    text = _TAGS.sub(" ", text)
    counts = {}
    for name, pattern in _SCRIPTS.items():
        found = pattern.findall(text)
        counts[name] = sum(len(f) for f in found)
    return counts


def mixed_language(question: str, text: str, min_chars: int = MIN_FOREIGN_CHARS) -> bool:
    """True when the response has >= min_chars characters of a writing system absent from the question."""
    asked = scripts(question)
    return any(count >= min_chars and asked[name] == 0 for name, count in scripts(text).items())


def think_status(text: str, reasoning: str | None = None) -> str:
    """"ok", "missing" (no </think>) or "malformed", as grading's split_response decides (a server that split the
    reasoning out counts as ok)."""
    return split_response(text, reasoning).health


@dataclass(frozen=True)
class BehaviourSummary:
    responses: int
    finished: int  # finish_reason == "stop"
    reflection_rate: float  # share of responses with >= 1 marker
    reflections_per_response: float
    language_mixing_rate: float
    think_missing_rate: float  # over finished responses
    think_malformed_rate: float  # over finished responses


def summarize(completions: Iterable[Completion], questions: Mapping[str, str],
              markers: Markers | None = None, min_chars: int = MIN_FOREIGN_CHARS) -> BehaviourSummary:
    """Behaviour rates over one task's completions (questions: problem id -> question text)."""
    pattern = markers or marker_pattern()
    nan = float("nan")
    responses = finished = reflective = reflections = mixed = missing = malformed = 0
    question_scripts = {pid: scripts(q) for pid, q in questions.items()}
    for completion in completions:
        full = (completion.reasoning or "") + "\n" + completion.text
        responses += 1
        hits = pattern.count(full)
        reflections += hits
        reflective += hits > 0
        asked = question_scripts.get(completion.problem_id)
        # fast path: an ASCII response to a question that has Latin words cannot use a new writing system
        if asked is not None and not (asked["latin"] and full.isascii()) and any(
                c >= min_chars and asked[s] == 0 for s, c in scripts(full).items()):
            mixed += 1
        if completion.finish_reason == "stop":
            finished += 1
            status = think_status(completion.text, completion.reasoning)
            missing += status == "missing"
            malformed += status == "malformed"
    return BehaviourSummary(
        responses=responses, finished=finished,
        reflection_rate=reflective / responses if responses else nan,
        reflections_per_response=reflections / responses if responses else nan,
        language_mixing_rate=mixed / responses if responses else nan,
        think_missing_rate=missing / finished if finished else nan,
        think_malformed_rate=malformed / finished if finished else nan,
    )
