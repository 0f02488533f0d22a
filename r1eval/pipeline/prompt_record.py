"""<run>/<task>/prompts.jsonl: the exact prompt each problem was sent with, so a viewer never has to rebuild it.

One row per problem: {"problem_id", "prompt"}; the prompt is the text after the chat template (the vllm backend
renders it) or the chat messages a server was sent (openai, replay: the server applies its own template).
Written atomically each time a task is planned (a resumed run writes the same rows: the prompt hash is checked).
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from r1eval.store import RunStore
from r1eval.types import Problem

PROMPTS_FILE = "prompts.jsonl"


def write_prompts(store: RunStore, task: str, problems: Sequence[Problem], prompts: Sequence[Any]) -> None:
    path = store.task_dir(task) / PROMPTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps({"problem_id": p.id, "prompt": prompt}, ensure_ascii=False) + "\n"
                           for p, prompt in zip(problems, prompts, strict=True)), encoding="utf-8")
    os.replace(tmp, path)


def read_prompts(store: RunStore, task: str) -> dict[str, Any] | None:
    """problem id -> recorded prompt; None for a run made before prompts were recorded (or an unreadable file)."""
    path = store.task_dir(task) / PROMPTS_FILE
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return {str(row["problem_id"]): row["prompt"] for row in rows}
    except (OSError, ValueError, KeyError, TypeError):
        return None
