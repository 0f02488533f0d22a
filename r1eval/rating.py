"""Codeforces-style ratings from verdicts (docs/contest.md "Codeforces rating"). Pure functions over numbers and files.

- `elo_rating`: the rating R that best explains per-problem solve counts, with p_j(R) = 1 / (1 + 10^((d_j - R)/400))
  (d_j the problem's rating, k_j of n_j samples correct, each a Bernoulli(p_j(R)) draw): maximum likelihood by
  bisection on the score equation, a Wald 95% interval from the Fisher information (and one from a sandwich SE
  that does not trust the binomial model).
- `cf_percentile`: the share of users in a stated rating distribution whose rating is below R.
- `simulate_contests`: CodeElo's contest simulation: the model's rank in each contest's standings -> the rating
  whose expected rank (Elo against the rated participants' old ratings) equals it; averaged over contests.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from r1eval.errors import DataError
from r1eval.metrics import ProblemSamples
from r1eval.types import Problem

ELO_SCALE = 400.0
SLOPE = math.log(10) / ELO_SCALE  # p_j(R) = sigmoid(SLOPE * (R - d_j))
RATING_MIN, RATING_MAX = -1000.0, 5000.0  # every bisection searches this range; results are clipped to it
RATING_BUCKET = 200  # width of the problem-rating buckets of the solve-rate breakdown
DEFAULT_DISTRIBUTION = "cf_ratings_2024.json"  # looked for in the offline data folder
CONTEST_ATTEMPTS = 8  # CodeElo lets a model submit up to 8 times per problem
WRONG_ATTEMPT_POINTS = 50  # Codeforces: each rejected attempt before acceptance costs 50 points ...
MIN_POINTS_SHARE = 0.3  # ... but an accepted problem is worth at least 30% of its points
WRONG_ATTEMPT_MINUTES = 10  # ICPC-style rounds: each rejected attempt before acceptance adds 10 penalty minutes


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


def solve_probability(problem_rating: float | np.ndarray, rating: float) -> np.ndarray:
    """p(R) = 1 / (1 + 10^((d - R) / 400)): the Elo chance that rating R beats difficulty d."""
    return 1.0 / (1.0 + np.power(10.0, (np.asarray(problem_rating, dtype=float) - rating) / ELO_SCALE))


def bisect_increasing(fn: Callable[[float], float], lo: float = RATING_MIN, hi: float = RATING_MAX,
                      tol: float = 1e-9) -> float:
    """The x in [lo, hi] where the increasing fn crosses 0; lo or hi when it does not cross inside."""
    if fn(lo) >= 0:
        return lo
    if fn(hi) <= 0:
        return hi
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if fn(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class RatingFit:
    rating: float
    lo: float
    hi: float
    se: float | None  # Fisher standard error; None when the likelihood has no maximum (rule != "mle")
    robust: tuple[float, float] | None  # interval from the problem-clustered sandwich SE (see fit_rating)
    rule: str  # "mle" | "all_solved" | "none_solved"
    n_problems: int
    n_samples: int
    n_correct: int


def fit_rating(problems: Iterable[tuple[float, int, int]], level: float = 0.95) -> RatingFit:
    """Fit R to [(problem_rating d_j, samples n_j, correct k_j), ...]; problems with n_j = 0 are ignored.

    Log-likelihood l(R) = sum_j k_j log p_j + (n_j - k_j) log(1 - p_j). Its score
    l'(R) = SLOPE * sum_j (k_j - n_j p_j(R)) falls strictly with R, so the MLE is the root of
    sum_j n_j p_j(R) = sum_j k_j (bisection); Fisher information I(R) = SLOPE^2 sum_j n_j p_j (1 - p_j),
    SE = 1 / sqrt(I), interval = R -/+ z * SE.
    When every sample is correct (or none is) the likelihood keeps rising (falling) and there is no maximum. Then
    the estimate is the median-unbiased one, the R at which that outcome has probability 1/2; the interval's
    inner end is the R at which it has probability (1 - level)/2 (an exact one-sided bound) and its outer end is
    clipped at RATING_MAX (RATING_MIN).
    `robust` is a second interval that does not trust the binomial model: the sandwich (problem-clustered) SE
    sqrt(m / (m - 1) * sum_j U_j^2) / I with U_j = SLOPE * (k_j - n_j p_j) over m problems. It holds up better
    than the Fisher interval when listed problem ratings are off, but it is no guarantee: its variance comes from
    few problems, and with correct ratings it covers 0.90-0.94 at 50 problems and 0.67-0.89 at 15
    (benchmarks/rating_coverage.py). None with fewer than two problems or without an MLE.
    """
    rows = [(float(d), int(n), int(k)) for d, n, k in problems]
    for d, n, k in rows:
        if not math.isfinite(d) or n < 0 or not 0 <= k <= n:
            raise ValueError(f"bad problem (rating={d}, n={n}, correct={k}): need a finite rating and 0 <= k <= n")
    rows = [r for r in rows if r[1] > 0]
    if not rows:
        raise ValueError("elo_rating needs at least one problem with samples")
    d = np.array([r[0] for r in rows])
    n = np.array([r[1] for r in rows], dtype=float)
    k = np.array([r[2] for r in rows], dtype=float)
    total, correct = n.sum(), k.sum()
    tail = (1.0 - level) / 2
    counts = (len(rows), int(total), int(correct))
    if correct in (0, total):  # no maximum: the median-unbiased estimate and an exact one-sided bound
        solved = correct == total
        sign = 1.0 if solved else -1.0  # the outcome's probability rises with R when all solved, falls when none

        def outcome_reaches(probability: float) -> float:
            """The R at which P(this outcome | R) = prod_j p_j^n_j (or (1 - p_j)^n_j) equals `probability`."""
            return bisect_increasing(lambda r: sign * (float(np.sum(n * _log_sigmoid(sign * SLOPE * (r - d))))
                                                       - math.log(probability)))

        bound = outcome_reaches(tail)
        lo, hi = (bound, RATING_MAX) if solved else (RATING_MIN, bound)
        return RatingFit(outcome_reaches(0.5), lo, hi, None, None, "all_solved" if solved else "none_solved",
                         *counts)
    rating = bisect_increasing(lambda r: float(np.sum(n * solve_probability(d, r))) - correct)
    p = solve_probability(d, rating)
    information = SLOPE**2 * float(np.sum(n * p * (1.0 - p)))
    se = 1.0 / math.sqrt(information)
    z = NormalDist().inv_cdf(1.0 - tail)
    m = len(rows)
    robust = None
    if m > 1:
        se_robust = math.sqrt(m / (m - 1) * float(np.sum((SLOPE * (k - n * p)) ** 2))) / information
        robust = (_clip(rating - z * se_robust), _clip(rating + z * se_robust))
    return RatingFit(rating, _clip(rating - z * se), _clip(rating + z * se), se, robust, "mle", *counts)


def _clip(rating: float) -> float:
    return min(RATING_MAX, max(RATING_MIN, rating))


def elo_rating(problems: Iterable[tuple[float, int, int]]) -> tuple[float, float, float]:
    """(rating, lo, hi): the maximum-likelihood rating and its 95% interval (see `fit_rating` for the rule when
    every or no sample is correct). problems = [(problem_rating, n_samples, n_correct), ...]."""
    fit = fit_rating(problems)
    return fit.rating, fit.lo, fit.hi


# --- user-rating distribution and percentiles -------------------------------------------------------------------

@dataclass(frozen=True)
class RatingDistribution:
    """A histogram of user ratings: sorted distinct ratings and how many users hold each."""

    name: str  # what every percentile computed from it says it uses
    ratings: np.ndarray
    counts: np.ndarray
    sha256: str

    @property
    def users(self) -> int:
        return int(self.counts.sum())

    def describe(self) -> str:
        return f"{self.name} ({self.users:,} users, sha256 {self.sha256[:12]})"


def load_rating_distribution(path: str | Path) -> RatingDistribution:
    """Read a JSON object {"<rating>": <number of users>, ...} (the format of cf_ratings_2024.json)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        table = json.loads(raw)
    except OSError as exc:
        raise DataError(f"cannot read rating distribution {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"rating distribution {path} is not JSON: {exc}") from None
    if not isinstance(table, dict) or not table:
        raise DataError(f"rating distribution {path} must be a non-empty JSON object rating -> user count")
    try:
        pairs = sorted((float(key), int(value)) for key, value in table.items())
    except (TypeError, ValueError):
        raise DataError(f"rating distribution {path}: keys must be ratings and values user counts") from None
    if any(count < 0 for _, count in pairs) or sum(count for _, count in pairs) == 0:
        raise DataError(f"rating distribution {path}: user counts must be >= 0 and not all 0")
    return RatingDistribution(path.name, np.array([r for r, _ in pairs]), np.array([c for _, c in pairs]),
                              hashlib.sha256(raw).hexdigest())


def find_rating_distribution(explicit: str | Path | None, data_dir: str | Path | None) -> RatingDistribution | None:
    """The distribution a user named, else DEFAULT_DISTRIBUTION in the offline data folder, else None."""
    if explicit:
        return load_rating_distribution(explicit)
    if data_dir and (Path(data_dir) / DEFAULT_DISTRIBUTION).is_file():
        return load_rating_distribution(Path(data_dir) / DEFAULT_DISTRIBUTION)
    return None


def cf_percentile(rating: float, distribution: RatingDistribution) -> float:
    """Percent of the distribution's users whose rating is strictly below `rating` (0-100)."""
    below = int(distribution.counts[: np.searchsorted(distribution.ratings, rating, side="left")].sum())
    return 100.0 * below / distribution.users


# --- per-task metrics and breakdowns ------------------------------------------------------------------------------

def problem_rating(problem: Problem) -> float | None:
    """Problem.meta["rating"] when it is a finite number (Codeforces difficulty), else None."""
    value = problem.meta.get("rating")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def rated_counts(problems: Mapping[str, Problem],
                 grouped: Mapping[str, ProblemSamples]) -> list[tuple[float, int, int]]:
    """(problem rating, samples, correct) of every graded problem that carries a rating, by problem id."""
    return [(d, s.n, s.c) for pid, s in sorted(grouped.items())
            if pid in problems and (d := problem_rating(problems[pid])) is not None]


def rating_metrics(problems: Mapping[str, Problem], grouped: Mapping[str, ProblemSamples]) -> dict[str, Any]:
    """cf_rating, cf_rating_ci95 [lo, hi], cf_rating_ci95_robust (or None), cf_rating_rule and
    cf_rating_n_problems over the graded problems that carry a rating; {} when none does."""
    rated = rated_counts(problems, grouped)
    if not rated:
        return {}
    fit = fit_rating(rated)
    return {"cf_rating": fit.rating, "cf_rating_ci95": [fit.lo, fit.hi],
            "cf_rating_ci95_robust": list(fit.robust) if fit.robust else None, "cf_rating_rule": fit.rule,
            "cf_rating_n_problems": fit.n_problems}


def rating_bucket(rating: float) -> str:
    low = int(rating // RATING_BUCKET) * RATING_BUCKET
    return f"{low}-{low + RATING_BUCKET - 1}"


def rating_breakdown(problems: Mapping[str, Problem],
                     grouped: Mapping[str, ProblemSamples]) -> dict[str, dict[str, dict[str, Any]]]:
    """pass@1 and problem count by problem-rating bucket (ascending; "unrated" last) and by tag (a problem counts
    under each of its tags); {} when no graded problem carries a rating."""
    if not rated_counts(problems, grouped):
        return {}
    by_bucket: dict[tuple[float, str], list[float]] = {}
    by_tag: dict[str, list[float]] = {}
    for pid, samples in grouped.items():
        if pid not in problems:
            continue
        rate = samples.rate  # c/n; an adaptive run's unbiased estimate
        d = problem_rating(problems[pid])
        key = (math.inf, "unrated") if d is None else (d // RATING_BUCKET, rating_bucket(d))
        by_bucket.setdefault(key, []).append(rate)
        tags = problems[pid].meta.get("tags") or ()
        for tag in [tags] if isinstance(tags, str) else tags:
            by_tag.setdefault(str(tag), []).append(rate)
    summary = lambda rates: {"pass@1": sum(rates) / len(rates), "n_problems": len(rates)}  # noqa: E731
    return {"rating_bucket": {label: summary(by_bucket[(o, label)]) for o, label in sorted(by_bucket)},
            "tag": {tag: summary(by_tag[tag]) for tag in sorted(by_tag)}}


# --- CodeElo's contest simulation --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contest:
    """One contest's problems and its rated participants' final standings (docs/contest.md "Codeforces rating")."""

    contest_id: str
    name: str
    problems: tuple[str, ...]  # problem ids as the task names them
    points: tuple[float, ...] | None  # per-problem points; None for ICPC-style (solved count, then penalty)
    scores: np.ndarray  # participants' points (or problems solved)
    penalties: np.ndarray  # participants' penalties (minutes; 0 in points-scored rounds)
    old_ratings: np.ndarray  # participants' ratings before the contest


@dataclass(frozen=True)
class ContestResult:
    contest_id: str
    name: str
    score: float
    penalty: float
    rank: float
    n_participants: int
    rating: float
    missing: tuple[str, ...]  # contest problems with no graded samples in the run (counted unsolved)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return float(value)


def parse_contest(row: Mapping[str, Any]) -> Contest:
    """One standings row -> Contest; ValueError says what is wrong."""
    problems = row.get("problems")
    people = row.get("participants")
    if not isinstance(problems, list) or not problems or not isinstance(people, list) or not people:
        raise ValueError("needs non-empty lists 'problems' and 'participants'")
    ids = tuple(str(p.get("problem_id", "")) if isinstance(p, dict) else "" for p in problems)
    if not all(ids):
        raise ValueError("every problem needs a 'problem_id'")
    with_points = [p for p in problems if p.get("points") is not None]
    if with_points and len(with_points) != len(problems):
        raise ValueError("either every problem has 'points' (points-scored round) or none has (ICPC-style)")
    points = tuple(_number(p["points"], "points") for p in problems) if with_points else None
    try:
        table = np.array([[_number(p["score"], "score"), _number(p.get("penalty", 0), "penalty"),
                           _number(p["old_rating"], "old_rating")] for p in people])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"every participant needs 'score', 'penalty' and 'old_rating' ({exc})") from None
    return Contest(str(row.get("contest_id", "")), str(row.get("name", "")), ids, points,
                   table[:, 0], table[:, 1], table[:, 2])


def load_contests(path: str | Path) -> list[Contest]:
    """Read a standings file: JSONL, one contest per line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read standings {path}: {exc.strerror or exc}") from None
    contests = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("a line must be a JSON object")
            contests.append(parse_contest(row))
        except (json.JSONDecodeError, ValueError) as exc:
            raise DataError(f"standings {path} line {number}: {exc}") from None
    if not contests:
        raise DataError(f"standings {path} holds no contest")
    return contests


def first_correct(correct: Sequence[bool], attempts: int) -> int | None:
    """Index of the first correct sample among the first `attempts` (the accepted submission), else None."""
    return next((i for i, ok in enumerate(correct[:attempts]) if ok), None)


def model_standing(contest: Contest, samples: Mapping[str, Sequence[bool]],
                   attempts: int = CONTEST_ATTEMPTS) -> tuple[float, float]:
    """(score, penalty) of the model: samples in order are its submissions, all made at minute 0."""
    score = penalty = 0.0
    for index, problem in enumerate(contest.problems):
        wrong = first_correct(samples.get(problem, ()), attempts)
        if wrong is None:
            continue
        if contest.points is None:
            score += 1
            penalty += WRONG_ATTEMPT_MINUTES * wrong
        else:
            full = contest.points[index]
            score += max(MIN_POINTS_SHARE * full, full - WRONG_ATTEMPT_POINTS * wrong)
    return score, penalty


def contest_rank(contest: Contest, score: float, penalty: float) -> float:
    """1 + participants ahead (more points, or equal points and less penalty) + half of those exactly tied."""
    ahead = (contest.scores > score) | ((contest.scores == score) & (contest.penalties < penalty))
    tied = (contest.scores == score) & (contest.penalties == penalty)
    return 1.0 + float(ahead.sum()) + 0.5 * float(tied.sum())


def expected_rank(rating: float, old_ratings: np.ndarray) -> float:
    """1 + sum_i P(participant i beats rating R) = 1 + sum_i 1 / (1 + 10^((R - r_i) / 400))."""
    return 1.0 + float(np.sum(1.0 / (1.0 + np.power(10.0, (rating - old_ratings) / ELO_SCALE))))


def rating_for_rank(rank: float, old_ratings: np.ndarray) -> float:
    """The R whose expected rank equals `rank` (bisection; clipped to [RATING_MIN, RATING_MAX])."""
    return bisect_increasing(lambda r: rank - expected_rank(r, old_ratings), tol=1e-6)


def simulate_contests(contests: Sequence[Contest], samples: Mapping[str, Sequence[bool]],
                      attempts: int = CONTEST_ATTEMPTS) -> list[ContestResult]:
    """Per contest that shares at least one problem with the run: the model's standing, rank and rating."""
    results = []
    for contest in contests:
        missing = tuple(p for p in contest.problems if p not in samples)
        if len(missing) == len(contest.problems):
            continue
        score, penalty = model_standing(contest, samples, attempts)
        rank = contest_rank(contest, score, penalty)
        results.append(ContestResult(contest.contest_id, contest.name, score, penalty, rank, len(contest.scores),
                                     rating_for_rank(rank, contest.old_ratings), missing))
    return results
