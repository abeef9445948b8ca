"""The live progress line on a terminal: phase, done/total, failures, elapsed time and an estimate of what remains.

Drawn with rich on stderr, so stdout keeps only data (a ``--format json`` report stays pure JSON), and only when
stderr is a terminal: CI logs get the outcome lines and nothing else. The line is transient: it disappears when
the work is done. The only module besides ``cli`` that imports rich.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from reconciler.applying.progress import NO_PROGRESS, Progress
from reconciler.settings import colour_wanted

if TYPE_CHECKING:
    from rich.progress import TaskID

SHOWN_AFTER_PAGES = 3
"""A search of unknown length shows a line only once it has fetched this many pages."""


def progress_for_terminal() -> Progress:
    """A live line when stderr is a terminal, else nothing."""
    return TerminalProgress() if sys.stderr.isatty() else NO_PROGRESS


def close(progress: Progress) -> None:
    if isinstance(progress, TerminalProgress):
        progress.close()


class TerminalProgress:
    """Thread-safe: the workers of a phase all report steps into it."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as RichProgress,
        )

        self._rich = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failures]}"),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True, no_color=not colour_wanted(sys.stderr)),
            transient=True,
        )
        self._lock = threading.Lock()
        self._task: TaskID | None = None
        self._phase = ""
        self._total: int | None = None
        self._done = 0
        self._failed = 0
        self._started = False

    def begin(self, phase: str, total: int | None) -> None:
        with self._lock:
            self._phase, self._total, self._done, self._failed = phase, total, 0, 0
            if total is not None:
                self._show()

    def step(self, *, failed: bool = False) -> None:
        with self._lock:
            self._done += 1
            self._failed += failed
            if self._task is None and self._done >= SHOWN_AFTER_PAGES:
                self._show()
            if self._task is not None:
                self._rich.update(self._task, completed=self._done, failures=self._failures())

    def end(self) -> None:
        with self._lock:
            if self._task is not None:
                self._rich.remove_task(self._task)
                self._task = None

    def close(self) -> None:
        with self._lock:
            if self._started:
                self._rich.stop()
                self._started = False

    def _show(self) -> None:
        if not self._started:
            self._rich.start()
            self._started = True
        fields: dict[str, Any] = {"failures": self._failures()}
        self._task = self._rich.add_task(self._phase, total=self._total, completed=self._done, **fields)

    def _failures(self) -> str:
        return f"[red]{self._failed} failed[/red]" if self._failed else ""
