"""The labelled grading corpus: R1-style responses (long think blocks with distractor numbers, a summary, a final
statement) for every point of the grading policy in docs/grading.md, all three kinds.

Each case: (id, response, gold, kind, expected status, expected canonical answer or None to skip that check).
Used by tests/test_grading_corpus.py and by benchmarks/grading.py (which grades the same cases with math-verify).
"""
from __future__ import annotations

from typing import NamedTuple

C, I, N = "correct", "incorrect", "no_answer"


class Case(NamedTuple):
    id: str
    response: str
    gold: str
    kind: str
    expected: str
    canonical: str | None = None


THINK = ("<think>\nOkay, let me work through this. First I tried {d1}, which gave {d2}, but that ignores the "
         "constraint. Let me recompute: {d1} + {d2} = {d3}? Hmm, no. Maybe \\boxed{{{d2}}} is tempting, but "
         "checking the edge case again gives something else. Wait, let me redo the algebra carefully.\n"
         + "".join(f"\nStep {k}: substitute back. With n = {k * 7} the left side is {k * 7 + 3} and the right side "
                   f"is {k * 11}; the difference {k * 4 - 3} must vanish, so this case fails. " for k in range(1, 16))
         + "\nAnswer: {d3}? No -- that was before fixing the sign.\n**Final Answer**\n\\boxed{{{d1}}} was my first "
         "guess, but the summary below is what counts.\nSo after simplification the result follows.\n</think>\n\n")
SUMMARY = "To solve the problem, note that the naive guess {d1} fails; the careful computation (ignoring {d3}) gives:\n\n"
FINALS = (
    "**Final Answer**\n\\[\n\\boxed{{{a}}}\n\\]",
    "The final answer is $\\boxed{{{a}}}$.",
    "Therefore, the final answer is: $\\boxed{{{a}}}$. I hope it is correct",
    "Thus the answer is \\(\\boxed{{{a}}}\\).",
    "So we get $\\boxed{{{a}}}$",
)
DISTRACTORS = (("12", "7", "19"), ("3", "\\frac{1}{4}", "44"), ("100", "-2", "0.5"), ("9", "81", "2\\sqrt{2}"))


def r1(answer: str, i: int, final: str | None = None) -> str:
    """An R1-style response that ends with `answer` in one of the usual final forms (picked by i)."""
    d1, d2, d3 = DISTRACTORS[i % len(DISTRACTORS)]
    tail = (final or FINALS[i % len(FINALS)]).format(a=answer)
    return THINK.format(d1=d1, d2=d2, d3=d3) + SUMMARY.format(d1=d1, d3=d3) + tail


# (model's final answer as written, gold, expected) -- each becomes a full R1-style response
MATH_PAIRS = [
    # numbers, fractions, decimals: exact rationals
    ("\\frac{1}{2}", "\\frac{1}{2}", C), ("0.5", "\\frac{1}{2}", C), ("\\dfrac12", "\\frac{1}{2}", C),
    ("1/2", "0.5", C), ("0.50", "\\frac12", C), ("\\frac{2}{4}", "\\frac{1}{2}", C), ("0.51", "\\frac{1}{2}", I),
    ("0.333", "\\frac{1}{3}", I), ("-\\frac{3}{4}", "-0.75", C), ("\\frac{-3}{4}", "-\\frac34", C),
    ("-\\dfrac{3}{4}", "-\\frac{3}{4}", C), ("\\tfrac{3}{4}", "-\\frac{3}{4}", I), ("7", "7", C), ("7.0", "7", C),
    ("+7", "7", C), ("-7", "7", I), ("17", "71", I), ("2\\frac{1}{2}", "\\frac{5}{2}", C), ("\\frac{9}{19}", "\\frac9{19}", C),
    ("\\frac{1}{2^{98}}", "\\frac{1}{2^{99}}", I), ("\\frac{1}{2^{99}}", "2^{-99}", C), ("2^{10}", "1024", C),
    ("2^{100}", "1267650600228229401496703205376", C), ("2^{100}", "1267650600228229401496703205377", I),
    ("10^{-30}", "10^{-31}", I), ("1.0000000001", "1", I), ("\\frac{22}{7}", "\\pi", I),
    # radicals and pi
    ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", C), ("2\\sqrt{3}", "\\sqrt{12}", C), ("\\sqrt{3}", "1.732", I),
    ("3\\sqrt{2}", "\\sqrt{18}", C), ("\\sqrt{2}+\\sqrt{3}", "\\sqrt{5+2\\sqrt{6}}", C),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{2}}{2}", I), ("\\sqrt[3]{8}", "2", C), ("4\\sqrt2", "4\\sqrt{2}", C),
    ("2\\pi", "2\\pi", C), ("\\frac{\\pi}{2}", "\\pi/2", C), ("6.28", "2\\pi", I), ("\\frac{3\\pi}{4}", "\\frac34\\pi", C),
    ("\\pi", "3.14", I), ("1.41421356237309504880168872420969807856967187537694807317667973799", "\\sqrt{2}", I),
    ("\\frac{9\\pi}{2}", "4.5\\pi", C), ("\\frac{5}{\\sqrt{5}}", "\\sqrt{5}", C),
    ("1+\\sqrt{2}", "\\sqrt{2}+1", C), ("1-\\sqrt{2}", "\\sqrt{2}-1", I), ("e^{2}", "e^2", C),
    # trailing units, words, money, thousands separators, spacing
    ("5 \\text{ cm}", "5", C), ("5\\text{ dollars}", "5", C), ("\\$5", "5", C), ("5 square units", "5", C),
    ("12 \\mbox{ inches}", "12", C), ("12\\text{ cm}^2", "12", C), ("13 \\text{ cm}", "12", I),
    ("1,000", "1000", C), ("1{,}000{,}000", "1000000", C), ("1\\,000", "1000", C), ("10,000", "10000", C),
    ("\\$18.90", "18.90", C), ("18.9", "\\$18.90", C), ("2{,}019", "2019", C), ("1,001", "1000", I),
    ("\\displaystyle \\frac{7}{8}", "\\frac78", C), ("\\left( \\frac{7}{8} \\right)", "\\frac{7}{8}", C),
    # degrees and percentages are never converted
    ("30^\\circ", "30", C), ("30^{\\circ}", "30^\\circ", C), ("\\frac{\\pi}{6}", "30^\\circ", I),
    ("30", "\\frac{\\pi}{6}", I), ("90^\\circ", "\\frac{\\pi}{2}", I), ("10\\%", "10", C), ("25\\%", "0.25", I),
    ("0.25", "25\\%", I), ("25 \\%", "25\\%", C), ("45", "45^\\circ", C),
    # intervals: open vs closed matters
    ("[2,5)", "[2,5)", C), ("(2,5)", "[2,5)", I), ("[2,5]", "[2,5)", I), ("(-\\infty, 3]", "(-\\infty,3]", C),
    ("(-\\infty,3)", "(-\\infty,3]", I), ("(-\\infty,-2)\\cup(3,\\infty)", "(3,\\infty)\\cup(-\\infty,-2)", C),
    ("(-\\infty,-2]\\cup(3,\\infty)", "(-\\infty,-2)\\cup(3,\\infty)", I), ("x>2", "(2,\\infty)", C),
    ("x \\ge 2", "(2,\\infty)", I), ("\\left[ \\frac{1}{2}, 3 \\right)", "[0.5,3)", C),
    ("(-\\infty, \\infty)", "(-\\infty,\\infty)", C), ("[0, 1]", "[0,1]", C),
    # unordered solution sets vs ordered tuples
    ("\\{1,2\\}", "1,2", C), ("2, 1", "1, 2", C), ("(1,2)", "(2,1)", I), ("(1,2)", "(1,2)", C),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "\\left( 3, \\frac{\\pi}{2} \\right)", C), ("(3, 90^\\circ)", "(3,\\frac{\\pi}{2})", I),
    ("1, 2, 3", "1, 2", I), ("-3, 3", "3, -3", C), ("\\{-1, 0, 1\\}", "-1,0,1", C), ("(0.5, 2)", "(\\frac12, 2)", C),
    ("(1, 2, 3)", "(1,2)", I), ("x = 1, x = 2", "1, 2", C), ("2 \\pm \\sqrt{3}", "2+\\sqrt3, 2-\\sqrt3", C),
    ("\\pm 2", "2", I), ("x=1 \\text{ or } x=2", "1,2", C),
    # matrices and vectors
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", C),
    ("\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", I),
    ("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", C),
    ("\\begin{pmatrix} 0.5 \\\\ -2 \\end{pmatrix}", "\\begin{pmatrix} \\frac{1}{2} \\\\ -2 \\end{pmatrix}", C),
    ("\\begin{pmatrix} 1 \\\\ 2 \\\\ 3 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", I),
    ("(1, 2)", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", C),
    # equations and inequalities
    ("y = 2x+3", "y=2x+3", C), ("2x - y + 3 = 0", "y = 2x + 3", C), ("y = 2x - 3", "y=2x+3", I),
    ("x^2+y^2=4", "x^2 + y^2 - 4 = 0", C), ("x > 2", "2 < x", C), ("x \\geq 2", "x > 2", I),
    ("-2x < -4", "x > 2", C), ("y = -\\frac{1}{2}x + 1", "x + 2y = 2", C), ("y=\\frac{x}{2}+1", "x + 2y = 2", I),
    # complex numbers
    ("3+4i", "4i+3", C), ("3-4i", "3+4i", I), ("\\frac{1+i}{2}", "\\frac12 + \\frac{i}{2}", C), ("-i", "-i", C),
    ("2i", "-2i", I), ("1 - 2i", "1-2i", C),
    # scientific notation, repeating decimals
    ("2.5 \\times 10^{3}", "2500", C), ("6.02 \\times 10^{23}", "6.02\\times10^{23}", C), ("1.5e3", "1500", C),
    ("2.5\\times 10^{3}", "250", I), ("3 \\cdot 10^{-2}", "0.03", C), ("0.\\overline{6}", "\\frac23", C),
    ("0.1\\overline{6}", "\\frac{1}{6}", C), ("0.\\overline{142857}", "\\frac17", C), ("0.666", "\\frac23", I),
    ("\\frac{4}{33}", "0.\\overline{12}", C),
    # base subscripts
    ("1011_2", "1011_2", C), ("1011_{2}", "1011_2", C), ("1011", "1011_2", C), ("1101_2", "1011_2", I),
    ("11", "1011_2", I), ("A3_{16}", "a3_{16}", C), ("2012_3", "2012_3", C), ("2012_4", "2012_3", I),
    # text answers
    ("\\text{Evelyn}", "\\text{Evelyn}", C), ("Evelyn", "\\text{Evelyn}", C), ("\\text{Bob}", "\\text{Evelyn}", I),
    ("\\text{(C)}", "\\text{(C)}", C), ("C", "\\text{(C)}", C), ("\\text{(D)}", "\\text{(C)}", I),
    ("\\text{odd}", "\\text{even}", I), ("\\text{even}", "\\text{even}", C), ("\\textbf{even}", "\\text{even}", C),
    ("\\text{Tuesday}", "\\text{Tuesday}", C),
    # assignments and expressions
    ("x = 5", "5", C), ("k=3", "3", C), ("x=4", "5", I), ("5", "x=5", C), ("n = 12", "12", C),
    ("x^2+2x+1", "(x+1)^2", C), ("2x+2", "2(x+1)", C), ("x^2-1", "(x-1)(x+1)", C), ("x^2+1", "(x+1)^2", I),
    ("\\frac{x+1}{2}", "\\frac{x}{2}+\\frac12", C), ("\\frac{1}{x}", "x^{-1}", C), ("3x^2", "3x^3", I),
    ("f(x) = 2x", "2x", C), ("2+3 = 5", "5", C), ("\\frac{10}{2} = 5", "5", C), ("2+3=5", "6", I), ("a+b", "b+a", C), ("\\sqrt{x^2}", "x", I),
    # hedged answers are incorrect
    ("5 \\text{ or } 6", "5", I), ("5 or 6", "6", I), ("3, 4", "3", I), ("5 \\text{ and } 6", "5", I),
    ("x = 2 \\text{ or } x = 3", "2", I), ("2 \\quad\\text{or}\\quad 3", "3", I),
    # digit groups only when the whole answer is one number (issue 9, class 2)
    ("(1,100)", "1100", I), ("(1,100)", "(1, 100)", C), ("(3, 250)", "(3,250)", C), ("1 000", "1000", C),
    ("(2,12) \\cup (12,102)", "(2, 12) \\cup (12, 102)", C), ("11,\\! 111,\\! 100", "11111100", C),
    ("32, 349", "32349", I), ("1,000.99", "1000.99", C), ("0.111", "0,111", I), ("1,22", "1.22", I),
    # clock times are exact, ratios scale only with nonzero parts (class 3)
    ("1:00", "12:00", I), ("3:00", "2:00", I), ("12:00", "12:00", C), ("12:30", "2:05", I), ("2:3", "4:6", C),
    ("1:2", "2:1", I), ("0:5", "0:10", I), ("10:15", "2:3", C),
    # "=": a name on one side, a value on the other: the value is the answer (class 4)
    ("11a+c", "7 = 11a+c", I), ("(3,2)", "(p,q)=(3,2)", C), ("(2,3)", "(p,q)=(3,2)", I), ("1", "|AB|=1", C),
    ("4", "AB=4", C), ("11:21", "V_1:V_2=11:21", C), ("m+n=113", "113", C), ("m+n=112", "113", I),
    ("x=2, y=3", "(2,3)", C), ("x=3, y=2", "(2,3)", I), ("0", "a + 3z = 0", I), ("1", "2x+z=1", I),
    ("3, 2", "p=3, q=2", C), ("2, 3", "p=3, q=2", I), ("a_{37} = 19, a_3 = 2", "a_3 = 2, a_{37} = 19", C),
    ("5", "f(2) = 5", C), ("\\frac{1}{\\sqrt{6}}", "\\frac{NO}{BO}=\\frac{1}{\\sqrt{6}}", C),
    # lists and sets written loosely (class 5)
    ("19, 46, 82", "19, 46, and 82", C), ("21, 36, 82", "19, 46, and 82", I), ("\\{1,2,3\\}", "1 and 2 and 3", C),
    ("2, 1", "\\boxed{1, 2}", C), ("(1, 0, 0), (0, 0, 1)", "(0;0;1),(1;0;0)", C),
    ("(1,2), (3,4), (1,2)", "(1,2),(3,4)", C),
    ("(1,2), (3,5)", "(1,2),(3,4)", I), ("(5,2),(7,2)", "p=5,q=2;p=7,q=2", C), ("(5,2),(7,3)", "p=5,q=2;p=7,q=2", I),
    ("\\{-2021, 2021\\}", "\\pm 2021", C), ("\\{1, 3\\}", "(1,3)", I), ("(11,7), (7,11)", "(11,7)or(7,11)", C),
    # chained inequalities are intervals (class 6)
    ("(-793, 10)", "-793 < a < 10", C), ("[-793, 10)", "-793 < a < 10", I), ("[-2, 7]", "-2 \\le x \\le 7", C),
    ("x \\in [-2,7]", "-2 \\le x \\le 7", C), ("-2 \\le x \\le 7", "[-2,7]", C), ("(0,1)", "0<f(x)<1", C),
    ("[-\\frac32,-1] \\cup [1,\\frac32]", "1 \\le |z| \\le \\frac32", C),
    ("[1, \\frac32]", "1 \\le |z| \\le \\frac32", I),
    ("10 > a > -793", "(-793, 10)", C),
    # notation (class 7)
    ("\\mathbb{R}", "(-\\infty, \\infty)", C), ("x \\in \\mathbb{R}", "(-\\infty,\\infty)", C),
    ("\\mathbb{R}", "(0, \\infty)", I),
    ("125\\textnormal{ miles}", "125", C), ("\\frac{1}{3} \\textbf{meters}", "\\frac13", C),
    ("\\left[\\begin{array}{cc}1 & 2 \\\\ 3 & 4\\end{array}\\right]", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", C),
    ("\\left[\\begin{array}{cc}1 & 2 \\\\ 3 & 5\\end{array}\\right]", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", I),
    ("\\text{The smallest such } n \\text{ is } 3", "3", C), ("\\text{The smallest such } n \\text{ is } 4", "3", I),
    # issue 18, units after the value: dropped against a bare gold, never converted, a different known unit is wrong
    ("5\\pi \\text{ cm}", "5\\pi", C), ("5\\pi cm", "5\\pi", C), ("12 m^2", "12", C), ("7days", "7", C),
    ("30^\\circ \\text{ degrees}", "30", C), ("30^{\\circ} C", "30", C), ("45^\\circ \\text{ angle}", "45", C),
    ("7 days", "7 weeks", I), ("7 \\text{ weeks}", "7 weeks", C), ("12 \\text{ cm}^2", "12 cm", I),
    ("12 \\text{cm}", "12 cm", C), ("12 m", "12 \\text{ km}", I), ("30^\\circ C", "30^\\circ F", I),
    ("3 + 4\\mathrm{i}", "7", I), ("x + 5 m", "5", I), ("2 x", "2", I), ("5 \\text{ square units}", "5", C),
    ("7 fortnights", "7 weeks", I), ("12 cm long", "12 \\text{ cm}", C), ("12 cms", "12 cm", C),
    ("30 \\text{ radians}", "30^\\circ", I), ("30^\\circ \\text{ angle}", "30^\\circ", C), ("30", "30 \\text{ apples}", C),
    # mixed numbers (issue 18): a whole number, a space, a proper fraction
    ("2 3/4", "2.75", C), ("2\\ 3/4", "\\frac{11}{4}", C), ("-2 3/4", "-2.75", C), ("2 3/4", "1.5", I),
    ("1 5/4", "\\frac94", I),
    # clock times (issue 18): the time named, 12-hour suffixes by the usual convention (12 a.m. is midnight)
    ("9:05", "9:05:00", C), ("9:05", "9:05:30", I), ("7:15 p.m.", "19:15", C), ("7:15 \\text{ PM}", "19:15", C),
    ("7:15 a.m.", "19:15", I), ("12:05 a.m.", "0:05", C), ("12:30 p.m.", "12:30", C), ("7:15 p.m.", "7:15", I),
    # function notation (issue 18): the dependent variable's name is free when both sides define a function
    ("g(t) = 3t - 1", "y = 3t - 1", C), ("f(x) = x^2 + 1", "y = x^2 + 1", C), ("g(t) = 3t + 1", "y = 3t - 1", I),
    ("x = 3t - 1", "y = 3t - 1", I), ("f(y) = 2y", "y = 2x", I), ("x = 5", "y = 5", I), ("y(x) = 2x", "y = 2x", C),
    # trigonometric identities (issue 18)
    ("\\cos(\\pi/2 - \\theta)", "\\sin\\theta", C), ("\\sin 2x", "2\\sin x\\cos x", C),
    ("1 - 2\\sin^2 x", "\\cos 2x", C), ("\\cos(\\pi/2 + \\theta)", "\\sin\\theta", I), ("\\sin^2 x", "\\cos^2 x", I),
    ("\\tan x", "\\sin x", I),
    # a gold written as a sentence (issue 18)
    ("250", "the final answer is 250", C), ("25", "The final answer is 250.", I), ("12", "Answer: 12 cm", C),
]

# AIME-style integers
INTEGER_PAIRS = [
    ("033", "33", C), ("33", "033", C), ("33.0", "33", C), ("34", "33", I), ("\\frac{66}{2}", "33", C),
    ("33 \\text{ ways}", "33", C), ("2^5", "32", C), ("33.5", "33", I), ("x", "33", I), ("0", "0", C),
    ("000", "0", C), ("999", "999", C), ("998", "999", I), ("\\$204", "204", C), ("204 \\text{ dollars}", "204", C),
    ("n = 70", "70", C), ("\\textbf{70}", "70", C), ("70 or 71", "70", I), ("-70", "70", I), ("7 0", "70", I),
    ("1{,}000", "1000", C), ("\\mathbf{116}", "116", C), ("116^\\circ", "116", C), ("25\\%", "25", C),
]


def _expand(pairs: list[tuple[str, str, str]], kind: str, prefix: str) -> list[Case]:
    return [Case(f"{prefix}{i:03d}", r1(answer, i), gold, kind, expected) for i, (answer, gold, expected) in
            enumerate(pairs)]


EXTRACTION = [
    Case("ext-truncated", "<think>\nLet me see. 2+3 = 5 so \\boxed{5}. Hmm, but wait, if we consider", "5", "math", N),
    Case("ext-truncated-int", "<think>\nThe count is 204, so the answer is \\boxed{204}. But also 205", "204", "integer", N),
    Case("ext-no-close-answer-line", "<think>\nAnswer: 42\nthen more thinking", "42", "integer", N),
    Case("ext-box-only-in-think", "<think>\nSo \\boxed{5}.\n</think>\n\nThe result is five, as shown.", "5", "math", N),
    Case("ext-think-vs-region", "<think>\nI think \\boxed{4}.\n</think>\n\nActually it is $\\boxed{5}$.", "5", "math", C, "5"),
    Case("ext-think-vs-region-wrong", "<think>\nSo \\boxed{5}.\n</think>\n\nFinal: $\\boxed{4}$.", "5", "math", I, "4"),
    Case("ext-last-box-wins", "</think>First attempt gives \\boxed{3}. Wait, I made an error in step 2. Recomputing "
         "everything carefully gives a different value.\n\n**Final Answer**\n\\boxed{7}", "7", "math", C),
    Case("ext-last-box-wins-wrong", "</think>The answer is \\boxed{7}. Hmm, on reflection the sign flips and the "
         "correct value is different.\n\nSo the answer is \\boxed{-7}.", "7", "math", I, "-7"),
    Case("ext-answer-line-after-box", "</think>We had \\boxed{5} before correcting the carry.\n\nAnswer: 6", "6",
         "math", C, "6"),
    Case("ext-answer-line-before-box", "</think>Answer: 6, or so I thought. Correcting the carry:\n\n\\boxed{5}", "5",
         "math", C, "5"),
    Case("ext-nested", "</think>So $\\boxed{\\frac{\\sqrt{3}}{2}}$.", "\\frac{\\sqrt3}{2}", "math", C),
    Case("ext-nested-tuple", "</think>The point is $\\boxed{\\left( \\frac{1}{2}, \\frac{3}{4} \\right)}$.",
         "(0.5, 0.75)", "math", C),
    Case("ext-fbox", "</think>Hence \\fbox{12}.", "12", "math", C),
    Case("ext-boxed-space", "</think>Hence \\boxed {12}.", "12", "math", C),
    Case("ext-two-boxes-list", "</think>The roots are $\\boxed{3}$ and $\\boxed{5}$.", "3, 5", "math", C),
    Case("ext-two-boxes-single", "</think>The answer is $\\boxed{3}$ or $\\boxed{5}$.", "3", "math", I),
    Case("ext-equal-boxes", "</think>So $\\boxed{15\\frac{39}{40}} = \\boxed{\\frac{639}{40}}$.", "\\frac{639}{40}",
         "math", C),
    Case("ext-not-an-answer-line", "</think>Thus $\\boxed{44}$. To check our answer: $17\\cdot 44 = 748 \\equiv 1$, "
         "so our answer is correct.", "44", "math", C),
    Case("ext-answer-is-midline", "</think>Adding the cases, the answer is $\\frac{7}{2}$.", "3.5", "math", C),
    Case("ext-bold-answer-line", "</think>**Final answer:** **42**", "42", "integer", C),
    Case("ext-code-answer-line", "</think>Answer: `x = 3/4`", "0.75", "math", C),
    Case("ext-equal-values-or", "</think>So $\\boxed{0.5}$ or $\\boxed{\\frac{1}{2}}$.", "1/2", "math",
         C),
    Case("ext-different-values-and", "</think>So $\\boxed{0.5}$ and $\\boxed{\\frac{1}{3}}$.", "1/2", "math", I),
    Case("ext-same-box-twice", "</think>So $\\boxed{5}$, i.e. $\\boxed{5}$.", "5", "math", C),
    Case("ext-box-punct", "</think>The value is $\\boxed{5}$.", "5", "math", C),
    Case("ext-empty-box", "</think>The value is $\\boxed{}$.", "5", "math", N),
    Case("ext-no-think", "The sum is 2+3, so the answer is $\\boxed{5}$.", "5", "math", C),
    Case("ext-two-closes", "<think>a</think> more <think>b \\boxed{9}</think>\n\\boxed{8}", "8", "math", C),
    Case("ext-final-answer-line", "</think>After all that:\n\n**Final Answer:** 42", "42", "integer", C),
    Case("ext-final-answer-is", "</think>Thus, the final answer is $42$.", "42", "integer", C),
    Case("ext-answer-colon-frac", "</think>Answer: $\\frac{1}{2}$", "0.5", "math", C),
    Case("ext-answer-sentence", "</think>So the answer is 7. This is because 3+4 = 7 and 12 is too big.", "7",
         "integer", C),
    Case("ext-answer-units", "</think>The final answer is 5 cm.", "5", "math", C),
    Case("ext-no-final", "</think>We computed 3, then 4, then 12; the area is twelve.", "12", "math", N),
    Case("ext-text-in-box", "</think>$\\boxed{\\text{The answer is } 12}$", "12", "math", C),  # a sentence in a box
    Case("ext-thousands-box", "</think>Total: $\\boxed{1,\\!000}$ dollars.", "1000", "math", C),
    # answer lines that are sentences (issue 9, class 1): the answer is read out of the sentence
    Case("ext-minerva", "</think>Final Answer: The final answer is $14400$. I hope it is correct.", "14400", "math", C),
    Case("ext-answer-says-answer-is", "</think>**Answer:** The answer is $5$.", "5", "math", C),
    Case("ext-answer-value-is", "</think>Answer: The value is 5.", "5", "integer", C),
    Case("ext-answer-names-then-value", "</think>Final Answer: The largest $n$ is 34.", "34", "integer", C),
    Case("ext-answer-names-then-wrong", "</think>Final Answer: The largest $n$ is 34.", "35", "integer", I),
    Case("ext-answer-joined-formulas", "</think>Final Answer: The final answer is $x = 2$ and $y = 3$.", "(2, 3)",
         "math", C),
    Case("ext-answer-sentence-hedge", "</think>Final Answer: The answer is $5$ or $6$.", "5", "math", I),
    Case("ext-answer-one-number", "</think>Final Answer: Jane started growing Sphere 3 hours ago. I hope it is "
         "correct.", "3", "math", C),
    Case("ext-unreadable-line-keeps-box", "</think>So $\\boxed{12}$.\n\nFinal Answer: I hope this is clear.", "12",
         "math", C),
    Case("ext-readable-line-overrides-box", "</think>So $\\boxed{12}$.\n\nAnswer: The value is 13.", "12", "math", I),
    Case("ext-hedge-line-overrides-box", "</think>So $\\boxed{5}$.\n\nAnswer: 5 or 6", "5", "math", I),
    Case("ext-answer-then-math", "</think>Answer $9$", "9", "integer", C),
    Case("ext-answer-display-math", "</think>Answer \\[\n9\n\\]", "9", "integer", C),
    Case("ext-is-our-answer", "</think>Thus $x \\le 2$ is our answer.", "(-\\infty, 2]", "math", C),
    # loose lists in golds and answers (class 5)
    Case("ext-boxes-for-brace-gold", "</think>$\\boxed{1}, \\boxed{2}, \\boxed{3}$", "{1,2,3}", "math", C),
    Case("ext-boxes-joined-by-words", "</think>$\\boxed{(3, 3)}$ for part (a) and $\\boxed{(1, 1)}$", "(3,3),(1,1)",
         "math", C),
    Case("ext-boxes-not-joined", "</think>$\\boxed{1}$ no no no no no $\\boxed{2}$", "1, 2", "math", I),
    Case("ext-gold-is-boxed", "</think>The values are $\\boxed{-2, 1}$.", "\\(\\boxed{1}\\) and \\(\\boxed{-2}\\).",
         "math", C),
    # notation (class 7): a brace-less box is TeX's next token; a bold last line is a final statement
    Case("ext-boxed-no-braces", "</think>So the count is $\\boxed 9$.", "9", "integer", C),
    Case("ext-bold-last-line", "</think>Adding the two cases gives the total.\n\n**204**", "204", "integer", C),
    Case("ext-bold-heading-last", "</think>Adding the two cases gives 204.\n\n**Final Answer**", "204", "integer", N),
    Case("ext-bold-in-sentence", "</think>The total is **204** apples, as computed.", "204", "integer", N),
    # a correction retracts the earlier box; a hedge between two boxes stays a hedge (issue 18). Other projects'
    # tests of the MATH benchmark's last-box extraction expect "First \\boxed{1} then \\boxed{2}" to give 2.
    Case("ext-first-then-box", "</think>First \\boxed{1} then \\boxed{2}", "2", "math", C),
    Case("ext-correction", "</think>At first I got \\boxed{12}, but on checking, it is \\boxed{15}.", "15", "math", C),
    Case("ext-correction-old-gold", "</think>At first I got \\boxed{12}, but on checking, it is \\boxed{15}.", "12",
         "math", I),
    Case("ext-correction-wait", "</think>So $\\boxed{12}$, wait, actually $\\boxed{15}$", "15", "math", C),
    Case("ext-hedge-or-boxes", "</think>$\\boxed{12}$ or $\\boxed{15}$", "15", "math", I),
    Case("ext-hedge-but-also", "</think>$\\boxed{12}$, but it could also be $\\boxed{15}$", "15", "math", I),
    Case("ext-hedge-but-maybe", "</think>$\\boxed{12}$ but maybe $\\boxed{15}$", "15", "math", I),
    Case("ext-lighteval-form", "</think>Therefore, the final answer is: $\\boxed{\\frac{3}{4}}$. I hope it is correct",
         "0.75", "math", C),
]

PATHOLOGICAL = [
    Case("path-tower", r1("10^{10^{10}}", 0), "5", "math", I),
    Case("path-power", r1("2^{2^{2^{2^{2}}}}", 1), "16", "math", I),
    Case("path-big-exponent", r1("9^{999999}", 2), "9", "math", I),
    Case("path-factorials", r1("9!!!!!!!!", 3), "9", "math", I),
    Case("path-long", r1("+".join(["x"] * 400), 4), "400x", "math", I),
    Case("path-nested", r1("(" * 300 + "1" + ")" * 300, 0), "1", "math", C),
    Case("path-unbalanced", "</think>\\boxed{\\frac{1}{2}", "0.5", "math", N),
    Case("path-garbage", r1("\\frac{}{}}{", 1), "1", "math", I),
    Case("path-int-tower", r1("10^{10^{10}}", 2), "10", "integer", I),
    Case("path-unclosed-boxes", "</think>" + "\\boxed{" * 3000, "5", "math", N),
    Case("path-nested-boxes", "</think>\\boxed{\\boxed{5}}", "5", "math", C, "5"),
    Case("path-huge-box", "</think>\\boxed{" + "1+" * 5000 + "1}", "5001", "math", I),
    Case("path-deep-parens", "</think>\\boxed{" + "(" * 3000 + "1" + ")" * 3000 + "}", "1", "math", I),
    Case("path-choice-spam", "</think>" + "Answer: A or B. " * 2000, "A", "choice", I),
    Case("path-word-spam", "</think>\\boxed{5 " + "cm " * 3000 + "}", "5", "math", I),
]


def cases() -> list[Case]:
    from tests.choice_corpus import CHOICE_CASES

    built = (_expand(MATH_PAIRS, "math", "math-") + _expand(INTEGER_PAIRS, "integer", "int-") + EXTRACTION
             + PATHOLOGICAL + CHOICE_CASES + VOTE_CASES)
    ids = [c.id for c in built]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return built


# Vote keys: equivalent answers must carry one canonical form (cons@n groups by it), right or wrong.
VOTES = [
    ("0.5", "3", I, "1/2"), ("\\frac{1}{2}", "3", I, "1/2"), ("1/2", "3", I, "1/2"), ("\\dfrac12", "3", I, "1/2"),
    ("2/4", "3", I, "1/2"), ("0.50", "0.5", C, "1/2"), ("\\frac12", "\\frac{1}{2}", C, "1/2"),
    ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt2}", C, "\\frac{1}{\\sqrt{2}}"),
    ("\\frac{1}{\\sqrt{2}}", "\\frac{1}{\\sqrt2}", C, "\\frac{1}{\\sqrt{2}}"),
    ("\\frac{\\sqrt{3}}{3}", "1", I, "sqrt(3)/3"), ("\\frac{1}{\\sqrt{3}}", "1", I, "sqrt(3)/3"),
    ("x = 5", "4", I, "5"), ("5", "4", I, "5"), ("5 \\text{ cm}", "4", I, "5"), ("1{,}000", "7", I, "1000"),
    ("\\{2, 1\\}", "3", I, "{1, 2}"), ("1, 2", "3", I, "{1, 2}"), ("30^\\circ", "45", I, "30"),
    ("033", "33", C, "33"), ("2.5\\times10^{3}", "2500", C, "2500"), ("0.\\overline{3}", "\\frac13", C, "1/3"),
]
VOTE_CASES = [Case(f"vote-{i:02d}", r1(answer, i + 1), gold, "integer" if answer == "033" else "math", expected, key)
              for i, (answer, gold, expected, key) in enumerate(VOTES)]
