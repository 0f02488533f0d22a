"""Metrics over per-problem sample verdicts. Every formula is stated where it is computed.

Input everywhere: for each problem, its samples' statuses (and canonical answers for cons@n). Samples whose
status is ERROR (harness failure) are excluded before any metric is computed; the run is then incomplete.
One denominator for every rate and token statistic: the graded samples (status not ERROR).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import comb
from statistics import NormalDist

import numpy as np
from scipy.stats import beta as beta_dist
from scipy.stats import betabinom
from scipy.stats import t as t_dist

from r1eval.types import Completion, MetricName, Status, Verdict


@dataclass(frozen=True)
class ProblemSamples:
    """One problem's graded samples, ordered by sample index."""

    correct: tuple[bool, ...]
    answers: tuple[str | None, ...]  # canonical answers; None = no answer (does not vote)
    gold_votes: frozenset[str] = frozenset()  # canonical answers that are correct (for cons@n)
    no_answer: int = 0  # samples graded NO_ANSWER
    rounds: tuple[int, ...] = ()  # adaptive runs: the cumulative round sizes the samples were drawn by

    @property
    def n(self) -> int:
        return len(self.correct)

    @property
    def c(self) -> int:
        return sum(self.correct)

    @property
    def rate(self) -> float:
        """This problem's pass@1 estimate: c/n for a fixed sample, the design's unbiased estimate when adaptive."""
        return self.pass_k(1)

    @property
    def rate_var(self) -> float:
        """An unbiased estimate of Var(rate) given the problem (fixed n: rate(1-rate)/(n-1)); 1/(4n) when n = 1."""
        if not self.rounds:
            return self.rate * (1 - self.rate) / (self.n - 1) if self.n > 1 else 0.25 / self.n
        return sequential_var(self.correct, self.rounds)

    def pass_k(self, k: int) -> float:
        """Unbiased pass@k of this problem: Chen et al.'s estimator, or for an adaptive run the design's."""
        if not self.rounds:
            return pass_at_k(self.n, self.c, k)
        return 1.0 - sequential_expectation(self.correct, self.rounds, 0, k)


def group_verdicts(verdicts: Sequence[Verdict], rounds: Sequence[int] = ()) -> dict[str, ProblemSamples]:
    """Group verdicts by problem (ERROR samples dropped), ordered by sample index. With the `rounds` of an
    adaptive run, each problem keeps the samples the stopping rule used (design_length); a problem with an
    errored sample is not on a path of the design and is estimated as a fixed sample (c/n)."""
    by_problem: dict[str, list[Verdict]] = {}
    errored: set[str] = set()
    for verdict in verdicts:
        if verdict.status is Status.ERROR:
            errored.add(verdict.problem_id)
        else:
            by_problem.setdefault(verdict.problem_id, []).append(verdict)
    grouped = {}
    for problem_id, items in by_problem.items():
        items.sort(key=lambda v: v.sample)
        design = tuple(rounds) if rounds and problem_id not in errored else ()
        if design:
            items = items[: design_length([v.status is Status.CORRECT for v in items], design)]
        grouped[problem_id] = ProblemSamples(
            correct=tuple(v.status is Status.CORRECT for v in items),
            answers=tuple(v.answer if v.status is not Status.NO_ANSWER else None for v in items),
            gold_votes=frozenset(v.answer for v in items if v.status is Status.CORRECT and v.answer is not None),
            no_answer=sum(v.status is Status.NO_ANSWER for v in items),
            rounds=design,
        )
    return grouped


# Adaptive sampling (r1eval.pipeline.adaptive draws by this rule; docs/adaptive.md).
# Rule: samples are drawn in rounds with cumulative sizes `rounds` (first, then n); after each round a problem is
# decided, and gets no more samples, when all its samples so far agree (all correct or all wrong). The naive c/n
# over the samples drawn is biased: a problem of rate 0.02 showing 0/8 records 0, while the lucky 1/8s that should
# balance those zeros are diluted by 56 more samples (exact mean of c/n at rate 0.02: 0.51 %). The estimator is the
# Rao-Blackwellisation of "sample 1 is correct" on the design's sufficient statistic (stopping round, total
# correct): E[X_1 | path] = #(design paths to that point with X_1 = 1) / #(all such paths). It is exactly unbiased
# for every problem's rate (Jung & Kim 2004, for two-stage designs; the same argument holds for any number of
# rounds), and reduces to c/n when a problem stops in the first round.
ADAPTIVE_FIRST = 8


def adaptive_rounds(n: int, first: int = ADAPTIVE_FIRST) -> tuple[int, ...]:
    """Cumulative round sizes: (first, n), or (n,) when n <= first. Two rounds suffice: a problem that is not
    unanimous after the first round never becomes unanimous again, so a middle round would stop nothing."""
    return (first, n) if first < n else (n,)


def decided(samples: int, correct: int) -> bool:
    """The stopping rule: a problem whose samples so far all agree (all correct or all wrong) is decided."""
    return correct in (0, samples)


def design_length(correct: Sequence[bool], rounds: Sequence[int]) -> int:
    """How many of these samples the design uses: up to the first round at which the problem is decided, the
    last round, or (a run in progress) the last round completed; all of them when fewer than one round."""
    used = len(correct)
    for size in rounds:
        if size > len(correct):
            break
        used = size
        if decided(size, sum(correct[:size])):
            break
    return used


@lru_cache(maxsize=65536)
def _paths(rounds: tuple[int, ...], stage: int, total: int, ones: int, zeros: int) -> int:
    """Outcome sequences of length rounds[stage] with `total` correct, undecided at every earlier round, whose
    first `ones` samples are correct and the next `zeros` wrong."""
    first = rounds[0] - ones - zeros
    ways = {c: comb(first, c - ones) for c in range(ones, ones + first + 1)} if first >= 0 else {}
    for j in range(1, stage + 1):
        step = rounds[j] - rounds[j - 1]
        grown: dict[int, int] = {}
        for c, w in ways.items():
            if decided(rounds[j - 1], c):
                continue
            for x in range(step + 1):
                grown[c + x] = grown.get(c + x, 0) + w * comb(step, x)
        ways = grown
    return ways.get(total, 0)


def _path_point(correct: Sequence[bool], rounds: Sequence[int]) -> tuple[tuple[int, ...], int, int]:
    """(the design, stopping stage, total correct) of a problem's samples. The design is the rounds planned when the
    problem stopped by the rule or reached the last round; for a problem still in progress, the rounds it has
    completed (a valid design that ends there), or one fixed round of its samples before the first is complete."""
    used = design_length(correct, rounds)
    done = tuple(r for r in rounds if r <= used) or (used,)
    total = sum(correct[:used])
    finished = done[-1] == rounds[-1] or (used in rounds and decided(used, total))
    return (tuple(rounds) if finished else done), len(done) - 1, total


def sequential_expectation(correct: Sequence[bool], rounds: Sequence[int], ones: int, zeros: int) -> float:
    """Unbiased estimate of P(the first `ones` samples correct and the next `zeros` wrong) = p^ones·(1-p)^zeros
    under the adaptive design. ones=1: pass@1; ones=0, zeros=k: 1 - pass@k; ones=2: p². Needs ones + zeros <=
    the first round."""
    plan, stage, total = _path_point(correct, rounds)
    if ones + zeros > plan[0]:
        raise ValueError(f"needs at most {plan[0]} samples (the first round), asked {ones + zeros}")
    return _paths(plan, stage, total, ones, zeros) / _paths(plan, stage, total, 0, 0)


def sequential_var(correct: Sequence[bool], rounds: Sequence[int]) -> float:
    """Var(rate) for the sampling interval: the larger of the unbiased estimate (rate² - the unbiased estimate of
    p²) and the design's exact variance at the Jeffreys-smoothed rate (c + 1/2)/(n + 1). The unbiased estimate
    alone is 0 for every problem that stopped unanimous although such a problem's rate may be a few percent; its
    interval covered 91-94 % in benchmarks/adaptive.py, this one >= 95 %. 1/(4n) when the first round is 1."""
    plan, stage, total = _path_point(correct, rounds)
    if plan[0] < 2:
        return 0.25 / plan[0]
    rate = sequential_expectation(correct, rounds, 1, 0)
    unbiased = rate * rate - sequential_expectation(correct, rounds, 2, 0)
    return max(unbiased, design_variance(plan, (total + 0.5) / (plan[stage] + 1)))


@lru_cache(maxsize=4096)
def design_variance(rounds: tuple[int, ...], p: float) -> float:
    """Exact variance of the adaptive estimate of a problem whose rate is p: a sum over the design's end points
    (stopping round, total correct), each with probability #paths·p^t·(1-p)^(N-t)."""
    mean = square = 0.0
    for stage, size in enumerate(rounds):
        for total in range(size + 1):
            if stage < len(rounds) - 1 and not decided(size, total):
                continue
            paths = _paths(rounds, stage, total, 0, 0)
            if paths:
                prob = paths * p**total * (1 - p) ** (size - total)
                estimate = _paths(rounds, stage, total, 1, 0) / paths
                mean += prob * estimate
                square += prob * estimate * estimate
    return max(0.0, square - mean * mean)


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
    """The R1 paper's pass@1 (avg@n): mean over problems of (correct samples / samples), i.e. (1/k)·Σ p_i; an
    adaptive run's problems contribute their design's unbiased estimate (ProblemSamples.rate)."""
    return float(np.mean([p.rate for p in problems])) if problems else float("nan")


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


def _clopper_pearson(mean: float, n_eff: float, level: float) -> tuple[float, float]:
    """Clopper-Pearson interval for a proportion `mean` seen on an effective number of trials (Korn & Graubard
    1998): exact at the boundaries (never zero width at 0 or 1), a binomial's skew near them."""
    alpha = (1.0 - level) / 2
    x = mean * n_eff
    lo = float(beta_dist.ppf(alpha, x, n_eff - x + 1)) if x > 0 else 0.0
    hi = float(beta_dist.ppf(1 - alpha, x + 1, n_eff - x)) if x < n_eff else 1.0
    return (max(0.0, lo), min(1.0, hi))


def problems_ci(values: Sequence[float], samples: Sequence[int], level: float = 0.95) -> tuple[float, float]:
    """Interval for the mean over the POPULATION of problems like these (other problems drawn the same way), from
    per-problem values in [0, 1] (c_i/n_i, or 0/1 votes with samples 1). Clopper-Pearson on an effective count
    m(1-m)/Var, Var = s²/N with s² floored at m̃(1-m̃)/sqrt(k) (a few problems near 0 or 1 understate the spread),
    capped at N·k trials (a problem's rate from k samples varies at least binomially) and shrunk by (z/t_N-1)².
    The floor and shrink are chosen by simulation: about 95% coverage or more at N >= 10, k >= 2, near 0
    and 1 included (benchmarks/interval_coverage.py)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (float("nan"), float("nan"))
    if data.size == 1:
        return (0.0, 1.0)
    n, k = data.size, float(np.mean(samples))
    mean = float(data.mean())
    smooth = (mean * n * k + 1) / (n * k + 2)
    var = max(float(data.var(ddof=1)), smooth * (1 - smooth) / math.sqrt(k)) / n
    z = NormalDist().inv_cdf(0.5 + level / 2)
    n_eff = min(mean * (1 - mean) / var, n * k) if 0 < mean < 1 else n * k
    return _clopper_pearson(mean, n_eff * (z / float(t_dist.ppf(0.5 + level / 2, n - 1))) ** 2, level)


def _sampling_var(problems: Sequence[ProblemSamples]) -> float:
    """Var of the mean of c_i/n_i over these fixed problems from sampling alone: Σ p_i(1-p_i)/n_i / N², each p_i
    estimated as (c+1)/(n+2) so that a problem at 0/n or n/n still counts; an adaptive run's problem contributes
    its design variance (ProblemSamples.rate_var)."""
    fixed = [p for p in problems if not p.rounds]
    smoothed = np.array([(p.c + 1) / (p.n + 2) for p in fixed])
    counts = np.array([p.n for p in fixed], dtype=float)
    adaptive = sum(p.rate_var for p in problems if p.rounds)  # the design's variance (sequential_var)
    return (float(np.sum(smoothed * (1 - smoothed) / counts)) + adaptive) / len(problems) ** 2


def sampling_ci(problems: Sequence[ProblemSamples], level: float = 0.95) -> tuple[float, float]:
    """Interval for the true pass@1 of THESE problems (held fixed; only sampling varies): Clopper-Pearson on the
    effective count m(1-m)/Var (at most the samples drawn), Var from _sampling_var."""
    if not problems:
        return (float("nan"), float("nan"))
    mean, total = pass_at_1(problems), float(sum(p.n for p in problems))
    n_eff = min(mean * (1 - mean) / _sampling_var(problems), total) if 0 < mean < 1 else total
    return _clopper_pearson(mean, n_eff, level)


def rerun_interval(problems: Sequence[ProblemSamples], level: float = 0.95) -> tuple[float, float]:
    """Prediction interval for the pass@1 a RE-RUN of this checkpoint on these problems would print: a re-run
    is a new draw around the unknown true rate, so on the effective count of sampling_ci it is beta-binomial
    (the true rate from a Jeffreys posterior), whose quantiles include 0 or 1 when a re-run can land there."""
    if not problems:
        return (float("nan"), float("nan"))
    mean, total = pass_at_1(problems), float(sum(p.n for p in problems))
    n_eff = min(mean * (1 - mean) / _sampling_var(problems), total) if 0 < mean < 1 else total
    trials = max(1, round(n_eff))
    draw = betabinom(trials, mean * trials + 0.5, (1 - mean) * trials + 0.5)
    alpha = (1.0 - level) / 2
    return (float(draw.ppf(alpha)) / trials, float(draw.ppf(1 - alpha)) / trials)


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
    pass@1_ci95_problems (covers the mean over the population of problems like these), pass@1_ci95_sampling
    (covers the true pass@1 of these fixed problems) and pass@1_pi95_rerun (where a re-run's pass@1 falls);
    pass@k for k = 2, 4, ... <= n and n, each problem contributing the unbiased estimator at min(k, its
    samples; adaptive runs: the design's unbiased estimates, pass@k only up to the first round); cons@n and
    cons@n_ci95_problems when `cons` (adaptive: the majority of the samples drawn). finish_reasons and n_tokens are those of the graded
    samples (graded_completions), the one denominator of truncation_rate (finish_reason "length"),
    no_answer_rate and the token statistics.
    """
    items = [problems[k] for k in sorted(problems)]
    n = n or max((p.n for p in items), default=0)
    metrics: dict[str, object] = {}
    per_problem = [p.rate for p in items]
    pass1 = MetricName("pass", 1)
    metrics[str(pass1)] = pass_at_1(items)
    metrics[str(pass1.with_interval("ci95_problems"))] = list(problems_ci(per_problem, [p.n for p in items]))
    metrics[str(pass1.with_interval("ci95_sampling"))] = list(sampling_ci(items))
    metrics[str(pass1.with_interval("pi95_rerun"))] = list(rerun_interval(items))
    for k in power_of_two_ks(n)[1:] if n else []:
        if any(p.rounds and k > p.rounds[0] for p in items):
            break  # adaptive: pass@k is estimable without bias only up to the first round's size
        metrics[str(MetricName("pass", k))] = (float(np.mean([p.pass_k(min(k, p.n)) for p in items]))
                                               if items else float("nan"))
    if cons and n:
        votes = [float(cons_correct(p)) for p in items]
        metrics[str(MetricName("cons", n))] = float(np.mean(votes)) if votes else float("nan")
        metrics[str(MetricName("cons", n, "ci95_problems"))] = list(problems_ci(votes, [1] * len(votes)))
    total = sum(p.n for p in items)
    metrics["truncation_rate"] = (sum(r == "length" for r in finish_reasons) / len(finish_reasons)
                                  if finish_reasons else float("nan"))
    metrics["no_answer_rate"] = (sum(p.no_answer for p in items) / total) if total else float("nan")
    metrics["mean_tokens"] = float(np.mean(n_tokens)) if len(n_tokens) else float("nan")
    metrics["median_tokens"] = float(np.median(n_tokens)) if len(n_tokens) else float("nan")
    return metrics
