"""CI gate: did a candidate checkpoint regress against a baseline run, beyond an allowed drop, with confidence?

Decision rule (per task; d = candidate - baseline in percentage points, per shared problem):
  paired bootstrap over problems gives the one-sided upper confidence bound U of mean(d) at `confidence`.
  The task REGRESSED when U < -max_drop, i.e. we are `confidence`-sure the true drop exceeds max_drop.
  It IMPROVED when the one-sided lower bound is > 0; otherwise the change is within noise.
Exit codes (the CLI): 0 no task regressed, 1 a task regressed, 2 unusable inputs (GateInputError).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from r1eval.errors import R1EvalError, StoreError
from r1eval.report.paired import (
    PairedDelta,
    check_metric,
    min_detectable_drop,
    paired_delta,
    per_problem_values,
    planning_sd,
    problems_needed,
)
from r1eval.report.runs import Run, load_run


class GateInputError(R1EvalError):
    """The two runs cannot be compared (different problems, incomplete, missing task): gate exit code 2."""


@dataclass(frozen=True)
class TaskGate:
    task: str
    metric: str
    result: PairedDelta
    status: str  # "regression" | "improvement" | "no significant change"
    min_detectable_drop: float
    problems_needed: int | None  # set when the sample is too small to detect max_drop
    warning: str | None


@dataclass(frozen=True)
class GateReport:
    baseline: str
    candidate: str
    metric: str
    max_drop: float
    confidence: float
    tasks: list[TaskGate]

    @property
    def regressed(self) -> bool:
        return any(t.status == "regression" for t in self.tasks)

    @property
    def exit_code(self) -> int:
        return 1 if self.regressed else 0

    def to_dict(self) -> dict:
        return {"baseline": self.baseline, "candidate": self.candidate, "metric": self.metric,
                "max_drop": self.max_drop, "confidence": self.confidence, "regressed": self.regressed,
                "exit_code": self.exit_code,
                "method": "paired percentile bootstrap over shared problems; regression when the one-sided "
                          "upper confidence bound of (candidate - baseline) is below -max_drop",
                "tasks": [{**asdict(t), "result": asdict(t.result)} for t in self.tasks]}


def _load(path: str | Path, role: str) -> Run:
    try:
        return load_run(path)
    except StoreError as exc:
        raise GateInputError(f"{role}: {exc}") from exc


def _shared_problems(base: Run, cand: Run, task: str, shared_only: bool) -> set[str]:
    fb, fc = base.problem_fingerprints(task), cand.problem_fingerprints(task)
    same = {pid for pid in fb.keys() & fc.keys() if fb[pid] == fc[pid]}
    differ = len(fb.keys() | fc.keys()) - len(same)
    if differ and not shared_only:
        raise GateInputError(
            f"{task}: the runs evaluated different problem sets ({len(fb)} vs {len(fc)} problems, {len(same)} "
            f"identical); pass --shared-only to compare the {len(same)} they share")
    if not same:
        raise GateInputError(f"{task}: the runs share no identical problems")
    return same


def gate_task(base: Run, cand: Run, task: str, metric: str, max_drop: float, confidence: float,
              shared_only: bool = False, seed: int = 0) -> TaskGate:
    problems = _shared_problems(base, cand, task, shared_only)
    values = []
    for run, role in ((base, "baseline"), (cand, "candidate")):
        grouped = {pid: p for pid, p in run.grouped(task).items() if pid in problems}
        try:
            values.append(per_problem_values(grouped, metric))
        except ValueError as exc:
            raise GateInputError(f"{task}: {role}: {exc}") from exc
    graded = set(values[0]) & set(values[1])
    if not graded:
        raise GateInputError(f"{task}: no problem has graded samples in both runs")
    b = {pid: values[0][pid] for pid in graded}
    c = {pid: values[1][pid] for pid in graded}
    result = paired_delta(b, c, confidence, seed)
    if result.upper < -max_drop:
        status = "regression"
    elif result.lower > 0:
        status = "improvement"
    else:
        status = "no significant change"
    sd = planning_sd(result, list(b.values()), list(c.values()))
    mdd = min_detectable_drop(sd, result.n, confidence)
    needed, warning = None, None
    if max_drop > 0 and mdd > max_drop:
        needed = problems_needed(sd, max_drop, confidence)
        warning = (f"{task}: {result.n} problems are too few to detect a {max_drop:g}-point drop in {metric}: the "
                   f"smallest drop this sample distinguishes from no change (80% power, one-sided "
                   f"{confidence:.0%}) is {mdd:.1f} points; about {needed:,} problems would be needed "
                   f"(per-problem difference SD {sd:.1f} points; more samples per problem lower the SD)")
    elif max_drop <= 0:
        warning = f"{task}: --max-drop 0 flags any drop the data support; minimum detectable drop {mdd:.1f} points"
    return TaskGate(task, metric, result, status, mdd, needed, warning)


def run_gate(baseline: str | Path, candidate: str | Path, tasks: list[str] | None = None, metric: str = "pass@1",
             max_drop: float = 1.0, confidence: float = 0.95, allow_incomplete: bool = False,
             shared_only: bool = False, seed: int = 0) -> GateReport:
    check_metric(metric)
    if max_drop < 0:
        raise R1EvalError(f"--max-drop must be >= 0 points, got {max_drop}")
    if not 0.5 < confidence < 1.0:
        raise R1EvalError(f"--confidence must be in (0.5, 1), got {confidence}")
    base, cand = _load(baseline, "baseline"), _load(candidate, "candidate")
    names = tasks or [t for t in base.tasks if t in cand.tasks]
    if not names:
        raise GateInputError(f"the runs share no task (baseline: {', '.join(base.tasks) or 'none'}; "
                             f"candidate: {', '.join(cand.tasks) or 'none'})")
    for task in names:
        for run, role in ((base, "baseline"), (cand, "candidate")):
            if task not in run.tasks:
                raise GateInputError(f"{role} run {run.run_id} has no task {task!r} (has: {', '.join(run.tasks)})")
            if not run.task_complete(task) and not allow_incomplete:
                raise GateInputError(f"{role} run {run.run_id} is incomplete for {task}; finish it "
                                     f"(re-run the same command) or pass --allow-incomplete")
    gates = [gate_task(base, cand, t, metric, max_drop, confidence, shared_only, seed) for t in names]
    return GateReport(base.run_id, cand.run_id, metric, max_drop, confidence, gates)


_ICON = {"regression": "❌ regression", "improvement": "✅ improvement", "no significant change": "✅ within noise"}


def gate_markdown(report: GateReport) -> str:
    """A table fit for a pull-request comment, followed by the decision rule and any sample-size warnings."""
    conf = f"{report.confidence:.0%}"
    lines = [f"### r1eval gate: `{report.candidate}` vs `{report.baseline}`", "",
             f"| Task | Metric | Baseline | Candidate | Δ (pts) | {conf} CI of Δ | {conf} upper bound | Problems "
             f"| Min. detectable drop | Result |",
             "|---|---|---:|---:|---:|---|---:|---:|---:|---|"]
    for t in report.tasks:
        r = t.result
        lines.append(f"| {t.task} | {t.metric} | {r.baseline:.1f} | {r.candidate:.1f} | {r.delta:+.1f} | "
                     f"[{r.ci_low:+.1f}, {r.ci_high:+.1f}] | {r.upper:+.1f} | {r.n} | {t.min_detectable_drop:.1f} | "
                     f"{_ICON[t.status]} |")
    verdict = "**FAIL**: a task regressed" if report.regressed else "**PASS**: no task regressed"
    lines += ["", f"{verdict} by more than {report.max_drop:g} percentage points with {conf} confidence "
                  f"(paired bootstrap over problems; regression when the one-sided upper bound of Δ < "
                  f"-{report.max_drop:g})."]
    warnings = [t.warning for t in report.tasks if t.warning]
    if warnings:
        lines += [""] + [f"> ⚠️ {w}" for w in warnings]
    return "\n".join(lines) + "\n"


def write_gate_json(report: GateReport, path: str | Path) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
