"""Many requests at once: a call on every item ``parallelism`` at a time, and a search sent from a thread
ahead of the moment its answer is needed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from reconciler.applying.progress import Progress

T = TypeVar("T")
R = TypeVar("R")


def concurrently(progress: Progress, parallelism: int, phase: str, call: Callable[[T], R],
                 items: Iterable[T]) -> list[R]:
    """``call`` on every item, ``parallelism`` at a time, results in the order of ``items``."""
    items = list(items)
    if not items:
        return []
    progress.begin(phase, len(items))

    def one(item: T) -> R:
        result = call(item)
        progress.step()
        return result

    try:
        if len(items) == 1 or parallelism == 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(parallelism, len(items))) as pool:
            return list(pool.map(one, items))
    finally:
        progress.end()


class SearchAhead(Generic[R]):
    """A search run from a thread: its answer or its failure, once the thread is done."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._done = threading.Event()
        self._rows: list[R] = []
        self._error: BaseException | None = None

    def run(self, search: Callable[[str], list[R]]) -> None:
        try:
            self._rows = search(self.key)
        except BaseException as exc:  # handed to the thread that asks (a thread must not die with a traceback)
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> list[R]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._rows
