"""Build small run directories for report/gate/sweep tests.

Everything a real run writes is written through RunStore; results.json numbers are computed with
r1eval.metrics (never typed by hand), exactly as the pipeline aggregates them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from r1eval.metrics import graded_completions, group_verdicts, task_metrics
from r1eval.store import RunStore
from r1eval.task.data import content_hash
from r1eval.types import Completion, Problem, RunRecord, RunResult, Status, TaskRecord, TaskResult, Verdict

# One sample: (status, answer) or (status, answer, text) or (status, answer, text, finish_reason, n_tokens)
Sample = tuple


def _sample(problem_id: str, index: int, spec: Sample) -> tuple[Completion, Verdict]:
    status, answer = Status(spec[0]), spec[1]
    text = spec[2] if len(spec) > 2 else f"<think>\nwork</think>\n\\boxed{{{answer}}}"
    finish = spec[3] if len(spec) > 3 else "stop"
    tokens = spec[4] if len(spec) > 4 else 100
    return (Completion(problem_id, index, text, finish, tokens),
            Verdict(problem_id, index, status, answer if status is not Status.NO_ANSWER else None, ""))


def make_run(root: Path, name: str, tasks: Mapping[str, Mapping[str, Sequence[Sample]]], *,
             model: str = "org/model", step: int | None = None, label: str | None = None,
             complete: bool = True, questions: Mapping[str, str] | None = None,
             sampling: Mapping[str, object] | None = None, task_record: Mapping[str, object] | None = None,
             config: Mapping[str, object] | None = None) -> Path:
    """A run dir at root/name. tasks: {task: {problem_id: [sample, ...]}} in sample order. `sampling`,
    `task_record` (merged into every task's config record) and `config` override what config.json records."""
    store = RunStore(root / name)
    task_cfg, task_results = {}, {}
    for task, problems in tasks.items():
        plist = [Problem(id=pid, question=(questions or {}).get(pid, f"Question {pid}?"), answer="1")
                 for pid in problems]
        store.write_problems(task, plist)
        completions, verdicts = [], []
        for pid, samples in problems.items():
            for index, spec in enumerate(samples):
                completion, verdict = _sample(pid, index, spec)
                completions.append(completion)
                verdicts.append(verdict)
        with store.journal(task) as journal:
            journal.append(completions)
        store.write_verdicts(task, verdicts)
        n = max((len(s) for s in problems.values()), default=0)
        grouped = group_verdicts(verdicts)
        n_errors = sum(v.status is Status.ERROR for v in verdicts)
        graded = graded_completions(completions, verdicts)
        metrics = task_metrics(grouped, [c.finish_reason for c in graded], [c.n_tokens for c in graded], n=n)
        task_complete = complete and n_errors == 0
        record = {"version": 1, "n": n, "limit": None, "n_problems": len(plist),
                  "dataset": {"content_hash": content_hash(plist)}, "prompt_hash": "p", "scorer": "math",
                  **(task_record or {})}
        task_cfg[task] = TaskRecord(**record)
        task_results[task] = TaskResult(task_version=1, n_problems=len(plist), n_samples=n,
                                        complete=task_complete, metrics=metrics, n_problems_scored=len(grouped),
                                        n_samples_min=min((p.n for p in grouped.values()), default=0),
                                        n_completions=len(completions), n_errors=n_errors)
    sampling = {"n": None, "temperature": 0.6, "top_p": 0.95, "max_tokens": 32768, "seed": 0, **(sampling or {})}
    store.write_config(RunRecord(**{"run_id": name, "model": model, "step": step, "label": label, "backend": "replay",
                                    "identity": {}, "sampling": sampling, "engine": {}, "tasks": task_cfg,
                                    "versions": {}, "created": "2026-11-21T00:00:00", **(config or {})}))
    store.write_results(RunResult(run_id=name, model=model, step=step, label=label,
                                  complete=all(t.complete for t in task_results.values()),
                                  created="2026-11-21T00:00:00", run_dir=str(store.path), tasks=task_results))
    return store.path


def bernoulli_task(rates: Sequence[float], n: int, prefix: str = "p") -> dict[str, list[Sample]]:
    """Problem i gets round(rates[i] * n) correct samples (first), the rest incorrect with answer '0'."""
    out = {}
    for i, rate in enumerate(rates):
        c = round(rate * n)
        out[f"{prefix}{i:03d}"] = [("correct", "1")] * c + [("incorrect", "0")] * (n - c)
    return out
