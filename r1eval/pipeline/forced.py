"""The forced-answer curve (optional, `r1eval force-answer`): what the model answers when stopped at B tokens.

Each sample cut at B tokens (pipeline.budget) is continued from its own prefix: the recorded prompt, the cut
text, the end-of-thinking marker (unless the cut text already closed its think block) and a short answer prompt;
the model writes a few tokens more, and the whole is graded by the task's scorer. Samples that ended within B
tokens keep their own verdict. This is a second curve beside the budget curve ("what the model has answered after
B tokens"): it is never mixed into it.

    <run>/<task>/forced/settings.json               the answer prompt and token limit (a resume must match)
    <run>/<task>/forced/<B>/completions.jsonl       journal of the continuations (text after the answer prompt)
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from r1eval.comparable import model_differences
from r1eval.config import EngineConfig, SamplingConfig, ScoringConfig
from r1eval.errors import ConfigError, DataError
from r1eval.generate import GenRequest, make_generator
from r1eval.generate.protocol import request_seed
from r1eval.pipeline.budget import BudgetUnavailable, budget_point, cutter_for, truncated_at
from r1eval.pipeline.progress import progress_bar
from r1eval.pipeline.prompt_record import read_prompts
from r1eval.store import RunStore
from r1eval.task.registry import Task
from r1eval.types import Completion, RunRecord

END_OF_THINKING = "\n</think>\n\n"
ANSWER_PROMPT = "**Final Answer**\n\\boxed{"
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class ForceSettings:
    answer_prompt: str = ANSWER_PROMPT
    answer_tokens: int = 32


def forced_dir(store: RunStore, task: str) -> Path:
    return store.task_dir(task) / "forced"


def forced_store(store: RunStore, task: str) -> RunStore:
    """The forced answers reuse the store's journal: one 'task' per budget under <task>/forced/."""
    return RunStore(forced_dir(store, task))


def forced_budgets(store: RunStore, task: str) -> list[int]:
    folder = forced_dir(store, task)
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit()) if folder.is_dir() else []


def read_settings(store: RunStore, task: str) -> ForceSettings | None:
    path = forced_dir(store, task) / SETTINGS_FILE
    if not path.is_file():
        return None
    return ForceSettings(**json.loads(path.read_text(encoding="utf-8")))


def forced_text(cut: Completion, settings: ForceSettings) -> str:
    """The cut text with the end-of-thinking marker (when still thinking) and the answer prompt appended."""
    return cut.text + ("\n\n" if "</think>" in cut.text else END_OF_THINKING) + settings.answer_prompt


def _check_settings(store: RunStore, task: str, settings: ForceSettings) -> None:
    previous = read_settings(store, task)
    if previous is not None and previous != settings:
        raise DataError(f"{forced_dir(store, task)} holds forced answers made with {previous}; delete that folder "
                        f"to force answers with {settings}")
    folder = forced_dir(store, task)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).write_text(json.dumps({f.name: getattr(settings, f.name) for f in fields(settings)}),
                                        encoding="utf-8")


def force_requests(store: RunStore, config: RunRecord, task: str, budgets: Sequence[int],
                   settings: ForceSettings) -> list[GenRequest]:
    """One single-sample request per (sample cut at B, B) whose forced answer is not journaled yet."""
    prompts = read_prompts(store, task)
    completions = store.read_completions(task)
    if prompts is None or any(not isinstance(p, str) for p in prompts.values()):
        raise DataError(f"{store.path}: forcing an answer needs the text prompts a vllm-backend run records in "
                        f"{task}/prompts.jsonl (this run has none, or chat messages)")
    cutter, seed = cutter_for(config, budgets), int(config.sampling.get("seed", 0) or 0)
    requests = []
    for budget in budgets:
        done = {(c.problem_id, c.sample) for c in forced_store(store, task).read_completions(str(budget))}
        for completion in completions:
            key = (completion.problem_id, completion.sample)
            if key in done or not truncated_at(completion, budget) or completion.problem_id not in prompts:
                continue
            prompt = prompts[completion.problem_id] + forced_text(cutter.cut(completion, budget), settings)
            requests.append(GenRequest(f"{task}@{budget}", completion.problem_id, prompt, 1, completion.sample,
                                       request_seed(seed, f"{task}@{budget}", completion.problem_id,
                                                    completion.sample)))
    return requests


def force_answers(run_dir: str | Path, budgets: Sequence[int], settings: ForceSettings = ForceSettings(),
                  generator: Any = None, show_progress: bool = True) -> int:
    """Generate the missing forced answers of every task of a run at `budgets` (resumable: journaled per answer);
    returns how many were generated. Holds the run's writer lock."""
    store = RunStore(run_dir)
    config = store.require_config()
    if generator is None and config.backend != "vllm":
        raise ConfigError(f"forcing answers continues text prompts with the vllm backend; {store.path} was made "
                          f"with the {config.backend} backend")
    sampling = replace(SamplingConfig(**{k: v for k, v in config.sampling.items()
                                         if k in {f.name for f in fields(SamplingConfig)}}),
                       max_tokens=settings.answer_tokens, n=1)
    made = 0
    with store.writer_lock():
        plans = []
        for task in config.tasks:
            _check_settings(store, task, settings)
            plans.append((task, force_requests(store, config, task, budgets, settings)))
        pending = [r for _, rs in plans for r in rs]
        if pending:
            owned = generator is None
            if owned:
                engine = EngineConfig(**{k: v for k, v in config.engine.items()
                                         if k in {f.name for f in fields(EngineConfig)}})
                generator = make_generator("vllm", config.model, engine)
                changed = model_differences(config.identity.get("model") or {}, generator.identity())
                if changed:
                    generator.close()
                    raise ConfigError(f"the model is not the one {store.path} was made with ({'; '.join(changed)})")
            journals: dict[str, Any] = {}
            try:
                with progress_bar("force answers", len(pending), show_progress) as bar:
                    for request, completions in generator.generate(pending, sampling):
                        task, budget = request.task.rsplit("@", 1)
                        if request.task not in journals:
                            journals[request.task] = forced_store(store, task).journal(budget)
                        journals[request.task].append(completions)
                        made += len(completions)
                        bar(len(completions))
            finally:
                for journal in journals.values():
                    journal.close()
                if owned:
                    generator.close()
    return made


def forced_curve(store: RunStore, task: Task, config: RunRecord, scoring: ScoringConfig, n: int,
                 completions: Sequence[Completion], verdicts: Sequence[Any]) -> dict[str, Any] | None:
    """The forced-answer points of the budgets this task has forced answers for (None when it has none;
    {"unavailable": why} when its samples can no longer be cut, e.g. an edited journal)."""
    budgets = forced_budgets(store, task.name)
    settings = read_settings(store, task.name)
    if not budgets or settings is None:
        return None
    try:
        return _forced_points(store, task, config, scoring, n, completions, verdicts, budgets, settings)
    except BudgetUnavailable as exc:
        return {"unavailable": str(exc)}
    finally:
        if hasattr(task.scorer, "close"):
            task.scorer.close()


def _forced_points(store: RunStore, task: Task, config: RunRecord, scoring: ScoringConfig, n: int,
                   completions: Sequence[Completion], verdicts: Sequence[Any], budgets: list[int],
                   settings: ForceSettings) -> dict[str, Any]:
    cutter = cutter_for(config, budgets)
    problems = {p.id: p for p in store.read_problems(task.name)}
    seed = int(config.sampling.get("seed", 0) or 0)
    points = []
    for budget in budgets:
        answers = {(c.problem_id, c.sample): c for c in forced_store(store, task.name).read_completions(str(budget))}

        def forced(sample: Completion, budget: int = budget, answers: dict = answers) -> Completion | None:
            if not truncated_at(sample, budget):
                return sample
            answer = answers.get((sample.problem_id, sample.sample))
            if answer is None:
                return None
            cut = cutter.cut(sample, budget)
            return replace(cut, text=forced_text(cut, settings) + answer.text, finish_reason=answer.finish_reason,
                           n_tokens=budget + answer.n_tokens)

        kept = [c for c in completions if c.problem_id in problems]
        points.append(budget_point(task, problems, kept, verdicts, budget, forced, scoring, seed, n))
    return {"answer_prompt": settings.answer_prompt, "answer_tokens": settings.answer_tokens, "points": points}
