"""Benchmark: `r1eval view` on a full-size AIME run (the issue's budget: stays responsive at 64 samples x 30
problems with 32k-token responses).

    PYTHONPATH=. python benchmarks/viewer.py [--problems 30] [--samples 64] [--tokens 32768] [--keep DIR] [--smoke]

Builds a synthetic run directory through RunStore (random words, ~4.2 characters per token, so the text
compresses like prose), then runs the real `r1eval view` command on it and reports:
  - write time and sizes (index.html, the largest per-problem chunk, everything);
  - in headless Chromium (/usr/bin/chromium driven by playwright), measured inside the page: time from navigation
    start until the page is ready, then to open a problem (its chunk loaded, the grid drawn and painted), to open
    a sample, to unfold its think block, to switch a filter, to open another problem;
  - a baseline in the same browser session: an empty page, and the ratio of the viewer's open time to it.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, add_options  # noqa: E402
from r1eval.cli import main  # noqa: E402
from tests.runfactory import make_run  # noqa: E402

SMOKE = {"problems": 2, "samples": 8, "tokens": 64}
SMOKE_NEEDS = ("chromium",)

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


def build(root: Path, problems: int, samples: int, tokens: int) -> Path:
    rng = np.random.default_rng(0)
    vocab = np.array(["so", "the", "sum", "of", "x", "is", "wait,", "let", "me", "check", "=", "3", "\\frac{1}{2}",
                      "therefore", "if", "then", "we", "get", "n", "+", "12", "mod", "prime", "case", "hmm,"])
    words = rng.choice(vocab, size=tokens * 2)
    base = " ".join(words)
    task, questions = {}, {}
    for i in range(problems):
        pid = f"2024-I-{i + 1}"
        questions[pid] = f"Problem {i + 1}: find the remainder when ... is divided by 1000."
        rows = []
        for _ in range(samples):
            length = int(rng.integers(tokens // 4, tokens + 1))
            start = int(rng.integers(0, len(base) // 2))
            think = base[start:start + int(length * 4.2)]
            truncated = length == tokens or rng.random() < 0.1
            text = "<think>\n" + think + ("" if truncated else "\n</think>\nThe answer is \\boxed{42}.")
            status = "no_answer" if truncated else ("correct" if rng.random() < 0.4 else "incorrect")
            rows.append((status, "42", text, "length" if truncated else "stop", length))
        task[pid] = rows
    return make_run(root, "aime-64x30", {"aime24": task}, model="synthetic", step=300, questions=questions)


# Click `selector`, wait until `until` (a JS expression) holds, then for two frames (painted): milliseconds, in-page.
ACT = """async ([selector, until]) => {
  const t0 = performance.now();
  document.querySelector(selector).click();
  const done = new Function("return " + until);
  while (!done()) {
    if (performance.now() - t0 > 60000) throw new Error("still waiting after 60 s for " + until);
    await new Promise(r => setTimeout(r, 1));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""
STEPS = (
    ("open_problem_ms", "#problems li:last-child",
     "!document.querySelector('details.prompt pre').textContent.startsWith('loading')"),
    ("open_sample_ms", ".chip:nth-child(6)", "document.querySelector('#sample[data-loaded]')"),
    ("unfold_think_ms", "#sample details.think summary",
     "document.querySelector('#sample .think-text').textContent.length > 0"),
    ("switch_filter_ms", "#filters button[data-filter=truncated]", "document.querySelector('.chip.len')"),
    ("next_problem_ms", "#problems li:first-child",
     "!document.querySelector('details.prompt pre').textContent.startsWith('loading')"),
)


def browser_times(page_path: Path) -> dict[str, float]:
    """Open times (navigation start to the page's ready mark, best of 3) and interaction times, in ms."""
    from playwright.sync_api import sync_playwright

    times: dict[str, float] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        blank = page_path.parent / "blank.html"
        blank.write_text('<!doctype html><title>blank</title><body><script>performance.mark("r1eval-ready")'
                         "</script></body>")
        for name, url in (("blank", blank.as_uri()), ("viewer", page_path.as_uri())):
            opens = []
            for attempt in range(3):
                page = browser.new_page()
                page.goto(url)
                page.wait_for_function("performance.getEntriesByName('r1eval-ready').length > 0")
                opens.append(page.evaluate("performance.getEntriesByName('r1eval-ready')[0].startTime"))
                if name == "viewer" and attempt == 0:
                    for key, selector, until in STEPS:
                        times[key] = page.evaluate(ACT, [selector, until])
                    times["js_heap_mb"] = page.evaluate("performance.memory.usedJSHeapSize") / 2**20
                page.close()
            times[f"open_{name}_ms"] = min(opens)
        browser.close()
    times["open_ratio_vs_blank"] = times["open_viewer_ms"] / times["open_blank_ms"]
    return times


def run(problems: int, samples: int, tokens: int, keep: Path | None) -> dict[str, float]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="r1eval-viewer-bench-") as tmp:
            return run(problems, samples, tokens, Path(tmp))
    root = keep
    start = time.perf_counter()
    run_dir = root / "aime-64x30"
    if not (run_dir / "aime24" / "verdicts.jsonl").exists():  # --keep: build once, reuse after
        run_dir = build(root, problems, samples, tokens)
    built = time.perf_counter() - start
    journal = run_dir / "aime24" / "completions.jsonl"
    start = time.perf_counter()
    assert main(["view", str(run_dir), "--out", str(root / "view")]) == 0
    wrote = time.perf_counter() - start
    page = root / "view" / "index.html"
    chunks = sorted((root / "view" / "data").glob("*.js"), key=lambda p: p.stat().st_size)
    result = {"problems": problems, "samples": samples, "tokens": tokens, "build_s": built,
              "journal_mb": journal.stat().st_size / 2**20, "view_write_s": wrote,
              "index_html_kb": page.stat().st_size / 2**10, "largest_chunk_mb": chunks[-1].stat().st_size / 2**20,
              "total_mb": sum(p.stat().st_size for p in chunks) / 2**20 + page.stat().st_size / 2**20}
    result.update(browser_times(page))
    return result


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=30)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--tokens", type=int, default=32768)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (a later run reuses it)")
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    result = run(args.problems, args.samples, args.tokens, args.keep)
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
    print(json.dumps(figures, indent=1))
    recorder.write(figures, args.smoke, args.out)


if __name__ == "__main__":
    cli()
