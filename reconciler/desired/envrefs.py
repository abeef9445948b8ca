"""``!env NAME``: a value read from the environment at plan and apply time, never written to git or a plan file.

The YAML reader turns ``!env NAME`` on a scalar into an ``EnvRef``; loading resolves every reference (a missing
variable is a problem at its line) and remembers where each was: values from there are secret
(``reconciler.secrets``), and the plan file stores ``{"$env": "NAME"}`` at those places instead of the value.
Reading a plan file resolves the references again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.desired.locations import Path

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REFERENCE_KEY = "$env"


@dataclass(frozen=True)
class EnvRef:
    """The value of environment variable ``name`` (not yet resolved)."""

    name: str


def resolve(value: Any, environ: Mapping[str, str], path: Path = ()) -> tuple[Any, list[tuple[Path, str]], list[str]]:
    """``value`` with every EnvRef replaced by its variable's value; ``(path, name)`` of each reference; the
    names that are not set (their places stay None)."""
    if isinstance(value, EnvRef):
        found = environ.get(value.name)
        return found, [(path, value.name)], ([] if found is not None else [value.name])
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        refs: list[tuple[Path, str]] = []
        missing: list[str] = []
        for key, item in value.items():
            out[key], inner_refs, inner_missing = resolve(item, environ, (*path, key))
            refs += inner_refs
            missing += inner_missing
        return out, refs, missing
    if isinstance(value, list):
        items = [resolve(item, environ, (*path, index)) for index, item in enumerate(value)]
        return (
            [item for item, _, _ in items],
            [ref for _, refs, _ in items for ref in refs],
            [name for _, _, names in items for name in names],
        )
    return value, [], []


def lookup(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def replaced(data: Any, path: Path, new: Any) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced (unchanged when the path does not exist)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and isinstance(head, str) and head in data:
        return {**data, head: replaced(data[head], rest, new)}
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        return [replaced(item, rest, new) if index == head else item for index, item in enumerate(data)]
    return data


def reference(name: str) -> dict[str, str]:
    return {REFERENCE_KEY: name}
