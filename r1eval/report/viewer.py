"""`r1eval view RUN [RUN2]`: a sample browser, written as a folder that any browser opens from disk.

    <out>/index.html      the page: layout, script, and a compact index (per sample: verdict, finish, tokens)
    <out>/data/T-P.js     one file per problem (task T, problem P): prompt, each sample split into its reasoning
                          and answer region by grading's split_response (the split the grader used), answers,
                          verdict details

Sample texts are loaded only when a problem is opened (a <script> tag, so it works from file:// as well as over
HTTP): a 64-sample x 30-problem AIME run with 32k-token responses is ~250 MB of text, which no page can hold
up front. The run directory is only read, through the store's readers, so a run in progress can be viewed: the
journal's torn last line is skipped, samples without a verdict yet show as "ungraded".
"""
from __future__ import annotations

import html
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from r1eval.errors import R1EvalError
from r1eval.grading.extract import split_response
from r1eval.pipeline.prompt_record import read_prompts
from r1eval.pipeline.adaptive import recorded_rounds, targets
from r1eval.store import RunStore
from r1eval.types import Completion, Problem, RunRecord, RunResult, Status, Verdict

GENERATOR = "r1eval view"
SOLVED = 0.5  # a problem is solved in a run when at least half its graded samples are correct (as in report flips)
STATUS_CODE = {Status.CORRECT: "c", Status.INCORRECT: "i", Status.NO_ANSWER: "n", Status.ERROR: "e"}
UNGRADED, MISSING = "u", "-"


@dataclass
class ViewRun:
    """One run as the viewer reads it: whatever the directory holds now."""

    store: RunStore
    config: RunRecord
    results: RunResult | None

    @property
    def label(self) -> str:
        if self.config.label:
            return str(self.config.label)
        step = self.config.step
        return f"step {step}" if step is not None else str(self.config.run_id or self.store.path.name)

    def n(self, task: str) -> int:
        record = self.config.tasks.get(task)
        return record.n if record is not None else 0

    def sample_counts(self, task: str, verdicts: Sequence[Verdict], problem_ids: Sequence[str]) -> dict[str, int]:
        """Samples each problem is meant to have: n, or for an adaptive run what its rule planned from the verdicts
        (a problem stopped after the first round shows that round, not n - first missing samples)."""
        record = self.config.tasks.get(task)
        rounds = recorded_rounds(record.adaptive) if record is not None else ()
        if rounds:
            return targets(rounds, verdicts, problem_ids)
        return dict.fromkeys(problem_ids, self.n(task))


def open_run(path: str | Path) -> ViewRun:
    store = RunStore(path)
    config = store.require_config()
    results = store.read_results() if store.results_path.exists() else None  # not scored yet: in progress
    return ViewRun(store, config, results)


def default_out(runs: Sequence[ViewRun], root: Path = Path("reports/view")) -> Path:
    return root / "-vs-".join(str(r.config.run_id or r.store.path.name) for r in runs)


RECORDED = "as sent to the engine (recorded by the run)"
REBUILT = "rebuilt from today's task file: this run predates recorded prompts"


def _prompts(task: str, run: ViewRun, problems: list[Problem]) -> list[tuple[Any, str]]:
    """(prompt, where it came from) per problem: the run's recorded prompt (pipeline.prompt_record); for older
    runs the user turn rebuilt with the task's own template, or the bare question if the task's file is no longer
    loadable (a user task folder that moved)."""
    from r1eval.task.registry import load_tasks

    recorded = read_prompts(run.store, task) or {}
    if problems and all(p.id in recorded for p in problems):
        return [(recorded[p.id], RECORDED) for p in problems]
    try:
        (loaded,) = load_tasks([task], run.config.tasks_dirs)
        return [(loaded.prompt(p), REBUILT) for p in problems]
    except (R1EvalError, KeyError, TypeError, ValueError, IndexError):
        return [([{"role": "user", "content": p.question}], REBUILT + " (the task file no longer loads: the bare "
                 "question)") for p in problems]


def _sample_row(completion: Completion | None, verdict: Verdict | None) -> tuple[str, str, int]:
    if completion is None:
        return MISSING, MISSING, 0
    status = STATUS_CODE[verdict.status] if verdict else UNGRADED
    finish = {"stop": "s", "length": "l"}.get(completion.finish_reason, "o")
    return status, finish, completion.n_tokens


def _flip(rates: list[float | None]) -> str | None:
    if len(rates) != 2 or None in rates:
        return None
    before, after = (r >= SOLVED for r in rates)  # type: ignore[operator]
    return None if before == after else ("gained" if after else "lost")


def _task_view(task: str, runs: list[ViewRun], t_index: int, data_dir: Path) -> dict[str, Any]:
    """Index entry of one task; writes one chunk file per problem as it goes (one problem's texts in memory)."""
    problems: dict[str, Problem] = {}
    for run in runs:
        if run.store.has_problems(task):
            for problem in run.store.read_problems(task):
                problems.setdefault(problem.id, problem)
    ordered = list(problems.values())
    prompts = _prompts(task, runs[0], ordered)
    per_run = []
    for run in runs:
        if task not in run.config.tasks:
            per_run.append(None)
            continue
        completions = {(c.problem_id, c.sample): c for c in run.store.read_completions(task)}
        verdicts = {(v.problem_id, v.sample): v for v in run.store.read_verdicts(task)}
        per_run.append((run.sample_counts(task, list(verdicts.values()), [p.id for p in ordered]), completions,
                        verdicts))
    entries = []
    for p_index, (problem, (prompt, source)) in enumerate(zip(ordered, prompts, strict=True)):
        summaries, texts, rates = [], [], []
        for state in per_run:
            if state is None:
                summaries.append(None)
                texts.append([])
                rates.append(None)
                continue
            counts, completions, verdicts = state
            rows, samples = [], []
            for sample in range(counts[problem.id]):
                completion = completions.pop((problem.id, sample), None)
                verdict = verdicts.get((problem.id, sample))
                rows.append(_sample_row(completion, verdict))
                if completion is not None:
                    shape = split_response(completion.text, completion.reasoning, completion.finish_reason)
                    samples.append({"think": shape.reasoning, "region": shape.answer,
                                    "answer": verdict.answer if verdict else None,
                                    "detail": verdict.detail if verdict else ""})
                else:
                    samples.append(None)
            graded = [s for s, _, _ in rows if s not in (UNGRADED, MISSING, "e")]
            correct = graded.count("c")
            rates.append(correct / len(graded) if graded else None)
            summaries.append({"st": "".join(r[0] for r in rows), "fin": "".join(r[1] for r in rows),
                              "tok": [r[2] for r in rows], "c": correct, "g": len(graded)})
            texts.append(samples)
        key = f"{t_index}-{p_index}"
        chunk = {"prompt": prompt, "prompt_source": source, "answer": problem.answer,
                 "choices": list(problem.choices), "samples": texts}
        # JSON.parse of a string literal is much faster than parsing the same data as a JS object literal
        literal = json.dumps(json.dumps(chunk, ensure_ascii=False), ensure_ascii=False)
        (data_dir / f"{key}.js").write_text(f"r1evalChunk({json.dumps(key)}, JSON.parse({literal}));\n",
                                            encoding="utf-8")
        meta = {k: v for k, v in problem.meta.items() if isinstance(v, str | int | float) and len(str(v)) < 40}
        entries.append({"id": problem.id, "q": problem.question[:160], "gold": problem.answer, "meta": meta,
                        "runs": summaries, "flip": _flip(rates)})
    return {"name": task, "problems": entries}


def _run_entry(run: ViewRun) -> dict[str, Any]:
    results = run.results
    tasks = results.tasks if results is not None else {}
    return {"id": run.config.run_id or run.store.path.name, "label": run.label, "model": run.config.model,
            "step": run.config.step, "path": str(run.store.path),
            "complete": results.complete if results is not None else None,
            "scored": results is not None, "sampling": dict(run.config.sampling),
            "adaptive": {name: t.adaptive for name, t in run.config.tasks.items() if t.adaptive},
            "tasks": {name: {"metrics": dict(t.metrics), "n_problems": t.n_problems, "n_samples": t.n_samples,
                             "n_problems_scored": t.n_problems_scored, "complete": t.complete}
                      for name, t in tasks.items()}}


def _check_out(out: Path) -> None:
    """Write only into an empty folder or one this command wrote before (never clobber someone's files)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise R1EvalError(f"--out {out} is a file; give a folder for the viewer")
    index = out / "index.html"
    ours = index.is_file() and f'content="{GENERATOR}"' in index.read_text(encoding="utf-8", errors="replace")[:2000]
    if any(out.iterdir()) and not ours:
        raise R1EvalError(f"--out {out} is not empty and holds no earlier viewer page; choose an empty folder")


def write_viewer(paths: Sequence[str | Path], out: str | Path | None = None) -> Path:
    """Write the sample browser for one run, or two runs compared, and return the path of its index.html."""
    if not 1 <= len(paths) <= 2:
        raise R1EvalError("view takes one run directory, or two to compare")
    runs = [open_run(p) for p in paths]
    out_dir = Path(out) if out is not None else default_out(runs)
    _check_out(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / ".data.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    names = [t for t in dict.fromkeys(t for r in runs for t in r.config.tasks)
             if any(r.store.has_problems(t) for r in runs)]  # a run in progress may not have reached a task
    try:
        tasks = [_task_view(name, runs, i, staging) for i, name in enumerate(names)]
    except BaseException:  # a corrupt journal, Ctrl-C: leave no half-written page behind
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    title = " vs ".join(r.label for r in runs)
    index = {"title": title, "generated": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
             "runs": [_run_entry(r) for r in runs], "tasks": tasks}
    shutil.rmtree(out_dir / "data", ignore_errors=True)
    os.replace(staging, out_dir / "data")
    page = (resources.files("r1eval.report") / "viewer.html").read_text(encoding="utf-8")
    page = page.replace("__R1EVAL_TITLE__", html.escape(f"r1eval · {title}")).replace(
        "__R1EVAL_INDEX__", json.dumps(index, ensure_ascii=False).replace("</", "<\\/"))
    (out_dir / "index.html").write_text(page, encoding="utf-8")
    return out_dir / "index.html"


def make_server(folder: str | Path, port: int = 0) -> Any:
    """An HTTP server for the viewer folder, bound to 127.0.0.1 only (never another interface)."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            return

    try:
        return ThreadingHTTPServer(("127.0.0.1", port), partial(Quiet, directory=str(folder)))
    except OSError as exc:
        raise R1EvalError(f"cannot serve on 127.0.0.1:{port} ({exc.strerror}); pick another --port") from exc
