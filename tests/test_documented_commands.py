"""Every `ivr …` command the README, the docs and the bundled files tell a user to run exists,
with the options they name (a pointer to `ivr schema --skills`, which never existed, is how a
new user learns to distrust the rest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from ivr.cli import app

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "docs").rglob("*.yaml")),
    *sorted((ROOT / "docs").glob("*.service")),
    *sorted((ROOT / "skills").rglob("*.yaml")),
    *sorted((ROOT / "flows").rglob("*.yaml")),
    *sorted((ROOT / "scenarios").rglob("*.yaml")),
]
# `ivr …` in backticks, or at the start of a shell line after an optional .venv/bin/.
QUOTED = re.compile(r"`(?:\.venv/bin/)?ivr ([^`]+)`")
SHELL = re.compile(r"^\s*(?:[A-Z_]+=\S+\s+)*(?:\S*/)?\.venv/bin/ivr ([^#\n]+)", re.MULTILINE)


def _snippets() -> list[tuple[str, str]]:
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern in (QUOTED, SHELL):
            for match in pattern.finditer(text):
                found.append((f"{path.relative_to(ROOT)}", match.group(1).strip()))
    return found


def _resolve(words: list[str]) -> tuple[object, list[str]]:
    """The command the words name, and the words after it."""
    command: object = get_command(app)
    while words and getattr(command, "commands", None) is not None:
        child = command.commands.get(words[0])  # type: ignore[attr-defined]
        if child is None:
            break
        command, words = child, words[1:]
    return command, words


SNIPPETS = _snippets()


def test_the_docs_name_commands_at_all() -> None:
    assert len(SNIPPETS) > 20  # the pattern still finds the README's commands


@pytest.mark.parametrize(("where", "snippet"), SNIPPETS, ids=[s for _, s in SNIPPETS])
def test_every_documented_command_and_option_exists(where: str, snippet: str) -> None:
    words = snippet.replace("…", " ").split()
    command, rest = _resolve(words)
    if getattr(command, "commands", None) is not None:  # a group: `ivr db` is a fine name
        assert not rest, f"{where}: `ivr {snippet}`: no command {rest[0]!r} in that group"
        return
    options = {opt for p in command.params for opt in getattr(p, "opts", ())}  # type: ignore[attr-defined]
    options |= {"--help"}
    for word in rest:
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            assert name in options, f"{where}: `ivr {snippet}`: {name} is not an option of it"


# What the README's commands write into the checkout, by default or as its examples name them.
WRITTEN = [
    "ivr-report.html",  # ivr simulate's default --report
    "audit.jsonl",  # the API's default audit log
    "data/ivr.sqlite",
    "data/storage-spill.jsonl",
    "day.json",
    "week.html",
    "day.queue_log",
    "queue_log",
    "hotline.svg",
    "sounds/welcome.wav",
]


@pytest.mark.parametrize("name", WRITTEN)
def test_what_the_readmes_commands_write_is_ignored_by_git(name: str) -> None:
    import subprocess

    if not (ROOT / ".git").exists():
        pytest.fail("not a git checkout: the README's set-up starts from `git clone`")
    result = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", name], cwd=ROOT, check=False
    )
    assert result.returncode == 0, f"{name} would show in `git status`: add it to .gitignore"
