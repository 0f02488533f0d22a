"""grade_answer and the task scorers as the pipeline uses them: batches, threads, time bounds, vote keys."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from r1eval import Completion, Problem, Status, grade_answer, grading
from r1eval.config import ScoringConfig

SLOW = "</think>\\boxed{\\sum_{k=1}^{999} k^{k}}"  # sympy needs minutes to compare this with an integer


def completion(pid: str, sample: int, text: str, finish: str = "stop", reasoning: str | None = None) -> Completion:
    return Completion(pid, sample, text, finish, n_tokens=len(text) // 4, reasoning=reasoning)


def test_unknown_kind_is_a_caller_error():
    with pytest.raises(ValueError, match="kind must be one of"):
        grade_answer("</think>\\boxed{1}", "1", "numeric")


def test_verdict_from_grade_answer_has_no_problem_id():
    verdict = grade_answer("<think>x</think>\\boxed{\\frac{1}{2}}", "0.5", "math")
    assert (verdict.problem_id, verdict.sample, verdict.status, verdict.answer) == ("", 0, Status.CORRECT, "1/2")


def test_math_scorer_keeps_order_ids_and_samples_across_fast_and_symbolic_items():
    problems = [Problem("p1", "q", answer="\\frac{\\sqrt{2}}{2}"), Problem("p2", "q", answer="7")]
    texts = ["</think>\\boxed{\\frac{1}{\\sqrt{2}}}", "</think>\\boxed{7}", "</think>\\boxed{\\sqrt{3}/2}",
             "</think>\\boxed{8}", "</think>\\boxed{\\frac{14}{2}}", "<think>\\boxed{7}"]
    items = [(problems[i % 2 if i < 4 else 1], completion(problems[i % 2 if i < 4 else 1].id, i, t))
             for i, t in enumerate(texts)]
    verdicts = grading.math().score(items)
    assert [(v.problem_id, v.sample) for v in verdicts] == [(c.problem_id, c.sample) for _, c in items]
    assert [v.status for v in verdicts] == [Status.CORRECT, Status.CORRECT, Status.INCORRECT, Status.INCORRECT,
                                            Status.CORRECT, Status.NO_ANSWER]


def test_length_stop_without_closing_think_is_no_answer_even_when_the_prompt_held_the_opening_tag():
    problem = Problem("p", "q", answer="204")
    items = [(problem, completion("p", 0, "Counting gives 204, so \\boxed{204}. But wait", finish="length")),
             (problem, completion("p", 1, "Thinking.\n</think>\n\\boxed{204}", finish="length")),
             (problem, completion("p", 2, "\\boxed{204}", finish="length", reasoning="long reasoning"))]
    statuses = [v.status for v in grading.integer().score(items)]
    assert statuses == [Status.NO_ANSWER, Status.CORRECT, Status.CORRECT]


def test_split_out_reasoning_leaves_text_as_the_answer_region():
    problem = Problem("p", "q", answer="5")
    item = (problem, completion("p", 0, "So the answer is \\boxed{5}.", reasoning="maybe \\boxed{4}"))
    assert grading.math().score([item])[0].status is Status.CORRECT


def test_choice_scorer_reads_letters_and_full_choice_text():
    problem = Problem("g1", "q", answer="C", choices=("1 m", "2 m", "3.5 kJ", "4 s"))
    items = [(problem, completion("g1", 0, "</think>Answer: C")),
             (problem, completion("g1", 1, "</think>Answer: 3.5 kJ")),
             (problem, completion("g1", 2, "</think>Answer: A or C")),
             (problem, completion("g1", 3, "</think>I am not sure."))]
    verdicts = grading.choice().score(items)
    assert [v.status for v in verdicts] == [Status.CORRECT, Status.CORRECT, Status.INCORRECT, Status.NO_ANSWER]
    assert [v.answer for v in verdicts[:2]] == ["C", "C"]


def test_pathological_answer_times_out_as_incorrect_from_a_worker_thread_and_the_rest_is_graded():
    problem = Problem("p", "q", answer="5")
    items = [(problem, completion("p", 0, SLOW)), (problem, completion("p", 1, "</think>\\boxed{\\sqrt{25}}"))]
    out: list = []
    worker = threading.Thread(target=lambda: out.extend(grading.math().score(items, ScoringConfig(timeout_s=0.5))))
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    assert out[0].status is Status.INCORRECT and "timed out" in out[0].detail
    assert out[1].status is Status.CORRECT
    # the pool replaced the killed worker: the next symbolic item is graded normally
    assert grade_answer("</think>\\boxed{2\\sqrt{2}}", "\\sqrt{8}", "math").status is Status.CORRECT


def test_grade_answer_from_many_threads_matches_sequential_results():
    jobs = [("</think>\\boxed{\\frac{\\pi}{2}}", "\\pi/2", "math"), ("</think>\\boxed{1/3}", "0.\\overline{3}", "math"),
            ("</think>Answer: (B)", "B", "choice"), ("</think>\\boxed{x^2-1}", "(x-1)(x+1)", "math"),
            ("</think>\\boxed{033}", "33", "integer"), ("</think>\\boxed{3 or 4}", "3", "math")] * 4
    sequential = [grade_answer(*job) for job in jobs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda job: grade_answer(*job), jobs))
    assert threaded == sequential


def test_equivalent_answers_share_the_vote_key_even_when_wrong():
    forms = ["0.5", "\\frac{1}{2}", "1/2", "\\dfrac{2}{4}", "\\tfrac12"]
    keys = {grade_answer(f"</think>\\boxed{{{form}}}", "3", "math").answer for form in forms}
    assert keys == {"1/2"}
    right = {grade_answer(f"</think>\\boxed{{{form}}}", "\\frac{\\sqrt{3}}{3}", "math").answer
             for form in ("\\frac{1}{\\sqrt{3}}", "\\frac{\\sqrt3}{3}", "\\sqrt{3}/3", "\\sqrt{\\frac{1}{3}}")}
    assert len(right) == 1


def test_a_missing_or_malformed_gold_is_a_harness_error_not_a_wrong_answer():
    assert grade_answer("</think>\\boxed{5}", "", "math").status is Status.ERROR
    assert grade_answer("</think>Answer: B", "the second one", "choice").status is Status.ERROR
    problem = Problem("p", "q", answer=None)
    [verdict] = grading.integer().score([(problem, completion("p", 0, "</think>\\boxed{5}"))])
    assert verdict.status is Status.ERROR and verdict.problem_id == "p"


def test_fast_items_do_not_wait_for_another_threads_slow_batch():
    from r1eval.grading import bounded

    problem = Problem("p", "q", answer="5")
    slow = threading.Thread(target=grading.math().score,
                            args=([(problem, completion("p", 0, SLOW))], ScoringConfig(timeout_s=2)))
    slow.start()
    while slow.is_alive() and not bounded.pool().lock.locked():
        slow.join(0.01)
    verdict = grade_answer("<think>2+3</think>\\boxed{5}", "5", "math")
    assert verdict.status is Status.CORRECT and slow.is_alive()  # answered while the other batch held the pool
    slow.join(60)


def test_a_grader_bug_on_one_item_is_an_error_verdict_not_a_crashed_batch(monkeypatch):
    import r1eval.grading as grading_module

    def broken(region, gold, choices):
        raise RuntimeError("bug")

    monkeypatch.setattr(grading_module, "grade_choice", broken)
    problem = Problem("p", "q", answer="5")
    items = [(problem, completion("p", 0, "</think>\\boxed{5}"))]
    assert grading.math().score(items)[0].status is Status.CORRECT
    [verdict] = grading.choice().score([(Problem("c", "q", answer="B"), completion("c", 0, "</think>Answer: B"))])
    assert verdict.status is Status.ERROR and "RuntimeError" in verdict.detail


def test_a_verifier_worker_that_cannot_start_gives_error_verdicts(monkeypatch):
    from r1eval.grading import bounded

    monkeypatch.setattr(bounded.sys, "executable", "/bin/false")  # the worker process exits at once
    pool = bounded.Pool(1)
    results = pool.run([("</think>\\boxed{\\sqrt{2}}", "\\sqrt{2}", "math", ())] * 3, timeout_s=5)
    assert [status for status, _, _ in results] == [Status.ERROR] * 3
    assert "failed to start" in results[0][2]
    pool.close()


def test_importing_r1eval_and_grading_plain_answers_does_not_load_sympy():
    import subprocess
    import sys

    code = ("import sys, r1eval; r1eval.grade_answer('</think>\\\\boxed{1,000}', '1000', 'math'); "
            "r1eval.grade_answer('</think>Answer: b', 'B', 'choice'); print('sympy' in sys.modules)")
    repo = Path(__file__).resolve().parent.parent  # `-c` puts the working directory first on sys.path
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo)
    assert out.stdout.strip() == "False"
