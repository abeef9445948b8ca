"""A quick, sufficient test that a value is valid against a JSON Schema: ``True`` only where jsonschema would find
no error, ``False`` where it cannot tell (jsonschema then decides and words the problems).

Checking thousands of contexts with jsonschema costs more than reading their files; generated context schemas use
a handful of keywords, which this module checks with plain Python, exactly as jsonschema's Draft 2020-12 rules
do. Any keyword it does not know (``oneOf``, ``not``, ``patternProperties``, another draft's ``$schema``, a
``format`` jsonschema asserts, ...) makes it answer "cannot tell" for the part of the schema that uses it. Where a
rule has a corner it does not follow (an integral float for ``integer``, ``1`` against ``enum: [1.0]``) it
also says "cannot tell": never valid for a value jsonschema refuses.

Pure: no jsonschema here (``schema`` passes in the formats its checker asserts).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from reconciler.validation.unknown_keys import resolve_reference

__all__ = ["Check", "compile_check"]

Check = Callable[[Any], bool]
"""``True``: valid for certain; ``False``: not known."""

DRAFT_2020_12 = ("https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#")

ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$defs",
     "definitions", "$schema"}
)
"""Keywords that never make a value invalid (``$defs`` only holds what ``$ref`` points at)."""

_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),  # an integral float: not known
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _never(_value: Any) -> bool:
    return False


def _always(_value: Any) -> bool:
    return True


def compile_check(schema: Any, asserted_formats: frozenset[str]) -> Check:
    """The quick test of ``schema`` (a whole schema: ``$ref`` resolves against it). ``asserted_formats``: the
    ``format`` values the validator checks (any other ``format`` is an annotation)."""
    if isinstance(schema, dict) and schema.get("$schema") not in (None, *DRAFT_2020_12):
        return _never
    if _moves_references(schema):
        return _never
    return _Compiler(schema, asserted_formats).compile(schema)


_BASE_KEYWORDS = frozenset({"$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef", "$recursiveAnchor"})


def _moves_references(node: Any) -> bool:
    """Whether ``$ref`` may not mean a JSON pointer into the whole schema (a nested ``$id`` or an anchor)."""
    if isinstance(node, dict):
        return not _BASE_KEYWORDS.isdisjoint(node) or any(_moves_references(value) for value in node.values())
    if isinstance(node, list):
        return any(_moves_references(value) for value in node)
    return False


class _Compiler:
    def __init__(self, root: Any, asserted_formats: frozenset[str]) -> None:
        self.root = root
        self.asserted_formats = asserted_formats
        self.compiled: dict[int, Check] = {}
        """By id of the subschema: a ``$ref`` cycle reuses the check being built."""

    def compile(self, node: Any) -> Check:
        if node is True:
            return _always
        if not isinstance(node, dict):
            return _never
        key = id(node)
        if key not in self.compiled:
            # A $ref cycle meets this node again while it is being built: it gets a stand-in that calls the
            # finished check.
            finished: list[Check] = []
            self.compiled[key] = lambda value: finished[0](value)
            finished.append(_all(self._keywords(node)))
            self.compiled[key] = finished[0]
        return self.compiled[key]

    def _keywords(self, node: dict[str, Any]) -> list[Check] | None:
        """One check per validating keyword of ``node``, or None when one of them is not known."""
        checks: list[Check] = []
        for keyword, argument in node.items():
            if keyword in ANNOTATIONS or keyword == "additionalProperties":
                continue  # additionalProperties is checked with properties
            if keyword == "format":
                if argument in self.asserted_formats:
                    return None
                continue
            check = self._keyword(keyword, argument, node)
            if check is None:
                return None
            checks.append(check)
        if "additionalProperties" in node and "properties" not in node:
            check = self._properties({}, node["additionalProperties"])
            if check is None:
                return None
            checks.append(check)
        return checks

    def _keyword(self, keyword: str, argument: Any, node: dict[str, Any]) -> Check | None:
        if keyword == "type":
            return _type(argument)
        if keyword == "properties":
            return self._properties(argument, node.get("additionalProperties", True)) if isinstance(
                argument, dict) else None
        if keyword == "required":
            return _required(argument)
        if keyword in ("enum", "const"):
            members = argument if keyword == "enum" else [argument]
            return _one_of_values(members) if isinstance(members, list) else None
        if keyword in ("anyOf", "allOf"):
            if not isinstance(argument, list) or not argument:
                return None
            members = [self.compile(member) for member in argument]
            if keyword == "anyOf":
                return lambda value: any(member(value) for member in members)
            return lambda value: all(member(value) for member in members)
        if keyword == "$ref":
            if not isinstance(argument, str) or not (argument == "#" or argument.startswith("#/")):
                return None  # another document, or an anchor
            target = resolve_reference(argument, self.root) if argument != "#" else self.root
            if target is None:
                return None
            return self.compile(target)
        if keyword == "items":
            if "prefixItems" in node:
                return None
            item = self.compile(argument)
            return lambda value: not isinstance(value, list) or all(item(element) for element in value)
        return _bound(keyword, argument)

    def _properties(self, properties: dict[str, Any], additional: Any) -> Check | None:
        """``properties`` with ``additionalProperties`` (which applies to the keys ``properties`` does not list)."""
        checks = {name: self.compile(subschema) for name, subschema in properties.items()}
        if additional is False:
            extra: Check = _never
        elif additional is True:
            extra = _always
        elif isinstance(additional, dict):
            extra = self.compile(additional)
        else:
            return None

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name, item in value.items():
                if not checks.get(name, extra)(item):
                    return False
            return True

        return check


def _all(checks: list[Check] | None) -> Check:
    """One check for all of ``checks`` (None: a keyword that is not known)."""
    if checks is None:
        return _never
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for part in checks:
            if not part(value):
                return False
        return True

    return check


def _type(argument: Any) -> Check | None:
    names = argument if isinstance(argument, list) else [argument]
    tests = [_TYPES.get(name) if isinstance(name, str) else None for name in names]
    if not tests or any(test is None for test in tests):
        return None
    known = [test for test in tests if test is not None]
    return known[0] if len(known) == 1 else lambda value: any(test(value) for test in known)


def _required(argument: Any) -> Check | None:
    if not isinstance(argument, list) or not all(isinstance(name, str) for name in argument):
        return None
    names = tuple(argument)
    return lambda value: not isinstance(value, dict) or all(name in value for name in names)


def _one_of_values(members: list[Any]) -> Check:
    """``enum``/``const``: equal to a member of the same JSON type (so ``true`` never matches ``1``); a list, an
    object or a number of the other kind (``1`` vs ``1.0``) is left to jsonschema."""
    scalars = [member for member in members if member is None or isinstance(member, str | bool | int | float)]

    def check(value: Any) -> bool:
        return any(type(member) is type(value) and member == value for member in scalars)

    return check


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": operator.ge,
    "maximum": operator.le,
    "exclusiveMinimum": operator.gt,
    "exclusiveMaximum": operator.lt,
    "minLength": operator.ge,
    "maxLength": operator.le,
    "minItems": operator.ge,
    "maxItems": operator.le,
}


def _bound(keyword: str, argument: Any) -> Check | None:
    """The numeric, length and pattern keywords, each applying to one kind of value only (others pass)."""
    compare = _COMPARE.get(keyword)
    if compare is not None and keyword.endswith(("imum", "Minimum", "Maximum")):
        if not _TYPES["number"](argument):
            return None
        return lambda value: not _TYPES["number"](value) or compare(value, argument)
    if compare is not None:
        if not isinstance(argument, int) or isinstance(argument, bool):
            return None
        kind = str if keyword.endswith("Length") else list
        return lambda value: not isinstance(value, kind) or compare(len(value), argument)
    if keyword == "pattern" and isinstance(argument, str):
        try:
            pattern = re.compile(argument)
        except re.error:
            return None
        return lambda value: not isinstance(value, str) or pattern.search(value) is not None
    return None
