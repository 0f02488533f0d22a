"""lm-evaluation-harness tasks as r1eval tasks (`lm_eval:<name>`; README, "lm-evaluation-harness tasks").

lm-eval builds each document's prompt (its template and few-shot examples), its filters extract the answer and
its metrics score it; r1eval generates (its engine, journal and n seeded samples per request), keeps the run
directory and aggregates. Every sample is filtered and scored on its own, so all n samples count (lm-eval's own
evaluator scores only the first repeat of a task without a repeat-aware filter). The text lm-eval's filters see
is the answer region: what follows the last </think>, cut at the task's first `until` string.
Only generate_until tasks run; log-likelihood (multiple-choice) tasks are refused (see `load_lm_eval_task`).
"""
from __future__ import annotations

import fnmatch
import hashlib
import inspect
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Any

from r1eval.errors import TaskError
from r1eval.grading.extract import answer_region
from r1eval.task import prompts
from r1eval.task.registry import LoadContext, Task
from r1eval.types import Completion, Problem, Status, Verdict

PREFIX = "lm_eval:"
INVALID = "[invalid]"  # what lm-eval's regex filters return when nothing matches
INSTALL_HINT = "lm_eval: tasks need the lm-eval package: pip install 'r1eval[lm-eval]'"


def is_lm_eval(name: str) -> bool:
    return name.startswith(PREFIX)


def lm_eval_version() -> str:
    try:
        return metadata.version("lm_eval")
    except metadata.PackageNotFoundError as exc:
        raise TaskError(INSTALL_HINT) from exc


@lru_cache(maxsize=8)
def _manager(include: tuple[str, ...], defaults: bool) -> Any:
    """lm-eval's task index (indexing its ~15k built-in YAML files takes 10-30 s, so it is built once)."""
    try:
        from lm_eval.tasks import TaskManager
    except ImportError as exc:
        raise TaskError(INSTALL_HINT) from exc
    for folder in include:
        if not os.path.isdir(folder):
            raise TaskError(f"--lm-eval-include folder '{folder}' does not exist")
    return TaskManager(include_path=list(include) or None, include_defaults=defaults)


def _build(name: str, include: tuple[str, ...]) -> dict[str, Any]:
    """lm-eval's load() result for one name. The user's folders are tried alone first: they take precedence
    in lm-eval too, and that spares indexing the built-in tasks when the task is the user's own."""
    managers = ([_manager(include, False)] if include else []) + [None]
    for index, manager in enumerate(managers):
        manager = manager or _manager(include, True)
        if name not in manager.all_tasks:
            continue
        try:
            return manager.load([name])
        except Exception as exc:  # a user's YAML is user input; the built-ins may still resolve it
            if index + 1 < len(managers):
                continue
            raise TaskError(f"lm-eval could not load task '{name}': {_why(exc)}") from exc
    raise TaskError(f"unknown lm-eval task '{name}'; list them with: r1eval tasks --lm-eval '*{name}*'")


def load_lm_eval_task(name: str, include: Sequence[str] = ()) -> Any:
    """The lm-eval Task object for `name` (without the prefix). Groups and tags, and tasks scored by
    log-likelihood, are refused in one line: a reasoning model is judged on the answer it generates."""
    loaded = _build(name, tuple(map(str, include)))
    if loaded["groups"] or len(loaded["tasks"]) != 1:
        members = sorted(loaded["tasks"])
        raise TaskError(f"lm-eval name '{name}' is a group of {len(members)} tasks; name them one by one "
                        f"(e.g. {PREFIX}{members[0] if members else name}) — r1eval tasks --lm-eval '{name}*'")
    task = next(iter(loaded["tasks"].values()))
    if task.OUTPUT_TYPE != "generate_until":
        raise TaskError(f"{PREFIX}{name} is a {task.OUTPUT_TYPE} task (scored by log-likelihoods); r1eval runs "
                        "lm-eval's generate_until tasks only, whose answers the model generates")
    return task


def list_lm_eval_tasks(pattern: str = "*", include: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(name, kind, yaml path) of every lm-eval task, group and tag matching the glob `pattern`."""
    manager = _manager(tuple(map(str, include)), True)
    rows = []
    for name in sorted(manager.all_tasks):
        if fnmatch.fnmatchcase(name, pattern):
            entry = manager.task_index[name]
            rows.append((name, entry.kind.name.lower(), str(entry.yaml_path or "")))
    return rows


def _stable(value: Any) -> Any:
    """JSON for a task config: functions by name and source (their repr holds a memory address)."""
    if callable(value):
        try:
            source = inspect.getsource(value)
        except (OSError, TypeError):
            source = ""
        name = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
        return f"{name}:{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def config_sha256(task: Any) -> str:
    dumped = json.dumps(task.dump_config(), sort_keys=True, default=_stable)
    return hashlib.sha256(dumped.encode()).hexdigest()


@dataclass(frozen=True)
class LmEvalSource:
    """The task's evaluation documents, with each one's prompt as lm-eval builds it (few-shot included)."""

    name: str
    task: Any

    def load(self, ctx: LoadContext) -> list[Problem]:
        self.task.build_all_requests()
        problems = []
        for instance in self.task.instances:
            context, gen_kwargs = instance.args[0], instance.args[1]
            target = self.task.doc_to_target(instance.doc)
            problems.append(Problem(id=str(instance.doc_id), question=context, answer=str(target),
                                    meta={"doc_id": instance.doc_id, "until": list(gen_kwargs.get("until") or [])}))
        return problems

    def describe(self) -> dict[str, Any]:
        config = self.task.config
        return {"lm_eval_task": self.name, "hub": config.dataset_path, "config": config.dataset_name,
                "split": config.test_split or config.validation_split}


def lm_eval_input(completion: Completion, until: Sequence[str]) -> str | None:
    """What lm-eval's filters see: the answer region cut at the first stop string; None for an unclosed think."""
    region = answer_region(completion.text)
    if region is None:
        return None
    for stop in until:
        if stop:
            region = region.split(stop, 1)[0]
    return region


class LmEvalScorer:
    """Each sample through every filter ensemble of the task, then the task's process_results.

    Verdict.answer is the primary filter's output; Verdict.detail is the JSON of every `metric,filter` score.
    """

    def __init__(self, name: str, task: Any):
        self.name = f"{PREFIX}{name}"
        self.task = task
        self.filters = [f.name for f in task._filters]
        self.primary_metric = next(iter(task._metric_fn_list))
        self.primary = f"{self.primary_metric},{self.filters[0]}"

    def describe(self, scoring: Any = None) -> dict[str, Any]:
        return {"primary_metric": self.primary, "filters": self.filters}

    def score(self, items: Sequence[tuple[Problem, Completion]], scoring: Any = None) -> list[Verdict]:
        """`scoring` (the run's ScoringConfig) does not apply: lm-eval's filters and metrics run in-process."""
        from lm_eval.api.instance import Instance

        docs = self.task.eval_docs
        inputs = [lm_eval_input(c, p.meta.get("until", ())) for p, c in items]
        instances = [Instance("generate_until", docs[int(p.meta["doc_id"])], (p.question, {}), 0,
                              (self.task.config.task, int(p.meta["doc_id"]), 1), resps=[text or ""])
                     for (p, _), text in zip(items, inputs, strict=True)]
        for ensemble in self.task._filters:
            ensemble.apply(instances)
        return [self._verdict(p, c, instance, text is None)
                for (p, c), instance, text in zip(items, instances, inputs, strict=True)]

    def _verdict(self, problem: Problem, completion: Completion, instance: Any, unclosed: bool) -> Verdict:
        scores: dict[str, Any] = {}
        try:
            for name in self.filters:
                for metric, value in self.task.process_results(instance.doc, [instance.filtered_resps[name]]).items():
                    scores[f"{metric},{name}"] = value
            detail = json.dumps(scores, sort_keys=True, default=_stable)
        except Exception as exc:  # lm-eval's metric code failing is a harness failure, not the model's
            return Verdict(problem.id, completion.sample, Status.ERROR, None,
                           f"lm-eval scoring failed: {_why(exc)}")
        answer = instance.filtered_resps[self.filters[0]]
        answer = answer if isinstance(answer, str) else json.dumps(answer, default=_stable)
        value = scores.get(self.primary)
        if isinstance(value, (int, float)) and float(value) >= 1.0:
            status = Status.CORRECT
        elif unclosed or answer.strip() in ("", INVALID):
            status = Status.NO_ANSWER
        else:
            status = Status.INCORRECT
        return Verdict(problem.id, completion.sample, status, None if status is Status.NO_ANSWER else answer, detail)

    def aggregate(self, verdicts: Sequence[Verdict]) -> dict[str, float]:
        """lm-eval's aggregate of every `metric,filter` over all samples, and pass@1 = the mean over problems of
        the mean over samples of the primary metric (equal to c/n when the metric is 0/1)."""
        values: dict[str, list[Any]] = {}
        per_problem: dict[str, list[float]] = {}
        for verdict in verdicts:
            if verdict.status is Status.ERROR:
                continue
            scores = json.loads(verdict.detail)
            for key, value in scores.items():
                values.setdefault(key, []).append(value)
            if isinstance(scores.get(self.primary), (int, float)):
                per_problem.setdefault(verdict.problem_id, []).append(float(scores[self.primary]))
        aggregations: Mapping[str, Any] = self.task.aggregation()
        out: dict[str, float] = {}
        for key, items in values.items():
            aggregate = aggregations.get(key.split(",", 1)[0])
            if aggregate is not None:
                out[key] = float(aggregate(items))
        if per_problem:
            out["pass@1"] = sum(sum(v) / len(v) for v in per_problem.values()) / len(per_problem)
        return out


def lm_eval_task(name: str, include: Sequence[str] = ()) -> Task:
    """An r1eval Task for `lm_eval:<name>`; its meta["lm_eval"] (version, config hash) guards resumes."""
    bare = name[len(PREFIX):] if is_lm_eval(name) else name
    version = lm_eval_version()
    task = load_lm_eval_task(bare, include)
    task_version = (task.config.metadata or {}).get("version", task.VERSION)
    return Task(
        name=f"{PREFIX}{bare}", version=task_version, source=LmEvalSource(bare, task),
        prompt=lambda problem: prompts.user(problem.question), scorer=LmEvalScorer(bare, task),
        default_n=int(task.config.repeats or 1), size=None, metric_families=("lm-eval",),
        description=f"lm-eval {version} task {bare}",
        meta={"lm_eval": {"version": version, "config_sha256": config_sha256(task)}},
    )


def _why(exc: BaseException) -> str:
    """`Type: first line of the message` (lm-eval's errors can be many lines long)."""
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
