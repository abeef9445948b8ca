"""Keys of a context that its graph's JSON Schema does not describe, at every depth the schema describes.

The server drops such keys silently at run time (dataclass, TypedDict and pydantic contexts alike), so a typo
like ``retrieval: {top_kk: 5}`` would be applied and then ignored. JSON Schema itself lets extra keys through
unless ``additionalProperties: false``, which generated schemas never say; this walk reads the schema the way
the graph reads the context instead:

- an object with ``properties`` knows those keys only, unless ``additionalProperties`` is ``true`` (any key) or
  a schema (any key, whose value is checked against that schema);
- an object without ``properties`` is free-form (``dict[str, Any]``): nothing below it is checked, except at
  the top, where no properties at all means the graph declares no context;
- ``$ref`` (to ``$defs``, ``definitions`` or any local JSON pointer), ``allOf``, ``anyOf`` and ``oneOf`` are
  followed; in a union a key is unknown only when no alternative knows it;
- lists are followed through ``items`` and ``prefixItems``.

Pure: no jsonschema, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.desired.locations import Path
from reconciler.jsonvalues import resolve_reference

__all__ = ["KeyWalker", "UnknownKey", "resolve_reference", "unknown_keys"]

MAX_REF_DEPTH = 32
"""References followed to reach one concrete schema (a reference already on the chain is a cycle and stops it)."""


@dataclass(frozen=True)
class UnknownKey:
    path: Path
    """Where the key is, e.g. ``("context", "retrieval", "top_kk")``."""
    known: tuple[str, ...]
    """The keys the schema describes at that level, for "did you mean"."""


def unknown_keys(context: Mapping[str, Any], schema: Mapping[str, Any]) -> list[UnknownKey]:
    """Every key of ``context`` the schema does not describe. At the top level a schema without properties
    describes nothing: every key is unknown."""
    return KeyWalker(schema).unknown_keys(context)


@dataclass(frozen=True, eq=False)
class _Level:
    """What a set of alternative schemas says about the keys of one object: the keys they describe and whether
    they take others."""

    views: tuple[Mapping[str, Any], ...]
    described: tuple[Mapping[str, Any], ...]
    closed: bool
    known: tuple[str, ...]
    extra: tuple[Mapping[str, Any], ...]
    """``additionalProperties`` schemas: the values of keys no alternative lists."""


class KeyWalker:
    """``unknown_keys`` for one schema, with what the walk learns about the schema kept for the next context
    (every spec of a graph is checked against the same schema)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.root = schema
        self._levels: dict[tuple[int, ...], _Level] = {}
        self._children: dict[tuple[int, str], _Level | None] = {}
        top = self._level(_views(schema, schema))
        self._describes_nothing = not top.described and not _open_views(list(top.views))
        self._top = top

    def unknown_keys(self, context: Mapping[str, Any]) -> list[UnknownKey]:
        if self._describes_nothing:
            return [UnknownKey(("context", key), ()) for key in context]
        return self._walk(context, self._top, ("context",))

    def _level(self, views: list[Mapping[str, Any]]) -> _Level:
        ident = tuple(id(view) for view in views)
        level = self._levels.get(ident)
        if level is None:
            described = tuple(view for view in views if _properties(view))
            level = _Level(
                views=tuple(views),
                described=described,
                closed=not _open_views(views),
                known=tuple(dict.fromkeys(key for view in described for key in _properties(view))),
                extra=tuple(extra for view in views if isinstance(extra := view.get("additionalProperties"), dict)),
            )
            self._levels[ident] = level
        return level

    def _walk(self, value: Any, level: _Level, path: Path) -> list[UnknownKey]:
        if isinstance(value, dict):
            return self._walk_object(value, level, path)
        if isinstance(value, list):
            found: list[UnknownKey] = []
            for index, item in enumerate(value):
                found.extend(self._walk(item, self._level(_item_views(list(level.views), index, self.root)),
                                        (*path, index)))
            return found
        return []

    def _walk_object(self, value: dict[str, Any], level: _Level, path: Path) -> list[UnknownKey]:
        if not level.described:
            return self._walk_map_values(value, level, path)
        found: list[UnknownKey] = []
        for key, item in value.items():
            child = self._child(level, key)
            if child is None:
                found.append(UnknownKey((*path, key), level.known))
            elif isinstance(item, dict | list):  # a scalar has no keys: nothing below it to walk
                found.extend(self._walk(item, child, (*path, key)))
        return found

    def _child(self, level: _Level, key: str) -> _Level | None:
        """The level of the value of ``key`` in an object of ``level``; None when no alternative takes the key."""
        memo = (id(level), key)
        if memo not in self._children:
            below = [sub for view in level.described if (sub := _properties(view).get(key)) is not None]
            if not below:
                below = list(level.extra)
            taken = below or not level.closed
            self._children[memo] = self._level(_views_of_all(below, self.root)) if taken else None
        return self._children[memo]

    def _walk_map_values(self, value: dict[str, Any], level: _Level, path: Path) -> list[UnknownKey]:
        """A free-form object: its keys are anything, but a schema for its values is still followed."""
        if not level.extra:
            return []
        below = self._level(_views_of_all(list(level.extra), self.root))
        found: list[UnknownKey] = []
        for key, item in value.items():
            found.extend(self._walk(item, below, (*path, key)))
        return found


def _open_views(views: list[Mapping[str, Any]]) -> bool:
    """Whether some alternative takes keys it does not list (``additionalProperties: true`` or a schema)."""
    return any(view.get("additionalProperties") not in (None, False) for view in views)


def _properties(view: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = view.get("properties")
    return properties if isinstance(properties, dict) else {}


def _item_views(views: list[Mapping[str, Any]], index: int, root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    result: list[Any] = []
    for view in views:
        prefix = view.get("prefixItems")
        if isinstance(prefix, list) and index < len(prefix):
            result.append(prefix[index])
        elif isinstance(view.get("items"), dict):
            result.append(view["items"])
    return _views_of_all(result, root)


def _views_of_all(schemas: list[Any], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [view for schema in schemas for view in _views(schema, root)]


def _views(schema: Any, root: Mapping[str, Any], chain: frozenset[str] = frozenset()) -> list[Mapping[str, Any]]:
    """The concrete schemas ``schema`` stands for: itself, what its ``$ref`` points to and the members of its
    combinators, flattened (each without further references to follow)."""
    if not isinstance(schema, dict) or len(chain) > MAX_REF_DEPTH:
        return []
    views: list[Mapping[str, Any]] = [schema]
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref not in chain:
        views.extend(_views(resolve_reference(ref, root), root, chain | {ref}))
    for combinator in ("allOf", "anyOf", "oneOf"):
        members = schema.get(combinator)
        if isinstance(members, list):
            views.extend(view for member in members for view in _views(member, root, chain))
    return views
