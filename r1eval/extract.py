"""Pure text functions that find the final answer in a response."""
from __future__ import annotations

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def answer_region(response: str) -> str | None:
    """Text after the last </think>; None when a think block was opened and never closed (truncated)."""
    if THINK_CLOSE in response:
        return response.rsplit(THINK_CLOSE, 1)[1]
    if THINK_OPEN in response:
        return None
    return response


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} or \\fbox{...}, with nested braces balanced."""
    best = -1
    for marker in ("\\boxed", "\\fbox"):
        best = max(best, text.rfind(marker))
    if best < 0:
        return None
    start = text.find("{", best)
    if start < 0:
        return None
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index].strip()
    return None
