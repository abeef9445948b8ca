"""The git repository the desired files live in: which commit they are, and what a file held at a commit.

The only module that runs ``git``. Every function answers None (never raises) when there is no git, no
repository, or no such commit or file, so that a folder outside git works exactly as before.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
SHA_PREFIX = re.compile(r"^[0-9a-f]{4,40}$")
_TIMEOUT = 30


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _text(root: Path, *args: str) -> str | None:
    result = _git(root, *args)
    if result is None or result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace").strip()


def toplevel(root: Path) -> Path | None:
    """The work tree's top folder, or None outside git."""
    found = _text(root, "rev-parse", "--show-toplevel")
    return Path(found) if found else None


def default_branch(root: Path) -> str:
    """The branch the repository's remote calls its default (``origin/HEAD``), else ``main`` or ``master``
    where one exists, else the branch checked out, else ``main``."""
    remote = _text(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if remote and remote.startswith("origin/"):
        return remote.removeprefix("origin/")
    for name in ("main", "master"):
        if _text(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}"):
            return name
    return _text(root, "symbolic-ref", "--quiet", "--short", "HEAD") or "main"


def head_commit(root: Path) -> str | None:
    found = _text(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return found if found and FULL_SHA.match(found) else None


def uncommitted(root: Path, paths: list[Path]) -> list[str]:
    """Files under ``paths`` that differ from HEAD (modified, staged, or untracked)."""
    existing = [str(path) for path in paths if path.exists()]
    if not existing:
        return []
    result = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *existing)
    if result is None or result.returncode != 0:
        return []
    entries = result.stdout.decode("utf-8", "replace").split("\0")
    return [entry[3:] for entry in entries if len(entry) > 3 and entry[2] == " "]


def resolve_commit(root: Path, ref: str) -> str | None:
    """The full commit id of a sha or sha prefix, or None when the repository has no such commit."""
    if not SHA_PREFIX.match(ref):
        return None
    found = _text(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return found if found and FULL_SHA.match(found) else None


def _in_work_tree(root: Path, path: Path) -> tuple[Path, Path] | None:
    """The work tree's top folder and ``path`` relative to it, or None outside git or outside the tree."""
    top = toplevel(root)
    if top is None:
        return None
    try:
        return top, path.resolve().relative_to(top.resolve())
    except ValueError:
        return None


def show_file(root: Path, commit: str, path: Path) -> bytes | None:
    """The bytes of ``path`` (a file of this work tree) at ``commit``, or None when it did not exist then."""
    found = _in_work_tree(root, path)
    if found is None:
        return None
    _, relative = found
    result = _git(root, "show", f"{commit}:{relative.as_posix()}")
    return result.stdout if result is not None and result.returncode == 0 else None


def files_at(root: Path, commit: str, directory: Path) -> list[Path] | None:
    """The files under ``directory`` (a folder of this work tree) at ``commit``, as work-tree paths."""
    in_tree = _in_work_tree(root, directory)
    if in_tree is None:
        return None
    top, relative = in_tree
    found = _text(root, "ls-tree", "-r", "--name-only", commit, "--", relative.as_posix() or ".")
    if found is None:
        return None
    return [top / line for line in found.splitlines() if line]


class GitHistory:
    """``pins.History`` over the git repository that holds ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def resolve(self, ref: str) -> str | None:
        return resolve_commit(self.root, ref)

    def read(self, commit: str, file: str) -> bytes | None:
        return show_file(self.root, commit, Path(file))


def history_for(root: Path) -> GitHistory | None:
    """The repository's history, or None outside git."""
    return GitHistory(root) if toplevel(root) is not None else None


def is_ancestor(root: Path, older: str, newer: str) -> bool | None:
    """Whether commit ``older`` is in the history of ``newer`` (equal counts); None when either is unknown here
    (not fetched: a shallow clone) or there is no git."""
    if not (FULL_SHA.match(older) and FULL_SHA.match(newer)):
        return None
    result = _git(root, "merge-base", "--is-ancestor", older, newer)
    if result is None or result.returncode not in (0, 1):
        return None
    return result.returncode == 0
