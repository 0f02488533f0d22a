"""`r1eval view`: the page's data from run directories (finished or in progress), and the page itself as a user
meets it in a real headless Chromium: filters clicked, a sample opened, the think block folded."""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from r1eval.cli import main
from r1eval.report.viewer import make_server, write_viewer
from r1eval.store import RunStore, record_from_json
from r1eval.types import Completion, Problem
from tests.conftest import require
from tests.runfactory import make_run

C, I, N = "correct", "incorrect", "no_answer"  # noqa: E741
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
LONG_THINK = "Let me think. " * 200


@pytest.fixture
def two_runs(tmp_path):
    # p1: 1/3 in step 10, 0/3 in step 20 (unsolved in both: no flip); p2: 0/3 -> 3/3 (gained)
    a = {"math500": {
        "p1": [(C, "1", "<think>\nshort</think>\nSo \\boxed{1}", "stop", 40),
               (I, "2", f"<think>\n{LONG_THINK}</think>\nThe answer is \\boxed{{2}}.", "stop", 812),
               (N, None, "<think>\nstill thinking and never", "length", 1024)],
        "p2": [(I, "0")] * 3}}
    b = {"math500": {"p1": [(I, "2")] * 3, "p2": [(C, "1")] * 3}}
    root = tmp_path / "runs"
    return (make_run(root, "m-step10", a, model="ck/global_step_10", step=10),
            make_run(root, "m-step20", b, model="ck/global_step_20", step=20))


def read_index(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="r1-index">(.*?)</script>', text, re.S).group(1)
    return json.loads(raw.replace("<\\/", "</"))


def test_index_carries_each_sample_and_chunks_carry_the_texts(two_runs, tmp_path):
    page = write_viewer(two_runs, tmp_path / "view")
    index = read_index(page)
    (task,) = index["tasks"]
    p1, p2 = task["problems"]
    assert [p1["id"], p2["id"]] == ["p1", "p2"]
    assert p1["runs"][0]["st"] == "cin" and p1["runs"][0]["fin"] == "ssl" and p1["runs"][0]["tok"] == [40, 812, 1024]
    assert (p1["runs"][0]["c"], p1["runs"][0]["g"]) == (1, 3)
    assert p1["flip"] is None and p2["flip"] == "gained"
    assert [r["label"] for r in index["runs"]] == ["step 10", "step 20"]
    assert index["runs"][0]["tasks"]["math500"]["metrics"]["pass@1"] == pytest.approx((1 / 3 + 0) / 2)
    chunk = (page.parent / "data" / "0-0.js").read_text(encoding="utf-8")
    payload = json.loads(json.loads(chunk[chunk.index("JSON.parse(") + 11: chunk.rindex("));")]))
    assert "Please reason step by step" in payload["prompt"][0]["content"]  # the task's own template
    sample = payload["samples"][0][1]  # split in Python, as the grader splits it
    assert sample["region"] == "\nThe answer is \\boxed{2}." and sample["think"] == LONG_THINK.strip()
    assert payload["samples"][0][2]["region"] is None and payload["samples"][0][2]["think"].startswith("still")
    assert payload["samples"][0][1]["answer"] == "2"
    assert LONG_THINK not in page.read_text(encoding="utf-8")  # texts stay out of the page itself


def test_a_run_in_progress_is_read_as_it_is(tmp_path):
    store = RunStore(tmp_path / "run")
    tasks = {"aime24": {"version": 1, "n": 3}, "aime25": {"version": 1, "n": 2}}
    store.write_config(record_from_json({"run_id": "run", "model": "m", "step": None, "label": "live", "tasks": tasks}))
    store.write_problems("aime24", [Problem("a", "What is 1+1?", "2"), Problem("b", "2+2?", "4")])
    with store.journal("aime24") as journal:
        journal.append([Completion("a", 0, "\\boxed{2}", "stop", 5), Completion("a", 2, "\\boxed{3}", "stop", 6)])
    with (store.task_dir("aime24") / "completions.jsonl").open("a") as handle:
        handle.write('{"problem_id": "b", "sample": 0, "te')  # the writer is mid-line
    page = write_viewer([store.path], tmp_path / "view")
    index = read_index(page)
    assert [t["name"] for t in index["tasks"]] == ["aime24"]  # aime25 not reached yet
    a, b = index["tasks"][0]["problems"]
    assert a["runs"][0]["st"] == "u-u" and b["runs"][0]["st"] == "---"  # no verdicts yet; torn line skipped
    assert index["runs"][0]["scored"] is False


def test_view_command_errors_are_one_line(two_runs, tmp_path, capsys):
    assert main(["view", str(tmp_path / "nope")]) == 1
    assert main(["view", str(two_runs[0]), str(two_runs[1]), str(two_runs[0])]) == 1
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.tex").write_text("mine")
    assert main(["view", str(two_runs[0]), "--out", str(tmp_path / "busy")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("error: ") for line in err)
    assert "does not exist" in err[0] and "one run directory, or two" in err[1] and "not empty" in err[2]
    assert (tmp_path / "busy" / "thesis.tex").read_text() == "mine"
    assert main(["view", str(two_runs[0]), "--out", str(tmp_path / "v")]) == 0
    assert main(["view", str(two_runs[1]), "--out", str(tmp_path / "v")]) == 0  # rewriting its own page is fine
    assert "samples: " in capsys.readouterr().out


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require(sync_playwright is not None, "the playwright package is not installed (pip install playwright)")
    require(os.path.exists(CHROMIUM), "no Chromium at /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


def problems_listed(page) -> list[str]:
    return page.locator("#problems li").evaluate_all("items => items.map(li => li.dataset.problem)")


def test_in_a_browser_filters_and_an_opened_sample_show_what_happened(two_runs, tmp_path, browser):
    index_html = write_viewer(two_runs, tmp_path / "view")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(index_html.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    assert "pass@1" in page.inner_text("#results") and "step 20" in page.inner_text("#results")
    assert problems_listed(page) == ["p1", "p2"]

    page.click("#filters button[data-filter=flipped]")
    assert problems_listed(page) == ["p2"]
    assert "gained" in page.inner_text("#problems")
    page.click("#filters button[data-filter=truncated]")
    assert problems_listed(page) == ["p1"]
    page.click("#filters button[data-filter=wrong]")
    assert problems_listed(page) == ["p1", "p2"]

    page.click("#problems li[data-problem=p1]")
    page.wait_for_function("!document.querySelector('details.prompt pre').textContent.startsWith('loading')")
    assert "Please reason step by step" in page.inner_text("details.prompt pre")
    # the Wrong filter shows only the wrong samples: step 10 sample 1, step 20 samples 0-2
    shown = page.locator(".chip").evaluate_all("cs => cs.map(c => c.dataset.run + '/' + c.dataset.sample)")
    assert shown == ["0/1", "1/0", "1/1", "1/2"]
    page.click(".chip[data-run='0'][data-sample='1']")
    page.wait_for_selector("#sample[data-loaded]")
    facts = page.inner_text("#sample table.facts")
    for expected in ("incorrect", "extracted answer\t2", "gold answer\t1", "tokens\t812", "finish reason\tstop"):
        assert expected in facts
    assert page.inner_text("#sample .answer-text").strip() == "The answer is \\boxed{2}."
    assert not page.is_visible("#sample .think-text")  # the think block is folded
    page.click("#sample details.think summary")
    # the browser fires 'toggle' after the click returns; the text is filled in then
    page.wait_for_function("document.querySelector('#sample .think-text').textContent.length > 0")
    assert page.inner_text("#sample .think-text").startswith("Let me think. Let me think.")

    page.click("#filters button[data-filter=no_answer]")
    page.click("#problems li[data-problem=p1]")
    page.click(".chip[data-run='0'][data-sample='2']")
    page.wait_for_selector("#sample[data-loaded='step 10/2']")
    assert "no_answer" in page.inner_text("#sample table.facts")
    assert "length (truncated)" in page.inner_text("#sample table.facts")
    assert "never closed" in page.inner_text("#sample details.think summary")
    assert page.locator("#sample .answer-text").count() == 0
    assert errors == []
    page.close()


def test_served_on_loopback_the_page_loads_its_chunks(two_runs, tmp_path, browser):
    index_html = write_viewer(two_runs[:1], tmp_path / "view")
    server = make_server(index_html.parent, 0)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/#t=0&f=all&p=0&r=0&s=0")  # a shared link opens the same sample
        page.wait_for_selector("#sample[data-loaded='step 10/0']")
        assert "correct" in page.inner_text("#sample table.facts")
        assert page.locator("#filters button[data-filter=flipped]").count() == 0  # one run: nothing to flip
        page.close()
    finally:
        server.shutdown()
        server.server_close()
