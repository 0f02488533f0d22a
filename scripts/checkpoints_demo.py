"""Checkpoint workflow end to end on synthetic "training" completions, through the real pipeline (replay backend):
sweep (base model + 5 checkpoints) -> report -> gate. No GPU, no network; needs the offline mirrors (--data-dir).

    PYTHONPATH=. python scripts/checkpoints_demo.py --data-dir ../shared/data --out /tmp/r1demo

The replay files imitate what RL does to an R1-style model: accuracy rises, responses get longer, reflection
("wait, let me re-evaluate") appears, language mixing and missing </think> fade; the last checkpoint regresses.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

from r1eval.task.registry import LoadContext, load_tasks

STEPS = (0, 100, 200, 300, 400, 500)
SKILL = {0: 0.25, 100: 0.35, 200: 0.45, 300: 0.55, 400: 0.62, 500: 0.45}  # step 500 regresses
TASKS = {"aime24": (30, 64), "math500": (30, 4)}  # problems, samples (each task's default k)


def completion(rng: random.Random, step: int, answer: str, difficulty: float) -> dict:
    right = rng.random() < max(0.02, min(0.98, SKILL[step] + 0.5 - difficulty))
    reflect = rng.random() < step / 600
    parts = ["Let me set up the equations."]
    if reflect:
        parts.append("Wait, let me re-evaluate that step.")
    if rng.random() < 0.3 * (1 - step / 500):
        parts.append("这里需要检查一下")  # language mixing, fading with training
    tokens = int(rng.gauss(800 + 5 * step, 300 + step / 2))
    truncated = tokens > 4000
    think = " ".join(parts)
    boxed = f"\\boxed{{{answer if right else '0'}}}"
    if truncated:
        return {"text": "<think>" + think, "finish_reason": "length", "n_tokens": 6000}
    if rng.random() < 0.15 * (1 - step / 500):
        return {"text": think + " " + boxed, "finish_reason": "stop", "n_tokens": max(50, tokens)}  # no </think>
    return {"text": f"<think>{think}</think> The answer is {boxed}.", "finish_reason": "stop",
            "n_tokens": max(50, tokens)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", default="/tmp/r1demo")
    args = parser.parse_args()
    out = Path(args.out)
    (out / "replay").mkdir(parents=True, exist_ok=True)
    problems = {t: load_tasks([t])[0].load(LoadContext(args.data_dir))[:n] for t, (n, _) in TASKS.items()}
    difficulty = {(t, p.id): random.Random(f"{t}{p.id}").random() for t, ps in problems.items() for p in ps}
    for step in STEPS:
        rng = random.Random(step)
        rows = [{"task": t, "problem_id": p.id, "sample": s, **completion(rng, step, p.answer, difficulty[(t, p.id)])}
                for t, (_, k) in TASKS.items() for p in problems[t] for s in range(k)]
        (out / "replay" / f"step_{step}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                                   for r in rows))
        if step:
            (out / "ckpts" / f"global_step_{step}").mkdir(parents=True, exist_ok=True)
    r1 = [sys.executable, "-c", "import sys; from r1eval.cli import main; sys.exit(main(sys.argv[1:]))"]
    common = ["--backend", "replay", "--replay-from", str(out / "replay" / "step_{step}.jsonl"),
              "--data-dir", args.data_dir, "--out", str(out / "runs"), "-q"]
    subprocess.run([*r1, "sweep", "--checkpoints", str(out / "ckpts" / "global_step_*"), "--tasks", ",".join(TASKS),
                    "--base-model", "base-model", "--name", "demo", "--limit", "30", *common], check=True)
    subprocess.run([*r1, "report", str(out / "runs"), "--out", str(out / "report"),
                    "--published", "DeepSeek-R1-Distill-Qwen-1.5B:aime24=28.9,math500=83.9",
                    "--title", "r1eval demo: synthetic RL run"], check=True)
    by_step = {json.loads((p / "results.json").read_text())["step"]: p for p in (out / "runs").iterdir() if p.is_dir()}
    for candidate, note in ((400, "an improvement"), (500, "a regression")):
        gate = subprocess.run([*r1, "gate", "--baseline", str(by_step[candidate - 100]), "--candidate",
                               str(by_step[candidate]), "--json", str(out / f"gate-{candidate}.json")])
        print(f"gate step {candidate - 100} -> {candidate} ({note}): exit {gate.returncode}\n")


if __name__ == "__main__":
    main()
