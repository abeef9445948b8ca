"""Desired content x live content -> whether they differ and how, with the server's semantics.

Content is ``graph_id, name, description, context, config, metadata``, compared in the server's terms
(``semantics.comparable``: null, ``""`` and absent are equal where the server cannot tell them apart).
The only module that imports deepdiff.
"""

from __future__ import annotations

from typing import Any

from reconciler.desired.locations import Path, format_path
from reconciler.jsonvalues import json_equal
from reconciler.server.semantics import comparable


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json_equal(comparable(a), comparable(b))


def differing_paths(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[Path, Any, Any]]:
    """``(path, before, after)`` for every leaf that differs; lists are compared as whole values."""
    left, right = comparable(before), comparable(after)
    if json_equal(left, right):
        return []
    from deepdiff import DeepDiff

    # Not ignore_numeric_type_changes: it also equates True with 1. json_equal drops the 1 vs 1.0 paths.
    diff = DeepDiff(left, right, view="tree")
    paths: dict[Path, None] = {}
    for report in diff.values():
        for level in report:
            for leaf in _leaves(_up_to_first_list(tuple(level.path(output_format="list"))), left, right):
                if not json_equal(_lookup(left, leaf), _lookup(right, leaf)):
                    paths[leaf] = None
    return [(path, _lookup(left, path), _lookup(right, path)) for path in sorted(paths, key=format_path)]


def added_paths(after: dict[str, Any]) -> list[tuple[Path, Any, Any]]:
    """``(path, None, value)`` for every non-empty leaf of a content that does not exist yet."""
    right = comparable(after)
    return [
        (path, None, value)
        for path in _leaves((), {}, right)
        if (value := _lookup(right, path)) not in ("", None, {}, [])
    ]


def _leaves(path: Path, left: dict[str, Any], right: dict[str, Any]) -> list[Path]:
    """DeepDiff reports a mapping that went from empty to full as one change; name each key instead."""
    before, after = _lookup(left, path), _lookup(right, path)
    if isinstance(before, dict | None) and isinstance(after, dict | None) and (before or after):
        keys = sorted({*(before or {}), *(after or {})})
        return [
            leaf
            for key in keys
            if not json_equal((before or {}).get(key), (after or {}).get(key))
            for leaf in _leaves((*path, key), left, right)
        ]
    return [path]


def _up_to_first_list(path: Path) -> Path:
    for index, part in enumerate(path):
        if isinstance(part, int):
            return path[:index]
    return path


def _lookup(content: dict[str, Any], path: Path) -> Any:
    value: Any = content
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
