"""`r1eval judge`'s files: problems and submissions in, verdict rows out, journaled as they are judged.

The --out file is an append-only journal (the run directory's rules: fsynced per batch, a torn last line cut, a
repeated submission id keeps its first row) and `<out>.inputs.json` records what it judges (sha256 of the problems
file or folder and of the submissions file, runner profile, time scale, all-tests). Run again with the same --out,
judging continues with the submissions that have no row yet; other inputs are refused in one line. When every
submission has its row, the file is rewritten once (atomically) in submission order.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from r1eval.errors import DataError
from r1eval.grading.code.judge import CodeVerdict, JudgeResult, check_profile, judge_responses
from r1eval.sandbox.pool import SandboxPool
from r1eval.store import Journal, journal_rows
from r1eval.task.code_files import load_problems, read_submissions

BATCH_PER_SANDBOX = 4  # submissions judged (and journaled) together, per sandbox: bounds the work a kill loses


def content_sha256(path: Path) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, in name order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        name = str(file.relative_to(path)) if path.is_dir() else ""
        digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_path(out: Path) -> Path:
    return out.with_name(out.name + ".inputs.json")


def _resume(out: Path, inputs: dict[str, Any]) -> dict[str, dict]:
    """Rows already journaled in `out` for these inputs; a journal of other inputs is refused."""
    recorded = None
    if inputs_path(out).exists():
        try:
            recorded = json.loads(inputs_path(out).read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            recorded = None
    if recorded is not None and out.exists() and recorded != inputs:
        changed = ", ".join(k for k in inputs if recorded.get(k) != inputs[k]) or "inputs"
        raise DataError(f"--out {out} holds verdicts of other inputs (changed: {changed}); choose another --out, "
                        "or delete it to judge from scratch")
    if recorded is None or not out.exists():  # a new journal (a file without its inputs record is replaced)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        tmp = inputs_path(out).with_suffix(".tmp")
        tmp.write_text(json.dumps(inputs, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, inputs_path(out))
        return {}
    done: dict[str, dict] = {}
    for row in journal_rows(out):
        done.setdefault(str(row.get("id")), row)
    return done


def judge_files(problems: Path, submissions: Path, out: Path, pool_factory: Callable[[int], SandboxPool],
                progress=None, profile: str = "plain", *, time_scale: float = 1.0, all_tests: bool = False) -> Counter:
    """Judge every submission without a row in `out`, journaling rows batch by batch; then write `out` in
    submission order and return verdict counts. Submissions to a skipped problem (an interactive package without
    an interactor, ...) get verdict `skipped`. `progress(done, total)` counts rows, earlier sessions' included."""
    check_profile(profile)
    specs, skipped = load_problems(problems)
    subs = read_submissions(submissions, set(specs) | set(skipped))
    inputs = {"problems": content_sha256(problems), "submissions": content_sha256(submissions), "profile": profile,
              "time_scale": time_scale, "all_tests": all_tests}
    done = _resume(out, inputs)
    todo = [s for s in subs if s.id not in done]
    with Journal(out) as journal:
        journal.append([{"id": s.id, "problem_id": s.problem_id,
                         **JudgeResult(CodeVerdict.SKIPPED, detail=skipped[s.problem_id]).as_row()}
                        for s in todo if s.problem_id not in specs])
        judged = [s for s in todo if s.problem_id in specs]
        finished = len(subs) - len(judged)
        if judged:
            memory = max((s.memory_mb for s in specs.values()), default=512)
            with pool_factory(memory) as pool:
                size = BATCH_PER_SANDBOX * pool.workers
                for start in range(0, len(judged), size):
                    batch = judged[start : start + size]
                    offset = finished + start
                    tick = (lambda d, _t, o=offset: progress(o + d, len(subs))) if progress else None
                    rows = judge_responses(pool, [(specs[s.problem_id], s.response) for s in batch], progress=tick,
                                           profile=profile, time_scale=time_scale, all_tests=all_tests)
                    journal.append([{"id": s.id, "problem_id": s.problem_id, **row.as_row()}
                                    for s, row in zip(batch, rows, strict=True)])
        elif progress is not None:
            progress(len(subs), len(subs))
    by_id = {str(row["id"]): row for row in reversed(list(journal_rows(out)))}  # first row of an id wins
    ordered = [by_id[s.id] for s in subs]
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ordered), encoding="utf-8")
    os.replace(tmp, out)
    return Counter(row["verdict"] for row in ordered)
