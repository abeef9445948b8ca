"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median wall time of ``repeat`` runs (at least one), and what the last run returned (every run returns the
    same: a request count, a number of problems)."""
    times: list[float] = []
    for _ in range(max(repeat, 1) - 1):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    result = run()
    times.append(time.perf_counter() - start)
    return statistics.median(times), result
