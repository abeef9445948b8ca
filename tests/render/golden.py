"""Whole-render comparison with files in ``golden/``; ``UPDATE_GOLDEN=1 pytest tests/render`` rewrites them
(then review the diff by eye before committing)."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as file:
        assert actual == file.read()
