"""Equality of JSON values as the server sees them: numbers by value (1 == 1.0), booleans apart from numbers;
and where a local JSON Schema reference points.

Shared by every stage that compares contents or schemas (validation, planning, admission) and by the rules of
what is secret.
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Mapping
from typing import Any


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


def resolve_reference(ref: str, root: Mapping[str, Any]) -> Any:
    """What a local reference (``#/$defs/Retrieval``) points to in ``root``; None for anything else."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node
