"""A fast, sufficient test that a value is valid against a JSON Schema: ``True`` only where Python jsonschema
would find no error, ``False`` where it cannot tell (jsonschema then decides and words the problems).

Checking thousands of contexts with jsonschema costs more than reading their files, so a context is first
checked by jsonschema-rs (Rust, Draft 2020-12). The two engines disagree in places (measured on the installed
versions; ``tests/test_fastpath.py`` holds each case), so a schema takes this path only when every keyword it
uses is one both read alike, and a value only when it is plain JSON both see alike:

- ``pattern``/``patternProperties``: only a common dialect (literals, classes, groups, quantifiers, ``^``, ``$``,
  ``\\d``/``\\w``); Rust reads ``\\d``/``\\w`` as ASCII and ``$`` as the very end (Python also matches before a
  final newline), so with those every string of the value must be ASCII, or not end with a newline;
- ``format``: jsonschema-rs checks every ``format`` of the schema with Python's own format checker (a format
  it does not assert passes), never with its own (it asserts ``email``, ``ipv4``... otherwise, and formats
  Python leaves alone);
- ``multipleOf``: whole numbers only (Rust accepts 0.3 as a multiple of 0.1, Python does not);
- numbers: at most 2**53 in size, finite (beyond that Rust compares big integers with floats otherwise, and
  refuses NaN as a number), never a bool or a subclass;
- ``$schema`` of another draft, ``$id``/anchors, a ``$ref`` other than a plain local pointer, ``dependencies``,
  ``unevaluated*``, ``content*`` and any keyword not listed here: jsonschema only. Nothing is ever fetched.

jsonschema_rs is imported when the first schema is compiled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from reconciler.validation.unknown_keys import resolve_reference

__all__ = ["Check", "compile_check"]

Check = Callable[[Any], bool]
"""``True``: valid for certain; ``False``: not known."""

DRAFT_2020_12 = ("https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#")
LARGEST = 2**53
"""Numbers up to this size are exact as floats, so both engines compare them alike."""

ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                         "writeOnly"})
SUBSCHEMA = frozenset({"not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames"})
SUBSCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SUBSCHEMA_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
COUNTS = frozenset({"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
                    "minContains", "maxContains"})
BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
TYPES = frozenset({"string", "integer", "number", "boolean", "null", "object", "array"})
LOCAL_POINTER = re.compile(r"#(/[A-Za-z0-9_.$-]+)*")
"""``$ref`` values both engines resolve alike (no escapes, no percent-encoding, no anchors)."""


class FormatChecker(Protocol):
    """What is used of jsonschema's ``FormatChecker``: the formats it asserts and its verdict on a value."""

    @property
    def checkers(self) -> Mapping[str, object]: ...

    def conforms(self, instance: object, format: str) -> bool: ...


@dataclass
class _Needs:
    """What a value must be for the two engines to agree on it, beyond plain JSON."""

    ascii_strings: bool = False
    """A pattern uses ``\\d``/``\\w``: Unicode in Python, ASCII in Rust."""
    no_final_newline: bool = False
    """A pattern uses ``$``: Python also matches it before a final newline."""
    formats: set[str] = field(default_factory=set)
    """The ``format`` values the schema names."""


def _never(_value: Any) -> bool:
    return False


def _any_string(_value: str) -> bool:
    return True


def compile_check(schema: Any, format_checker: FormatChecker) -> Check:
    """The fast test of ``schema`` (a whole schema: ``$ref`` resolves against it). ``format_checker``: the one
    Python's validator uses (any format it does not assert is an annotation)."""
    needs = _Needs()
    if not isinstance(schema, dict) or not _Survey(schema, needs).schema(schema):
        return _never
    formats = {
        name: partial(format_checker.conforms, format=name) if name in format_checker.checkers else _any_string
        for name in needs.formats
    }
    import jsonschema_rs

    try:
        validator = jsonschema_rs.Draft202012Validator(
            schema, formats=formats, validate_formats=bool(formats), retriever=_no_retrieval)
    except Exception:  # a pattern Rust cannot compile, a schema it refuses or cannot resolve: jsonschema decides
        return _never
    is_plain = _plain_value_test(needs)

    def check(value: Any) -> bool:
        if not is_plain(value):
            return False
        try:
            return bool(validator.is_valid(value))
        except Exception:  # whatever the fast path trips on, jsonschema decides
            return False

    return check


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"not fetched: {uri}")


class _Survey:
    """Whether every keyword of a schema is one both engines read alike, noting in ``needs`` what values must be."""

    def __init__(self, root: dict[str, Any], needs: _Needs) -> None:
        self.root = root
        self.needs = needs

    def schema(self, node: Any) -> bool:
        if isinstance(node, bool):
            return True
        if not isinstance(node, dict):
            return False
        return all(self._keyword(keyword, argument) for keyword, argument in node.items())

    def _keyword(self, keyword: str, argument: Any) -> bool:
        if keyword in ANNOTATIONS:
            return True
        if keyword in SUBSCHEMA:
            return self.schema(argument)
        if keyword in SUBSCHEMA_LIST:
            return isinstance(argument, list) and bool(argument) and all(map(self.schema, argument))
        if keyword in SUBSCHEMA_MAP:
            return isinstance(argument, dict) and all(map(self.schema, argument.values())) and (
                keyword != "patternProperties" or all(map(self._pattern, argument)))
        if keyword == "pattern":
            return isinstance(argument, str) and self._pattern(argument)
        if keyword == "format":
            if not isinstance(argument, str):
                return False
            self.needs.formats.add(argument)
            return True
        if keyword == "$ref":
            return isinstance(argument, str) and _local_reference(argument, self.root)
        if keyword == "$schema":
            return argument in DRAFT_2020_12
        return _plain_argument(keyword, argument)

    def _pattern(self, pattern: str) -> bool:
        found = _pattern_needs(pattern)
        if found is None:
            return False
        self.needs.ascii_strings |= found.ascii_strings
        self.needs.no_final_newline |= found.no_final_newline
        return True


def _local_reference(ref: str, root: dict[str, Any]) -> bool:
    return ref == "#" or (LOCAL_POINTER.fullmatch(ref) is not None and resolve_reference(ref, root) is not None)


def _plain_argument(keyword: str, argument: Any) -> bool:
    """The keywords whose argument is a value, not a schema."""
    if keyword in COUNTS:
        return type(argument) is int and 0 <= argument <= LARGEST
    if keyword in BOUNDS:
        return _number(argument)
    if keyword == "multipleOf":
        return type(argument) is int and 0 < argument <= LARGEST
    if keyword in ("enum", "const"):
        return (keyword == "const" or isinstance(argument, list)) and _plain_json(argument)
    if keyword == "type":
        names = argument if isinstance(argument, list) else [argument]
        return bool(names) and all(isinstance(name, str) and name in TYPES for name in names)
    if keyword == "required":
        return isinstance(argument, list) and all(type(name) is str for name in argument)
    if keyword == "dependentRequired":
        return isinstance(argument, dict) and all(_plain_argument("required", names) for names in argument.values())
    if keyword == "uniqueItems":
        return isinstance(argument, bool)
    return False  # $id, anchors, dependencies, unevaluated*, content*, any keyword not known here


def _number(value: Any) -> bool:
    if type(value) is int:
        return -LARGEST <= value <= LARGEST
    return type(value) is float and -LARGEST <= value <= LARGEST  # NaN compares false: refused too


def _plain_value_test(needs: _Needs) -> Check:
    """The test that a value is plain JSON both engines see alike (and, where a pattern needs it, that its
    strings are)."""
    strings = needs.ascii_strings or needs.no_final_newline

    def check(value: Any) -> bool:
        try:
            return _plain_json(value) and (not strings or _strings_read_alike(value, needs))
        except RecursionError:
            return False

    return check


def _plain_json(value: Any) -> bool:
    """Exact JSON types (no tuple, subclass, NaN, Decimal), numbers of ``_number`` (jsonschema-rs refuses a key
    that is not a string: ``check`` catches it). The leaves of a container are tested in place: this runs on every
    context, and a call per leaf would double its cost."""
    kind = type(value)
    if kind is dict:
        for item in value.values():
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if not ((kind is int or kind is float) and -LARGEST <= item <= LARGEST or _plain_json(item)):
                return False
        return True
    if kind is list:
        for item in value:
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if not ((kind is int or kind is float) and -LARGEST <= item <= LARGEST or _plain_json(item)):
                return False
        return True
    return kind is str or kind is bool or value is None or _number(value)


def _strings_read_alike(value: Any, needs: _Needs) -> bool:
    """Every string and key of ``value`` (plain JSON) is one the patterns read alike in both engines."""
    if isinstance(value, str):
        return (not needs.ascii_strings or value.isascii()) and not (needs.no_final_newline and value.endswith("\n"))
    if isinstance(value, dict):
        return all(_strings_read_alike(key, needs) and _strings_read_alike(item, needs) for key, item in value.items())
    if isinstance(value, list):
        return all(_strings_read_alike(item, needs) for item in value)
    return True


_QUANTIFIER = re.compile(r"(?:[*+?]|\{(\d{1,4})(?:(,)(\d{1,4})?)?\})\??")
_ESCAPED_LITERALS = frozenset(".^$*+?()[]{}|\\/-")
_CONTROL_ESCAPES = frozenset("ntr")
_ASCII_CLASSES = frozenset("dDwW")


def _pattern_needs(pattern: str) -> _Needs | None:
    """What a value needs for the two engines to read ``pattern`` alike; None outside the common dialect
    (lookarounds, backreferences, flags, named groups, ``\\s``, ``\\b``, ``\\Z``, possessive quantifiers,
    POSIX classes, set operations, ``{,n}``...)."""
    needs = _Needs()
    position, depth, repeatable = 0, 0, False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            escape = _escape(pattern[position + 1: position + 2], needs)
            if escape is None:
                return None
            position, repeatable = position + 2, True
            continue
        if char in "*+?{":
            quantifier = _QUANTIFIER.match(pattern, position)
            if not repeatable or quantifier is None or not _ordered_bounds(quantifier):
                return None
            position, repeatable = quantifier.end(), False
            continue
        if char == "[":
            end = _class_end(pattern, position + 1, needs)
            if end is None:
                return None
            position, repeatable = end, True
            continue
        if char == "(":
            # "(?" other than "(?:" (lookarounds, flags, named groups) then fails as a quantifier of nothing
            depth += 1
            position += 3 if pattern.startswith("(?:", position) else 1
            repeatable = False
            continue
        if char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char in "]}":
            return None
        needs.no_final_newline |= char == "$"
        repeatable = char not in "^$|"
        position += 1
    return needs if depth == 0 else None


def _ordered_bounds(quantifier: re.Match[str]) -> bool:
    low, comma, high = quantifier.groups()
    return low is None or comma is None or high is None or int(low) <= int(high)


def _escape(escaped: str, needs: _Needs) -> str | None:
    """The kind of ``\\`` + ``escaped`` in the common dialect, None when it is not in it."""
    if escaped in _ASCII_CLASSES:
        needs.ascii_strings = True
        return "class"
    if escaped and (escaped in _ESCAPED_LITERALS or escaped in _CONTROL_ESCAPES):
        return "literal"
    return None


def _class_end(pattern: str, position: int, needs: _Needs) -> int | None:
    """Where the character class opened before ``position`` ends: literals, ranges between two literals, the
    escapes of ``_escape``, a leading ``^``, ``-`` first or last. None for anything else (POSIX classes, nested
    sets, ``&&``, ``~~``, an empty class)."""
    if pattern.startswith("^", position):
        position += 1
    start, previous_literal = position, False
    while position < len(pattern):
        char = pattern[position]
        if char == "]" and position > start:
            return position + 1
        if char == "\\":
            escape = _escape(pattern[position + 1: position + 2], needs)
            if escape is None:
                return None
            position, previous_literal = position + 2, False  # a range starts at a plain character only
            continue
        if char == "-" and position > start and pattern[position + 1: position + 2] != "]":
            upper = pattern[position + 1: position + 2]
            if not previous_literal or not upper or upper in "[]\\&~-^" or upper < pattern[position - 1]:
                return None
            position, previous_literal = position + 2, False
            continue
        if char in "[]&~^":
            return None
        position, previous_literal = position + 1, True
    return None
