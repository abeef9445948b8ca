"""Where things are written: field paths inside a document, line/column positions, and short renderings of
values for messages. The vocabulary every module that reports a location shares (YAML reading, validation,
diff); it depends on nothing else in the package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int
    col: int


class SourceMap:
    """Positions of the value and of the key of every node of one YAML document, by field path.

    Filled on first use by ``record`` when one is given: only documents that something is reported about are
    ever asked, and reading one of those again costs less than recording every node of every document."""

    def __init__(
        self,
        values: dict[Path, Position] | None = None,
        keys: dict[Path, Position] | None = None,
        *,
        record: Callable[[SourceMap], None] | None = None,
    ) -> None:
        self._values: dict[Path, Position] = {} if values is None else values
        self._keys: dict[Path, Position] = {} if keys is None else keys
        self._record = record

    @property
    def values(self) -> dict[Path, Position]:
        """The position of the value at each path."""
        self._fill()
        return self._values

    @property
    def keys(self) -> dict[Path, Position]:
        """The position of the key of each path that is a mapping key."""
        self._fill()
        return self._keys

    def _fill(self) -> None:
        if self._record is not None:
            record, self._record = self._record, None
            record(self)

    def locate(self, path: Path, *, key: bool = False) -> Position:
        """The position of ``path``, or of its nearest ancestor that exists in the document."""
        for length in range(len(path), -1, -1):
            prefix = path[:length]
            found = (self.keys.get(prefix) if key else None) or self.values.get(prefix)
            if found is not None:
                return found
        return Position(1, 1)


def format_path(path: Path) -> str:
    """``("context", "tags", 0)`` -> ``context.tags[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


QUOTE_LIMIT = 60
"""Characters of a value that messages quote; a longer value is cut and its length said instead."""


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text``, or its first ``limit`` characters and how long it really is."""
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} characters)"


def quote(text: str) -> str:
    """``repr(text)``, cut to a short prefix for messages: ``'aaaa…'…(20000000 characters)``."""
    return repr(text) if len(text) <= QUOTE_LIMIT else f"{text[:QUOTE_LIMIT]!r}…({len(text)} characters)"


def describe(value: Any) -> str:
    """A short, typed rendering of a YAML value for messages: ``boolean true``, ``null``, ``string 'x'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {quote(value)}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
