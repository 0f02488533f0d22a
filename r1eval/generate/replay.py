"""Replay: completions from an existing run directory or a JSONL file (tests, re-grading, external generators).

JSONL rows: {problem_id, sample, text, finish_reason?, n_tokens?, task?}; rows without `task` match any task.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from r1eval.config import EngineConfig, SamplingConfig
from r1eval.errors import ConfigError, ModelError
from r1eval.generate.protocol import GenRequest, Prompt
from r1eval.store import RunStore
from r1eval.task.data import read_jsonl_rows
from r1eval.types import Completion

Key = tuple[str | None, str, int]  # (task or None, problem_id, sample)


class ReplayGenerator:
    def __init__(self, model: str, engine: EngineConfig):
        if not engine.replay_from:
            raise ConfigError("the replay backend needs --replay-from RUN_DIR_OR_JSONL")
        self.source = Path(engine.replay_from)
        self.model = model
        self._index = self._load()

    def _load(self) -> dict[Key, Completion]:
        index: dict[Key, Completion] = {}
        if self.source.is_dir():
            store = RunStore(self.source)
            for task in store.tasks():
                for c in store.read_completions(task):
                    index[(task, c.problem_id, c.sample)] = c
        elif self.source.is_file():
            for row in read_jsonl_rows(self.source):
                try:
                    text = row.get("text", row.get("response"))
                    completion = Completion(str(row["problem_id"]), int(row["sample"]), str(text),
                                            row.get("finish_reason", "stop"), int(row.get("n_tokens", 0)),
                                            row.get("reasoning"), row.get("token_chars"))
                except (KeyError, TypeError, ValueError) as exc:
                    raise ConfigError(f"{self.source}: replay rows need problem_id, sample and text ({exc})") from exc
                index[(row.get("task"), completion.problem_id, completion.sample)] = completion
        else:
            raise ConfigError(f"replay source {self.source} does not exist")
        return index

    def identity(self) -> dict[str, Any]:
        digest = hashlib.sha256(json.dumps(sorted(str(k) for k in self._index)).encode()).hexdigest()
        return {"model": self.model, "replay_from": str(self.source), "index_sha256": digest}

    def render(self, messages: list[dict[str, str]], think_prefix: bool) -> Prompt:
        return messages

    def _lookup(self, task: str, problem_id: str, sample: int) -> Completion:
        for key in ((task, problem_id, sample), (None, problem_id, sample)):
            if key in self._index:
                return self._index[key]
        raise ModelError(f"replay source {self.source} has no completion for {task}/{problem_id} sample {sample}")

    def generate(
        self, requests: Sequence[GenRequest], sampling: SamplingConfig
    ) -> Iterator[tuple[GenRequest, list[Completion]]]:
        for request in requests:
            found = [self._lookup(request.task, request.problem_id, request.first_sample + i) for i in range(request.n)]
            yield request, [replace(c, problem_id=request.problem_id) for c in found]

    def close(self) -> None:
        pass
