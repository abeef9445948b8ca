"""Desired content x live content -> whether they differ and how, with the server's semantics.

Content is ``graph_id, name, description, context, config, metadata``, compared in the server's terms
(``semantics.comparable``: null, ``""`` and absent are equal where the server cannot tell them apart).
The only module that imports deepdiff.
"""

from __future__ import annotations

import json
import marshal
from typing import Any

from reconciler.locations import Path, format_path
from reconciler.semantics import comparable


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json_equal(comparable(a), comparable(b))


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: numbers by value (1 == 1.0), but booleans are not numbers."""
    if a != b:
        return False  # equal JSON values are equal Python values; the converse fails only for True vs 1
    if isinstance(a, dict | list):
        # Fast paths for whole contents (C code, no recursion in Python). The same marshal bytes (version 2:
        # no back-references, so sharing does not matter) mean the same types and values in the same order;
        # else the same canonical JSON text means the same JSON value (true and 1 differ as text; keys sorted).
        # Different bytes and text (1 vs 1.0) still go the slow way.
        try:
            if marshal.dumps(a, 2) == marshal.dumps(b, 2) or _canonical_text(a) == _canonical_text(b):
                return True
        except (TypeError, ValueError):  # not JSON, a key that cannot be sorted, NaN: decided the slow way
            pass
    return _json_equal(a, b)


_canonical_text = json.JSONEncoder(sort_keys=True, allow_nan=False, check_circular=False).encode


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


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
