"""Math-Verify's own labelled test cases (../shared/data/peers/mathverify_cases.jsonl, see its README) graded by
grade_answer, and the checked-in table of the cases where r1eval deliberately differs from the upstream label
(tests/data/mathverify_deviations.tsv). Used by tests/test_grading_mathverify.py and benchmarks/grading.py.

Upstream compares two strings as written; r1eval grades a response. A prediction that is a bare expression is
presented as a final answer (`The final answer is $\\boxed{...}$`), math mixed with a unit as an answer line
(`The final answer is $28$ %.`); one that already holds a box, an answer cue or a sentence is the response as it
stands (so "Therefore $x > 5$ is the solution." has no final answer: policy).
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

REASONS = ("policy", "upstream label wrong", "upstream option", "gold is not an answer")
DEVIATIONS = Path(__file__).resolve().parent / "data" / "mathverify_deviations.tsv"
_OUTER = re.compile(r"^\s*(\$\$|\$|\\\[|\\\()(.*?)(\$\$|\$|\\\]|\\\))\s*$", re.DOTALL)
_RESPONSE = re.compile(r"(?i)\\boxed|\\fbox|<think>|</think>|\banswer\b")
_PROSE = re.compile(r"[A-Za-z]{2,}[,.]?\s+[A-Za-z]{2,}")


def cases(peers_dir: Path) -> list[dict]:
    path = peers_dir / "mathverify_cases.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def present(prediction: str) -> str:
    """The response a model would have written with this prediction as its final answer."""
    if _RESPONSE.search(prediction):
        return prediction
    outer = _OUTER.match(prediction)
    inner = outer.group(2) if outer else prediction.strip().strip("$")
    if outer is None and _PROSE.search(re.sub(r"\\[A-Za-z]+", " ", inner)):
        return prediction  # a sentence: the response as written
    if "$" in inner:
        return f"The final answer is {prediction.strip()}."  # math and a unit: "$28$ %"
    return f"The final answer is $\\boxed{{{inner.strip()}}}$."


def deviations() -> dict[str, dict]:
    """id -> {"r1eval": bool, "reason": one of REASONS, "why": one line}."""
    with DEVIATIONS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
    return {row["id"]: {"r1eval": row["r1eval"] == "equivalent", "reason": row["reason"], "why": row["why"]}
            for row in rows}
