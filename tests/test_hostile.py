"""The hostile set (tests/hostile_set.py) against the real Docker sandbox: no attack is accepted, none causes a
sandbox_error, each class gets the verdicts it should; every interactor attack is tried on 20 tests. Prints a
per-class report (pytest -s). Needs a Docker engine and the image; skipped without, a failure under
R1EVAL_STRICT=1 (CI)."""
from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from r1eval.grading.code.judge import judge_responses
from tests import hostile_set as hostile
from tests.sandbox_cases import docker_pool

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def pool():
    with docker_pool(memory_mb=320, workers=2) as shared:
        yield shared


def _run(pool, attacks: list[hostile.Attack]) -> list[dict]:
    by_problem = defaultdict(list)
    for index, attack in enumerate(attacks):
        by_problem[attack.problem].append(index)
    results: list[dict] = [{}] * len(attacks)
    for kind, indices in by_problem.items():
        interactive = kind.startswith("interactive")
        spec = hostile.problem(kind, hostile.TRIES if interactive else None)
        rows = judge_responses(pool, [(spec, attacks[i].response()) for i in indices], all_tests=interactive)
        for index, row in zip(indices, rows, strict=True):
            results[index] = row.as_row()
    return results


def test_no_attack_is_accepted_or_blamed_on_the_judge(pool, capsys):
    attacks = list(hostile.ATTACKS)
    results = _run(pool, attacks)
    report: dict[str, Counter] = defaultdict(Counter)
    wrong = []
    for attack, result in zip(attacks, results, strict=True):
        report[attack.cls][result["verdict"]] += 1
        ok = result["verdict"] not in hostile.NEVER and (not attack.expect or result["verdict"] in attack.expect)
        if attack.problem.startswith("interactive"):  # 20 attempts: not one may pass
            ok = ok and result["tests_passed"] == 0 and result["tests_total"] == len(hostile.TRIES)
        if not ok:
            wrong.append((attack.cls, attack.name, result["verdict"], result["tests_passed"], result["detail"][:160]))
    with capsys.disabled():
        print("\nhostile set, verdicts by class:")
        for cls in ("compile", "runtime", "output", "checker", "interactor"):
            print(f"  {cls:<10} {sum(report[cls].values()):>3} attacks: {dict(sorted(report[cls].items()))}")
    assert not wrong, wrong
    assert {a.cls for a in attacks} == {"compile", "runtime", "output", "checker", "interactor"}
    assert {a.language for a in attacks} == {"python", "cpp"}


def test_the_sandbox_still_judges_correctly_after_the_attacks(pool):
    right = "<think>ok</think>\n```python\nprint(sum(map(int, input().split())))\n```\n"
    search = ("<think>ok</think>\n```python\nlo, hi = 1, 100\nwhile True:\n    mid = (lo + hi) // 2\n"
              "    print('?', mid, flush=True)\n    r = input()\n    if r == '=':\n"
              "        print('!', mid, flush=True)\n        break\n"
              "    lo, hi = (lo, mid - 1) if r == '<' else (mid + 1, hi)\n```\n")
    [tokens] = judge_responses(pool, [(hostile.problem("tokens"), right)])
    [validator] = judge_responses(pool, [(hostile.problem("validator"), right)])
    [py_int, cpp_int] = judge_responses(pool, [(hostile.problem("interactive"), search),
                                               (hostile.problem("interactive_cpp"), search)])
    assert [r.verdict for r in (tokens, validator, py_int, cpp_int)] == ["accepted"] * 4
