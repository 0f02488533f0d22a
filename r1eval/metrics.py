"""Metrics over per-problem sample verdicts. Every formula is stated where it is computed.

Input everywhere: for each problem, its samples' statuses (and canonical answers for cons@n). Samples whose
status is ERROR (harness failure) are excluded before any metric is computed; the run is then incomplete.
One denominator for every rate and token statistic: the graded samples (status not ERROR).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from r1eval.types import Completion, Status, Verdict

BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class ProblemSamples:
    """One problem's graded samples, ordered by sample index."""

    correct: tuple[bool, ...]
    answers: tuple[str | None, ...]  # canonical answers; None = no answer (does not vote)
    gold_votes: frozenset[str] = frozenset()  # canonical answers that are correct (for cons@n)
    no_answer: int = 0  # samples graded NO_ANSWER

    @property
    def n(self) -> int:
        return len(self.correct)

    @property
    def c(self) -> int:
        return sum(self.correct)


def group_verdicts(verdicts: Sequence[Verdict]) -> dict[str, ProblemSamples]:
    """Group verdicts by problem (ERROR samples dropped), ordered by sample index."""
    by_problem: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.status is not Status.ERROR:
            by_problem.setdefault(verdict.problem_id, []).append(verdict)
    grouped = {}
    for problem_id, items in by_problem.items():
        items.sort(key=lambda v: v.sample)
        grouped[problem_id] = ProblemSamples(
            correct=tuple(v.status is Status.CORRECT for v in items),
            answers=tuple(v.answer if v.status is not Status.NO_ANSWER else None for v in items),
            gold_votes=frozenset(v.answer for v in items if v.status is Status.CORRECT and v.answer is not None),
            no_answer=sum(v.status is Status.NO_ANSWER for v in items),
        )
    return grouped


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem (Chen et al. 2021): 1 - C(n-c, k) / C(n, k); 1 when n - c < k.

    Computed as 1 - prod_{i=n-c+1..n} (1 - k/i), which avoids huge binomials. Needs k <= n.
    """
    if k > n or k < 1:
        raise ValueError(f"pass@{k} needs 1 <= k <= n (n={n})")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(problems: Sequence[ProblemSamples], k: int) -> float:
    """pass@k of a task: the mean of the per-problem estimator over problems."""
    return float(np.mean([pass_at_k(p.n, p.c, k) for p in problems])) if problems else float("nan")


def graded_completions(completions: Sequence[Completion], verdicts: Sequence[Verdict]) -> list[Completion]:
    """The completions whose grading did not fail: the denominator of every rate and token statistic."""
    failed = {(v.problem_id, v.sample) for v in verdicts if v.status is Status.ERROR}
    return [c for c in completions if (c.problem_id, c.sample) not in failed]


def pass_at_1(problems: Sequence[ProblemSamples]) -> float:
    """The R1 paper's pass@1 (avg@n): mean over problems of (correct samples / samples), i.e. (1/k)·Σ p_i."""
    return float(np.mean([p.c / p.n for p in problems])) if problems else float("nan")


def majority_answer(answers: Sequence[str | None]) -> str | None:
    """Most frequent canonical answer; samples without an answer do not vote; ties go to the answer that
    appeared first (lowest sample index). None when no sample answered."""
    counts: dict[str, int] = {}
    for answer in answers:
        if answer is not None:
            counts[answer] = counts.get(answer, 0) + 1  # dict keeps first-occurrence order
    if not counts:
        return None
    best = max(counts.values())
    return next(answer for answer, count in counts.items() if count == best)


def cons_correct(problem: ProblemSamples) -> bool:
    """Whether the majority answer is a correct one (equivalent answers share one canonical key)."""
    winner = majority_answer(problem.answers)
    return winner is not None and winner in problem.gold_votes


def cons_at_n(problems: Sequence[ProblemSamples]) -> float:
    """cons@n: share of problems whose majority-vote answer over the n samples is correct."""
    return float(np.mean([cons_correct(p) for p in problems])) if problems else float("nan")


def power_of_two_ks(n: int) -> list[int]:
    """k = 1, 2, 4, ... <= n, plus n itself."""
    ks = [1 << i for i in range(n.bit_length()) if (1 << i) <= n]
    return ks if ks[-1] == n else [*ks, n]


def bootstrap_ci(values: Sequence[float], seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of per-problem values, resampling problems with replacement."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(BOOTSTRAP_RESAMPLES, data.size))].mean(axis=1)
    alpha = (1.0 - level) / 2
    return (float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha)))


def sampling_ci(problems: Sequence[ProblemSamples], level: float = 0.95) -> tuple[float, float]:
    """pass@1's interval from sampling alone, the problems held fixed: what re-running this checkpoint with new
    seeds would move. Var(mean of c_i/n_i) = Σ p_i(1-p_i)/n_i / N², estimated without bias by
    p̂_i(1-p̂_i)/(n_i-1) (1/(4 n_i), the largest, when n_i = 1); normal approximation, clipped to [0, 1]."""
    if not problems:
        return (float("nan"), float("nan"))
    rates = np.array([p.c / p.n for p in problems])
    counts = np.array([p.n for p in problems], dtype=float)
    var = np.where(counts > 1, rates * (1 - rates) / np.maximum(counts - 1, 1), 0.25 / counts)
    half = NormalDist().inv_cdf(0.5 + level / 2) * float(np.sqrt(var.sum())) / len(problems)
    mean = float(rates.mean())
    return (max(0.0, mean - half), min(1.0, mean + half))


def task_metrics(
    problems: Mapping[str, ProblemSamples],
    finish_reasons: Sequence[str],
    n_tokens: Sequence[int],
    cons: bool = True,
    seed: int = 0,
    n: int | None = None,
) -> dict[str, object]:
    """Headline metrics of one task, over the problems that have graded samples.

    `n` is the configured samples per problem (default: the largest count present). Keys name it whatever
    number of samples survived grading (an errored sample must not turn cons@64 into cons@63): pass@1 with
    pass@1_ci95_problems (bootstrap over problems: other problems like these) and pass@1_ci95_sampling
    (sampling only, problems fixed: re-running this checkpoint); pass@k for k = 2, 4, ... <= n and n, each
    problem contributing the unbiased estimator at min(k, its samples); cons@n and cons@n_ci95_problems when
    `cons`. finish_reasons and n_tokens are those of the graded samples (graded_completions), the one
    denominator of truncation_rate (finish_reason "length"), no_answer_rate and the token statistics.
    """
    items = [problems[k] for k in sorted(problems)]
    n = n or max((p.n for p in items), default=0)
    metrics: dict[str, object] = {}
    per_problem = [p.c / p.n for p in items]
    metrics["pass@1"] = pass_at_1(items)
    metrics["pass@1_ci95_problems"] = list(bootstrap_ci(per_problem, seed))
    metrics["pass@1_ci95_sampling"] = list(sampling_ci(items))
    for k in power_of_two_ks(n)[1:] if n else []:
        metrics[f"pass@{k}"] = (float(np.mean([pass_at_k(p.n, p.c, min(k, p.n)) for p in items]))
                                if items else float("nan"))
    if cons and n:
        votes = [float(cons_correct(p)) for p in items]
        metrics[f"cons@{n}"] = float(np.mean(votes)) if votes else float("nan")
        metrics[f"cons@{n}_ci95_problems"] = list(bootstrap_ci(votes, seed))
    total = sum(p.n for p in items)
    metrics["truncation_rate"] = (sum(r == "length" for r in finish_reasons) / len(finish_reasons)
                                  if finish_reasons else float("nan"))
    metrics["no_answer_rate"] = (sum(p.no_answer for p in items) / total) if total else float("nan")
    metrics["mean_tokens"] = float(np.mean(n_tokens)) if len(n_tokens) else float("nan")
    metrics["median_tokens"] = float(np.median(n_tokens)) if len(n_tokens) else float("nan")
    return metrics
