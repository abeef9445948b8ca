"""How long-running work reports how far it got, without knowing who watches.

The client (pages and batches of reads) and apply (writes, phase by phase) report through ``Progress``; the
CLI decides what to show: a live line on a terminal (``progress_display``), nothing in CI or with
``--format json``. Calls may come from several threads at once.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def begin(self, phase: str, total: int | None) -> None:
        """A phase of ``total`` steps starts (None: unknown, e.g. pages of a search)."""
        ...

    def step(self, *, failed: bool = False) -> None:
        """One step of the current phase is done (``failed``: it did not succeed)."""
        ...

    def end(self) -> None:
        """The current phase is over."""
        ...


class NoProgress:
    """Reports to no one: the default, and what CI and machine-readable output get."""

    def begin(self, phase: str, total: int | None) -> None:
        pass

    def step(self, *, failed: bool = False) -> None:
        pass

    def end(self) -> None:
        pass


NO_PROGRESS: Progress = NoProgress()
