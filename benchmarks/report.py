"""Benchmark: `r1eval report` over 100 runs x 5 tasks (the issue's budget: under 10 s).

    PYTHONPATH=. python benchmarks/report.py [--runs 100] [--problems 40] [--samples 8] [--text-chars 600] [--smoke]

Builds synthetic run directories (through RunStore, metrics computed by r1eval.metrics) in a temp folder, then
times (a) loading only: results.json, verdicts and completions of every run and task, and (b) the full report
(tables, 7 figures as PNG+SVG, Markdown, HTML, CSV/parquet). Prints absolute seconds and the ratio b/a.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.report.html import ReportOptions, write_report  # noqa: E402
from r1eval.report.runs import expand_run_paths  # noqa: E402
from tests.runfactory import make_run  # noqa: E402

SMOKE = {"runs": 2, "problems": 3, "samples": 2, "repeat": 1}

TASKS = ("aime24", "aime25", "math500", "gpqa", "amc23")


def build(root: Path, runs: int, problems: int, samples: int, text_chars: int) -> None:
    rng = np.random.default_rng(0)
    filler = ("Let me think about this step by step. " * (text_chars // 38 + 1))[:text_chars]
    difficulty = {t: rng.uniform(0, 1, problems) for t in TASKS}
    for r in range(runs):
        step = 10 * r
        tasks = {}
        for t in TASKS:
            skill = np.clip(difficulty[t] + 0.004 * r + rng.normal(0, 0.05, problems), 0, 1)
            per = {}
            for i in range(problems):
                rows = []
                for _ in range(samples):
                    ok = rng.random() < skill[i]
                    wait = "Wait, let me check. " if rng.random() < r / runs else ""
                    text = f"<think>{wait}{filler}</think> \\boxed{{{1 if ok else 0}}}"
                    finish = "length" if rng.random() < 0.05 else "stop"
                    rows.append(("correct" if ok else "incorrect", "1" if ok else "0", text, finish,
                                 int(rng.integers(500, 2000 + 30 * r))))
                per[f"{t}-{i:03d}"] = rows
            tasks[t] = per
        make_run(root, f"model-step{step:05d}", tasks, model=f"ckpts/global_step_{step}", step=step)


def load_only(root: Path) -> None:
    for run in expand_run_paths([root]):
        for task in run.tasks:
            run.verdicts(task)
            run.completions(task)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--problems", type=int, default=40)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--text-chars", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "runs"
        t0 = time.perf_counter()
        build(root, args.runs, args.problems, args.samples, args.text_chars)
        print(f"built {args.runs} runs x {len(TASKS)} tasks x {args.problems} problems x {args.samples} samples "
              f"({args.runs * len(TASKS) * args.problems * args.samples:,} completions) in "
              f"{time.perf_counter() - t0:.1f} s")
        variants = {"png": ReportOptions(formats=("png",), cache=False), "png+svg": ReportOptions(cache=False),
                    "png+svg, cached": ReportOptions()}
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in ("load", *variants)}
        if args.smoke:  # one report is enough to show the path still works
            del timings["png+svg"], timings["png+svg, cached"]
        for i in range(args.repeat):
            for name in timings:
                wall, cpu = time.perf_counter(), time.process_time()
                if name == "load":
                    load_only(root)
                else:
                    write_report([root], Path(tmp) / f"{name}-{i}", variants[name])
                timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        best = {name: min(values) for name, values in timings.items()}  # by wall time
        print(f"(best of {args.repeat}; wall = elapsed, cpu = this process's CPU time, which a busy shared "
              f"machine inflates less)")
        print(f"load only (results, verdicts, completions): wall {best['load'][0]:.2f} s, cpu {best['load'][1]:.2f} s")
        for name in list(best)[1:]:
            wall, cpu = best[name]
            print(f"full report, figures as {name} (+ tables, HTML, Markdown, CSV/parquet): wall {wall:.2f} s, "
                  f"cpu {cpu:.2f} s; ratio to load-only {wall / max(best['load'][0], 1e-9):.1f}x; budget 10 s")
    load = max(best["load"][0], 1e-9)
    figures = {"runs": args.runs, "tasks": len(TASKS), "problems": args.problems, "samples": args.samples,
               "repeat": args.repeat,
               "best_of_repeats": {name: {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                                          "ratio_to_load": round(wall / load, 1)}
                                   for name, (wall, cpu) in best.items()}}
    recorder.write(figures, args.smoke, args.out)


if __name__ == "__main__":
    main()
