"""Frozen types that cross stage boundaries (problems -> completions -> verdicts -> results)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal


class Status(StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    NO_ANSWER = "no_answer"
    ERROR = "error"  # harness failure: excluded from metrics, run marked incomplete


RESULTS_FORMAT_VERSION = 2  # results.json; 1 (no field): intervals may carry the old names in LEGACY_INTERVALS
INTERVALS = ("ci95_problems", "ci95_sampling", "pi95_rerun")  # what each covers: r1eval.metrics, docs/statistics.md
LEGACY_INTERVALS = {"ci95": "ci95_problems"}  # renamed without a format version; still read
_METRIC_NAME = re.compile(r"^(pass|cons)(?:@(\d+))?(?:_([a-z0-9_]+))?$")


@dataclass(frozen=True)
class MetricName:
    """A sampled-accuracy metric key of results.json, parsed in one place: pass@k or cons@N (N None: the run's
    samples per problem, as `--metric cons` means), optionally one of its INTERVALS. str() gives the key."""

    family: Literal["pass", "cons"]
    k: int | None
    interval: str | None = None

    @classmethod
    def parse(cls, key: str) -> MetricName | None:
        """The name, or None for any other key (rates, token counts, ratings, other harnesses' names). An
        interval named as format version 1 did (`pass@1_ci95`) comes back under its current name."""
        match = _METRIC_NAME.match(key)
        if not match or (match.group(1) == "pass" and match.group(2) is None):
            return None
        interval = LEGACY_INTERVALS.get(match.group(3) or "", match.group(3))
        if interval is not None and interval not in INTERVALS:
            return None
        k = int(match.group(2)) if match.group(2) is not None else None
        return cls(match.group(1), k, interval)  # type: ignore[arg-type]

    @property
    def estimate(self) -> MetricName:
        """The point estimate an interval belongs to."""
        return replace(self, interval=None)

    def with_interval(self, interval: str) -> MetricName:
        return replace(self, interval=interval)

    def __str__(self) -> str:
        return f"{self.family}{'' if self.k is None else f'@{self.k}'}{f'_{self.interval}' if self.interval else ''}"


METRIC_FAMILIES = {  # what a task declares (Task.metric_families) -> the metric keys it puts in results.json
    "math": "pass@1 and its intervals, pass@k, cons@n and its interval",
    "choice": "pass@1 and its intervals, pass@k, cons@n and its interval",
    "code": "pass@1 and its intervals, pass@k (no majority vote)",
    "rating": "cf_rating, cf_rating_ci95, cf_rating_ci95_robust, cf_rating_rule, cf_rating_n_problems",
    "lm-eval": "lm-eval's own metric,filter keys beside pass@1 and pass@k",
}
VOTING_FAMILIES = frozenset({"math", "choice"})  # families whose answers can be majority-voted (cons@n)


def upgrade_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """A format-1 metrics mapping with its intervals under their current names (the current name wins)."""
    out = dict(metrics)
    for key, value in metrics.items():
        name = MetricName.parse(key)
        if name is not None and str(name) != key:
            out.pop(key)
            out.setdefault(str(name), value)
    return out


@dataclass(frozen=True)
class TestCase:
    input: str
    output: str
    name: str = ""  # e.g. "secret/subtask2/1" for a problem package's test file
    time_limit_s: float | None = None  # overrides CodeSpec.time_limit_s for this test


@dataclass(frozen=True)
class CodeSpec:
    tests: tuple[TestCase, ...]
    mode: Literal["stdin", "functional"] = "stdin"
    entry_point: str | None = None
    starter_code: str = ""
    time_limit_s: float = 6.0
    memory_mb: int = 512
    checker: str = "exact"  # a kind name, or a JSON object (code_rows.parse_checker)
    languages: tuple[str, ...] = ("python",)  # what a submission may be written in: "python", "cpp"
    cpp_std: str = "c++17"  # the standard C++ submissions compile with: c++17 | c++20
    input_mode: Literal["stdio", "file"] = "stdio"  # file: the program reads input.txt and writes output.txt
    interactor: str = ""  # interactive problems: JSON {"language", "source", "files"} of the interactor

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(self.languages))  # a list when read back from JSON


@dataclass(frozen=True)
class Problem:
    id: str
    question: str
    answer: str | None = None
    choices: tuple[str, ...] = ()
    code: CodeSpec | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    problem_id: str
    sample: int
    text: str
    finish_reason: str  # "stop" | "length" | other engine reasons
    n_tokens: int
    reasoning: str | None = None  # reasoning content when a server splits it out
    # Characters of `text` each generated token added, comma-separated, as the engine detokenized them: the first
    # B tokens' text is text[:sum of the first B]. Recorded by the vllm backend; None where unknown.
    token_chars: str | None = None


@dataclass(frozen=True)
class Verdict:
    problem_id: str
    sample: int
    status: Status
    answer: str | None  # canonical extracted answer: the cons@n vote key
    detail: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)  # e.g. code: language

    @property
    def correct(self) -> bool:
        return self.status is Status.CORRECT


@dataclass(frozen=True)
class TaskResult:
    """One task's numbers (results.json). Every metric covers n_problems_scored of the n_problems planned; keys
    name the configured n_samples, and n_samples_min is the fewest graded samples a scored problem has.
    `metrics` is open: metric families (pass@k, cons@n, ratings, other harnesses' names) add their own keys."""

    task_version: int
    n_problems: int
    n_samples: int
    complete: bool
    metrics: Mapping[str, Any] = field(default_factory=dict)
    breakdown: Mapping[str, Any] = field(default_factory=dict)
    n_problems_scored: int = 0
    n_samples_min: int = 0
    n_completions: int = 0
    n_errors: int = 0
    metric_families: tuple[str, ...] = ()  # METRIC_FAMILIES the task declared (empty: written before format 2)
    budget_curve: Mapping[str, Any] = field(default_factory=dict)  # pipeline.budget: metrics per token budget
    extra: Mapping[str, Any] = field(default_factory=dict)  # fields this version does not know, kept as read

    def __post_init__(self) -> None:
        object.__setattr__(self, "metric_families", tuple(self.metric_families))  # a list when read from JSON


@dataclass(frozen=True)
class RunResult:
    """What a scoring pass concluded about a run (results.json): reports and gates read only this."""

    run_id: str
    model: str
    step: int | None
    label: str | None
    complete: bool
    created: str
    run_dir: str
    tasks: Mapping[str, TaskResult] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskRecord:
    """How one task of a run was set up (config.json): resuming under a different record is refused."""

    version: int
    n: int  # samples per problem
    limit: int | None
    n_problems: int
    dataset: Mapping[str, Any]  # source description and content_hash of the problems as evaluated
    prompt_hash: str
    scorer: str
    scorer_info: Mapping[str, Any] = field(default_factory=dict)
    runner_profile: str | None = None  # code tasks: the rules the runner judges by (e.g. livecodebench)
    lm_eval: Mapping[str, Any] | None = None  # lm_eval: tasks: lm-eval's version and the task config's hash
    adaptive: Mapping[str, Any] | None = None  # adaptive sampling's rule and rounds (None: every problem gets n)
    extra: Mapping[str, Any] = field(default_factory=dict)  # fields this version does not know, kept as read


@dataclass(frozen=True)
class RunRecord:
    """A run's identity and setup (config.json)."""

    run_id: str
    model: str
    step: int | None
    label: str | None
    backend: str
    identity: Mapping[str, Any]  # what makes two runs comparable sample for sample
    sampling: Mapping[str, Any]
    engine: Mapping[str, Any]
    tasks: Mapping[str, TaskRecord]
    tasks_dirs: tuple[str, ...] = ()
    lm_eval_include: tuple[str, ...] = ()
    versions: Mapping[str, str] = field(default_factory=dict)
    created: str = ""
    scoring: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
