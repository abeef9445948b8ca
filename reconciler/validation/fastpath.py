"""A fast, sufficient test that a value is valid against a JSON Schema: ``True`` only where Python jsonschema
would find no error, ``False`` where it cannot tell (jsonschema then decides and words the problems).

Checking thousands of contexts with jsonschema costs more than reading their files, so a context is first
checked by jsonschema-rs (Rust, Draft 2020-12). The two engines disagree in places (measured on the installed
versions; ``tests/test_fastpath.py`` holds each case), so a schema takes this path only when every keyword it
uses is one both read alike, and a value only when it is plain JSON both see alike:

- ``pattern``/``patternProperties``: only a common dialect (literals, classes, groups, quantifiers, ``^``, ``$``,
  ``\\d``/``\\w``); Rust reads ``$`` as the very end, Python also before a final newline, so jsonschema-rs is
  given ``(?=\\n?$)`` for it; Rust reads ``\\d``/``\\w`` as ASCII (as Unicode in a pattern with a lookaround), Python
  as Unicode, so with those every string of the value must be ASCII;
- ``format``: jsonschema-rs checks every ``format`` of the schema with Python's own format checker (a format
  it does not assert passes), never with its own (it asserts ``email``, ``ipv4``... otherwise, and formats
  Python leaves alone);
- ``multipleOf``: whole numbers only (Rust accepts 0.3 as a multiple of 0.1, Python does not);
- values: exact JSON types (Rust reads a tuple as an array), numbers finite (Rust refuses NaN as a number) and
  at most 2**53 in size, in the value and in the schema (beyond, Rust compares big integers with floats otherwise);
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

__all__ = ["Check", "FormatChecker", "compile_check"]

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


ASSERTABLE_FORMATS = frozenset({
    "color", "date", "date-time", "duration", "email", "host-name", "hostname", "idn-email", "idn-hostname",
    "ip-address", "ipv4", "ipv6", "iri", "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time",
    "uri", "uri-reference", "uri-template", "uuid",
})
"""Every ``format`` Python jsonschema may assert (the drafts' formats, some only with optional packages installed).
Any other (pydantic's ``password`` for a SecretStr, ``binary``) is an annotation for it: no checker is needed."""


@dataclass
class _Needs:
    """What a value must be for the two engines to agree on it, beyond plain JSON."""

    ascii_strings: bool = False
    """A pattern uses ``\\d``/``\\w``: Unicode in Python, ASCII in Rust."""
    formats: set[str] = field(default_factory=set)
    """The ``format`` values the schema names."""


def _never(_value: Any) -> bool:
    return False


def _any_string(_value: str) -> bool:
    return True


def compile_check(schema: Any, format_checker: Callable[[], FormatChecker]) -> Check:
    """The fast test of ``schema`` (a whole schema: ``$ref`` resolves against it). ``format_checker`` gives the
    one Python's validator uses (any format it does not assert is an annotation); it is asked only when the schema
    names a format Python may assert, so that checking valid contexts does not import jsonschema."""
    needs = _Needs()
    try:
        for_rust = _Survey(schema, needs).schema(schema) if isinstance(schema, dict) else None
    except RecursionError:
        for_rust = None
    if for_rust is None:
        return _never
    checker = format_checker() if needs.formats & ASSERTABLE_FORMATS else None
    formats = {
        name: partial(checker.conforms, format=name) if checker and name in checker.checkers else _any_string
        for name in needs.formats
    }
    import jsonschema_rs

    try:
        validator = jsonschema_rs.Draft202012Validator(
            for_rust, formats=formats, validate_formats=bool(formats), retriever=_no_retrieval)
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


def surely_valid_schema(schema: Any) -> bool:
    """True only for a schema Python jsonschema's ``check_schema`` accepts too: every keyword one both engines read
    alike (patterns in the dialect both compile), and the whole valid against its metaschema for jsonschema-rs.
    False: not known (Python jsonschema checks it and words the problem)."""
    if not isinstance(schema, dict):
        return False
    try:
        if _Survey(schema, _Needs()).schema(schema) is None:
            return False
    except RecursionError:
        return False
    import jsonschema_rs

    try:
        return bool(jsonschema_rs.meta.is_valid(schema))
    except Exception:  # a schema jsonschema-rs cannot read: Python jsonschema decides
        return False


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"not fetched: {uri}")


class _Survey:
    """A schema as jsonschema-rs must read it to agree with Python jsonschema (its patterns in Rust's words), or
    None when some keyword is not one both engines read alike; notes in ``needs`` what values must be."""

    def __init__(self, root: dict[str, Any], needs: _Needs) -> None:
        self.root = root
        self.needs = needs

    def schema(self, node: Any) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            return None
        converted = {}
        for keyword, argument in node.items():
            converted[keyword] = self._keyword(keyword, argument)
            if converted[keyword] is _REFUSED:
                return None
        return converted

    def _keyword(self, keyword: str, argument: Any) -> Any:
        """``argument`` as jsonschema-rs must read it; ``_REFUSED`` when it is not read alike."""
        if keyword in SUBSCHEMA:
            return _refused_if_none(self.schema(argument))
        if keyword in SUBSCHEMA_LIST:
            members = [self.schema(member) for member in argument] if isinstance(argument, list) else []
            return members if members and None not in members else _REFUSED
        if keyword in SUBSCHEMA_MAP:
            return _refused_if_none(self._schema_map(argument, patterns=keyword == "patternProperties"))
        if keyword == "pattern":
            return _refused_if_none(self._pattern(argument) if isinstance(argument, str) else None)
        if keyword == "format" and isinstance(argument, str):
            self.needs.formats.add(argument)
        accepted = (
            keyword in ANNOTATIONS
            or (keyword == "format" and isinstance(argument, str))
            or (keyword == "$ref" and isinstance(argument, str) and _local_reference(argument, self.root))
            or (keyword == "$schema" and argument in DRAFT_2020_12)
            or _plain_argument(keyword, argument)
        )
        return argument if accepted else _REFUSED

    def _schema_map(self, argument: Any, *, patterns: bool) -> dict[str, Any] | None:
        if not isinstance(argument, dict):
            return None
        converted = {}
        for name, member in argument.items():
            key = self._pattern(name) if patterns else name
            converted_member = self.schema(member)
            if key is None or converted_member is None:
                return None
            converted[key] = converted_member
        return converted

    def _pattern(self, pattern: str) -> str | None:
        read = _read_pattern(pattern)
        if read is None:
            return None
        rust_pattern, ascii_strings = read
        self.needs.ascii_strings |= ascii_strings
        return rust_pattern


_REFUSED = object()


def _refused_if_none(converted: Any) -> Any:
    return _REFUSED if converted is None else converted


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
    """The test that a value is plain JSON both engines see alike (and, where a pattern uses ``\\d``/``\\w``, that
    its strings are ASCII)."""

    def check(value: Any) -> bool:
        try:
            return _plain_json(value) and (not needs.ascii_strings or _ascii_strings(value))
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


def _ascii_strings(value: Any) -> bool:
    """Every string and key of ``value`` (plain JSON) is ASCII."""
    if isinstance(value, str):
        return value.isascii()
    if isinstance(value, dict):
        return all(_ascii_strings(key) and _ascii_strings(item) for key, item in value.items())
    if isinstance(value, list):
        return all(map(_ascii_strings, value))
    return True


_QUANTIFIER = re.compile(r"(?:[*+?]|\{(\d{1,4})(?:(,)(\d{1,4})?)?\})\??")
_ESCAPED_LITERALS = frozenset(".^$*+?()[]{}|\\/-")
_CONTROL_ESCAPES = frozenset("ntr")
_ASCII_CLASSES = frozenset("dDwW")
PYTHON_END = "(?=\\n?$)"
"""Python's ``$`` (the end, or before a final newline) in Rust's words (where ``$`` is the end only)."""


def _read_pattern(pattern: str) -> tuple[str, bool] | None:
    """``pattern`` as jsonschema-rs must read it to match what Python's ``re.search`` matches, and whether that
    holds for ASCII strings only; None outside the common dialect (lookarounds, backreferences, flags, named
    groups, ``\\s``, ``\\b``, ``\\Z``, possessive quantifiers, POSIX classes, set operations, ``{,n}``...)."""
    needs = _Needs()
    rust: list[str] = []
    position, depth, repeatable = 0, 0, False
    while position < len(pattern):
        start, char = position, pattern[position]
        if char == "\\":
            if not _escape(pattern[position + 1: position + 2], needs):
                return None
            position, repeatable = position + 2, True
        elif char in "*+?{":
            quantifier = _QUANTIFIER.match(pattern, position)
            if not repeatable or quantifier is None or not _ordered_bounds(quantifier):
                return None
            position, repeatable = quantifier.end(), False
        elif char == "[":
            end = _class_end(pattern, position + 1, needs)
            if end is None:
                return None
            position, repeatable = end, True
        elif char == "(":
            # "(?" other than "(?:" (lookarounds, flags, named groups) then fails as a quantifier of nothing
            depth += 1
            position += 3 if pattern.startswith("(?:", position) else 1
            repeatable = False
        elif char in "]}" or (char == ")" and depth == 0):
            return None
        else:
            depth -= char == ")"
            repeatable = char not in "^$|"
            position += 1
        rust.append(PYTHON_END if char == "$" else pattern[start:position])
    return ("".join(rust), needs.ascii_strings) if depth == 0 else None


def _ordered_bounds(quantifier: re.Match[str]) -> bool:
    low, comma, high = quantifier.groups()
    return low is None or comma is None or high is None or int(low) <= int(high)


def _escape(escaped: str, needs: _Needs) -> bool:
    """Whether ``\\`` + ``escaped`` is in the common dialect."""
    if escaped in _ASCII_CLASSES:
        needs.ascii_strings = True
        return True
    return bool(escaped) and (escaped in _ESCAPED_LITERALS or escaped in _CONTROL_ESCAPES)


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
            if not _escape(pattern[position + 1: position + 2], needs):
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
