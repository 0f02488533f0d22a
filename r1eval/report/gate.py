"""CI gate: did a candidate checkpoint regress against the last accepted run beyond an allowed drop, and (with a
reference) against a fixed reference beyond a cumulative budget, with confidence?

Decision rule (per task; d = candidate - baseline in percentage points, per shared problem): a paired sign-flip
test (r1eval.report.paired) gives one-sided confidence bounds L <= mean(d) <= U, each at `confidence`. Three
outcomes: REGRESSION when U < -max_drop (the data show a drop larger than allowed); PASS when L > -max_drop (they
show any drop is smaller than allowed: a non-inferiority test); INCONCLUSIVE otherwise (they cannot tell), with
the problems or samples per problem that would decide it. The two one-sided tests cannot both fire.
Exit codes (the CLI): 0 every task passed, 1 a task regressed, 3 no regression but a task is inconclusive,
2 unusable inputs (GateInputError).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from r1eval.comparable import setting_differences
from r1eval.errors import R1EvalError, StoreError
from r1eval.report import power
from r1eval.report.paired import (
    POWER,
    PairedDelta,
    check_metric,
    detectable_drop,
    min_problems,
    paired_delta,
    per_problem_values,
    planning_sd,
    problems_needed,
)
from r1eval.report.runs import Run, load_run

METHOD = ("paired sign-flip test over shared problems (exact below 14 problems, else 10,000 random flips); "
          "regression when the one-sided upper confidence bound of (candidate - baseline) is below -max_drop, "
          "pass when the one-sided lower bound is above -max_drop, inconclusive otherwise")
# The allowed drop (points) when --max-drop is not given, chosen from benchmarks/gate_workflow.py's simulation of
# the CI workflow (docs/statistics.md): at AIME 30 problems x 64 samples an unchanged checkpoint passes 81% of the
# time and a 10-point drop is a regression 100%; at MATH-500 x 4, 96% and 100%. Never a false regression above 0.2%.
DEFAULT_MAX_DROP = 3.0


class GateInputError(R1EvalError):
    """The runs cannot be compared (unreadable, different problems or configuration, incomplete, too few
    problems, missing task): gate exit code 2."""


@dataclass(frozen=True)
class Coverage:
    """How much of a task a run covers: problems it set out to evaluate, problems with graded samples."""

    planned: int
    scored: int
    complete: bool


@dataclass(frozen=True)
class TaskGate:
    task: str
    against: str  # "baseline" (the last accepted run) | "reference" (the fixed reference)
    metric: str
    max_drop: float  # allowed drop for this comparison (--max-drop, or --max-total-drop against the reference)
    result: PairedDelta
    status: str  # "pass" | "regression" | "inconclusive"
    improved: bool  # the lower bound is above 0: the candidate is better with `confidence`
    detect: float  # the true drop the user wants caught (--detect)
    detectable_drop: float  # the true drop caught with 80% power at this n (inf: none these problems can show)
    problems_needed: int | None  # problems to catch `detect` with 80% power, when this n is too small
    decide_problems: int | None  # inconclusive: problems that would decide it if the observed Δ were true
    decide_samples: int | None  # inconclusive: samples per problem that would (None: more samples cannot)
    baseline_coverage: Coverage
    candidate_coverage: Coverage
    notes: tuple[str, ...]  # incomplete coverage, allowed configuration differences, power


@dataclass(frozen=True)
class GateReport:
    baseline: str
    candidate: str
    reference: str | None
    metric: str
    max_drop: float
    max_total_drop: float | None
    confidence: float
    tasks: list[TaskGate]

    @property
    def regressed(self) -> bool:
        return any(t.status == "regression" for t in self.tasks)

    @property
    def incomplete(self) -> bool:
        return any(not (t.baseline_coverage.complete and t.candidate_coverage.complete) for t in self.tasks)

    @property
    def inconclusive(self) -> bool:
        return any(t.status == "inconclusive" for t in self.tasks)

    @property
    def outcome(self) -> str:
        return "regression" if self.regressed else "inconclusive" if self.inconclusive else "pass"

    @property
    def exit_code(self) -> int:
        return {"pass": 0, "regression": 1, "inconclusive": 3}[self.outcome]

    def to_dict(self) -> dict:
        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None  # JSON has no infinity: None = not bounded

        tasks = [{**asdict(t), "detectable_drop": finite(t.detectable_drop),
                  "result": {k: finite(v) if isinstance(v, float) else v for k, v in asdict(t.result).items()}}
                 for t in self.tasks]
        return {"baseline": self.baseline, "candidate": self.candidate, "reference": self.reference,
                "metric": self.metric, "max_drop": self.max_drop, "max_total_drop": self.max_total_drop,
                "confidence": self.confidence, "outcome": self.outcome, "regressed": self.regressed,
                "inconclusive": self.inconclusive, "incomplete": self.incomplete, "exit_code": self.exit_code,
                "method": METHOD, "tasks": tasks}


def decide(result: PairedDelta, max_drop: float) -> str:
    """regression (U < -max_drop), pass (L > -max_drop) or inconclusive; see the module docstring."""
    if result.upper < -max_drop:
        return "regression"
    if result.lower > -max_drop:
        return "pass"
    return "inconclusive"


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


def _coverage(run: Run, task: str) -> Coverage:
    return Coverage(run.results.tasks[task].n_problems, len(run.grouped(task)), run.task_complete(task))


def _coverage_note(run: Run, role: str, task: str, cov: Coverage, compared: int) -> str | None:
    if cov.complete:
        return None
    return (f"{task}: the {role} run {run.run_id} is INCOMPLETE: {cov.scored} of {cov.planned} problems scored; "
            f"the comparison covers only the {compared} problems both runs scored, and unfinished problems tend to "
            f"be the hard and long ones, so both columns describe an easier subset than the whole task")


def gate_task(base: Run, cand: Run, task: str, metric: str, max_drop: float, confidence: float,
              shared_only: bool = False, seed: int = 0, detect: float | None = None, against: str = "baseline",
              allowed_differences: tuple[str, ...] = ()) -> TaskGate:
    detect = detect if detect is not None else default_detect(max_drop)
    problems = _shared_problems(base, cand, task, shared_only)
    values = []
    for run, role in ((base, against), (cand, "candidate")):
        grouped = {pid: p for pid, p in run.grouped(task).items() if pid in problems}
        try:
            values.append(per_problem_values(grouped, metric, run.results.tasks[task].n_samples))
        except ValueError as exc:
            raise GateInputError(f"{task}: {role}: {exc}") from exc
    graded = set(values[0]) & set(values[1])
    fewest = min_problems(confidence)
    if len(graded) < fewest:
        raise GateInputError(
            f"{task}: {len(graded)} shared problem(s) with graded samples cannot show a regression at "
            f"{confidence:.0%} confidence (the best p-value a paired test reaches on n problems is 1/2^n); "
            f"gate on at least {fewest} problems")
    b = {pid: values[0][pid] for pid in graded}
    c = {pid: values[1][pid] for pid in graded}
    result = paired_delta(b, c, confidence, seed)
    status = decide(result, max_drop)
    samples = [[run.grouped(task)[pid] for pid in sorted(graded)] for run in (base, cand)]
    caught, needed, sd, sampling_var = _power_figures(samples, metric, result, b, c, max_drop, confidence, detect)
    decider = power.what_would_decide(result.delta, max(sd, result.sd_diff), sampling_var, result.n,
                                      cand.results.tasks[task].n_samples, max_drop, confidence
                                      ) if status == "inconclusive" else None
    covs = (_coverage(base, task), _coverage(cand, task))
    notes = [note for run, role, cov in ((base, against, covs[0]), (cand, "candidate", covs[1]))
             if (note := _coverage_note(run, role, task, cov, result.n))]
    if allowed_differences:
        notes.append(f"{task}: compared despite configuration differences ({against} vs candidate): "
                     f"{'; '.join(allowed_differences)}")
    if decider is not None:
        notes.append(_inconclusive_note(task, against, result, max_drop, confidence, decider))
    if not math.isfinite(caught):
        notes.append(f"{task}: no drop these {result.n} problems can show is caught with {POWER:.0%} power against "
                     f"the {against} (too few problems, or too many that no run solves)")
    elif needed is not None:
        notes.append(f"{task}: with {result.n} problems the drop in {metric} this gate catches with {POWER:.0%} "
                     f"power (one-sided {confidence:.0%}) against the {against} is {caught:.1f} points (the allowed "
                     f"{max_drop:g} + {caught - max_drop:.1f}); catching a true {detect:g}-point drop needs about "
                     f"{needed:,} problems (per-problem difference SD {sd:.1f} points; more samples per problem "
                     f"lower it)")
    return TaskGate(task, against, metric, max_drop, result, status, result.lower > 0, detect, caught, needed,
                    decider.problems if decider else None, decider.samples if decider else None,
                    covs[0], covs[1], tuple(notes))


def _power_figures(samples: list, metric: str, result: PairedDelta, b: dict, c: dict, max_drop: float,
                   confidence: float, detect: float) -> tuple[float, int | None, float, float]:
    """(drop caught with 80% power, problems needed for `detect` or None, paired SD, its sampling part).
    pass@1: simulated for the exact test (r1eval.report.power); other metrics: the normal approximation."""
    sd = planning_sd(result, list(b.values()), list(c.values()))
    if metric != "pass@1":
        caught = detectable_drop(sd, result.n, max_drop, confidence)
        return caught, problems_needed(sd, detect, max_drop, confidence) if caught > detect else None, sd, 0.0
    model = power.Model.pooled([(p.c, p.n) for p in samples[0]], [(p.c, p.n) for p in samples[1]])
    caught = power.detectable_drop(model, max_drop, confidence)
    needed = power.problems_needed(model, detect, max_drop, confidence) if caught > detect else None
    unbiased = [(p.c / p.n) * (1 - p.c / p.n) / (p.n - 1) if p.n > 1 else 0.25 for run in samples for p in run]
    return caught, needed, power.model_sd(model, 0.0), 100.0**2 * 2 * float(sum(unbiased)) / len(unbiased)


def _inconclusive_note(task: str, against: str, result: PairedDelta, max_drop: float, confidence: float,
                       decider: power.Decider) -> str:
    side = "a drop larger than" if result.delta < -max_drop else "any drop is within"
    head = (f"{task}: INCONCLUSIVE against the {against}: Δ {result.delta:+.1f} points, one-sided {confidence:.0%} "
            f"bounds [{result.lower:+.1f}, {result.upper:+.1f}] straddle the allowed drop -{max_drop:g}")
    if decider.problems is None:
        return head + "; the estimate sits on the allowed drop, so no sample size is sure to decide it"
    more = (f", or about {decider.samples:,} samples per problem on these {result.n}" if decider.samples is not None
            else f" (more samples per problem on these {result.n} would not be enough)")
    return (head + f"; if Δ is the truth, showing {side} the allowed {max_drop:g} points with {POWER:.0%} chance "
            f"needs about {decider.problems:,} problems like these{more}")


def default_detect(max_drop: float) -> float:
    """The true drop the sample-size message is about when --detect is not given: twice the allowed drop."""
    return 2 * max_drop if max_drop > 0 else 1.0


def _check_pair(base: Run, cand: Run, role: str, task: str, allow_incomplete: bool,
                allow_config_diff: bool) -> tuple[str, ...]:
    for run, who in ((base, role), (cand, "candidate")):
        if task not in run.tasks:
            raise GateInputError(f"{who} run {run.run_id} has no task {task!r} (has: {', '.join(run.tasks)})")
        if not run.task_complete(task) and not allow_incomplete:
            raise GateInputError(f"{who} run {run.run_id} is incomplete for {task}; finish it "
                                 f"(re-run the same command) or pass --allow-incomplete")
    differences = tuple(setting_differences(base.config, cand.config, task))
    if differences and not allow_config_diff:
        raise GateInputError(f"{task}: the {role} and candidate runs differ in configuration: "
                             f"{'; '.join(differences)}; pass --allow-config-diff to compare them anyway")
    return differences


def run_gate(baseline: str | Path, candidate: str | Path, tasks: list[str] | None = None, metric: str = "pass@1",
             max_drop: float = DEFAULT_MAX_DROP, confidence: float = 0.95, allow_incomplete: bool = False,
             shared_only: bool = False, seed: int = 0, detect: float | None = None,
             reference: str | Path | None = None, max_total_drop: float | None = None,
             allow_config_diff: bool = False) -> GateReport:
    check_metric(metric)
    if max_drop < 0:
        raise R1EvalError(f"--max-drop must be >= 0 points, got {max_drop}")
    if not 0.5 < confidence < 1.0:
        raise R1EvalError(f"--confidence must be in (0.5, 1), got {confidence}")
    detect = detect if detect is not None else default_detect(max_drop)
    if detect <= max_drop:
        raise R1EvalError(f"--detect {detect:g} must exceed --max-drop {max_drop:g}: a drop within the allowance "
                          "is never flagged")
    if (reference is None) != (max_total_drop is None):
        raise R1EvalError("--reference and --max-total-drop go together: the reference is gated with the budget")
    if max_total_drop is not None and max_total_drop < max_drop:
        raise R1EvalError(f"--max-total-drop {max_total_drop:g} must be >= --max-drop {max_drop:g}")
    base, cand = _load(baseline, "baseline"), _load(candidate, "candidate")
    comparisons = [(base, "baseline", max_drop, detect)]
    if reference is not None and max_total_drop is not None:
        comparisons.append((_load(reference, "reference"), "reference", max_total_drop,
                            max_total_drop + detect - max_drop))
    names = tasks or [t for t in base.tasks if t in cand.tasks]
    if not names:
        raise GateInputError(f"the runs share no task (baseline: {', '.join(base.tasks) or 'none'}; "
                             f"candidate: {', '.join(cand.tasks) or 'none'})")
    gates = []
    try:
        checked = [(other, role, allowed, caught, task,
                    _check_pair(other, cand, role, task, allow_incomplete, allow_config_diff))
                   for other, role, allowed, caught in comparisons for task in names]
        for other, role, allowed, caught, task, differences in checked:
            gates.append(gate_task(other, cand, task, metric, allowed, confidence, shared_only, seed, caught, role,
                                   differences))
    except StoreError as exc:  # a corrupt or missing file inside a run directory: unusable input, exit 2
        raise GateInputError(str(exc)) from exc
    return GateReport(base.run_id, cand.run_id, comparisons[1][0].run_id if len(comparisons) > 1 else None, metric,
                      max_drop, max_total_drop, confidence, gates)


_ICON = {"regression": "❌ regression", "pass": "✅ pass", "inconclusive": "❔ inconclusive"}


def _bound(value: float) -> str:
    return f"{value:+.1f}" if math.isfinite(value) else "unbounded"


def _caught(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "none"


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def gate_markdown(report: GateReport) -> str:
    """A table fit for a pull-request comment, followed by the decision rule, incompleteness and warnings."""
    conf = f"{report.confidence:.0%}"
    title = f"### r1eval gate: candidate `{report.candidate}` vs baseline `{report.baseline}`"
    if report.reference:
        title += f" (and reference `{report.reference}`)"
    lines = [title, ""]
    if report.incomplete:
        lines += ["**INCOMPLETE**: at least one run did not finish every problem of a gated task (see below).", ""]
    lines += [f"| Task | Against | Metric | Allowed drop | Baseline | Candidate | Δ (pts) | {conf} CI of Δ | one-sided "
              f"{conf} bounds | Problems | Drop caught ({POWER:.0%} power) | Result |",
              "|---|---|---|---:|---:|---:|---:|---|---|---:|---:|---|"]
    for t in report.tasks:
        r = t.result
        complete = t.baseline_coverage.complete and t.candidate_coverage.complete
        lines.append(f"| {t.task} | {t.against} | {t.metric} | {t.max_drop:g} | {r.baseline:.1f} | "
                     f"{r.candidate:.1f} | {r.delta:+.1f} | [{_bound(r.ci_low)}, {_bound(r.ci_high)}] | "
                     f"[{_bound(r.lower)}, {_bound(r.upper)}] | {r.n}{'' if complete else ' (incomplete)'} | "
                     f"{_caught(t.detectable_drop)} | "
                     f"{_ICON[t.status]}{' (improved)' if t.improved else ''} |")
    verdict = {"regression": "**FAIL** (exit 1): a task regressed by more than its allowed drop",
               "inconclusive": "**INCONCLUSIVE** (exit 3): no task shown to regress, but for at least one the data "
                               "cannot tell whether its drop is within the allowance (see below)",
               "pass": "**PASS** (exit 0): every task is shown to have dropped less than its allowance"}
    lines += ["", f"{verdict[report.outcome]}, with {conf} confidence (paired sign-flip test over problems; "
                  f"regression when the one-sided upper bound of Δ is below minus the allowed drop, pass when the "
                  f"one-sided lower bound is above it)."]
    notes = list(dict.fromkeys(n for t in report.tasks for n in t.notes))  # a run's coverage once, not per row
    if notes:
        lines += [""] + [f"> ⚠️ {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write_gate_json(report: GateReport, path: str | Path) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
