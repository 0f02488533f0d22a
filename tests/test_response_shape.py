"""One function decides where a response's reasoning ends and its answer region begins; the graders, the tag-health
metric and the viewer all take that split (issue 18)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from r1eval.grading import graded_text
from r1eval.grading.code.blocks import extract_code
from r1eval.grading.extract import Shape, answer_region, split_response
from r1eval.report.behaviours import think_status

SHAPES = [  # (text, reasoning, finish_reason) -> (reasoning, answer region, health)
    (("<think>\nwork</think>\n\\boxed{5}", None, "stop"), Shape("work", "\n\\boxed{5}", "ok")),
    (("work</think>\\boxed{5}", None, "stop"), Shape("work", "\\boxed{5}", "ok")),  # <think> sat in the prompt
    (("<think>a</think>b<think>c</think>\\boxed{8}", None, "stop"), Shape("a</think>b<think>c", "\\boxed{8}",
                                                                           "malformed")),
    (("</think>b<think>", None, "stop"), Shape("", "b<think>", "malformed")),
    (("<think>x</think>  ", None, "stop"), Shape("x", "  ", "malformed")),
    (("<think>\nstill going", None, "length"), Shape("still going", None, "missing")),
    (("<think>\nstopped", None, "stop"), Shape("stopped", None, "missing")),
    (("cut off with the tag in the prompt", None, "length"), Shape("cut off with the tag in the prompt", None,
                                                                    "missing")),
    (("\\boxed{5}", None, "stop"), Shape(None, "\\boxed{5}", "missing")),
    (("\\boxed{5}", "server-split reasoning", "stop"), Shape("server-split reasoning", "\\boxed{5}", "ok")),
    (("x</think>\\boxed{6}", "r", "length"), Shape("r", "\\boxed{6}", "ok")),
]


@pytest.mark.parametrize(("args", "shape"), SHAPES)
def test_split_response(args, shape):
    assert split_response(*args) == shape


@pytest.mark.parametrize(("args", "shape"), SHAPES)
def test_graders_and_tag_health_read_the_same_split(args, shape):
    text, reasoning, finish = args
    graded, truncated = graded_text(text, reasoning, finish)
    assert answer_region(graded) == shape.answer and truncated == (shape.answer is None and finish == "length")
    assert think_status(text, reasoning) == (shape.health if reasoning is None else "ok")
    if reasoning is None and finish == "stop":
        assert answer_region(text) == shape.answer


def test_code_extraction_uses_the_region_only():
    assert extract_code("<think>```python\nprint(1)\n```</think>no code") is None
    assert extract_code("<think>```python\nprint(1)\n```") is None
    assert extract_code("<think>x</think>```python\nprint(2)\n```") == "print(2)\n"


def test_no_other_module_splits_on_think_tags():
    """The split lives in grading/extract.py; any other code that cuts text at </think> is a second opinion."""
    root = Path(__file__).resolve().parent.parent / "r1eval"
    splitters = re.compile(r"""(?:split|index|find|partition|lastIndexOf|indexOf)\(\s*["']</?think>""")
    found = [str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in (".py", ".html", ".js")
             and p.name != "extract.py" and splitters.search(p.read_text(encoding="utf-8"))]
    assert found == []
