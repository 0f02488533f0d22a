"""Streaming vs sequential: a code task through the openai backend against a deliberately slow local server.

The server (127.0.0.1, this process) answers one chat request at a time, `--delay` seconds each (an engine at its
limit), with each problem package's own accepted Python submission, so grading runs every test in the sandbox.
Measured, all on fresh run directories in this one script:
  sequential: generation alone (grading switched off) then `score_run` (grading alone): gen_s + grade_s;
  streaming:  `run`, grading while generating: stream_s.
Targets (issue 15): stream_s <= 1.1 x max(gen_s, grade_s), and sequential / streaming >= 1.5 when the two are
comparable. Full mode first times grading alone (a second, warm pass) and sets the delay so that generation takes
as long (unless --delay is given). `--smoke`: 2 problems, 1 sample, a short delay, a wrong program for every
problem (judged at the first test): checks the path in seconds, writes no file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import RESULTS, Recorder, add_options  # noqa: E402
from r1eval.config import EngineConfig, RunConfig, SamplingConfig, ScoringConfig  # noqa: E402
from r1eval.pipeline import streaming  # noqa: E402
from r1eval.pipeline.run import run, score_run  # noqa: E402
from r1eval.task.packages import load_packages, package_submissions  # noqa: E402

MODEL = "slow-bench"
SMOKE_NEEDS = ("docker", "data")


class SlowServer:
    """An OpenAI-compatible chat server that serves one request at a time, `delay` seconds each."""

    def __init__(self, answers: dict[str, str], delay: float) -> None:
        self.answers, self.delay, self.lock = answers, delay, threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._send({"data": [{"id": MODEL, "owned_by": "bench"}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:  # one request at a time: the engine is busy
                    time.sleep(server.delay)
                text = server.answer(body["messages"][-1]["content"])
                choices = [{"index": i, "message": {"content": text}, "finish_reason": "stop"}
                           for i in range(body.get("n", 1))]
                self._send({"choices": choices, "usage": {"completion_tokens": 100 * len(choices)}})

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/v1"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def answer(self, prompt: str) -> str:
        code = next((c for question, c in self.answers.items() if question in prompt), "print(0)")
        return f"<think>I know this one.</think>\n```python\n{code}\n```"

    def close(self) -> None:
        self.http.shutdown()


def accepted_programs(data_dir: Path, problems: int) -> dict[str, str]:
    """{question text: an accepted Python submission} for the first `problems` packages that have one."""
    root = data_dir / "problem_packages"
    loaded = {p.id: p for p in load_packages(root)[0] if p.question}
    out: dict[str, str] = {}
    for row in package_submissions(root):
        pid = row["problem_id"]
        if pid in loaded and "/accepted/" in row["id"] and row["id"].endswith(".py") and loaded[pid].question \
                not in out and len(out) < problems:
            code = row["response"].split("```python\n", 1)[-1].rsplit("```", 1)[0]
            out[loaded[pid].question] = code
    return out


def config(out: Path, name: str, url: str, data_dir: Path, args: argparse.Namespace) -> RunConfig:
    return RunConfig(model=MODEL, tasks=("problem_packages",), backend="openai",
                     sampling=SamplingConfig(n=args.n, max_tokens=1000), limit=args.problems,
                     engine=EngineConfig(base_url=url, concurrency=8), data_dir=str(data_dir), out=str(out),
                     run_name=name, scoring=ScoringConfig(sandbox=args.sandbox, workers=args.workers))


def sequential(out: Path, url: str, data_dir: Path, args: argparse.Namespace, name: str) -> tuple[float, float]:
    """Generation with grading switched off, then grading alone: (gen_s, grade_s)."""
    grade = streaming.TaskGrading.grade
    streaming.TaskGrading.grade = lambda self, batch: None
    try:
        start = time.perf_counter()
        run(config(out, name, url, data_dir, args), show_progress=False)
        gen_s = time.perf_counter() - start
    finally:
        streaming.TaskGrading.grade = grade
    start = time.perf_counter()
    results = score_run(out / name, show_progress=False)
    assert results.complete, "grading left samples unjudged"
    return gen_s, time.perf_counter() - start


def streamed(out: Path, url: str, data_dir: Path, args: argparse.Namespace, name: str) -> tuple[float, dict]:
    start = time.perf_counter()
    results = run(config(out, name, url, data_dir, args), show_progress=False)
    assert results.complete, "grading left samples unjudged"
    return time.perf_counter() - start, results.tasks["problem_packages"].metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("R1EVAL_DATA_DIR") or Path(__file__).resolve().parents[2]
                                     / "shared" / "data"))
    parser.add_argument("--problems", type=int, default=12)
    parser.add_argument("--n", type=int, default=2, help="samples per problem")
    parser.add_argument("--delay", type=float, help="seconds per request (default: generation time = grading time)")
    parser.add_argument("--sandbox", default="docker", help="docker | process")
    parser.add_argument("--workers", type=int, default=2, help="sandboxes")
    parser.add_argument("--wrong", action="store_true", help="answer every problem with a wrong program (judged at "
                        "the first test: even grading cost per sample) instead of its accepted submission")
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        args.problems, args.n, args.delay = 2, 1, args.delay or 0.2
    answers = {} if args.smoke or args.wrong else accepted_programs(args.data_dir, args.problems)
    server = SlowServer(answers, args.delay or 0.0)
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="r1eval-streaming-") as tmp:
        out = Path(tmp)
        try:
            if args.delay is None:  # calibrate: generation as long as grading alone (timed warm: graded twice)
                sequential(out, server.url, args.data_dir, args, "calibrate")
                start = time.perf_counter()
                score_run(out / "calibrate", show_progress=False)
                server.delay = (time.perf_counter() - start) / args.problems
            gen_s, grade_s = sequential(out, server.url, args.data_dir, args, "sequential")
            stream_s, metrics = streamed(out, server.url, args.data_dir, args, "streaming")
        finally:
            server.close()
    slowest = max(gen_s, grade_s)
    figures = {"problems": args.problems, "n": args.n, "programs": "accepted" if answers else "wrong",
               "delay_s": round(server.delay, 3), "sandbox": args.sandbox,
               "workers": args.workers, "gen_s": round(gen_s, 2), "grade_s": round(grade_s, 2),
               "sequential_s": round(gen_s + grade_s, 2), "streaming_s": round(stream_s, 2),
               "streaming_over_max": round(stream_s / slowest, 3),
               "sequential_over_streaming": round((gen_s + grade_s) / stream_s, 3),
               "pass@1": metrics.get("pass@1")}
    print(json.dumps(figures, indent=2))
    out = args.out or (RESULTS / "streaming-wrong.json" if args.wrong else None)
    recorder.write(figures, args.smoke, out)


if __name__ == "__main__":
    main()
