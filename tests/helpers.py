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


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` (a throwaway repository: fixed identity, no hooks, no signing); return stdout."""
    result = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
         "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
        capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def commit_all(root: Path, message: str) -> str:
    """``git init`` when needed, commit everything under ``root``, return the new commit id."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")
