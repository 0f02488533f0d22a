"""The README and docs/ stay true to the code: every `--flag` they name exists on some `r1eval` command (or belongs
to a named other tool), and every relative link, anchors included, resolves."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from r1eval.cli import app
from r1eval.cli.vocabulary import RENAMED

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Flags of other tools the docs quote, with the tool. A line naming a script (scripts/, benchmarks/) is that
# script's command line, so its flags are not r1eval's.
FOREIGN = {"--cpu": "install.sh", "--gpu": "install.sh", "--data-parallel-size": "vllm serve", "--no-deps": "pip",
           "--delete": "rsync", "--logdir": "tensorboard", "--apply_chat_template": "lm-eval",
           "--fewshot_as_multiturn": "lm-eval", "--include": "mmdebstrap", "--network": "docker run",
           "--body-file": "gh", "--help": "every command", "--remote_rm_url": "OpenRLHF",
           "--host": "python -m r1eval.reward.server", "--kind": "python -m r1eval.reward.server",
           "--timeout": "python -m r1eval.reward.server"}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9_-]*")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def cli_flags() -> set[str]:
    def walk(command):  # noqa: ANN001, ANN202 - typer's vendored click types
        yield command
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    return {flag for command in walk(typer.main.get_command(app)) for param in command.params
            for flag in param.opts + param.secondary_opts if flag.startswith("--")}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, flags=re.M)}


def test_the_readme_is_a_short_start_and_the_reference_lives_in_docs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    before_figures = readme.split("## Performance figures")[0]
    assert len(before_figures.splitlines()) < 130  # what a newcomer reads in five minutes
    for section in ("Set-up: two commands", "Quickstart on a CPU", "Quickstart on a GPU", "run → view → report → gate"):
        assert section in before_figures
    for page in ("protocol", "grading", "contest", "sandbox-and-code", "gate-and-report", "lm-eval", "engines",
                 "run-directory", "cli"):
        assert (REPO / "docs" / f"{page}.md").is_file() and f"docs/{page}.md" in before_figures


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_flag_named_exists(page):
    known = cli_flags()
    old = {flag for (_, flag) in RENAMED} if page.name == "cli.md" else set()  # the table of renamed flags
    missing = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if "benchmarks/" in line or "scripts/" in line:
            continue
        missing += [f"{page.name}:{number}: {flag}" for flag in FLAG.findall(line)
                    if flag not in known and flag not in FOREIGN and flag not in old]
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(target)
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(target)
    assert broken == []


def test_the_checks_catch_what_they_look_for(tmp_path):
    assert "--tasks" in cli_flags() and "--task" not in cli_flags()
    assert slug("Looking at samples: `r1eval view`") == "looking-at-samples-r1eval-view"
    page = tmp_path / "p.md"
    page.write_text("# A title\n\n## The run → view\n")
    assert anchors(page) == {"a-title", "the-run--view"}
