"""r1eval's grade_answer versus math-verify on the same inputs: accuracy, false accepts, false rejects, speed.

    python benchmarks/grading.py [--data-dir DIR] [--per-gold 12] [--workers 2] [--smoke]

First, someone else's truth: Math-Verify's own labelled test cases (../shared/data/peers, see
tests/mathverify_suite.py): r1eval's agreement with the upstream labels, its false accepts, and the deviation table.
Then our own inputs: the labelled corpus in tests/grading_corpus.py, and R1-style responses generated over the MATH-500 golds
(../shared/data/math500.jsonl or R1EVAL_DATA_DIR) with labels known by construction (see `generate`).
math-verify is graded the way lighteval/open-r1 use it: parse(response) with Latex+Expr extraction and
verify(parse("$gold$"), ...); StringExtractionConfig for letters. Binary accuracy: accept vs reject.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from grading_corpus import cases
from mathverify_suite import REASONS, deviations, present
from mathverify_suite import cases as peer_cases

from benchmarks.common import Recorder, add_options
from r1eval import grade_answer, grading
from r1eval.grading import bounded

SMOKE = {"per_gold": 2, "workers": 1}
SMOKE_ITEMS = 12  # golds, corpus cases and Math-Verify cases each
SMOKE_NEEDS = ("data",)

Item = tuple[str, str, str, bool]  # response, gold, kind, should be accepted

THINKS = [
    ("<think>\nLet me set this up. A first guess of {w} fails the check, and {d} shows up along the way. "
     "Recomputing step by step... so the answer should be {a}, let me double check: yes.\n</think>\n\n"),
    ("<think>\nHmm. Suppose it is {d}. Then the constraint breaks. Try {w}: no. After redoing the algebra I get "
     "{a}.\n</think>\n\n"),
]
FINALS = ["**Final Answer**\n\\[\n\\boxed{{{a}}}\n\\]", "The final answer is $\\boxed{{{a}}}$.",
          "Therefore, the final answer is: $\\boxed{{{a}}}$. I hope it is correct",
          "So the answer is \\(\\boxed{{{a}}}\\).", "**Answer:** ${a}$"]
SUMMARY = ("We first rule out {w} (it violates the condition), then compute carefully; "
           "note {d} is only an intermediate.\n\n")


def response(answer: str, rng: random.Random, wrong: str, think_answer: str | None = None, final: str | None = None,
             closed: bool = True) -> str:
    think = rng.choice(THINKS).format(w=wrong, d=rng.randint(2, 999), a=think_answer or answer)
    if not closed:
        return think.split("</think>")[0] + "Wait, let me reconsider the case where"
    tail = final if final is not None else rng.choice(FINALS).format(a=answer)
    return think + SUMMARY.format(w=wrong, d=rng.randint(2, 99)) + tail


def equivalent_forms(gold: str) -> list[str]:
    """Rewrites that keep the value by construction (syntactic, or exact Fraction arithmetic)."""
    forms = []
    if "\\frac" in gold:
        forms.append(gold.replace("\\frac", "\\dfrac"))
    if re.fullmatch(r"-?\d+", gold):
        value = int(gold)
        forms += [f"{value}.0", f"x = {value}", f"{value} \\text{{ units}}", f"\\text{{{value}}}"]
        if abs(value) >= 1000:
            forms += [f"{value:,}".replace(",", "{,}"), f"{value:,}".replace(",", "\\,"), f"{value:,}"]
    if m := re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", gold):
        value = Fraction(int(m.group(2)), int(m.group(3)))
        forms.append(f"{m.group(1)}{m.group(2)}/{m.group(3)}")
        if value.denominator and 10 ** 6 % value.denominator == 0:
            forms.append(m.group(1) + str(float(value)).rstrip("0").rstrip("."))
    if "\\frac" in gold:
        forms.append(gold.replace("\\frac", "\\tfrac"))
    forms.append("\\displaystyle " + gold)
    if gold.startswith(("\\left(", "(")):
        forms.append(gold.replace("\\left(", "(").replace("\\right)", ")"))
    if not re.search(r"\d(?:,|\{,\})(?:\\!)?\d{3}", gold):
        forms.append(" ".join(gold.split()).replace(",", ", "))
    forms.append(f"${gold}$")
    return [f for f in dict.fromkeys(forms) if f != gold]


def wrong_form(gold: str, rng: random.Random) -> str | None:
    """A different value: an integer moved by a nonzero amount, or one digit of the gold changed."""
    if re.fullmatch(r"-?\d+", gold):
        return str(int(gold) + rng.choice([-2, -1, 1, 3, 10]))
    digits = [i for i, c in enumerate(gold) if c.isdigit() and not (c == "1" and gold[i - 1:i] in ("{", "^"))]
    if not digits:
        return None
    i = rng.choice(digits)
    return gold[:i] + str((int(gold[i]) + rng.randint(1, 8)) % 10) + gold[i + 1:]


def generate(golds: list[str], per_gold: int, seed: int = 0) -> list[Item]:
    rng = random.Random(seed)
    items: list[Item] = []
    for gold in golds:
        wrong = wrong_form(gold, rng)
        if wrong is None or re.search(r"[a-zA-Z]{4,}", gold.replace("\\frac", "").replace("\\sqrt", "")):
            wrong = None  # text answers and letter-heavy golds: no safe perturbation
        forms = equivalent_forms(gold)
        made: list[Item] = [(response(gold, rng, wrong or "0"), gold, "math", True)]
        made += [(response(f, rng, wrong or "0"), gold, "math", True) for f in forms]
        made.append((response(gold, rng, wrong or "0", closed=False), gold, "math", False))
        made.append((response(gold, rng, "0", final="Putting it together gives the result above."), gold, "math",
                     False))
        if wrong is not None:
            made.append((response(wrong, rng, gold, think_answer=gold), gold, "math", False))
            made.append((response(gold, rng, wrong, think_answer=wrong), gold, "math", True))
            made.append((response(f"{gold} \\text{{ or }} {wrong}", rng, "0"), gold, "math", False))
            made.append((response("", rng, "0", final=f"It is $\\boxed{{{wrong}}}$ or $\\boxed{{{gold}}}$."),
                         gold, "math", False))
            made += [(response(wrong, rng, "0"), gold, "math", False)] * 2
        while len(made) < per_gold:
            made.append((response(gold, rng, wrong or "0", final=rng.choice(FINALS).format(a=rng.choice(
                [gold, *forms]))), gold, "math", True))
        items += made[:per_gold]
    return items


def load_golds(data_dir: Path) -> list[str]:
    path = data_dir / "math500.jsonl"
    if not path.is_file():
        sys.exit(f"MATH-500 mirror not found at {path}; pass --data-dir or set R1EVAL_DATA_DIR")
    return [json.loads(line)["answer"] for line in path.open() if line.strip()]


def corpus_items() -> list[Item]:
    return [(c.response, c.gold, c.kind, c.expected == "correct") for c in cases()]


# --- graders --------------------------------------------------------------------------------------------------

def math_verify_grader():
    try:
        from math_verify import ExprExtractionConfig, LatexExtractionConfig, StringExtractionConfig, parse, verify
    except ImportError:
        sys.exit("math-verify is not installed (pip install 'math-verify==0.9.0'): no baseline to compare with")
    import logging

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # it logs every timeout it hits
    latex = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    letters = [StringExtractionConfig()]

    def accept(item: Item) -> bool:
        text, gold, kind, _ = item
        config = letters if kind == "choice" else latex
        gold_parsed = parse(gold if kind == "choice" else f"${gold}$", config)
        try:
            return bool(verify(gold_parsed, parse(text, config)))
        except Exception:  # noqa: BLE001 - the baseline's own failures count as rejects
            return False

    return accept


def peer_conformance(data_dir: Path, limit: int | None = None) -> dict:
    """r1eval on Math-Verify's own labelled cases: agreement with the upstream labels and the deviation table."""
    peers = data_dir / "peers"
    if not (peers / "mathverify_cases.jsonl").is_file():
        print(f"Math-Verify's cases not found under {peers}: conformance skipped")
        return {}
    rows = peer_cases(peers)[:limit]
    graded = grading.grade_many([(present(r["prediction"]), r["gold"], "math", ()) for r in rows], timeout_s=120)
    accepted = [status.value == "correct" for status, _, _ in graded]
    labels = [r["expected"] for r in rows]
    agree = sum(a == label for a, label in zip(accepted, labels))
    false_accepts = sum(a and not label for a, label in zip(accepted, labels))
    table = deviations()
    reasons = ", ".join(f"{reason} {sum(row['reason'] == reason for row in table.values())}" for reason in REASONS)
    print(f"Math-Verify suite: {len(rows)} cases ({sum(labels)} equivalent, {len(rows) - sum(labels)} not), "
          f"agreement {agree}/{len(rows)} = {agree / len(rows):.3f}, false accepts {false_accepts}, "
          f"false rejects {sum(label and not a for a, label in zip(accepted, labels))}; "
          f"deviation table {len(table)} rows ({reasons})\n")
    return {"cases": len(rows), "equivalent": sum(labels), "agree": agree, "agreement": round(agree / len(rows), 3),
            "false_accepts": false_accepts, "deviation_table_rows": len(table)}


def run_suite(label: str, items: list[Item], workers: int, mv) -> list[dict]:
    """Grade `items` with each grader, interleaved chunk by chunk (rotating the order) so that load from other
    processes on a shared machine falls on all graders alike. r1eval's caches, here and in its workers, start
    empty for every chunk (conservative: a real run keeps them)."""

    def r1_sequential(batch: list[Item]) -> list[bool]:
        return [grade_answer(t, g, k).status.value == "correct" for t, g, k, _ in batch]

    def r1_pool(batch: list[Item]) -> list[bool]:
        jobs = [(t, g, k, ()) for t, g, k, _ in batch]
        return [status.value == "correct" for status, _, _ in grading.grade_many(jobs, workers=workers)]

    def baseline(batch: list[Item]) -> list[bool]:
        return [mv(item) for item in batch]

    graders = {f"r1eval score() ({workers} workers)": r1_pool, "r1eval grade_answer (1 thread)": r1_sequential,
               "math-verify 0.9.0 (1 process)": baseline}
    # Start-up, paid once per run in real use: start the workers and let sympy fill its internal caches on a
    # first chunk (both r1eval modes, so each worker has seen these shapes); parse caches are emptied below.
    for warm in (r1_pool, r1_sequential):
        warm(items[:240])
    seconds = dict.fromkeys(graders, 0.0)
    cpu = dict.fromkeys(graders, 0.0)
    accepted: dict[str, list[bool]] = {name: [] for name in graders}
    names = list(graders)
    for number, start in enumerate(range(0, len(items), 240)):
        chunk = items[start:start + 240]
        for name in names[number % 3:] + names[:number % 3]:
            grading.clear_caches(workers=True)
            clock = CpuClock()
            began = time.perf_counter()
            accepted[name] += graders[name](chunk)
            seconds[name] += time.perf_counter() - began
            cpu[name] += clock.elapsed()
    rows = [dict(score(name, items, accepted[name]), set=label, per_s=len(items) / seconds[name],
                 per_cpu_s=len(items) / cpu[name]) for name in names]
    for row, name in zip(rows, names):  # accuracy per kind (choice = GPQA-style letter extraction)
        row["by_kind"] = {kind: score(name, [i for i in items if i[2] == kind],
                                      [a for a, i in zip(accepted[name], items) if i[2] == kind])["accuracy"]
                          for kind in sorted({i[2] for i in items})}
    return rows


class CpuClock:
    """CPU seconds used by this process and by its grading workers (live or reaped) since creation: on a shared,
    oversubscribed machine wall-clock rates mostly measure the neighbours; CPU seconds do not."""

    def __init__(self) -> None:
        self.own = time.process_time()
        self.reaped = _reaped_children()
        self.live = {w.proc.pid: _proc_cpu(w.proc.pid) for w in bounded.pool().workers}

    def elapsed(self) -> float:
        live_now = {w.proc.pid for w in bounded.pool().workers}
        workers = sum(_proc_cpu(pid) - self.live.get(pid, 0.0) for pid in live_now)
        workers -= sum(cpu for pid, cpu in self.live.items() if pid not in live_now)  # reaped: counted below
        return time.process_time() - self.own + _reaped_children() - self.reaped + workers


def _reaped_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def score(name: str, items: list[Item], accepted: list[bool]) -> dict:
    positives = [a for a, item in zip(accepted, items) if item[3]]
    negatives = [a for a, item in zip(accepted, items) if not item[3]]
    return {"grader": name, "n": len(items),
            "accuracy": sum(a == item[3] for a, item in zip(accepted, items)) / len(items),
            "false_accept": sum(negatives) / max(1, len(negatives)),
            "false_reject": (len(positives) - sum(positives)) / max(1, len(positives))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("R1EVAL_DATA_DIR") or ROOT.parent / "shared" / "data"))
    parser.add_argument("--per-gold", type=int, default=12)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    add_options(parser)
    recorder = Recorder(__file__)
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    limit = SMOKE_ITEMS if args.smoke else None
    peers = peer_conformance(args.data_dir, limit)
    mv = math_verify_grader()
    generated = generate(load_golds(args.data_dir)[:limit], args.per_gold)
    rows = (run_suite("corpus", corpus_items()[:limit], args.workers, mv)
            + run_suite("generated", generated, args.workers, mv))
    print("| set | grader | n | accuracy | false-accept | false-reject | responses/s (wall) | per CPU-second |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['set']} | {r['grader']} | {r['n']} | {r['accuracy']:.3f} | {r['false_accept']:.3f} | "
              f"{r['false_reject']:.3f} | {r['per_s']:.0f} | {r['per_cpu_s']:.0f} |")
    for label in ("corpus", "generated"):
        for unit, key in (("wall-clock", "per_s"), ("CPU-time", "per_cpu_s")):
            mine = {r["grader"]: r[key] for r in rows if r["set"] == label}
            base = mine.pop("math-verify 0.9.0 (1 process)")
            print(f"{label}, {unit} throughput vs math-verify: "
                  + ", ".join(f"{name} {speed / base:.1f}x" for name, speed in mine.items()))
    kinds = sorted({kind for r in rows for kind in r["by_kind"]})
    print("\n| set | grader | " + " | ".join(f"accuracy ({k})" for k in kinds) + " |")
    print("|---|---|" + "---|" * len(kinds))
    for r in rows:
        print(f"| {r['set']} | {r['grader']} | " + " | ".join(
            f"{r['by_kind'][k]:.3f}" if k in r["by_kind"] else "-" for k in kinds) + " |")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    speedups = {label: {name: {key: round(row[key] / base[key], 2) for key in ("per_s", "per_cpu_s")}
                        for name, row in graders.items()}
                for label in ("corpus", "generated")
                for graders in [{r["grader"]: r for r in rows if r["set"] == label}]
                for base in [graders["math-verify 0.9.0 (1 process)"]]}
    recorder.write({"workers": args.workers, "per_gold": args.per_gold, "mathverify_suite": peers,
                    "rows": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows],
                    "throughput_vs_math_verify": speedups}, args.smoke, args.out)

if __name__ == "__main__":
    main()
