"""Environment overlays: ``environments/<env>/*.yaml`` patch base assistants by id before validation.

Each overlay document names an assistant ``id`` of assistants.d and patches its fields with JSON Merge
Patch semantics (RFC 7386): mappings merge key by key, anything else (lists included) replaces, and ``null``
removes a key. Problems in patched fields point at the overlay file.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from reconciler.desired.documents import read_all_documents
from reconciler.desired.locations import quote
from reconciler.desired.state import SpecSource
from reconciler.desired.yamlio import Document
from reconciler.errors import Problem

Sourced = list[tuple[Document, SpecSource]]


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_overlays(base: Sourced, overlay_dir: FilePath) -> tuple[Sourced, list[Problem]]:
    if not overlay_dir.is_dir():
        return base, []
    overlays, problems = read_all_documents(overlay_dir)
    by_id = {
        document.value["id"]: index
        for index, (document, _) in enumerate(base)
        if isinstance(document.value, dict) and isinstance(document.value.get("id"), str)
    }
    patched = list(base)
    seen: dict[str, Document] = {}
    for overlay in overlays:
        problem = _overlay_problem(overlay, by_id, seen)
        if problem is not None:
            problems.append(problem)
            continue
        spec_id = overlay.value["id"]
        seen[spec_id] = overlay
        document, source = patched[by_id[spec_id]]
        patch = {k: v for k, v in overlay.value.items() if k != "id"}
        merged = Document(
            document.file,
            merge_patch(document.value, patch),
            document.source_map,
            document.start,
            document.problems + overlay.problems,
        )
        patched[by_id[spec_id]] = (
            merged,
            SpecSource(source.file, source.source_map, SpecSource(overlay.file, overlay.source_map)),
        )
    return patched, problems


def _overlay_problem(overlay: Document, by_id: dict[str, int], seen: dict[str, Document]) -> Problem | None:
    value = overlay.value
    line, col = overlay.start.line, overlay.start.col
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return Problem(
            overlay.file, line, col, message="an overlay document must be a mapping with the `id` it patches"
        )
    spec_id = value["id"]
    position = overlay.source_map.locate(("id",))
    if spec_id not in by_id:
        message = f"no assistant {quote(spec_id)} in the base files to patch"
        return Problem(overlay.file, position.line, position.col, spec_id, "id", message)
    if spec_id in seen:
        earlier = seen[spec_id]
        message = f"patched twice; first at {earlier.file}:{earlier.source_map.locate(('id',)).line}"
        return Problem(overlay.file, position.line, position.col, spec_id, "id", message)
    return None


def overlay_patches(overlay_dir: FilePath) -> dict[str, dict[str, Any]]:
    """The patch each overlay document makes, by assistant id (the first, where one is patched twice)."""
    if not overlay_dir.is_dir():
        return {}
    overlays, _ = read_all_documents(overlay_dir)
    patches: dict[str, dict[str, Any]] = {}
    for overlay in overlays:
        if isinstance(overlay.value, dict) and isinstance(overlay.value.get("id"), str):
            patches.setdefault(overlay.value["id"], overlay.value)
    return patches
