"""Any r1eval run as lm-eval output files, for tools that read lm-evaluation-harness results (docs/lm-eval.md).

    <out>/<run_id>/results_<date>.json          lm-eval's results layout: results, versions, configs, n-samples, ...
    <out>/<run_id>/samples_<task>_<date>.jsonl  one row per problem: its n responses and answers, its scores

Metric keys follow lm-eval's `metric,filter`: an r1eval metric gets the filter `none` (`pass@1,none`); an
`lm_eval:` task keeps its own keys and its own name without the prefix. Interval metrics ([lo, hi]) are left out:
lm-eval has no place for them.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from r1eval.grading.lm_harness import PREFIX as LM_EVAL_PREFIX
from r1eval.store import RunStore, task_record_to_json


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _name(task: str) -> str:
    return task[len(LM_EVAL_PREFIX):] if task.startswith(LM_EVAL_PREFIX) else task


def _metric_key(key: str) -> str:
    return key if "," in key else f"{key},none"


def results_json(store: RunStore, date: str) -> dict[str, Any]:
    results, config = store.read_results(), store.require_config()
    out: dict[str, Any] = {"results": {}, "group_subtasks": {}, "configs": {}, "versions": {}, "n-shot": {},
                           "higher_is_better": {}, "n-samples": {}}
    for task, result in results.tasks.items():
        name, task_record = _name(task), config.tasks.get(task)
        record = task_record_to_json(task_record) if task_record else {}
        scalars = {_metric_key(k): v for k, v in result.metrics.items() if isinstance(v, (int, float))}
        out["results"][name] = {"alias": name, **scalars}
        out["group_subtasks"][name] = []
        out["configs"][name] = {"task": name, "r1eval_task": task, "repeats": result.n_samples,
                                "generation_kwargs": dict(config.sampling), **record}
        out["versions"][name] = record.get("version", result.task_version)
        out["n-shot"][name] = 0
        lower = {"truncation_rate", "no_answer_rate"}
        out["higher_is_better"][name] = {k.split(",")[0]: k.split(",")[0] not in lower for k in scalars
                                         if not k.split(",")[0].endswith("tokens")}
        out["n-samples"][name] = {"original": result.n_problems, "effective": result.n_problems_scored}
    model = results.model
    out["config"] = {"model": "r1eval", "model_args": f"model={model},backend={config.backend}",
                     "gen_kwargs": dict(config.sampling), "limit": config.identity.get("limit")}
    out.update({"model_name": model, "model_name_sanitized": re.sub(r"[^A-Za-z0-9._-]", "__", model),
                "date": date, "r1eval_run_id": results.run_id, "r1eval_step": results.step})
    return out


def sample_rows(store: RunStore, task: str) -> list[dict[str, Any]]:
    """One lm-eval sample row per problem: resps holds its n responses, filtered_resps their answers."""
    problems = store.read_problems(task)
    completions: dict[str, list[Any]] = {}
    for completion in store.read_completions(task):
        completions.setdefault(completion.problem_id, []).append(completion)
    verdicts: dict[str, list[Any]] = {}
    for verdict in store.read_verdicts(task):
        verdicts.setdefault(verdict.problem_id, []).append(verdict)
    rows = []
    for index, problem in enumerate(problems):
        texts = [c.text for c in sorted(completions.get(problem.id, []), key=lambda c: c.sample)]
        graded = sorted(verdicts.get(problem.id, []), key=lambda v: v.sample)
        scored = [v for v in graded if v.status.value != "error"]
        metrics = {"pass@1": sum(v.correct for v in scored) / len(scored)} if scored else {}
        if task.startswith(LM_EVAL_PREFIX):  # lm-eval's own per-sample scores (verdict detail), averaged
            metrics |= _mean_scores([json.loads(v.detail) for v in scored])
        doc_id = problem.meta.get("doc_id", index)
        rows.append({
            "doc_id": doc_id, "doc": {"id": problem.id, "question": problem.question, "choices": list(problem.choices)},
            "target": problem.answer, "arguments": {"gen_args_0": {"arg_0": problem.question}},
            "resps": [texts], "filtered_resps": [v.answer for v in graded], "filter": "none",
            "metrics": list(metrics), **metrics, "r1eval_status": [v.status.value for v in graded],
            "doc_hash": _hash(json.dumps({"id": problem.id, "question": problem.question}, sort_keys=True)),
            "prompt_hash": _hash(problem.question), "target_hash": _hash(str(problem.answer)),
        })
    return rows


def _mean_scores(scores: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k in (scores[0] if scores else {}) if all(isinstance(s.get(k), (int, float)) for s in scores)]
    return {k: sum(float(s[k]) for s in scores) / len(scores) for k in keys}


def export_lm_eval(run_dir: str | Path, out: str | Path) -> list[Path]:
    """Write the run's results JSON and one samples JSONL per task; returns the files written."""
    store = RunStore(run_dir)
    date = time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime())
    payload = results_json(store, date)
    folder = Path(out) / store.path.name
    # Everything is read (a corrupt journal fails here) before anything is written, and each file appears whole.
    files = {folder / f"results_{date}.json": json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"}
    for task in payload["configs"].values():
        rows = sample_rows(store, task["r1eval_task"])
        files[folder / f"samples_{task['task']}_{date}.jsonl"] = "".join(
            json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        staging = path.with_name(f".{path.name}.tmp")
        staging.write_text(text, encoding="utf-8")
        os.replace(staging, path)
    return list(files)
