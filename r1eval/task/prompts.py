"""Prompt templates. Per the R1 usage recommendations: no system prompt, every instruction in the user turn.

A template maps a Problem to chat messages; the generator applies the model's own chat template and, when asked,
starts the response with "<think>\\n".
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from r1eval.types import Problem

Messages = list[dict[str, str]]
THINK_PREFIX = "<think>\n"
BOXED_DIRECTIVE = "Please reason step by step, and put your final answer within \\boxed{}."


def user(text: str) -> Messages:
    return [{"role": "user", "content": text}]


def math_boxed(problem: Problem) -> Messages:
    """The problem, a newline, then the R1 README's directive (the form QwQ's eval uses)."""
    return user(f"{problem.question}\n{BOXED_DIRECTIVE}")


CHOICE_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be of the following "
    "format: 'Answer: $LETTER' (without quotes) where LETTER is one of {letters}. Think step by step before "
    "answering.\n\n{question}\n\n{options}"
)


def multiple_choice(problem: Problem) -> Messages:
    """simple-evals' GPQA template (the one the R1 paper used), choices in the order the task recorded."""
    letters = "ABCDEFGHIJ"[: len(problem.choices)]
    options = "\n".join(f"{letter}) {choice}" for letter, choice in zip(letters, problem.choices, strict=True))
    return user(CHOICE_TEMPLATE.format(letters=letters, question=problem.question, options=options))


def prompt_hash(rendered: Sequence[object]) -> str:
    """sha256 over the exact prompts sent to the engine (after the chat template), in problem order."""
    digest = hashlib.sha256()
    for prompt in rendered:
        text = prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, ensure_ascii=False)
        digest.update(text.encode())
        digest.update(b"\x00")
    return digest.hexdigest()
