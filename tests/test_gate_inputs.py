"""What the gate refuses (exit 2, one line) or states in words: unusable files, different configurations, too
few problems, incomplete runs; GPQA runs under different seeds; the reference budget against the ratchet."""
from __future__ import annotations

import json

import numpy as np
import pytest

from r1eval.cli import main
from r1eval.report.gate import gate_markdown, run_gate
from r1eval.report.runs import problem_fingerprint
from r1eval.store import RunStore
from r1eval.task.registry import LoadContext, load_tasks
from tests.runfactory import bernoulli_task, make_run
from tests.test_gpqa_task import synthetic_rows

RATES = np.random.default_rng(7).uniform(0.1, 0.9, 40)


def _math(rates=RATES, n=8):
    return {"math": bernoulli_task(np.clip(rates, 0, 1), n)}


def _exit(capsys, base, cand, *flags: str) -> tuple[int, str]:
    """Exit code and stderr; stdout goes to capsys.out_text."""
    code = main(["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(base.parent / "g.json"),
                 *flags])
    captured = capsys.readouterr()
    capsys.out_text = captured.out
    return code, captured.err.strip()


@pytest.mark.parametrize("damage", ["corrupt verdicts", "missing problems", "corrupt config", "missing results"])
def test_every_unusable_run_directory_exits_2(tmp_path, capsys, damage):
    base = make_run(tmp_path, "base", _math())
    cand = make_run(tmp_path, "cand", _math())
    if damage == "corrupt verdicts":
        path = cand / "math" / "verdicts.jsonl"
        path.write_text("{not json\n" + path.read_text())
    elif damage == "missing problems":
        (cand / "math" / "problems.jsonl").unlink()
    elif damage == "corrupt config":
        (cand / "config.json").write_text("{")
    else:
        (cand / "results.json").unlink()
    code, err = _exit(capsys, base, cand)
    assert code == 2 and err.startswith("error: unusable gate inputs:") and "\n" not in err


@pytest.mark.parametrize(("what", "kwargs", "named"), [
    ("temperature", {"sampling": {"temperature": 1.0}}, "temperature 0.6 vs 1.0"),
    ("max tokens", {"sampling": {"max_tokens": 4096}}, "max_tokens 32768 vs 4096"),
    ("prompt", {"task_record": {"prompt_hash": "other"}}, "prompt hash"),
    ("task version", {"task_record": {"version": 2}}, "task version 1 vs 2"),
    ("scorer", {"task_record": {"scorer": "math-strict"}}, "scorer"),
    ("grader", {"config": {"versions": {"math-verify": "0.9.0"}}}, "math-verify version"),
])
def test_runs_under_different_configurations_are_refused(tmp_path, capsys, what, kwargs, named):
    base = make_run(tmp_path, "base", _math())
    cand = make_run(tmp_path, "cand", _math(), **kwargs)
    code, err = _exit(capsys, base, cand)
    assert code == 2 and named in err and "--allow-config-diff" in err and "\n" not in err
    code, _ = _exit(capsys, base, cand, "--allow-config-diff")
    assert code == 0
    markdown = gate_markdown(run_gate(base, cand, allow_config_diff=True))
    assert "configuration differences" in markdown and named in markdown


def test_cons_with_64_samples_is_not_compared_with_cons_with_4(tmp_path, capsys):
    # the audit's case: a 64-sample vote against a 4-sample vote printed "improvement +16.7"
    base = make_run(tmp_path, "base", _math(n=4))
    cand = make_run(tmp_path, "cand", _math(n=64))
    code, err = _exit(capsys, base, cand, "--metric", "cons")
    assert code == 2 and "n 4 vs 64" in err


def test_a_different_seed_is_not_a_configuration_difference(tmp_path):
    base = make_run(tmp_path, "base", _math())
    cand = make_run(tmp_path, "cand", _math(), sampling={"seed": 1})
    assert run_gate(base, cand).exit_code == 0


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_fewer_than_five_problems_cannot_be_gated(tmp_path, capsys, n):
    base = make_run(tmp_path, "base", _math(RATES[:n]))
    cand = make_run(tmp_path, "cand", _math(RATES[:n] - 0.5))  # a 40-point drop: still no evidence at n < 5
    code, err = _exit(capsys, base, cand)
    assert code == 2 and f"{n} shared problem(s)" in err and "at least 5 problems" in err


def test_incomplete_runs_are_named_incomplete_in_markdown_and_json(tmp_path, capsys):
    base = make_run(tmp_path, "base", _math())
    cand = make_run(tmp_path, "cand", _math(RATES[:25]), complete=False)  # 25 of the 40 problems graded
    RunStore(cand).write_problems("math", RunStore(base).read_problems("math"))
    results = json.loads((cand / "results.json").read_text())
    results["tasks"]["math"]["n_problems"] = 40
    (cand / "results.json").write_text(json.dumps(results))
    code, _ = _exit(capsys, base, cand, "--allow-incomplete")
    out = capsys.out_text
    data = json.loads((tmp_path / "g.json").read_text())
    assert code == 0 and data["incomplete"] is True
    assert data["tasks"][0]["candidate_coverage"] == {"planned": 40, "scored": 25, "complete": False}
    assert "INCOMPLETE" in out and "25 of 40 problems scored" in out


def test_gpqa_runs_under_different_seeds_share_every_problem(tmp_path):
    rows = synthetic_rows(40)
    with (tmp_path / "gpqa_diamond.jsonl").open("w") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    task = load_tasks(["gpqa_diamond"])[0]
    seed0 = task.load(LoadContext(str(tmp_path), seed=0))
    seed1 = task.load(LoadContext(str(tmp_path), seed=1))
    assert sum(a.answer != b.answer for a, b in zip(seed0, seed1, strict=True)) > 10  # gold letters move
    assert [problem_fingerprint(p) for p in seed0] == [problem_fingerprint(p) for p in seed1]
    assert len({problem_fingerprint(p) for p in seed0}) == 40
    # end to end: two runs whose problems.jsonl differ only by the seed's choice order
    samples = {"gpqa_diamond": {p.id: [("correct", "A")] * 4 + [("incorrect", "B")] * 4 for p in seed0}}
    runs = []
    for seed, problems in ((0, seed0), (1, seed1)):
        path = make_run(tmp_path / "runs", f"s{seed}", samples, sampling={"seed": seed},
                        task_record={"dataset": {"content_hash": f"seed{seed}"}, "prompt_hash": f"p{seed}"})
        RunStore(path).write_problems("gpqa_diamond", problems)
        runs.append(path)
    report = run_gate(runs[0], runs[1])
    assert report.exit_code == 0 and report.tasks[0].result.n == 40


def test_reference_budget_fails_a_candidate_the_last_accepted_run_lets_through(tmp_path, capsys):
    # reference 0, accepted = reference - 4 points (accepted one step at a time), candidate = accepted - 1
    reference = make_run(tmp_path, "ref", _math(RATES, 64))
    accepted = make_run(tmp_path, "acc", _math(RATES - 0.04, 64))
    cand = make_run(tmp_path, "cand", _math(RATES - 0.05, 64))
    code, _ = _exit(capsys, accepted, cand, "--max-drop", "2")
    assert code == 0  # one more point: shown within the per-step allowance
    code, _ = _exit(capsys, accepted, cand, "--max-drop", "2", "--reference", str(reference),
                    "--max-total-drop", "2")
    data = json.loads((tmp_path / "g.json").read_text())
    assert code == 1 and [t["against"] for t in data["tasks"]] == ["baseline", "reference"]
    assert data["tasks"][1]["status"] == "regression" and data["reference"] == "ref"


def test_reference_needs_a_budget(tmp_path, capsys):
    base, cand = make_run(tmp_path, "base", _math()), make_run(tmp_path, "cand", _math())
    code, err = _exit(capsys, base, cand, "--reference", str(base))
    assert code == 1 and "--max-total-drop" in err
