"""Multiple-choice cases for the grading corpus: the answer forms people and models write, hedges, distractors."""
from __future__ import annotations

from tests.grading_corpus import C, Case, I, N

CHOICES = ("2.5 kJ/mol", "42 kJ/mol", "1.3 x 10^5 Pa", "It does not react")
THINK = ("<think>\nThe question asks which option holds. Option A says 2.5 kJ/mol, which seems too small. "
         "(B) could work if the entropy term dominates. Let me check option D: it does not react -- no. "
         "Hmm, I keep going back and forth between A and C. Computing: 42 - 2.5 = 39.5, and 1.3 x 10^5 Pa is "
         "the pressure. I'm fairly sure now.\n</think>\n\n")
BODY = ("The key step is comparing the enthalpy (2.5 kJ/mol in option A) with the measured value. Options C and D "
        "can be ruled out because the pressure is 1.3 x 10^5 Pa only at 300 K.\n\n")

# (final statement, letter it states or None for no answer / "hedge")
FORMS = [
    ("Answer: {L}", "{L}"), ("Answer: ({L})", "{L}"), ("**Answer:** {L}", "{L}"), ("**Answer: {L}**", "{L}"),
    ("The answer is **{L}**.", "{L}"), ("\\boxed{{{L}}}", "{L}"), ("\\boxed{{\\text{{({L})}}}}", "{L}"),
    ("$\\boxed{{\\textbf{{({L})}}}}$", "{L}"), ("The correct answer is option {L}.", "{L}"),
    ("So the best choice is option {L}.", "{L}"), ("{L}) {text}", "{L}"), ("Answer: {L}) {text}", "{L}"),
    ("answer: {l}", "{L}"), ("Answer: $\\mathrm{{{L}}}$", "{L}"), ("Final answer: ({L})", "{L}"),
    ("{L}", "{L}"), ("({L})", "{L}"), ("**{L}**", "{L}"), ("The correct answer is ({L}).", "{L}"),
    ("Answer: {L}.", "{L}"), ("The final answer is $\\boxed{{{L}}}$.", "{L}"), ("ANSWER: {L}", "{L}"),
    ("Therefore, the answer is {L}.", "{L}"), ("I choose {L}.", "{L}"),
    ("After all that, I would pick ({L}).", "{L}"),
]
LETTERS = "ABCD"


def _response(final: str) -> str:
    return THINK + BODY + final


def _cases() -> list[Case]:
    out = []
    for i, (form, _) in enumerate(FORMS):
        letter = LETTERS[i % 4]
        text = CHOICES[LETTERS.index(letter)]
        final = form.format(L=letter, l=letter.lower(), text=text)
        out.append(Case(f"choice-form{i:02d}-right", _response(final), letter, "choice", C, letter))
        wrong_gold = LETTERS[(i + 1) % 4]
        out.append(Case(f"choice-form{i:02d}-wrong", _response(final), wrong_gold, "choice", I, letter))
    return out


HEDGES = [
    ("Answer: A or B", "A"), ("Answer: B and C", "B"), ("Answer: A, B, C, D", "C"), ("The answer is A/B.", "A"),
    ("\\boxed{A} or \\boxed{B}", "B"), ("Answer: (A) or (C)", "C"), ("Answer: either B or D", "D"),
    ("\\boxed{B, C}", "B"), ("**A** or **B**", "A"),
]
NO_LETTER = [
    "I cannot decide between the options without more data.",
    "The enthalpy dominates, so the reaction is spontaneous at high temperature.",
]
SPECIAL = [
    Case("choice-truncated", "<think>\nOption B looks right. Answer: B\nBut wait, let me check", "B", "choice", N),
    Case("choice-think-only", "<think>\nAnswer: B\n</think>\n\nThe reaction is spontaneous.", "B", "choice", N),
    Case("choice-region-wins", "<think>\nAnswer: A\n</think>\n\nAfter checking units: Answer: C", "C", "choice", C, "C"),
    Case("choice-last-line-wins", THINK + "Option A is tempting (it matches 2.5 kJ/mol) but wrong.\n\nAnswer: D",
         "D", "choice", C, "D"),
    Case("choice-body-distractor", THINK + BODY + "Answer: B", "B", "choice", C, "B"),
    Case("choice-bare-lower", THINK + "Final:\nb", "B", "choice", C, "B"),
    Case("choice-no-think-tags", "Reasoning... Answer: C", "C", "choice", C, "C"),
    Case("choice-answer-after-box", THINK + "\\boxed{A} at first, but correcting the sign:\n\nAnswer: B", "B",
         "choice", C, "B"),
    Case("choice-letter-dollar", THINK + "Answer: $C$", "C", "choice", C, "C"),
    Case("choice-E-out-of-range", THINK + "Answer: E", "A", "choice", N),
    Case("choice-article-a", THINK + "This is a hard question about a reaction.", "A", "choice", N),
]


CHOICE_CASES = (
    _cases()
    + [Case(f"choice-hedge{i:02d}", _response(text), gold, "choice", I) for i, (text, gold) in enumerate(HEDGES)]
    + [Case(f"choice-none{i:02d}", _response(text), "A", "choice", N) for i, text in enumerate(NO_LETTER)]
    + SPECIAL
)
