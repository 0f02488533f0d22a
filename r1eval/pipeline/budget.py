"""Thinking-budget curves from one run: what the checkpoint scores when stopped after B tokens, for any B.

With a per-request seed, a run with max_tokens=B draws the same first B tokens as a longer run. So each sample is
cut at B tokens, marked truncated when the cut removed anything, and re-graded; the samples the cut leaves whole
keep their verdict. The cut is exact where the engine recorded each token's characters (Completion.token_chars,
the vllm backend); otherwise the text is re-tokenized with the run's tokenizer when the model is a local folder
(approximate: a re-tokenization need not split the text as the engine did), and otherwise the curve is not computed.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from r1eval.config import ScoringConfig
from r1eval.errors import DataError
from r1eval.metrics import graded_completions, group_verdicts, task_metrics
from r1eval.task.registry import Task
from r1eval.types import Completion, Problem, RunRecord, Verdict

EXACT, RETOKENIZED = "recorded token offsets", "re-tokenized (approximate)"


class BudgetUnavailable(DataError):
    """A sample cannot be cut at a token budget (no recorded offsets and no tokenizer)."""


def default_budgets(max_tokens: int) -> list[int]:
    """Powers of two from 1024 below max_tokens, and max_tokens itself."""
    budgets, b = [], 1024
    while b < max_tokens:
        budgets.append(b)
        b *= 2
    return [*budgets, max_tokens]


def parse_budgets(text: str, option: str = "--budgets") -> list[int]:
    """'2048,4096' -> [2048, 4096]; anything else is a DataError naming the option and the bad part."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part.isdigit() or int(part) < 1:
            raise DataError(f"{option} {text!r}: {part!r} is not a positive whole number of tokens")
        out.append(int(part))
    return sorted(set(out))


def truncated_at(completion: Completion, budget: int) -> bool:
    """Whether a run with max_tokens=budget would have stopped this sample for length. vLLM checks the stop
    token before the length, so a sample whose stop token is token `budget` still ends with "stop"."""
    return completion.n_tokens > budget or (completion.n_tokens == budget and completion.finish_reason == "length")


class Cutter:
    """Cuts completions at token budgets: by recorded offsets, else by the fallback tokenizer (loaded on first use
    from `tokenizer_dir`), else raises BudgetUnavailable. A cut completion carries no token_chars (not needed to
    grade it). Each sample's offsets are parsed once for all `budgets` and only their character ends are kept."""

    def __init__(self, budgets: Sequence[int], tokenizer_dir: str | None = None):
        self.budgets = sorted(set(budgets))
        self.tokenizer_dir = tokenizer_dir
        self._tokenizer: Any = None
        self._ends: dict[tuple[str, int], dict[int, int | str]] = {}
        self.methods: set[str] = set()

    def _char_ends(self, completion: Completion) -> dict[int, int | str]:
        """budget -> characters of text the first `budget` tokens produced, from the recorded offsets."""
        key = (completion.problem_id, completion.sample)
        if key not in self._ends:
            counts = [int(x) for x in completion.token_chars.split(",") if x]  # type: ignore[union-attr]
            if len(counts) != completion.n_tokens or sum(counts) != len(completion.text):
                raise BudgetUnavailable(f"sample {completion.problem_id}/{completion.sample}: its token offsets do "
                                        "not match its text and token count (an edited journal?)")
            ends: dict[int, int | str] = {}
            total, wanted = 0, iter(self.budgets)
            budget = next(wanted, None)
            for index, count in enumerate(counts, 1):
                total += count
                while budget is not None and budget == index:
                    ends[budget] = total
                    budget = next(wanted, None)
            self._ends[key] = ends
        return self._ends[key]

    def _retokenized_ends(self, completion: Completion) -> dict[int, int | str]:
        """budget -> the re-tokenized cut: its length when it is a prefix of the text (the usual case), else the
        decoded text itself. Tokenized once per sample for all budgets."""
        key = (completion.problem_id, completion.sample)
        if key not in self._ends:
            ids = self._retokenize(completion.text)
            ends: dict[int, int | str] = {}
            for budget in self.budgets:
                text = self._tokenizer.decode(ids[:budget], skip_special_tokens=True).rstrip("\ufffd")
                ends[budget] = len(text) if completion.text.startswith(text) else text
            self._ends[key] = ends
        return self._ends[key]

    def _retokenize(self, text: str) -> list[int]:
        if self._tokenizer is None:
            if not self.tokenizer_dir or not (Path(self.tokenizer_dir) / "tokenizer_config.json").is_file():
                raise BudgetUnavailable("the completions carry no token offsets (recorded by the vllm backend) and "
                                        f"the model {self.tokenizer_dir!r} is not a local folder with a tokenizer")
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.tokenizer_dir)
        return self._tokenizer(text, add_special_tokens=False)["input_ids"]

    def cut(self, completion: Completion, budget: int) -> Completion:
        if budget not in self.budgets:
            raise ValueError(f"budget {budget} is not one of this cutter's {self.budgets}")
        if completion.n_tokens <= budget:  # nothing to cut; a sample stopped at exactly `budget` stays as it was
            return completion
        if completion.token_chars is not None:
            self.methods.add(EXACT)
            end = self._char_ends(completion)[budget]
        elif completion.reasoning is not None:
            raise BudgetUnavailable("the server split the reasoning out of the text; its tokens cannot be counted")
        else:
            self.methods.add(RETOKENIZED)
            end = self._retokenized_ends(completion)[budget]
        text = completion.text[:end] if isinstance(end, int) else end
        return replace(completion, text=text, finish_reason="length", n_tokens=budget, token_chars=None)


def cutter_for(config: RunRecord, budgets: Sequence[int]) -> Cutter:
    """A Cutter for a run: its local model folder (if the model is one) is the fallback tokenizer."""
    return Cutter(budgets, config.model if Path(config.model).is_dir() else None)


def budget_point(task: Task, problems: Mapping[str, Problem], completions: Sequence[Completion],
                 verdicts: Sequence[Verdict], budget: int, cut: Callable[[Completion], Completion | None],
                 scoring: ScoringConfig, seed: int, n: int) -> dict[str, Any]:
    """The task's metrics with every sample replaced by cut(sample): the sample itself keeps its verdict, another
    completion is graded, None leaves the sample out (n_missing)."""
    by_key = {(v.problem_id, v.sample): v for v in verdicts}
    pairs = [(c, cut(c)) for c in completions if (c.problem_id, c.sample) in by_key]
    kept = [new for _, new in pairs if new is not None]
    changed = [new for old, new in pairs if new is not None and new is not old]
    rescored = task.scorer.score([(problems[c.problem_id], c) for c in changed], scoring) if changed else []
    regraded = {(v.problem_id, v.sample): v for v in rescored}
    new_verdicts = [regraded.get((c.problem_id, c.sample), by_key[(c.problem_id, c.sample)]) for c in kept]
    graded = graded_completions(kept, new_verdicts)
    grouped = group_verdicts(new_verdicts)
    metrics = task_metrics(grouped, [c.finish_reason for c in graded], [c.n_tokens for c in graded],
                           cons=task.cons, seed=seed, n=n) if grouped else {}
    cons = next((v for k, v in metrics.items() if k.startswith("cons@") and "_ci" not in k), None)
    return {"budget": budget, "pass@1": metrics.get("pass@1"), "cons": cons,
            "truncation_rate": metrics.get("truncation_rate"), "no_answer_rate": metrics.get("no_answer_rate"),
            "mean_tokens": metrics.get("mean_tokens"), "n_regraded": len(changed),
            "n_missing": len(pairs) - len(kept)}


def budget_curve(task: Task, problems: Sequence[Problem], completions: Sequence[Completion],
                 verdicts: Sequence[Verdict], budgets: Sequence[int], config: RunRecord, scoring: ScoringConfig,
                 n: int, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """{"method", "points": [one budget_point per budget]} or {"unavailable": why} when samples cannot be cut."""
    cutter = cutter_for(config, budgets)
    by_id = {p.id: p for p in problems}
    kept = [c for c in completions if c.problem_id in by_id]
    seed = int(config.sampling.get("seed", 0) or 0)
    try:
        points = [budget_point(task, by_id, kept, verdicts, b, partial(cutter.cut, budget=b), scoring, seed, n)
                  for b in budgets]
    except BudgetUnavailable as exc:
        if log:
            log(f"budget curve of {task.name} not computed: {exc}")
        return {"unavailable": str(exc)}
    finally:
        if hasattr(task.scorer, "close"):
            task.scorer.close()
    return {"method": " + ".join(sorted(cutter.methods)) or "no sample cut", "points": points}
