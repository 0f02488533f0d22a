"""The run directory records each problem's exact prompt; the viewer shows it, and says when it had to rebuild one."""
from __future__ import annotations

import json

from r1eval.config import RunConfig, SamplingConfig
from r1eval.pipeline.prompt_record import read_prompts
from r1eval.pipeline.run import run
from r1eval.report.viewer import REBUILT, RECORDED, write_viewer
from r1eval.store import RunStore
from r1eval.task.registry import load_tasks
from tests.fakes import FakeGenerator
from tests.runfactory import make_run


def chunk(page, key: str = "0-0") -> dict:
    text = (page.parent / "data" / f"{key}.js").read_text(encoding="utf-8")
    return json.loads(json.loads(text[text.index("JSON.parse(") + 11: text.rindex("));")]))


def test_prompts_are_recorded_as_rendered_and_shown_by_the_viewer(tmp_path, shared_data):
    rows = [json.loads(line) for line in (shared_data / "amc23.jsonl").read_text().splitlines()[:3]]
    gen = FakeGenerator({str(r["id"]): str(r["answer"]) for r in rows})
    config = RunConfig(model="fake", tasks=("amc23",), limit=3, data_dir=str(shared_data), think_prefix=True,
                       sampling=SamplingConfig(n=2), out=str(tmp_path), run_name="r")
    result = run(config, generator=gen, show_progress=False)
    store = RunStore(result.run_dir)
    recorded = read_prompts(store, "amc23")
    (task,) = load_tasks(["amc23"])
    problems = store.read_problems("amc23")
    assert recorded == {p.id: gen.render(task.prompt(p), True) for p in problems}  # after the template
    assert all(prompt.endswith("<think>\n") for prompt in recorded.values())  # the think prefix is in it
    view = chunk(write_viewer([result.run_dir], tmp_path / "view"))
    assert view["prompt"] == recorded[problems[0].id] and view["prompt_source"] == RECORDED


def test_an_old_run_without_recorded_prompts_is_rebuilt_and_says_so(tmp_path):
    run_dir = make_run(tmp_path, "old", {"math500": {"p1": [("correct", "1")]}})
    assert read_prompts(RunStore(run_dir), "math500") is None
    view = chunk(write_viewer([run_dir], tmp_path / "view"))
    assert view["prompt_source"] == REBUILT
    assert "Please reason step by step" in view["prompt"][0]["content"]


def test_an_unreadable_prompts_file_falls_back_to_rebuilding(tmp_path):
    run_dir = make_run(tmp_path, "old", {"math500": {"p1": [("correct", "1")]}})
    (RunStore(run_dir).task_dir("math500") / "prompts.jsonl").write_text("{not json\n")
    assert chunk(write_viewer([run_dir], tmp_path / "view"))["prompt_source"] == REBUILT
