"""The README stays a short front door, and no relative link in it or in docs/ points nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
