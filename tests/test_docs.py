"""The README stays a short front door, no relative link in it or in docs/ points nowhere, and docs/commands.md
names every flag and argument each command's ``--help`` shows (in its synopsis, and in the text)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from reconciler.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [target for target in MARKDOWN_LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def _anchor(heading: str) -> str:
    # GitHub's slug: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_anchor(match) for match in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def test_readme_is_at_most_300_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_readme_keeps_the_test_command_and_the_speed_summary() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make test" in text
    assert "## Speed" in text and "(docs/speed.md)" in text


def test_every_docs_page_has_a_title() -> None:
    assert DOCS
    for page in DOCS:
        assert page.read_text(encoding="utf-8").startswith("# "), page


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in _links(page):
        path_part, _, fragment = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif fragment and destination.suffix == ".md" and fragment not in _anchors(destination):
            broken.append(f"{target}: no such heading")
    assert not broken, f"{page.name}: {broken}"


# --- docs/commands.md names every flag of every command -----------------------------------------------------

COMMANDS_PAGE = ROOT / "docs" / "commands.md"
FLAG = re.compile(r"(?<![\w-])--?[a-z][\w-]*")


def _cli_commands() -> dict[str, Any]:
    """Every command of ``reconciler`` by its path (``""`` for the group itself, ``"schemas pull"``): click's
    commands, or those of the click that typer 0.29 and later vendors (hence ``Any``)."""
    found: dict[str, Any] = {}

    def walk(path: str, command: Any) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(f"{path} {name}".strip(), sub)

    walk("", typer.main.get_command(app))
    return found


def _synopsis() -> dict[str, str]:
    """The page's first code block, one entry per command: ``reconciler <path> ...`` and its continuation lines."""
    block = FENCE.search(COMMANDS_PAGE.read_text(encoding="utf-8"))
    assert block is not None
    entries: dict[str, str] = {}
    path = None
    for line in block.group(0).splitlines()[1:-1]:
        if line.startswith("reconciler"):
            words = line.split()[1:]
            path = " ".join(itertools.takewhile(lambda word: re.fullmatch(r"[a-z][a-z-]*", word), words))
            entries[path] = ""
        assert path is not None, line
        entries[path] += " " + line
    return entries


def _documented_parts(command: Any) -> tuple[set[str], set[str]]:
    """The flags (``--help`` aside) and argument names of ``command``."""
    options = [param for param in command.params if param.param_type_name == "option"]
    flags = {flag for option in options for flag in option.opts + option.secondary_opts} - {"--help", "-h"}
    arguments = {param.metavar or (param.name or "").upper() for param in command.params
                 if param.param_type_name == "argument"}
    return flags, arguments


CLI_COMMANDS = _cli_commands()


@pytest.mark.parametrize("path", sorted(path for path, command in CLI_COMMANDS.items()
                                        if any(_documented_parts(command))), ids=lambda path: path or "reconciler")
def test_the_synopsis_shows_exactly_the_flags_and_arguments_of_each_command(path: str) -> None:
    flags, arguments = _documented_parts(CLI_COMMANDS[path])
    entry = _synopsis().get(path)
    assert entry is not None, f"docs/commands.md has no `reconciler {path}` line"
    assert set(FLAG.findall(entry)) == flags
    assert {argument for argument in arguments if not re.search(rf"\b{argument}\b", entry)} == set()


def test_every_flag_is_described_in_the_text_too() -> None:
    """Each flag appears outside the synopsis as well, where the page says what it does."""
    text = FENCE.sub("", COMMANDS_PAGE.read_text(encoding="utf-8"), count=1)
    flags = {flag for command in CLI_COMMANDS.values() for flag in _documented_parts(command)[0]}
    assert sorted(flag for flag in flags if not re.search(rf"(?<![\w-]){flag}(?![\w-])", text)) == []
