"""Apply order by git ancestry (``planning.ordering``), over a made-up history: a <- b <- c, and d on its own."""

from __future__ import annotations

import pytest

from reconciler.errors import OlderCommitError
from reconciler.planning.ordering import check_commit_order
from reconciler.server.live import LiveAssistant
from tests.core.factories import make_live, owned

A, B, C, D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)
HISTORY = {A: set(), B: {A}, C: {A, B}, D: set()}
"""Each commit's ancestors."""


def is_ancestor(older: str, newer: str) -> bool | None:
    if older not in HISTORY or newer not in HISTORY:
        return None
    return older == newer or older in HISTORY[newer]


def running(*commits: str) -> list[LiveAssistant]:
    return [make_live(f"bot-{i}", metadata=owned(f"bot-{i}", **{"reconciler/commit": c}))
            for i, c in enumerate(commits)]


def check(applying: str | None, *commits: str, allow_older: bool = False) -> list[str]:
    return check_commit_order(applying, running(*commits), is_ancestor, allow_older=allow_older)


def test_equal_and_ancestor_commits_are_fine() -> None:
    assert check(C, C, B, A) == []


def test_a_newer_commit_on_the_server_refuses_naming_both() -> None:
    with pytest.raises(OlderCommitError) as caught:
        check(B, C)
    assert caught.value.exit_code == 3
    assert f"the server runs {C[:12]} (on bot-0), which is newer than the commit being applied, {B[:12]}" in str(
        caught.value)


def test_an_unknown_commit_refuses_with_a_hint_unless_allowed() -> None:
    unknown = "e" * 40
    with pytest.raises(OlderCommitError, match="fetch-depth: 0"):
        check(C, unknown)
    assert check(C, unknown, allow_older=True) == []


def test_a_diverged_commit_is_a_warning_and_no_commit_is_no_check() -> None:
    assert check(C, D) == [f"the server runs {D[:12]} (on bot-0), on another line of history than {C[:12]}"]
    assert check(None, C) == []
