"""The live progress line is drawn only on a terminal, and only on stderr."""

from __future__ import annotations

import io

import pytest

from reconciler.applying.progress import NoProgress
from reconciler.applying.progress_display import TerminalProgress, progress_for_terminal


def test_without_a_terminal_nothing_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert isinstance(progress_for_terminal(), NoProgress)


def test_on_a_terminal_the_line_counts_steps_and_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stderr, stdout = Tty(), io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    monkeypatch.setattr("sys.stdout", stdout)
    progress = progress_for_terminal()
    assert isinstance(progress, TerminalProgress)
    progress.begin("creating", 3)
    for failed in (False, True, False):
        progress.step(failed=failed)
    progress._rich.refresh()
    progress.end()
    progress.close()
    assert "creating" in stderr.getvalue() and "3/3" in stderr.getvalue() and "1 failed" in stderr.getvalue()
    assert stdout.getvalue() == ""
