"""Every figure the docs quote comes from a results file (docs/benchmarks.md, "How a figure names its run").

A block (a paragraph, or one table row) that links `benchmarks/results/<name>.json` vouches for every number in
**bold** in it: each must be a number of that file, as rounded in the text (`76.7%` may also be the fraction
0.767), and the block names the run: the file's commit (7 characters) and day, where the file records them.
In docs/benchmarks.md a bold number outside such a block is an error: no figure without its run.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import REPO

LINK = re.compile(r"benchmarks/results/([\w.\-]+\.json)")
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(\s?%)?")
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"


def blocks(text: str) -> list[str]:
    """Paragraphs, with each table row a block of its own."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.splitlines()
        if lines and all(line.lstrip().startswith("|") for line in lines):
            out += lines
        else:
            out.append(paragraph)
    return out


def json_numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, str):
        return [float(m.group(1).replace(",", "")) for m in NUMBER.finditer(value)]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [n for item in items for n in json_numbers(item)]


def found(token: str, percent: bool, numbers: list[float]) -> bool:
    decimals = len(token.split(".")[1]) if "." in token else 0
    wanted = float(token.replace(",", ""))
    scales = (1, 100) if percent else (1,)
    return any(abs(round(n * scale, decimals) - wanted) < 1e-9 for n in numbers for scale in scales)


def unsourced(text: str, results: Path, every_figure_linked: bool) -> list[str]:
    """Problems: bold numbers missing from the results files their block links, missing files, runs not named,
    and (when every_figure_linked) bold numbers in blocks that link none."""
    problems = []
    for block in blocks(text):
        names = LINK.findall(block)
        bold = [m for span in BOLD.findall(block) for m in NUMBER.finditer(span)]
        if not names:
            if every_figure_linked and bold:
                problems.append(f"bold figures without a results link: {block.strip()[:100]!r}")
            continue
        numbers: list[float] = []
        for name in names:
            if not (results / name).is_file():
                problems.append(f"missing results file benchmarks/results/{name}")
                continue
            data = json.loads((results / name).read_text(encoding="utf-8"))
            numbers += json_numbers(data)
            for named in (str(data.get("commit", ""))[:7], str(data.get("date", ""))[:10]):
                if named not in block:
                    problems.append(f"{name}'s run ({named}) is not named: {block.strip()[:100]!r}")
        for match in bold:
            if numbers and not found(match.group(1), bool(match.group(2)), numbers):
                problems.append(f"{match.group(0).strip()} is in none of {names}: {block.strip()[:100]!r}")
    return problems


def test_every_quoted_figure_is_in_its_results_file():
    problems = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        problems += [f"{doc.relative_to(REPO)}: {p}" for p in
                     unsourced(text, REPO / "benchmarks" / "results", every_figure_linked=doc == BENCHMARKS_DOC)]
    assert problems == [], "\n".join(problems)


def test_benchmarks_doc_quotes_figures():
    text = BENCHMARKS_DOC.read_text(encoding="utf-8")
    assert len(set(LINK.findall(text))) >= 8 and len(BOLD.findall(text)) >= 20


def test_the_check_catches_a_figure_not_in_its_file(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"figures": {"ratio": 0.8543, "share": 0.767, "note": "40 of 40"}}))
    good = "Ratio **0.854**, share **76.7%**, **40** distinct ([run](benchmarks/results/x.json))."
    assert unsourced(good, tmp_path, every_figure_linked=True) == []
    assert len(unsourced("Ratio **0.855** ([run](benchmarks/results/x.json)).", tmp_path, True)) == 1
    assert len(unsourced("Ratio **0.854** and nothing linked.", tmp_path, True)) == 1
    assert unsourced("Ratio **0.854** and nothing linked.", tmp_path, False) == []
    assert "missing results file" in unsourced("**1** (benchmarks/results/y.json)", tmp_path, True)[0]
    (tmp_path / "r.json").write_text(json.dumps({"commit": "8fa773482398", "date": "2026-12-05T16:14:19Z"}))
    assert unsourced("Commit 8fa7734, 2026-12-05 (benchmarks/results/r.json)", tmp_path, True) == []
    assert len(unsourced("Commit 8fa7735, 2026-12-05 (benchmarks/results/r.json)", tmp_path, True)) == 1
    assert len(unsourced("Commit 8fa7734, 2026-12-06 (benchmarks/results/r.json)", tmp_path, True)) == 1
    table = "| a | **0.854** | benchmarks/results/x.json |\n| b | **0.6** | benchmarks/results/x.json |"
    assert len(unsourced(table, tmp_path, True)) == 1  # each row answers for itself
