"""r1eval's verifiers as RL reward functions: the reward of a sample is its verdict in an r1eval run (1.0 when
correct, else 0.0), through the same path (grading.graded_text, then grade_many).

- verl: `compute_score(data_source, solution_str, ground_truth, extra_info=None)` (custom_reward_function.path /
  name), or `compute_score_dict` for verl's dict form ({"score", "acc", "pred", "detail"}).
- TRL: `math_reward(completions, **kwargs)`, `integer_reward`, `choice_reward` -> list[float]; the gold comes
  from the dataset column `answer` (or `solution`: a worked solution's last box); plain and conversational.
- A URL (OpenRLHF's remote reward): `python -m r1eval.reward.server` (r1eval/reward/server.py).

Never raises, never hangs: a symbolic check runs in a killable worker under a time bound (`timeout_s`, default
5 s); a time-out, a harness error or a bad input gives 0.0 and is counted in `stats()`. Verdicts are memoised per
(kind, gold, cleaned final answer), so 64 samples of one problem cost as many checks as distinct answers.
Format assumptions (docs/reward.md): only text after the last </think> is graded; the final answer is the last
\\boxed{} or an explicit answer line after it; a response cut by the length limit before </think> scores 0 when
its finish reason is given (extra_info["finish_reason"], a `finish_reason` column).
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from r1eval.grading import KINDS, TRUNCATED, grade_many, graded_text
from r1eval.grading.extract import answer_region, final_answer
from r1eval.grading.math.grade import MAX_ANSWER_CHARS, Graded
from r1eval.grading.math.normalize import clean
from r1eval.types import Status

DEFAULT_TIMEOUT_S = 5.0
MEMO_SIZE = 100_000
_FAMILIES = (  # (substring of a data source, kind): an r1eval task name or a family of them
    ("aime", "integer"), ("gpqa", "choice"), ("mmlu", "choice"), ("choice", "choice"), ("livecodebench", "code"),
    ("codeforces", "code"), ("code", "code"), ("lcb", "code"), ("problem_packages", "code"), ("integer", "integer"),
)
_memo: OrderedDict[tuple, Graded] = OrderedDict()
_lock = threading.Lock()
_stats: Counter[str] = Counter()


def kind_of(data_source: str | None, extra_info: Mapping[str, Any] | None = None) -> str:
    """The scorer a data source asks for: extra_info["kind"] if given, else by name (aime* -> integer, gpqa* ->
    choice, livecodebench/codeforces -> code), else math (math500, amc23, gsm8k, openr1 ... all grade as math)."""
    wanted = (extra_info or {}).get("kind")
    if wanted in (*KINDS, "code"):
        return str(wanted)
    name = (data_source or "").lower()
    return next((kind for part, kind in _FAMILIES if part in name), "math")


def stats() -> dict[str, int]:
    """Counts since start (or reset_stats): scored, memo_hits, checks, correct, timeouts, errors."""
    with _lock:
        return dict(_stats)


def reset_stats(memo: bool = False) -> None:
    with _lock:
        _stats.clear()
        if memo:
            _memo.clear()


def score_batch(kind: str, items: Sequence[tuple[str, str]], *, choices: Sequence[Sequence[str]] | None = None,
                finish_reasons: Sequence[str | None] | None = None, reasonings: Sequence[str | None] | None = None,
                timeout_s: float = DEFAULT_TIMEOUT_S) -> list[Graded]:
    """Verdicts for (response, gold) pairs, as a run grades them (`reasonings`: what a server split out, if it
    did). Never raises: a failure is an ERROR verdict."""
    try:
        return _score_batch(kind, items, choices, finish_reasons, reasonings, timeout_s)
    except Exception as exc:  # noqa: BLE001 - a reward must not bring down the trainer
        with _lock:
            _stats["errors"] += len(items)
        return [(Status.ERROR, None, f"reward failed: {type(exc).__name__}: {exc}"[:160])] * len(items)


def _score_batch(kind: str, items: Sequence[tuple[str, str]], choices: Sequence[Sequence[str]] | None,
                 finish_reasons: Sequence[str | None] | None, reasonings: Sequence[str | None] | None,
                 timeout_s: float) -> list[Graded]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    results: list[Graded | None] = []
    todo: dict[tuple, list[int]] = {}
    jobs: list[tuple[str, str, str, tuple[str, ...]]] = []
    for index, (response, gold) in enumerate(items):
        text, truncated = graded_text(str(response), reasonings[index] if reasonings else None,
                                      finish_reasons[index] if finish_reasons else None)
        options = tuple(choices[index]) if choices else ()
        if truncated:
            results.append(TRUNCATED)
            continue
        key = _memo_key(kind, text, str(gold), options)
        with _lock:
            hit = _memo.get(key)
            _stats["memo_hits"] += hit is not None
        results.append(hit)
        if hit is None:
            if key not in todo:
                jobs.append((text, str(gold), kind, options))
            todo.setdefault(key, []).append(index)
    graded = grade_many(jobs, timeout_s=timeout_s) if jobs else []
    with _lock:
        for key, verdict in zip(todo, graded, strict=True):
            if verdict[0] is not Status.ERROR and not verdict[2].startswith("timed out"):
                _memo[key] = verdict
                if len(_memo) > MEMO_SIZE:
                    _memo.popitem(last=False)
            for index in todo[key]:
                results[index] = verdict
        _stats["checks"] += len(jobs)
        _stats["scored"] += len(items)
        settled = list(zip(todo.values(), graded, strict=True))
        _stats["timeouts"] += sum(len(where) for where, v in settled if v[2].startswith("timed out"))
        _stats["errors"] += sum(len(where) for where, v in settled if v[0] is Status.ERROR)
        _stats["correct"] += sum(r is not None and r[0] is Status.CORRECT for r in results)
    return [r if r is not None else (Status.ERROR, None, "not graded") for r in results]


def _memo_key(kind: str, text: str, gold: str, choices: tuple[str, ...]) -> tuple:
    """Equal work: the same gold and the same final answer once cleaned (`\\dfrac12` and `$\\frac12$` are one
    check); for choice answers, the same answer region."""
    region = answer_region(text)
    if region is None:
        return kind, gold, "think block never closed"
    if kind == "choice":
        return kind, gold, choices, region.strip()
    found = final_answer(region)
    if found is None:
        return kind, gold, None
    too_long = sum(map(len, found.parts)) > MAX_ANSWER_CHARS
    return kind, gold, found.source, too_long, tuple(clean(part) for part in found.parts)


def reward_of(verdict: Graded) -> float:
    return 1.0 if verdict[0] is Status.CORRECT else 0.0


# --- verl ------------------------------------------------------------------------------------------------------

def compute_score_dict(data_source: str, solution_str: str, ground_truth: Any,
                       extra_info: Mapping[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    """verl's dict form: {"score": 1.0 | 0.0, "acc": bool, "pred": the extracted answer, "detail": why}."""
    info = extra_info if isinstance(extra_info, Mapping) else {}
    kind = kind_of(data_source, info)
    timeout_s = float(info.get("timeout_s") or DEFAULT_TIMEOUT_S)
    if kind == "code":
        from r1eval.reward.code import score_code

        verdict = score_code(str(solution_str), info, timeout_s)
    else:
        gold = ground_truth.get("answer", "") if isinstance(ground_truth, Mapping) else ground_truth
        verdict = score_batch(kind, [(str(solution_str), "" if gold is None else str(gold))],
                              choices=[tuple(info.get("choices") or ())], timeout_s=timeout_s,
                              finish_reasons=[info.get("finish_reason")])[0]
    return {"score": reward_of(verdict), "acc": verdict[0] is Status.CORRECT, "pred": verdict[1] or "",
            "detail": verdict[2]}


def compute_score(data_source: str, solution_str: str, ground_truth: Any,
                  extra_info: Mapping[str, Any] | None = None, **kwargs: Any) -> float:
    """verl's custom reward function: 1.0 when r1eval grades the response correct, else 0.0."""
    return float(compute_score_dict(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"])


# --- TRL -------------------------------------------------------------------------------------------------------

def _completion_text(completion: Any) -> str:
    """A plain completion, or a conversational one (a list of messages: the assistant turns' content)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        return "".join(_completion_text(m) for m in completion
                       if not isinstance(m, Mapping) or m.get("role", "assistant") == "assistant")
    return "" if completion is None else str(completion)


def _trl_reward(kind: str, completions: Sequence[Any], kwargs: Mapping[str, Any]) -> list[float]:
    golds = kwargs.get("answer", kwargs.get("solution"))
    if golds is None or isinstance(golds, str) or len(golds) != len(completions):
        with _lock:
            _stats["errors"] += len(completions)
        return [0.0] * len(completions)  # no gold column: nothing can be correct
    choices = kwargs.get("choices")
    pairs = [(_completion_text(c), "" if g is None else str(g)) for c, g in zip(completions, golds, strict=True)]
    verdicts = score_batch(kind, pairs,
                           choices=[tuple(c or ()) for c in choices] if choices is not None else None,
                           finish_reasons=kwargs.get("finish_reason"),
                           timeout_s=float(kwargs.get("timeout_s") or DEFAULT_TIMEOUT_S))
    return [reward_of(v) for v in verdicts]


def math_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL reward function for math answers (LaTeX, MATH-500 style)."""
    return _trl_reward("math", completions, kwargs)


def integer_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL reward function for integer answers (AIME style)."""
    return _trl_reward("integer", completions, kwargs)


def choice_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL reward function for multiple choice (gold: a letter; a `choices` column lets the text of a choice count)."""
    return _trl_reward("choice", completions, kwargs)
