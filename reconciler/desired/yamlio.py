"""YAML bytes -> plain JSON-like values with the position of every node, or Problems.

Stricter than ``yaml.safe_load``: duplicate keys, non-UTF-8 bytes, characters YAML does not allow (each
reported at its own line and column, with its name), a byte order mark after the start of the file, tags other
than YAML's own on scalars, mappings, lists or keys, merge keys, non-finite numbers, integers beyond 64 bits and
strings the server cannot store (a NUL character, a lone surrogate) are problems, and aliases are resolved
against a node budget so an alias bomb ("billion laughs") is refused after a bounded amount of work instead of
expanding into gigabytes. Only this module (and ``yamldump``, which writes YAML) imports yaml.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import yaml

from reconciler.desired.envrefs import NAME_PATTERN, EnvRef
from reconciler.desired.locations import Path, Position, SourceMap, clip, format_path
from reconciler.errors import Problem

MAX_NODES_PER_DOCUMENT = 100_000
MAX_DEPTH = 64
MAX_FILE_BYTES = 1024 * 1024
"""A YAML file larger than this (1 MiB: thousands of assistants) is refused before it is read whole or parsed."""

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader (in C where PyYAML has it), resolving the implicit tag of each distinct plain scalar once
    per file: a file of many documents repeats its keys and many values; YAML's resolution rules unchanged."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return str(super().resolve(kind, value, implicit))


_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
ENV_TAG = "!env"
"""The one tag beyond the core schema: ``!env NAME`` on a scalar (see ``envrefs``)."""
_SCALAR_TAGS = frozenset(_TAG + name for name in ("str", "timestamp", "null", "bool", "int", "float"))
_MAPPING_TAG = _TAG + "map"
_LIST_TAG = _TAG + "seq"
_STR, _TIMESTAMP, _NULL, _BOOL, _INT, _FLOAT = (
    _TAG + name for name in ("str", "timestamp", "null", "bool", "int", "float")
)
_MERGE = _TAG + "merge"

_FORBIDDEN_CHARACTER = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
"""Characters a YAML stream may not contain (YAML 1.1 ``c-printable``, as PyYAML reads it), and U+FEFF, which
is only allowed as the first character of the file."""
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_DECIMAL_INT64 = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_DECIMAL_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INTEGER_TOO_BIG = "the server stores integers beyond 64 bits as imprecise floating-point numbers; quote it as a string"


@dataclass(frozen=True)
class Document:
    file: str
    value: Any
    source_map: SourceMap
    start: Position
    problems: tuple[Problem, ...] = ()
    """Problems inside a document that could still be read (duplicate keys, odd scalars)."""
    may_hold_env_refs: bool = True
    """False only where it is known that no ``!env`` value is in ``value`` (nothing to resolve)."""


class _DocumentTooLarge(Exception):
    def __init__(self, node: yaml.Node, reason: str) -> None:
        self.node = node
        self.reason = reason


def read_documents(path: FilePath, display: str) -> tuple[list[Document], list[Problem]]:
    """Every document of one YAML file, or the problems that make it unreadable."""
    try:
        # One byte more than the limit is enough to know: memory stays bounded whatever the file's size
        # (and whatever stat says, for a pipe or a file still growing).
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return [], [Problem(display, 1, 1, message=f"cannot read the file: {exc.strerror or exc}")]
    return parse_documents(data, display)


def _too_large(display: str) -> Problem:
    return Problem(
        display,
        1,
        1,
        message=f"file larger than {MAX_FILE_BYTES // 1024 // 1024} MiB; refused (split it into several files)",
    )


def parse_documents(data: bytes, display: str) -> tuple[list[Document], list[Problem]]:
    """Every document of YAML ``data`` (a file's bytes, or a file as it was at a commit)."""
    if len(data) > MAX_FILE_BYTES:
        return [], [_too_large(display)]
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        return [], [Problem(display, line, col, message=message)]
    forbidden = _forbidden_characters(text, display)
    if forbidden:
        return [], forbidden
    return _compose(text, display)


def _forbidden_characters(text: str, display: str) -> list[Problem]:
    """Every character YAML refuses, each at its line and column and named (the parser would stop at the first,
    naming only its offset)."""
    problems = []
    for match in _FORBIDDEN_CHARACTER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(Problem(display, line, col, message=_forbidden_reason(match.group())))
    return problems


def _forbidden_reason(character: str) -> str:
    if character == "\x00":
        return "NUL byte (U+0000) in the file: YAML does not allow it and the server cannot store it; remove it"
    if character == "\ufeff":
        return "byte order mark (U+FEFF) in the middle of the file (files joined together?); remove it"
    code = ord(character)
    escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return (
        f"control character U+{code:04X} in the file: YAML does not allow it; remove it, or write it as an "
        f'escape ("{escape}") in a double-quoted string'
    )


def _compose(text: str, display: str) -> tuple[list[Document], list[Problem]]:
    documents: list[Document] = []
    problems: list[Problem] = []
    positions = _FilePositions(text, display)
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=_Loader)):
            document, document_problems = _convert_document(node, display, positions.recorder(index))
            problems.extend(document_problems)
            if document is not None:
                documents.append(document)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(exc, display, text))
    except yaml.YAMLError as exc:
        problems.append(Problem(display, 1, 1, message=f"YAML error: {exc}"))
    if not documents and not problems:
        problems.append(Problem(display, 1, 1, message="file is empty: expected one or more assistant documents"))
    return documents, problems


def _convert_document(
    node: yaml.Node, display: str, record: Callable[[SourceMap], None]
) -> tuple[Document | None, list[Problem]]:
    """A document (carrying its inner problems), or the problem that made it unreadable."""
    start = _position(node)
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL and not node.value:
        return None, []  # a stray `---` at the end of a file, as Kubernetes tooling allows
    converter = _Converter(display)
    try:
        value = converter.convert(node, ())
    except _DocumentTooLarge as exc:
        where = _position(exc.node)
        return None, [Problem(display, where.line, where.col, message=exc.reason)]
    source_map = SourceMap(record=record)
    return Document(display, value, source_map, start, tuple(converter.problems), converter.env_refs > 0), []


class _FilePositions:
    """The positions of every node of a file's documents, recorded only when one document's are first asked
    for (the file is read again once, for all of its documents)."""

    def __init__(self, text: str, display: str) -> None:
        self.text = text
        self.display = display
        self.maps: dict[int, SourceMap] | None = None

    def recorder(self, index: int) -> Callable[[SourceMap], None]:
        def record(source_map: SourceMap) -> None:
            recorded = self._recorded().get(index)
            if recorded is not None:
                source_map.values.update(recorded.values)
                source_map.keys.update(recorded.keys)

        return record

    def _recorded(self) -> dict[int, SourceMap]:
        if self.maps is None:
            self.maps = {}
            try:
                for index, node in enumerate(yaml.compose_all(self.text, Loader=_Loader)):
                    converter = _Converter(self.display, source_map=SourceMap())
                    try:
                        converter.convert(node, ())
                    except _DocumentTooLarge:
                        continue
                    assert converter.source_map is not None
                    self.maps[index] = converter.source_map
            except yaml.YAMLError:
                pass  # as when the file was first read: the documents before the error have their positions
        return self.maps


class _Converter:
    def __init__(self, display: str, source_map: SourceMap | None = None) -> None:
        self.display = display
        self.budget = MAX_NODES_PER_DOCUMENT
        self.source_map = source_map
        """Where positions are recorded, when they are (a second reading, for messages)."""
        self.problems: list[Problem] = []
        self.env_refs = 0

    def convert(self, node: yaml.Node, path: Path) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _DocumentTooLarge(
                node, f"document expands to more than {MAX_NODES_PER_DOCUMENT} nodes (alias bomb?); refused"
            )
        if len(path) > MAX_DEPTH:
            raise _DocumentTooLarge(node, f"nested deeper than {MAX_DEPTH} levels (recursive alias?); refused")
        if self.source_map is not None:
            self.source_map.values.setdefault(path, _position(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:  # the common case first
                text = node.value
                if "\x00" in text or not text.isascii():
                    self._check_string(text, node, path, "contains")
                return text
            return self._scalar(node, path)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAPPING_TAG:
                self._problem(_position(node), path, f"unsupported YAML tag {node.tag!r} on a mapping")
            return self._mapping(node, path)
        assert isinstance(node, yaml.SequenceNode)
        if node.tag != _LIST_TAG:
            self._problem(_position(node), path, f"unsupported YAML tag {node.tag!r} on a list")
        return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._problem(_position(key_node), path, "merge keys (<<) are not supported; repeat the keys")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(_position(key_node), path, "mapping keys must be plain strings")
                continue
            key = str(key_node.value)
            if key_node.tag not in _SCALAR_TAGS:
                self._problem(_position(key_node), (*path, key), f"unsupported YAML tag {key_node.tag!r} on a key")
            if "\x00" in key or not key.isascii():
                self._check_string(key, key_node, (*path, key), "key contains")
            if key in first_seen:
                earlier = _position(first_seen[key])
                self._problem(
                    _position(key_node), (*path, key), f"duplicate key (first defined at line {earlier.line})"
                )
                continue
            first_seen[key] = key_node
            if self.source_map is not None:
                self.source_map.keys[(*path, key)] = _position(key_node)
            elif type(value_node) is yaml.ScalarNode and value_node.tag == _STR and len(path) < MAX_DEPTH:
                # The most common node, inline: what ``convert`` does for a string, without building its path.
                self.budget -= 1
                if self.budget < 0:
                    self.convert(value_node, (*path, key))  # raises, saying why
                text = value_node.value
                if "\x00" in text or not text.isascii():
                    self._check_string(text, value_node, (*path, key), "contains")
                result[key] = text
                continue
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            self._check_string(str(node.value), node, path, "contains")
            return str(node.value)
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return _SCALAR_CONSTRUCTOR.construct_yaml_bool(node)
        if tag == _INT:
            if _DECIMAL_INT64.fullmatch(node.value):  # the common form, in int64 by its length
                return int(node.value)
            return self._integer(node, path)
        if tag == _FLOAT:
            plain = _DECIMAL_FLOAT.fullmatch(node.value)  # the common form: what YAML makes of it is float()
            number = float(node.value) if plain else _SCALAR_CONSTRUCTOR.construct_yaml_float(node)
            if not math.isfinite(number):
                self._problem(_position(node), path, f"{node.value} cannot be represented in JSON")
            return number
        if tag == ENV_TAG:
            return self._env_ref(node, path)
        self._problem(_position(node), path, f"unsupported YAML tag {tag!r}")
        return None

    def _env_ref(self, node: yaml.ScalarNode, path: Path) -> EnvRef | None:
        name = str(node.value).strip()
        if not NAME_PATTERN.match(name):
            message = f"`!env` needs an environment variable name (letters, digits, _), got {clip(repr(name))}"
            self._problem(_position(node), path, message)
            return None
        self.env_refs += 1
        return EnvRef(name)

    def _integer(self, node: yaml.ScalarNode, path: Path) -> int | None:
        digits = str(node.value).replace("_", "").lstrip("+-")
        number = _SCALAR_CONSTRUCTOR.construct_yaml_int(node) if len(digits) <= 40 else None
        if number is None or not INT64_MIN <= number <= INT64_MAX:
            self._problem(_position(node), path, f"integer {clip(str(node.value))} is out of range: {_INTEGER_TOO_BIG}")
            return None
        return number

    def _check_string(self, text: str, node: yaml.Node, path: Path, what: str) -> None:
        """Strings the server cannot store as sent; they can only come from escapes in double-quoted strings,
        since the raw characters are refused before parsing. (Hot path: callers skip a clean ASCII string.)"""
        if "\x00" in text:
            message = f"{what} a NUL character (\\0): the server stores U+FFFD instead; remove it"
            self._problem(_position(node), path, message)
        surrogate = None if text.isascii() else _LONE_SURROGATE.search(text)
        if surrogate is not None:
            self._problem(
                _position(node),
                path,
                f"{what} a lone surrogate (U+{ord(surrogate.group()):04X}), which is not valid Unicode and cannot "
                "be sent as JSON; remove it",
            )

    def _problem(self, position: Position, path: Path, message: str) -> None:
        self.problems.append(
            Problem(self.display, position.line, position.col, field=format_path(path) or None, message=message)
        )


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _character_at(text: str, line: int, col: int) -> str:
    lines = text.splitlines()
    return lines[line - 1][col - 1 : col] if 0 < line <= len(lines) else ""


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _syntax_problem(exc: yaml.MarkedYAMLError, display: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "syntax error"
    if "tab" in problem or _character_at(text, line, col) == "\t":
        return Problem(display, line, col, message="YAML syntax error: tab character; indent with spaces")
    message = f"YAML syntax error: {problem}" + (f" ({exc.context})" if exc.context else "")
    return Problem(display, line, col, message=message)
