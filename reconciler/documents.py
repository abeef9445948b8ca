"""A folder of YAML files -> every document in it with its position, or the problems that make files unreadable.

Shared by the base files (``loading``), the environment overlays (``overlay``) and ``import``.
"""

from __future__ import annotations

from pathlib import Path as FilePath

from reconciler.errors import Problem
from reconciler.yamlio import Document, read_documents

YAML_SUFFIXES = (".yaml", ".yml")


def yaml_files(directory: FilePath) -> list[FilePath]:
    return sorted(p for p in directory.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def display_path(path: FilePath) -> str:
    """Paths relative to the working directory when possible, as a user would type them."""
    try:
        return str(path.resolve().relative_to(FilePath.cwd().resolve()))
    except ValueError:
        return str(path)


def read_all_documents(directory: FilePath) -> tuple[list[Document], list[Problem]]:
    if not directory.is_dir():
        return [], [Problem(display_path(directory), 1, 1, message="directory not found")]
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in yaml_files(directory):
        file_documents, file_problems = read_documents(path, display_path(path))
        documents.extend(file_documents)
        problems.extend(file_problems)
    return documents, problems
