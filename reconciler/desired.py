"""The validated desired state and where each part of it was written, for messages that name file and line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.spec import AssistantSpec

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int
    col: int


@dataclass
class SourceMap:
    """Positions of the value and of the key of every node of one YAML document, by field path."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> Position:
        """The position of ``path``, or of its nearest ancestor that exists in the document."""
        for length in range(len(path), -1, -1):
            prefix = path[:length]
            found = (self.keys.get(prefix) if key else None) or self.values.get(prefix)
            if found is not None:
                return found
        return Position(1, 1)


@dataclass(frozen=True)
class SpecSource:
    file: str
    source_map: SourceMap
    overlay: SpecSource | None = None
    """The environment overlay that patched this spec: paths it wrote are located there."""

    def where(self, path: Path = (), *, key: bool = False) -> tuple[str, int, int]:
        if self.overlay is not None and self.overlay.covers(path):
            return self.overlay.where(path, key=key)
        position = self.source_map.locate(path, key=key)
        return self.file, position.line, position.col

    def covers(self, path: Path) -> bool:
        return any(path[:length] in self.source_map.values for length in range(1, len(path) + 1))


@dataclass(frozen=True)
class DesiredState:
    specs: tuple[AssistantSpec, ...]
    sources: Mapping[str, SpecSource]
    """Where each spec was written, by spec id."""


def format_path(path: Path) -> str:
    """``("context", "tags", 0)`` -> ``context.tags[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(value: Any) -> str:
    """A short, typed rendering of a YAML value for messages: ``boolean true``, ``null``, ``string 'x'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
