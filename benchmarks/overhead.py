"""r1eval's generation overhead against bare vLLM, on the same engine instance.

    python benchmarks/overhead.py [--tiny | --model DIR] [--data-dir DIR] [--problems 16] [--n 4] [--max-tokens 128]
                                  [--repeats 3] [--smoke]

bare:   one vllm.LLM.generate() call with SamplingParams(n=k, seed=<r1eval's per-problem seed>) per prompt,
        prompts already rendered and tokenized (that work is not timed: the floor any harness must pay).
r1eval: r1eval.pipeline.run.run(config, generator=...) into a fresh run directory, minus scoring: task loading,
        chat-template rendering, prompt hashing, config.json, resume bookkeeping, streaming from the engine and
        the journal writes are all timed.
Fairness: both sides use the one VLLMGenerator's engine, started (and warmed up with a throwaway request)
before any timing, so start-up cost is on neither side; sides alternate (bare, r1eval, r1eval, bare, ...);
both submit the same requests with the same seeds, and the script checks that they drew identical samples,
i.e. did identical engine work.

Figures: the wall-time ratio r1eval/bare (of the medians, and the median of the per-repeat ratios). On a shared
machine the engine's own speed swings by several times from minute to minute, which swamps a few-percent
difference, so the script also times every engine step (`llm_engine.step`, wrapped the same way for both sides)
and reports the harness time outside the engine: `1 + (r1eval outside-step time - bare outside-step time) /
bare wall time` estimates the ratio with the engine's noise taken out.
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

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.config import EngineConfig, RunConfig, SamplingConfig  # noqa: E402
from r1eval.generate import GenRequest  # noqa: E402
from r1eval.generate.demo_models import smollm2_dir, tiny_llama_dir  # noqa: E402
from r1eval.generate.vllm_backend import VLLMGenerator  # noqa: E402
from r1eval.pipeline import run as pipeline  # noqa: E402
from r1eval.task.registry import LoadContext, load_tasks  # noqa: E402

TASK = "math500"
SMOKE = {"tiny": True, "problems": 1, "n": 2, "max_tokens": 4, "repeats": 1}
SMOKE_NEEDS = ("vllm", "data")


class StepClock:
    """Wraps the engine's step() to add up the time spent inside the engine."""

    def __init__(self, engine) -> None:
        self.inside = 0.0
        real = engine.step

        def step():
            start = time.perf_counter()
            try:
                return real()
            finally:
                self.inside += time.perf_counter() - start

        engine.step = step

    def measure(self, work):
        """Run work(); return its result and {wall, cpu, engine, outside} seconds."""
        self.inside = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return result, {"wall": wall, "cpu": cpu, "engine": self.inside, "outside": wall - self.inside}


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


def run_bare(llm, ids, prompts, params) -> dict:
    outputs = llm.generate(prompts, params, use_tqdm=False)
    return {(pid, o.index): o.text for pid, out in zip(ids, outputs, strict=True) for o in out.outputs}


def run_r1eval(gen: VLLMGenerator, config: RunConfig) -> dict:
    from r1eval.pipeline import streaming

    results, grade = pipeline.run_results, streaming.TaskGrading.grade
    pipeline.run_results = lambda store, *a: store  # grading and results excluded from the measurement
    streaming.TaskGrading.grade = lambda self, batch: None
    try:
        store = pipeline.run(config, generator=gen, show_progress=False)
    finally:
        pipeline.run_results, streaming.TaskGrading.grade = results, grade
    return {(c.problem_id, c.sample): c.text for c in store.read_completions(TASK)}


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
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)

    work = Path(tempfile.mkdtemp(prefix="r1eval-overhead-"))
    model = args.model or str(tiny_llama_dir(work / "tiny") if args.tiny else smollm2_dir())
    gen = VLLMGenerator(model, EngineConfig(device=args.device))
    config = RunConfig(model=model, tasks=(TASK,), sampling=SamplingConfig(n=args.n, max_tokens=args.max_tokens),
                       engine=gen.engine, limit=args.problems, data_dir=args.data_dir, label="overhead")
    ids, prompts, params = bare_inputs(gen, config)
    warm = GenRequest(TASK, "warmup", gen.render([{"role": "user", "content": "Hi"}], False), 1, 0, 1)
    start = time.perf_counter()
    list(gen.generate([warm], SamplingConfig(max_tokens=8)))  # engine start + warm-up: on neither side
    startup = time.perf_counter() - start
    clock = StepClock(gen._llm.llm_engine)

    times: dict[str, list[dict]] = {"bare": [], "r1eval": []}
    identical = True
    for rep in range(args.repeats):
        texts = {}
        for side in ("bare", "r1eval") if rep % 2 == 0 else ("r1eval", "bare"):
            if side == "bare":
                texts[side], t = clock.measure(lambda: run_bare(gen._llm, ids, prompts, params))
            else:
                rep_config = dataclasses.replace(config, out=str(work / f"runs{rep}"))
                texts[side], t = clock.measure(lambda c=rep_config: run_r1eval(gen, c))
            times[side].append(t)
            print(f"repeat {rep} {side:6s} " + "  ".join(f"{k} {v:7.2f} s" for k, v in t.items()), flush=True)
        identical = identical and texts["bare"] == texts["r1eval"]
    gen.close()

    def median(side: str, key: str) -> float:
        return statistics.median(t[key] for t in times[side])

    paired = [o["wall"] / b["wall"] for o, b in zip(times["r1eval"], times["bare"], strict=True)]
    extra = median("r1eval", "outside") - median("bare", "outside")
    summary = {
        "model": model, "device": "cpu" if gen.cpu else "cuda", "problems": args.problems, "n": args.n,
        "max_tokens": args.max_tokens, "repeats": args.repeats, "engine_start_s": round(startup, 2),
        "times": {side: [{k: round(v, 3) for k, v in t.items()} for t in ts] for side, ts in times.items()},
        "wall_ratio_of_medians": round(median("r1eval", "wall") / median("bare", "wall"), 4),
        "wall_median_of_paired_ratios": round(statistics.median(paired), 4),
        "outside_engine_s": {side: round(median(side, "outside"), 4) for side in times},
        "ratio_engine_noise_removed": round(1 + extra / median("bare", "wall"), 4),
        "identical_samples": identical, "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(summary, indent=2))
    recorder.write(summary, args.smoke, args.out)


if __name__ == "__main__":
    main()
