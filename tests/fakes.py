"""A deterministic generator for pipeline tests: the text depends only on (problem, sample), never on batching."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence

from r1eval.config import SamplingConfig
from r1eval.generate import GenRequest, completions_for
from r1eval.types import Completion


def fake_text(problem_id: str, sample: int, answer: str) -> tuple[str, str]:
    """Right answer for about half the samples, a wrong one, no answer, or a truncated think block otherwise."""
    roll = hashlib.sha256(f"{problem_id}/{sample}".encode()).digest()[0] % 8
    if roll < 4:
        return f"<think>Let me compute 17 + 4.</think>The answer is \\boxed{{{answer}}}.", "stop"
    if roll < 6:
        return "<think>Try 3.</think>So \\boxed{123456}.", "stop"
    if roll == 6:
        return "<think>Hmm.</think>I am not sure.", "stop"
    return "<think>Wait, let me re-evaluate 99 ... and", "length"


class FakeGenerator:
    def __init__(self, answers: dict[str, str], delay_s: float = 0.0, fail_after: int | None = None):
        self.answers = answers
        self.delay_s = delay_s
        self.fail_after = fail_after
        self.requests: list[GenRequest] = []

    def identity(self) -> dict:
        return {"model": "fake"}

    def render(self, messages, think_prefix):
        text = "".join(m["content"] for m in messages)
        return "<|user|>" + text + "<|assistant|>" + ("<think>\n" if think_prefix else "")

    def generate(self, requests: Sequence[GenRequest], sampling: SamplingConfig) -> Iterator[
            tuple[GenRequest, list[Completion]]]:
        for request in requests:
            if self.fail_after is not None and len(self.requests) >= self.fail_after:
                raise RuntimeError("engine crashed")
            self.requests.append(request)
            time.sleep(self.delay_s)
            outputs = []
            for i in range(request.n):
                text, finish = fake_text(request.problem_id, request.first_sample + i, self.answers[request.problem_id])
                outputs.append((text, finish, len(text) // 4, None))
            yield request, completions_for(request, outputs)

    def close(self) -> None:
        pass
