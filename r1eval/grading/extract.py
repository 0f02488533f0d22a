"""Pure text functions that find the final answer in a response (no parsing of mathematics here).

Policy (README, "Grading policy"): only the text after the last </think> is the answer region; the final answer is the
last \\boxed{}/\\fbox{} or an explicit answer line that comes after it (a sentence on that line is read for its
mathematical answer; a line that cannot be read leaves a box in charge); a run of boxes joined by connectors is
several final answers, which the grader treats as a list (a hedge unless the gold is a list), unless the words
between them retract the earlier box (a correction: the last box stands); a bold last line that holds only an
answer is a final statement too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from r1eval.grading.math.normalize import strip_text_wrappers

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BARE_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s+([^\s{$\\][^\s$]*)")  # "\boxed 9": TeX takes the next token
# An answer line: "Answer:" / "**Final Answer:**" opening a line, or "the (final) answer is" anywhere in one.
# "check our answer: ..." or "so our answer is correct" are not final statements.
_ANSWER_LINE_RE = re.compile(
    r"(?im)(?:^[ \t>#*_-]*(?:final\s+)?answer(?:\s*\(s\))?[ \t]*(?:\*\*|__)?[ \t]*[:\uff1a]"
    r"|^[ \t>#*_-]*(?:final\s+)?answer[ \t]*(?:\*\*|__)?[ \t]*(?=\$|\\\[|\\\()"  # "Answer $9$", "Answer \[ 9 \]"
    r"|\bfinal\s+answer\s*(?:\*\*|__)?\s*(?:is\b\s*:?|:)|\bthe\s+answer\s+is\b\s*:?)"
    r"(?:[ \t]*\*\*|[ \t]*__)?[ \t]*([^\n]{0,300})")
# "$x \le 2$ is our answer": the statement comes before the cue
_ANSWER_AFTER_CUE_RE = re.compile(r"(?i)\bis\s+(?:our|the)\s+(?:final\s+)?answer\b")  # cheap test first
_ANSWER_BEFORE_RE = re.compile(r"(?i)(\$[^$\n]{1,200}\$)\s+is\s+(?:our|the)\s+(?:final\s+)?answer\b")
_CONNECTOR_RE = re.compile(r"^(?:\s|\$|\\[\]\[()]|\\quad|\\qquad|,|;|\.|\\text\{\s*(?:and|or)\s*\}|and|or|&|\\\\)*$")
_LOOSE_JOIN_RE = re.compile(r"(?i)\band\b|[,;&]")  # "\boxed{1} papers and \boxed{2} bins"
# a retraction between two boxes ("but on checking", "actually", "wait", "I made a mistake"); hedge words keep the
# pair a hedge ("\boxed{12}, but it could also be \boxed{15}")
_CORRECTION_RE = re.compile(r"(?i)\b(?:but|however|actually|instead|rather|wait|oops|mistake|wrong|re-?check\w*|"
                            r"on\s+(?:checking|second\s+thought)|correct(?:ed|ion|ing)|fix(?:ed|ing))\b")
_HEDGE_CUE_RE = re.compile(r"(?i)\b(?:or|also|maybe|perhaps|possibly|might|could|either|another|too)\b")
_GAP_END_RE = re.compile(r"[.!?](?:\s|$)|\n\s*\n")
_SENTENCE_END_RE = re.compile(r"(?<![\d\\])\.(?:\s+[A-Z(]|\s*$)|\.\s+(?:I|This|Thus|So|Hence|The|<)")


@dataclass(frozen=True)
class Found:
    """A final answer: its text (one item per adjacent box) and where it came from ("boxed" or "answer line")."""

    parts: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Shape:
    """Where a response's reasoning ends and its answer region begins: the one place that decides it (graders, the
    reward, behaviour metrics and the viewer all read this).

    reasoning: the think block's text (None when there is none); answer: the region graded (None when the think
    block never closed, or the length limit cut a response before any </think>); health: "ok", "missing" (no
    </think>) or "malformed" (repeated tags, <think> after </think>, nothing after </think>)."""

    reasoning: str | None
    answer: str | None
    health: str


def split_response(text: str, reasoning: str | None = None, finish_reason: str | None = None) -> Shape:
    """Split a response. Only text after the last </think> is the answer region. `reasoning` is the think block a
    server split out (then `text` is the region, and the tags are healthy); a response stopped by the length limit
    with no </think> has no answer region even when its opening <think> sat in the prompt."""
    if reasoning is not None:
        answer = text.rsplit(THINK_CLOSE, 1)[1] if THINK_CLOSE in text else text
        return Shape(reasoning, answer, "ok")
    if THINK_CLOSE not in text:
        opened = text.find(THINK_OPEN)
        if opened >= 0:
            return Shape(text[opened + len(THINK_OPEN):].strip(), None, "missing")
        if finish_reason == "length":  # the prompt opened the think block: all of the text is reasoning, cut off
            return Shape(text.strip(), None, "missing")
        return Shape(None, text, "missing")
    head, answer = text.rsplit(THINK_CLOSE, 1)
    opened = head.find(THINK_OPEN)
    thought = head[opened + len(THINK_OPEN):] if opened >= 0 else head
    closes, opens = text.count(THINK_CLOSE), text.count(THINK_OPEN)
    healthy = closes == 1 and opens <= 1 and (opens == 0 or opened >= 0) and bool(answer.strip())
    return Shape(thought.strip(), answer, "ok" if healthy else "malformed")


def answer_region(response: str) -> str | None:
    """Text after the last </think>; None when a think block was opened and never closed (truncated)."""
    return split_response(response).answer


def boxes(text: str) -> list[tuple[int, int, str]]:
    """Every top-level \\boxed{...}/\\fbox{...} (and brace-less \\boxed 9): (start, end, content), in order;
    unclosed boxes are skipped.

    One pass with a brace stack, so a response full of unclosed boxes stays linear in its length.
    """
    opening = {m.end() - 1: m.start() for m in _BOX_RE.finditer(text)}
    closed: list[tuple[int, int, str]] = [(m.start(), m.end(), m.group(1).rstrip(".,;:")) for m in
                                          _BARE_BOX_RE.finditer(text) if m.group(1).rstrip(".,;:")]
    if not opening and not closed:
        return []
    stack: list[int] = []
    index = min(opening) - 1 if opening else len(text)
    while index < len(text) - 1:
        index += 1
        char = text[index]
        if char == "\\":
            index += 1  # an escaped brace \{ or \} does not count
        elif char == "{":
            stack.append(index)
        elif char == "}" and stack:
            brace = stack.pop()
            if brace in opening:
                closed.append((opening[brace], index + 1, text[brace + 1:index].strip()))
    found: list[tuple[int, int, str]] = []
    for box in sorted(closed):
        if not found or box[0] >= found[-1][1]:  # nested boxes belong to the outer one
            found.append(box)
    return found


def _joins(gap: str) -> bool:
    """Whether the text between two boxes joins them into one list ("and", ",", "$ and $", "papers and", "but
    maybe": a hedge); a correction ("\\boxed{12}, but on checking, it is \\boxed{15}") does not: it retracts the
    earlier box."""
    if _CONNECTOR_RE.match(gap):
        return True
    hedged = bool(_HEDGE_CUE_RE.search(gap))
    if _CORRECTION_RE.search(gap) and not hedged:
        return False
    return len(gap) <= 40 and not _GAP_END_RE.search(gap) and (hedged or bool(_LOOSE_JOIN_RE.search(gap)))


def last_box_run(found: list[tuple[int, int, str]], text: str) -> list[str]:
    """The last box plus the boxes right before it that connectors ("and", ",", "$") join to it."""
    run = [found[-1]]
    for box in reversed(found[:-1]):
        if not _joins(text[box[1]:run[0][0]]):
            break
        run.insert(0, box)
    return [content for _, _, content in run]


def answer_line(text: str) -> tuple[int, str] | None:
    """The last explicit answer line: (position, its text after "Answer:"/"final answer is"), or None.

    Display math opened on the line (`Answer \\[` ... `\\]` on later lines) belongs to it.
    """
    last = None
    for match in _ANSWER_LINE_RE.finditer(text):
        content = match.group(1).strip()
        for opener, closer in (("\\[", "\\]"), ("$$", "$$")):
            if content.startswith(opener) and closer not in content[len(opener):]:
                end = text.find(closer, match.start(1) + len(opener))
                if 0 < end - match.start(1) <= 300:
                    content = text[match.start(1):end + len(closer)].strip()
        if content:
            last = (match.start(), content)
    for match in _ANSWER_BEFORE_RE.finditer(text) if _ANSWER_AFTER_CUE_RE.search(text) else ():
        if last is None or match.start() > last[0]:
            last = (match.start(), match.group(1))
    return last


def clip_sentence(content: str) -> str:
    """Cut an answer line at the end of its first sentence ("... is 5. This is because ...")."""
    depth, in_math = 0, False
    for index, char in enumerate(content):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == "$":
            in_math = not in_math
        if char == "." and depth <= 0 and not in_math and _SENTENCE_END_RE.match(content, index):
            return content[:index]
    return content


_MATH_CHUNK_RE = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_PROSE_WORD_RE = re.compile(r"(?<![\\A-Za-z])(?!(?:and|or)\b)[A-Za-z]{2,}")
_COPULA_RE = re.compile(r"(?i)\b(?:is|are|equals?|was|were)\b")
_FILLER_RE = re.compile(r"(?i)^(?:\s|:|approximately|about|exactly|equal\s+to|then|therefore|thus|still)+")
_NUMBER_RE = re.compile(r"(?<![\w.])[+-]?\d[\d,]*(?:\.\d+)?%?")
_JOIN_ONLY_RE = re.compile(r"(?i)(?:\s*(?:,|;|and|or))*\s*$")


def read_statement(content: str) -> str | None:
    """The mathematical answer a final statement gives: the statement itself when it is mathematics ("$5$",
    "x = 3", "12 cm", "No solution"); in a sentence, what follows its last "is"/"are"/"equals" when it is
    mathematics ("The largest $n$ is 34"), or its only number or formula ("Jane started 3 hours ago"); None when a
    sentence gives no single answer."""
    text = content.strip().strip("*_`").strip()
    masked = _MATH_CHUNK_RE.sub(" \x00 ", text)
    words = _PROSE_WORD_RE.findall(strip_text_wrappers(masked))
    if not words:
        return text
    spans = [m.span() for m in _MATH_CHUNK_RE.finditer(text)]
    copulas = [m for m in _COPULA_RE.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    if copulas:
        tail = _FILLER_RE.sub("", text[copulas[-1].end():]).strip()
        chunks = list(_MATH_CHUNK_RE.finditer(tail))
        if chunks and chunks[0].start() == 0:  # "$x = 2$ and $y = 3$ (by symmetry)": the joined formulas
            end = 0
            for chunk in chunks:
                if chunk.start() > end and not _JOIN_ONLY_RE.match(tail, end, chunk.start()):
                    break
                end = chunk.end()
            return tail[:end]
        return tail if re.search(r"[\d\\$]", tail) else None  # "is unclear to me" states nothing
    found = [m.group(0) for m in _MATH_CHUNK_RE.finditer(text)] + _NUMBER_RE.findall(masked)
    if len(found) == 1:
        return found[0]
    return text if not found and len(words) <= 2 else None  # "No solution", "\text{Evelyn}": a text answer


_BOX_SENTENCE_RE = re.compile(r"(?i)(?:^|[\s}])(?:is|are|equals?)(?:[\s\\{]|$)")
_BOLD_LINE_RE = re.compile(r"^[ \t]*(?:\*\*|__)([^*_\n]{1,120})(?:\*\*|__)[ \t.]*$")


def _box_statement(content: str) -> str:
    """A box that holds a sentence ("\\text{The smallest such } n \\text{ is } 3") gives the answer the sentence
    states; any other box is the answer as written."""
    plain = strip_text_wrappers(content)
    if "\\text" not in content or not _BOX_SENTENCE_RE.search(plain):
        return content
    return read_statement(plain) or content


def final_answer(region: str) -> Found | None:
    """The last explicit final statement in an answer region (see module docstring)."""
    found = boxes(region)
    line = answer_line(region)
    if found and line is not None and (line[0] < found[-1][1] or _BOX_RE.search(line[1])):
        line = None  # before the last box, or inside it ("\boxed{\text{The answer is } 12}"), or boxing itself
    said = read_statement(clip_sentence(line[1])) if line is not None else None
    if found and said is None:
        return Found(tuple(_box_statement(part) for part in last_box_run(found, region)), "boxed")
    if line is not None:
        return Found((said if said is not None else clip_sentence(line[1]),), "answer line")
    lines = [text for text in region.strip().splitlines() if text.strip()]
    bold = _BOLD_LINE_RE.match(lines[-1]) if lines else None
    if bold and not _PROSE_WORD_RE.search(bold.group(1)):  # "**204**", not "**Final Answer**"
        return Found((bold.group(1).strip(),), "bold line")
    return None


# --- multiple choice -------------------------------------------------------------------------------------------

_WRAP = r"[\s*_$(\[{]*(?:\\(?:text|textbf|mathrm|mathbf|boxed)\s*\{\s*)*[\s*_$(\[{]*"
_LETTER_AFTER = r"(?![A-Za-z])"
_CHOICE_ANSWER_RE = re.compile(
    r"(?i)(?:(?:final\s+answer|correct\s+(?:answer|option|choice)|\banswer)(?:\s+choice)?\s*[*_]*\s*"
    r"(?:is\s*(?:therefore\s*)?|should\s+be\s*|would\s+be\s*|[:=])"
    r"|\bI\s+(?:would\s+|will\s+|'ll\s+)?(?:choose|pick|select|go\s+with))"  # "I choose D."
    r"[*_]*\s*(?:option\s*|choice\s*)?([^\n]{0,300})")
_LETTER_RE = re.compile(r"(?<![A-Za-z\\])\(?([A-Ja-j])\)?" + _LETTER_AFTER)
_OPTION_RE = re.compile(r"(?i)\b(?:option|choice)\s*[(*]*([A-J])[)*]*" + _LETTER_AFTER)
_BOLD_RE = re.compile(r"\*\*\s*\(?([A-J])\)?[.):]?\s*\*\*")
_LINE_LETTER_RE = re.compile(r"^[\s*_>#-]*\(?\**([A-Ja-j])\**\)?(?:[.):]\s*.*)?[\s*_.]*$")
_HEDGE_WORDS_RE = re.compile(r"(?i)\b(?:or|and)\b|[,/&]")


def _letters_in(content: str, valid: str) -> list[str]:
    """Candidate letters in a short answer string ("(B)", "**b**", "\\text{(C)}", "B) text", "A or B")."""
    content = re.sub(r"\\(?:text|textbf|mathrm|mathbf|boxed)\s*\{", "", content)
    content = content.replace("$", " ").replace("*", " ").replace("{", " ").replace("}", " ").strip()
    head = re.match(r"^\(?([A-Ja-j])\)?(?:[.):]\s|[.):]?$|\s*$)", content)
    if head and head.group(1).upper() in valid:
        # "B) <choice text>" or "B." -- only the letter counts, not letters inside the choice text
        rest = content[head.end():]
        more = [m.group(1).upper() for m in _LETTER_RE.finditer(rest) if _HEDGE_WORDS_RE.search(rest[:m.start()])
                and len(rest[:m.start()].strip(" ,/&")) <= 4]
        return [head.group(1).upper(), *more]
    letters = [m.group(1) for m in _LETTER_RE.finditer(content)]
    # lowercase letters count only when nothing but letters and connectors is there ("a or b", "c")
    words = re.sub(r"(?i)\b(?:or|and|option|choice)\b|[(),/&.:\s]", "", content)
    if words and all(len(w) == 1 for w in re.findall(r"[A-Za-z]+", content.replace("or", " ").replace("and", " "))):
        return [letter.upper() for letter in letters if letter.upper() in valid]
    return [letter for letter in letters if letter in valid]


def choice_letters(region: str, n_choices: int = 4) -> tuple[list[str], str] | None:
    """The letters a response gives as its final choice, and the form found; None when it gives none.

    Several distinct letters mean a hedge ("A or B", a list of every choice); the grader rejects them.
    """
    valid = "ABCDEFGHIJ"[:n_choices]
    candidates: list[tuple[int, list[str], str]] = []
    for match in _CHOICE_ANSWER_RE.finditer(region):
        letters = _letters_in(clip_sentence(match.group(1)), valid)
        if letters:
            candidates.append((match.start(), letters, "answer line"))
    found = boxes(region)
    if found:
        letters = [letter for content in last_box_run(found, region) for letter in _letters_in(content, valid)]
        if letters:
            candidates.append((found[-1][0], letters, "boxed"))
    if candidates:
        _, letters, form = max(candidates, key=lambda c: c[0])
        return letters, form
    lines = [line for line in region.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    for pattern, form in ((_OPTION_RE, "option"), (_BOLD_RE, "bold")):
        letters = [m.group(1).upper() for m in pattern.finditer(last) if m.group(1).upper() in valid]
        if letters:
            return letters, form
    bare = _LINE_LETTER_RE.match(last)
    if bare and bare.group(1).upper() in valid:
        return [bare.group(1).upper()], "last line"
    return None
