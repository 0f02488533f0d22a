"""What results.json says about token budgets: the budget curve on the default grid, and the forced-answer curve
where `r1eval force-answer` made one."""
from __future__ import annotations

from dataclasses import replace

from r1eval.config import ScoringConfig
from r1eval.pipeline.budget import budget_curve, default_budgets
from r1eval.pipeline.forced import forced_curve
from r1eval.store import RunStore
from r1eval.task.registry import Task
from r1eval.types import RunRecord, TaskResult


def with_budget_curve(store: RunStore, task: Task, config: RunRecord, result: TaskResult,
                      scoring: ScoringConfig) -> TaskResult:
    """`result` with its budget_curve (and forced-answer curve) from the task's journals and verdicts."""
    max_tokens = config.sampling.get("max_tokens")
    record = config.tasks.get(task.name)
    if not max_tokens or record is None or not result.n_problems_scored:
        return result
    completions, verdicts = store.read_completions(task.name), store.read_verdicts(task.name)
    curve = budget_curve(task, store.read_problems(task.name), completions, verdicts,
                         default_budgets(int(max_tokens)), config, scoring, record.n)
    forced = forced_curve(store, task, config, scoring, record.n, completions, verdicts)
    return replace(result, budget_curve={**curve, "forced": forced} if forced else curve)
