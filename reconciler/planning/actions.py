"""What every planning stage builds its actions from: the differences as plan Changes (secrets masked),
the state an action expects to find, and whose edit the live state is."""

from __future__ import annotations

from typing import Any

from reconciler.desired.locations import Path, format_path
from reconciler.planning.diff import differing_paths
from reconciler.planning.plan import Cause, Change, Create, Delete, Expected, SetLatest, Update
from reconciler.redact import mask
from reconciler.secrets import SchemaPlace, from_env, is_secret_path
from reconciler.server.live import LiveAssistant
from reconciler.server.semantics import source_of

ActionType = Create | Update | SetLatest | Delete


def changes_between(
    before: dict[str, Any],
    after: dict[str, Any],
    secrets: frozenset[SchemaPlace],
    secret_paths: frozenset[Path] = frozenset(),
) -> tuple[Change, ...]:
    return to_changes(differing_paths(before, after), secrets, secret_paths)


def to_changes(
    differences: list[tuple[Path, Any, Any]],
    secrets: frozenset[SchemaPlace],
    secret_paths: frozenset[Path] = frozenset(),
) -> tuple[Change, ...]:
    """Plain ``(path, before, after)`` differences as plan Changes, secrets flagged for the renderers. Values
    from ``!env`` (at ``secret_paths``) are not even kept: the plan, and so its file, holds only the mask."""
    changes = []
    for path, old, new in differences:
        if from_env(path, secret_paths):
            old, new = mask(old, sensitive=True), mask(new, sensitive=True)
        sensitive = is_secret_path(path, secrets, secret_paths)
        changes.append(Change(path=format_path(path), before=old, after=new, sensitive=sensitive))
    return tuple(changes)


def cause_of(live: LiveAssistant) -> Cause:
    """``files`` when the live version is the reconciler's own (its content matches its digest), else ``outside``."""
    return "files" if source_of(live.content()) == "reconciler" else "outside"


def expected_of(live: LiveAssistant) -> Expected:
    return Expected(exists=True, version=live.version, updated_at=live.updated_at)
