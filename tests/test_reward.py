"""r1eval's verifiers as RL rewards (issue 18): verl's and TRL's call forms, the loopback HTTP server, memoisation,
bounded time, and parity with the verdicts of whole r1eval runs (the run's journal text re-scored as a reward)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from r1eval import reward
from r1eval.reward.server import make_server
from tests.conftest import require
from tests.test_cli import r1eval


@pytest.fixture(autouse=True)
def fresh():
    reward.reset_stats(memo=True)


def test_verl_signature_picks_the_scorer_by_data_source():
    assert reward.compute_score("math500", "<think>x</think>So $\\boxed{\\frac12}$.", "0.5") == 1.0
    assert reward.compute_score("aime24", "</think>\\boxed{033}", "33") == 1.0
    assert reward.compute_score("aime2025_custom", "</think>\\boxed{33.5}", "33") == 0.0  # integer family
    assert reward.compute_score("gpqa_diamond", "</think>Answer: (C)", "C") == 1.0
    assert reward.compute_score("gpqa_diamond", "</think>Answer: A or C", "C") == 0.0  # a hedge
    assert reward.compute_score("openr1", "</think>\\boxed{7 days}", "7 weeks") == 0.0  # math by default
    assert reward.compute_score("x", "</think>\\boxed{B}", "B", {"kind": "choice"}) == 1.0
    # verl's own aime path reads only an "Answer:" line; r1eval reads a box too
    assert reward.compute_score("aime24", "</think>The answer is $\\boxed{204}$.", "204") == 1.0
    scored = reward.compute_score_dict("math500", "</think>\\boxed{x = 5}", "5")
    assert scored == {"score": 1.0, "acc": True, "pred": "5", "detail": "boxed: equivalent to gold"}


def test_never_raises_on_hostile_inputs():
    hostile = [(None, None, None), ("math", 12, 12.0), ("math", "\\boxed{" * 5000, "1"), ("math", "</think>\\boxed{5}",
               {"answer": "5"}), ("aime24", "</think>\\boxed{10^{10^{10}}}", "5"), ("math", "</think>\\boxed{5}", ""),
               ("livecodebench", "</think>```python\nprint(1)\n```", None)]
    scores = [reward.compute_score(*args) for args in hostile]
    assert scores == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # the dict gold counts; the rest score 0, none raise
    assert reward.stats()["errors"] >= 2  # no gold; code without tests


HACKS = [  # responses a policy could learn to game a reward with; each must score 0 against gold 5 (choice: B)
    ("math", "<think>the answer is \\boxed{5}", "5"),  # the answer only inside an unclosed think block
    ("math", "<think>\\boxed{5}</think>", "5"),  # nothing after </think>
    ("math", "<think>a</think>\\boxed{5}</think>", "5"),  # a second close leaves an empty region
    ("math", "</think>" + ", ".join(f"\\boxed{{{k}}}" for k in range(10)), "5"),  # every value boxed
    ("math", "</think>\\boxed{4} or \\boxed{5}", "5"), ("math", "</think>\\boxed{4, 5, 6}", "5"),
    ("math", "</think>\\boxed{5}, but it could also be \\boxed{6}", "5"),
    ("math", "</think>\\boxed{\\text{5 or 6}}", "5"), ("math", "</think>\\boxed{5 \\pm 1}", "5"),
    ("math", "</think>\\boxed{x}", "5"), ("math", "</think>\\boxed{5 weeks}", "5 days"),
    ("math", "</think>The answer is between 4 and 6.", "5"), ("math", "</think>" + "5 " * 20000, "5"),
    ("integer", "</think>\\boxed{5.0001}", "5"), ("integer", "</think>\\boxed{10^{10^{10}}}", "5"),
    ("choice", "</think>Answer: A, B, C or D", "B"), ("choice", "</think>\\boxed{A}\\boxed{B}", "B"),
    ("choice", "</think>Option A is wrong because B is tempting.", "B"),
]


@pytest.mark.parametrize(("kind", "text", "gold"), HACKS)
def test_reward_hacking_attempts_score_zero(kind, text, gold):
    assert reward.compute_score("x", text, gold, {"kind": kind}) == 0.0


def test_truncated_before_think_close_scores_zero_when_the_finish_reason_is_given():
    text = "Reasoning with the tag in the prompt... maybe \\boxed{5}"
    assert reward.compute_score("math", text, "5", {"finish_reason": "length"}) == 0.0
    assert reward.compute_score("math", "<think>" + text, "5") == 0.0  # an open think block: no answer region


def test_trl_forms_plain_and_conversational():
    completions = ["<think>a</think>\\boxed{2}", [{"role": "assistant", "content": "<think>a</think>\\boxed{3}"}],
                   "</think>\\boxed{2 3/4}"]
    assert reward.math_reward(completions, answer=["2", "2", "2.75"]) == [1.0, 0.0, 1.0]
    assert reward.math_reward(completions[:1], solution=["We find $\\boxed{2}$."]) == [1.0]  # a worked solution
    assert reward.integer_reward(["</think>\\boxed{204}"], answer=["204"]) == [1.0]
    assert reward.choice_reward(["</think>Answer: B", "</think>I choose D."], answer=["B", "C"]) == [1.0, 0.0]
    choices = [["12 kJ/mol", "42 kJ/mol"]]
    assert reward.choice_reward(["</think>Answer: 42 kJ/mol"], answer=["B"], choices=choices) == [1.0]
    assert reward.math_reward(["</think>\\boxed{2}"]) == [0.0]  # no gold column


def test_memo_makes_64_samples_of_one_problem_cost_a_handful_of_checks():
    answers = ["(x+1)^2", "x^2+2x+1", "x^2 + 2x + 1", "(1+x)^2"]
    completions = [f"<think>step {i}</think>So $\\boxed{{{answers[i % 4]}}}$." for i in range(64)]
    assert reward.math_reward(completions, answer=["x^2+2x+1"] * 64) == [1.0] * 64
    first = reward.stats()
    assert first["scored"] == 64 and first["checks"] <= 4
    assert reward.math_reward(completions, answer=["x^2+2x+1"] * 64) == [1.0] * 64
    assert reward.stats()["checks"] == first["checks"] and reward.stats()["memo_hits"] >= 64


def test_a_slow_check_times_out_to_zero_and_is_counted():
    slow = "</think>\\boxed{\\sin^2(3x+1)\\cos(x) + \\cos^2(3x+1)\\cos(x)}"
    assert reward.compute_score("math", slow, "\\cos(x)", {"timeout_s": 0.001}) == 0.0
    assert reward.stats()["timeouts"] == 1
    assert reward.compute_score("math", slow, "\\cos(x)", {"timeout_s": 60}) == 1.0  # a time-out is not remembered


def test_http_server_on_loopback_openrlhf_form():
    server = make_server("127.0.0.1", 0)
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        assert server.server_address[0] == "127.0.0.1"
        body = {"query": ["Q1 <think>a</think>\\boxed{4}", "Q2 <think>a</think>\\boxed{5}"], "prompts": ["Q1 ", "Q2 "],
                "labels": ["4", "4"]}
        assert _post(url, body)["rewards"] == [1.0, 0.0]
        assert _post(url, {"responses": ["</think>Answer: C"], "labels": ["C"], "kind": "choice"})["scores"] == [1.0]
        with pytest.raises(urllib.error.HTTPError) as bad:
            _post(url, {"responses": ["x"], "labels": []})
        assert bad.value.code == 400 and "labels" in json.loads(bad.value.read())["error"]
        with urllib.request.urlopen(url + "stats", timeout=30) as reply:
            assert json.loads(reply.read())["scored"] == 3
    finally:
        server.shutdown()
        server.server_close()


def test_server_command_refuses_bad_options_in_one_line():
    import subprocess
    import sys

    for bad in (["--port", "99999"], ["--timeout", "0"], ["--kind", "code"]):
        proc = subprocess.run([sys.executable, "-m", "r1eval.reward.server", *bad], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def test_code_reward_runs_the_program_against_the_samples_tests():
    from r1eval.sandbox.process_backend import ProcessBackend

    require(ProcessBackend().namespaces, "unprivileged user namespaces are not available")
    info = {"tests": [{"input": "2\n", "output": "4\n"}, {"input": "5\n", "output": "10\n"}], "sandbox": "process"}
    good = "<think>double it</think>\n```python\nprint(int(input()) * 2)\n```"
    assert reward.compute_score("livecodebench", good, None, info) == 1.0
    assert reward.compute_score("livecodebench", good.replace("* 2", "+ 2"), None, info) == 0.0
    assert reward.compute_score("livecodebench", "<think>never closed ```python\nprint(4)\n```", None, info) == 0.0


def _replay_rows(shared_data) -> list[dict]:
    """Responses of every shape a model writes, for the first problems of math500 and aime24."""
    rows = []
    for task, mirror, limit in (("math500", "math500", 25), ("aime24", "aime_2024", 25)):
        data = [json.loads(line) for line in (shared_data / f"{mirror}.jsonl").read_text().splitlines()[:limit]]
        for r in data:
            gold, pid = str(r["answer"]), str(r.get("unique_id") or r.get("source_id"))
            texts = [(f"<think>work</think>So $\\boxed{{{gold}}}$.", "stop", None),
                     (f"<think>work</think>The final answer is {gold} cm.", "stop", None),
                     (f"cut off while thinking \\boxed{{{gold}}}", "length", None),  # <think> in the prompt
                     (f"So $\\boxed{{{gold}}}$.", "stop", "reasoning a server split out"),
                     (f"<think>w</think>$\\boxed{{{gold}}}$ or $\\boxed{{7}}$", "stop", None),
                     (f"<think>w</think>First \\boxed{{7}}, but on checking, it is \\boxed{{{gold}}}", "stop", None)]
            rows += [{"task": task, "problem_id": pid, "sample": s, "text": t, "finish_reason": f, "n_tokens": 9,
                      "reasoning": rsn} for s, (t, f, rsn) in enumerate(texts)]
    return rows


def test_reward_equals_the_verdict_over_whole_run_journals(tmp_path, shared_data):
    source = tmp_path / "replay.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in _replay_rows(shared_data)))
    run = r1eval("run", "--model", "m", "--tasks", "math500,aime24", "--backend", "replay", "--replay-from",
                 str(source), "--limit", "25", "--n", "6", "--data-dir", str(shared_data), "--out",
                 str(tmp_path / "runs"), "--run-name", "r", "-q")
    assert run.returncode == 0, run.stderr
    run_dir = tmp_path / "runs" / "r"
    proc = r1eval("export", str(run_dir), "--format", "reward-parity", "--out", str(tmp_path / "parity"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "parity" / "reward_parity.jsonl").read_text().splitlines()]
    assert len(rows) == 50 * 6 and all(row["agree"] for row in rows)
    assert {row["verdict"] for row in rows} >= {"correct", "incorrect", "no_answer"}
    # the check can fail: a verdict changed behind the reward's back is reported, with exit status 1
    verdicts = run_dir / "math500" / "verdicts.jsonl"
    lines = verdicts.read_text().splitlines()
    first = json.loads(lines[0])
    first["status"] = "incorrect" if first["status"] == "correct" else "correct"
    verdicts.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    proc = r1eval("export", str(run_dir), "--format", "reward-parity", "--out", str(tmp_path / "parity2"))
    assert proc.returncode == 1 and "differs on 1" in proc.stdout
