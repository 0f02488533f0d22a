"""What every generation backend speaks: one request per problem in, that problem's numbered completions out."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from r1eval.config import SamplingConfig
from r1eval.types import Completion

Prompt = str | list[dict[str, str]]  # rendered text (vllm) or chat messages (openai)


@dataclass(frozen=True)
class GenRequest:
    task: str
    problem_id: str
    prompt: Prompt
    n: int  # samples still needed for this problem
    first_sample: int  # sample index of the first of them (resume fills the gaps after what exists)
    seed: int  # derived from (run seed, task, problem id, first_sample)


def request_seed(seed: int, task: str, problem_id: str, first_sample: int) -> int:
    """A per-request seed from (run seed, task, problem, first sample): stable across resumes and machines."""
    digest = hashlib.sha256(f"{seed}\x00{task}\x00{problem_id}\x00{first_sample}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class Generator(Protocol):
    def identity(self) -> dict[str, Any]:
        """What identifies the model for config.json (path or id, revision or weights hash, chat-template hash)."""
        ...

    def render(self, messages: list[dict[str, str]], think_prefix: bool) -> Prompt:
        """The exact prompt the engine will see (chat template applied where this backend applies it)."""
        ...

    def generate(
        self, requests: Sequence[GenRequest], sampling: SamplingConfig
    ) -> Iterator[tuple[GenRequest, list[Completion]]]:
        """Yield (request, its n completions) as each request finishes, in any order."""
        ...

    def close(self) -> None: ...


def completions_for(request: GenRequest, outputs: Iterable[tuple[str, str, int, str | None]]) -> list[Completion]:
    """Number a request's outputs (text, finish_reason, n_tokens, reasoning) from its first sample on."""
    return [
        Completion(request.problem_id, request.first_sample + i, text, finish, tokens, reasoning)
        for i, (text, finish, tokens, reasoning) in enumerate(outputs)
    ]
