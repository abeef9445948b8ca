"""Desired content x live content -> whether they differ and how, with the server's semantics.

Content is ``graph_id, name, description, context, config, metadata``, compared in the server's terms
(``semantics.comparable``: null, ``""`` and absent are equal where the server cannot tell them apart) and
as JSON values (``jsonvalues.json_equal``: 1 equals 1.0, true is not 1).
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
    paths = sorted(_leaves((), left, right), key=format_path)
    return [(path, _lookup(left, path), _lookup(right, path)) for path in paths]


def added_paths(after: dict[str, Any]) -> list[tuple[Path, Any, Any]]:
    """``(path, None, value)`` for every non-empty leaf of a content that does not exist yet."""
    right = comparable(after)
    return [
        (path, None, value)
        for path in _leaves((), {}, right)
        if (value := _lookup(right, path)) not in ("", None, {}, [])
    ]


def _leaves(path: Path, before: Any, after: Any) -> list[Path]:
    """The paths at or below ``path`` where ``before`` and ``after`` (its values, known to differ) differ:
    mappings, and a mapping that appears or goes, are walked key by key; anything else, lists included, is one
    leaf."""
    if isinstance(before, dict | None) and isinstance(after, dict | None) and (before or after):
        before, after = before or {}, after or {}
        return [
            leaf
            for key in sorted({*before, *after})
            if not json_equal(before.get(key), after.get(key))
            for leaf in _leaves((*path, key), before.get(key), after.get(key))
        ]
    return [path]


def _lookup(content: dict[str, Any], path: Path) -> Any:
    value: Any = content
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
