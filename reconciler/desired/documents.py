"""A folder of YAML files -> every document in it with its position, or the problems that make files unreadable.

Shared by the base files (``loading``), the environment overlays (``overlay``) and ``import``.

Every entry whose name ends in ``.yaml`` or ``.yml`` is read or reported, never skipped: a broken symlink, a
symlink loop, a folder or a special file with such a name, and a file or folder that cannot be read are
problems. Symlinks are followed, to files and to folders alike (a folder shared between repositories can be
linked in); a folder link that leads back into one of its own parents is reported instead of followed, so a
loop never hangs the walk. A file reached twice through links is read twice (its ids are then duplicates).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path as FilePath

from reconciler.desired.yamlio import Document, read_documents
from reconciler.errors import Problem

YAML_SUFFIXES = (".yaml", ".yml")


def yaml_files(directory: FilePath) -> list[FilePath]:
    """The readable assistant files under ``directory``, in reading order."""
    return [path for path, problem in _walk(directory, frozenset()) if problem is None]


def display_path(path: FilePath) -> str:
    """Paths relative to the working directory when possible, as a user would type them (through links)."""
    cwd = FilePath.cwd().resolve()
    for candidate in (path.absolute(), FilePath(os.path.realpath(path))):
        try:
            return str(candidate.relative_to(cwd))
        except ValueError:
            continue
    return str(path)


def read_all_documents(directory: FilePath) -> tuple[list[Document], list[Problem]]:
    if not directory.is_dir():
        return [], [Problem(display_path(directory), 1, 1, message="directory not found")]
    documents: list[Document] = []
    problems: list[Problem] = []
    for path, problem in _walk(directory, frozenset()):
        if problem is not None:
            problems.append(Problem(display_path(path), 1, 1, message=problem))
            continue
        file_documents, file_problems = read_documents(path, display_path(path))
        documents.extend(file_documents)
        problems.extend(file_problems)
    return documents, problems


def _walk(directory: FilePath, parents: frozenset[str]) -> Iterator[tuple[FilePath, str | None]]:
    """``(file, None)`` for every assistant file to read and ``(entry, reason)`` for every entry that cannot be,
    depth first in name order (the order of ``sorted(rglob)``)."""
    parents = parents | {os.path.realpath(directory)}
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        yield directory, f"cannot list the folder: {exc.strerror}"
        return
    for name in names:
        path = directory / name
        named_like_yaml = name.lower().endswith(YAML_SUFFIXES)
        mode, problem = _mode(path)
        if mode is not None and stat.S_ISDIR(mode):
            yield from _folder(path, parents, named_like_yaml)
        elif not named_like_yaml:
            continue
        elif problem is not None:
            yield path, problem
        elif mode is not None and not stat.S_ISREG(mode):
            yield path, f"not a regular file ({_kind(mode)}); an assistant file must be a file"
        else:
            yield path, None


def _folder(path: FilePath, parents: frozenset[str], named_like_yaml: bool) -> Iterator[tuple[FilePath, str | None]]:
    if os.path.realpath(path) in parents:
        target = display_path(FilePath(os.path.realpath(path)))
        yield path, f"symlink loop: this folder is inside itself ({target}); remove the link"
        return
    if named_like_yaml:
        yield path, "a folder named like an assistant file; rename it"
    yield from _walk(path, parents)


def _mode(path: FilePath) -> tuple[int | None, str | None]:
    """The file type of what ``path`` leads to (through links), or why it leads nowhere."""
    try:
        return path.stat().st_mode, None
    except FileNotFoundError:
        return None, f"broken symlink: points to {os.readlink(path)!r}, which does not exist"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "symlink loop: the link cannot be resolved"
        return None, f"cannot read the file: {exc.strerror}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"
