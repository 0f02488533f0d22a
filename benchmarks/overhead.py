"""r1eval's generation overhead against bare vLLM, on the same engine instance.

    python benchmarks/overhead.py [--tiny | --model DIR] [--data-dir DIR] [--problems 16] [--n 4] [--max-tokens 128]

bare:   one vllm.LLM.generate() call with SamplingParams(n=k, seed=<r1eval's per-problem seed>) per prompt,
        prompts already rendered and tokenized (that work is not timed: the floor any harness must pay).
r1eval: r1eval.pipeline.run(config, generator=...) into a fresh run directory, minus scoring: task loading,
        chat-template rendering, prompt hashing, config.json, resume bookkeeping, streaming from the engine and
        the journal writes are all timed.
Fairness: both sides use the one VLLMGenerator's engine, started (and warmed up with a throwaway request)
before any timing, so start-up cost is on neither side; sides alternate (bare, r1eval, r1eval, bare, ...);
both submit the same requests with the same seeds, and the script checks that they drew identical samples,
i.e. did identical engine work. The figure is the ratio of the median wall times (and the median over repeats
of r1eval/bare within a repeat, which cancels slow drifts in machine load); the ratio of the median
CPU times of this process is reported beside it, because on CPU the engine runs in this process
(VLLM_ENABLE_V1_MULTIPROCESSING=0) and its CPU time does not grow when other tenants load the machine, while
wall time does. --json writes the summary.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from r1eval import pipeline  # noqa: E402
from r1eval.config import EngineConfig, RunConfig, SamplingConfig  # noqa: E402
from r1eval.generate import GenRequest  # noqa: E402
from r1eval.generate.vllm_backend import VLLMGenerator  # noqa: E402
from r1eval.models import smollm2_dir, tiny_llama_dir  # noqa: E402
from r1eval.store import RunStore  # noqa: E402
from r1eval.task import LoadContext, load_tasks  # noqa: E402

TASK = "math500"


def bare_inputs(gen: VLLMGenerator, config: RunConfig):
    from vllm import SamplingParams

    task = load_tasks([TASK])[0]
    problems = task.load(LoadContext(config.data_dir, config.sampling.seed))[: config.limit]
    s = config.sampling
    prompts, params = [], []
    for problem in problems:
        text = gen.render(task.prompt(problem), config.think_prefix)
        prompts.append({"prompt_token_ids": gen.tokenizer(text, add_special_tokens=False)["input_ids"]})
        seed = pipeline.request_seed(s.seed, TASK, problem.id, 0)
        params.append(SamplingParams(n=s.n, temperature=s.temperature, top_p=s.top_p, max_tokens=s.max_tokens,
                                     seed=seed))
    return [p.id for p in problems], prompts, params


def clocks() -> tuple[float, float]:
    """(wall, CPU time of this process and its threads)."""
    return time.perf_counter(), time.process_time()


def time_bare(gen: VLLMGenerator, ids, prompts, params) -> tuple[tuple[float, float], dict]:
    llm = gen._engine()
    wall, cpu = clocks()
    outputs = llm.generate(prompts, params, use_tqdm=False)
    elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
    texts = {(pid, o.index): o.text for pid, out in zip(ids, outputs, strict=True) for o in out.outputs}
    return elapsed, texts


def time_r1eval(gen: VLLMGenerator, config: RunConfig, out: Path) -> tuple[tuple[float, float], dict]:
    config = dataclasses.replace(config, out=str(out))
    scored = pipeline.score_run
    pipeline.score_run = lambda run_dir, **kw: {"run_dir": str(run_dir)}  # grading excluded from the measurement
    try:
        wall, cpu = clocks()
        result = pipeline.run(config, generator=gen, show_progress=False)
        elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        pipeline.score_run = scored
    completions = RunStore(result["run_dir"]).read_completions(TASK)
    return elapsed, {(c.problem_id, c.sample): c.text for c in completions}


def ratio(ours, bare, index: int, reduce) -> float:
    return round(reduce([t[index] for t in ours]) / reduce([t[index] for t in bare]), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the tiny random Llama instead of SmolLM2-135M")
    parser.add_argument("--model", help="a local model directory (default: SmolLM2-135M-Instruct, converted once)")
    parser.add_argument("--data-dir", default=os.environ.get("R1EVAL_DATA_DIR") or "../shared/data")
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", help="also write the summary here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="r1eval-overhead-"))
    model = args.model or str(tiny_llama_dir(work / "tiny") if args.tiny else smollm2_dir())
    gen = VLLMGenerator(model, EngineConfig(device=args.device))
    config = RunConfig(model=model, tasks=(TASK,), sampling=SamplingConfig(n=args.n, max_tokens=args.max_tokens),
                       engine=gen.engine, limit=args.problems, data_dir=args.data_dir, label="overhead")
    ids, prompts, params = bare_inputs(gen, config)
    warm = GenRequest(TASK, "warmup", gen.render([{"role": "user", "content": "Hi"}], False), 1, 0, 1)
    t0 = time.perf_counter()
    list(gen.generate([warm], SamplingConfig(max_tokens=8)))  # engine start + warm-up: on neither side
    startup = time.perf_counter() - t0

    bare_times, r1_times, identical = [], [], True
    for rep in range(args.repeats):
        order = ("bare", "r1eval") if rep % 2 == 0 else ("r1eval", "bare")
        texts = {}
        for side in order:
            if side == "bare":
                elapsed, texts[side] = time_bare(gen, ids, prompts, params)
                bare_times.append(elapsed)
            else:
                elapsed, texts[side] = time_r1eval(gen, config, work / f"runs{rep}")
                r1_times.append(elapsed)
            print(f"repeat {rep} {side:6s} wall {elapsed[0]:7.2f} s  cpu {elapsed[1]:7.2f} s", flush=True)
        identical = identical and texts["bare"] == texts["r1eval"]
    gen.close()

    tokens = args.problems * args.n * args.max_tokens
    summary = {
        "model": model, "device": "cpu" if gen.cpu else "cuda", "problems": args.problems, "n": args.n,
        "max_tokens": args.max_tokens, "repeats": args.repeats, "engine_start_s": round(startup, 2),
        "bare_wall_s": [round(t[0], 3) for t in bare_times], "r1eval_wall_s": [round(t[0], 3) for t in r1_times],
        "bare_cpu_s": [round(t[1], 3) for t in bare_times], "r1eval_cpu_s": [round(t[1], 3) for t in r1_times],
        "wall_ratio_of_medians": ratio(r1_times, bare_times, 0, statistics.median),
        "wall_ratio_of_minima": ratio(r1_times, bare_times, 0, min),
        "cpu_ratio_of_medians": ratio(r1_times, bare_times, 1, statistics.median),
        "cpu_ratio_of_minima": ratio(r1_times, bare_times, 1, min),
        "wall_median_of_paired_ratios": round(statistics.median(
            o[0] / b[0] for o, b in zip(r1_times, bare_times, strict=True)), 4),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2), "cpu_count": os.cpu_count(),
        "identical_samples": identical, "max_new_tokens_per_side": tokens,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
