"""Plain helpers shared by the tests (importable as ``from tests.helpers import ...``)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Protocol

REPO_ROOT = Path(__file__).resolve().parent.parent


class RunCli(Protocol):
    """Type of the ``run_cli`` fixture: runs ``python -m reconciler *args`` and captures text output."""

    def __call__(
        self, *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]: ...


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{"relative/path": "content"}`` under ``root`` (creating folders); return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root
