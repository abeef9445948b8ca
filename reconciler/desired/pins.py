"""Pins by commit: ``pin: {commit: <sha>}`` replaces a document by the same assistant as its file held at that
commit, patched by the current environment's overlays, before validation.

The historical document is validated like any file (its problems name ``<file>@<commit>``). The environment's
overlays are today's, not the commit's: a pin says which content of the assistant runs, while the
environment's own settings (a model, a URL) stay those the environment has now. The git access comes in through
``History``, so this module stays pure.
"""

from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Any, Protocol

from reconciler.desired.overlay import Sourced, merge_patch, overlay_patches
from reconciler.desired.state import SpecSource
from reconciler.desired.yamlio import Document, parse_documents
from reconciler.errors import Problem

_SHA_PREFIX = re.compile(r"^[0-9a-f]{4,40}$")


class History(Protocol):
    """What resolving a commit pin needs from git."""

    def resolve(self, ref: str) -> str | None:
        """The full commit id of a commit id or prefix, or None when there is no such commit."""
        ...

    def read(self, commit: str, file: str) -> bytes | None:
        """The bytes ``file`` (a path as displayed, relative to the working folder) had at ``commit``."""
        ...


def commit_pin_of(value: Any) -> str | None:
    """The commit a document pins (lower-case), when it pins one in a well-formed way."""
    pin = value.get("pin") if isinstance(value, dict) else None
    commit = pin.get("commit") if isinstance(pin, dict) else None
    if isinstance(commit, str) and _SHA_PREFIX.match(commit.strip().lower()):
        return commit.strip().lower()
    return None


def resolve_commit_pins(
    sourced: Sourced, overlay_dir: FilePath | None, history: History | None
) -> tuple[Sourced, list[Problem]]:
    """Every commit-pinned document replaced by its content at that commit; a problem, at the pin, for a commit
    that does not exist or a file or assistant that did not exist then."""
    if not any(commit_pin_of(document.value) for document, _ in sourced):
        return sourced, []
    patches = overlay_patches(overlay_dir) if overlay_dir is not None else {}
    result: Sourced = []
    problems: list[Problem] = []
    for document, source in sourced:
        ref = commit_pin_of(document.value)
        if ref is None:
            result.append((document, source))
            continue
        resolved, found = _at_commit(document, source, ref, patches, history)
        problems.extend(found)
        result.append(resolved or (document, source))
    return result, problems


def _at_commit(
    document: Document, source: SpecSource, ref: str, patches: dict[str, dict[str, Any]], history: History | None
) -> tuple[tuple[Document, SpecSource] | None, list[Problem]]:
    spec_id = str(document.value.get("id"))
    file, line, col = source.where(("pin", "commit"))

    def problem(message: str) -> list[Problem]:
        return [Problem(file, line, col, spec_id, "pin.commit", message)]

    if history is None:
        return None, problem(f"a pin by commit needs the git repository that holds {document.file}; none found")
    commit = history.resolve(ref)
    if commit is None:
        return None, problem(
            f"commit {ref} does not exist in this repository (a shallow clone has no history: "
            "`git fetch --unshallow`, or `fetch-depth: 0` in the checkout step)"
        )
    display = f"{document.file}@{commit[:12]}"
    data = history.read(commit, document.file)
    if data is None:
        return None, problem(f"{document.file} did not exist at commit {commit[:12]}")
    documents, read_problems = parse_documents(data, display)
    then = next((d for d in documents if isinstance(d.value, dict) and d.value.get("id") == spec_id), None)
    if then is None:
        return None, read_problems or problem(f"{document.file} had no assistant {spec_id!r} at commit {commit[:12]}")
    patch = {k: v for k, v in patches.get(spec_id, {}).items() if k not in ("id", "pin")}
    value = merge_patch({k: v for k, v in then.value.items() if k != "pin"}, patch)
    value["pin"] = {"commit": commit}
    merged = Document(display, value, then.source_map, then.start, then.problems)
    return (merged, SpecSource(display, then.source_map, source.overlay)), read_problems
