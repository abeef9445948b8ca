"""What the LangGraph server does with an assistant, in one place: every quirk the planner and apply rely on.

Pure knowledge, no I/O. The planner asks it how to build a request and when two contents are the same; apply
asks it which failures are transient and how a re-activated version is verified. Behaviour that differs between
server implementations (what ``set_latest`` restores, what a partial PATCH keeps) is never assumed from the
server's name: apply reads every write back and acts on what the server actually stored.

The facts (measured on the in-memory and the Postgres-backed runtimes, see docs/server-behaviour.md):
- every PATCH makes a new version, even an identical one, so nothing is sent for an assistant that matches;
- the Python servers mirror ``context`` and ``config.configurable`` into each other and refuse a body with both;
  the LangGraph.js server mirrors nothing and takes both: planned bodies carry ``context`` and a ``config``
  without ``configurable`` (writes.py adds the mirror for a server that accepts it), and ``configurable`` is
  never compared;
- metadata is merge-only: a key cannot be removed, only set to null, so null and absent compare equal;
- a description cannot be set to null on PATCH, only to ``""``, so null and ``""`` compare equal (the JS server
  refuses null on create too, so a create without one leaves it out);
- with an empty context the server ignores an empty ``config`` (every old key stays) but replaces the whole
  config by any non-empty one, so an update that empties both sends ``tags: []`` (equal to no tags);
- ``set_latest`` on the in-memory runtime restores config, metadata, name and description but not ``context``
  or ``graph_id``; the Postgres-backed runtime restores every field;
- system assistants (``metadata.created_by == "system"``) are the server's own, one per graph, recreated on
  restart: never managed.

Provenance (``reconciler/commit``, ``reconciler/digest``) is recorded in metadata on every write but is not
content: ``comparable`` leaves it out, so it never causes a diff, a rollback or a readback mismatch on its own.
A Studio edit merges metadata, so an edited version keeps the old digest: content that no longer matches its
digest was written outside git.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from reconciler.desired.spec import COMMIT_KEY, DIGEST_KEY, ID_KEY, OWNER_KEY

SYSTEM_CREATOR = "system"
"""``metadata.created_by`` of the assistant the server creates for each graph."""

PROVENANCE_KEYS = frozenset({COMMIT_KEY, DIGEST_KEY})
"""Metadata keys that record where a version came from, never what it is."""

Source = Literal["reconciler", "outside"]

STRIPPED_METADATA_KEYS = frozenset({"thread_id", "assistant_id", "run_id", "cron_id", "counters_since_delta_snapshot"})
"""Metadata keys (of the assistant and of ``config.metadata``, top level only) the server drops without an error."""

STRIPPED_CONTEXT_KEYS = frozenset({
    "langgraph_auth_user",
    "langgraph_auth_user_id",
    "langgraph_auth_permissions",
    "langgraph_request_id",
    "__langsmith_project__",
    "__request_start_time_ms__",
    "__after_seconds__",
})
"""Context keys (top level only) the server drops without an error; other names of the same kind (``thread_id``,
``run_id``) are stored."""

def is_system(metadata: dict[str, Any]) -> bool:
    return metadata.get("created_by") == SYSTEM_CREATOR


LOCK_KEY = "reconciler/lock"
"""Metadata of the apply lock (an assistant without ``reconciler/owner``): the owner it locks."""
LOCK_HOLDER_KEY = "reconciler/lock_holder"
LOCK_EXPIRES_KEY = "reconciler/lock_expires"


def is_lock(metadata: dict[str, Any]) -> bool:
    """The apply lock's assistant: never planned, imported, pruned or shown as managed."""
    return LOCK_KEY in metadata


def is_managed_by(metadata: dict[str, Any], owner: str) -> bool:
    """Whether a row may be treated as this owner's: its own metadata says so (whatever a search filter
    claimed), it has a reconciler id, and it is neither a system assistant nor the lock."""
    return (
        metadata.get(OWNER_KEY) == owner
        and isinstance(metadata.get(ID_KEY), str)
        and not is_system(metadata)
        and not is_lock(metadata)
    )


def live_content(row: dict[str, Any]) -> dict[str, Any]:
    """The full state of a live assistant or version row in the reconciler's terms (``configurable`` is the
    server's mirror of ``context`` and is left out)."""
    return {
        "graph_id": row.get("graph_id"),
        "name": row.get("name"),
        "description": row.get("description"),
        "context": dict(row.get("context") or {}),
        "config": {k: v for k, v in (row.get("config") or {}).items() if k != "configurable"},
        "metadata": dict(row.get("metadata") or {}),
    }


def comparable(content: dict[str, Any]) -> dict[str, Any]:
    """``content`` with the distinctions the server cannot keep taken out: null, ``""`` and absent description;
    null and absent metadata keys; absent, null and empty config values; ``config.configurable``."""
    return {
        "graph_id": content.get("graph_id"),
        "name": content.get("name"),
        "description": content.get("description") or "",
        "context": content.get("context") or {},
        "config": {
            k: v for k, v in (content.get("config") or {}).items() if k != "configurable" and v not in (None, [])
        },
        "metadata": {
            k: v for k, v in (content.get("metadata") or {}).items() if v is not None and k not in PROVENANCE_KEYS
        },
    }


def content_digest(content: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``comparable(content)``: provenance keys left out, keys
    sorted, integral floats written as integers (a server may hand ``1.0`` back as ``1``)."""
    canonical = json.dumps(_canonical(comparable(content)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def written_from(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """The live version carries the digest of ``desired``: the reconciler wrote it from exactly this content.
    If the two contents still differ, the server changed values as it stored them (a NUL character becomes
    U+FFFD): writing the same update again would make one more version each time, never a match."""
    return (live.get("metadata") or {}).get(DIGEST_KEY) == content_digest(desired)


def with_provenance(content: dict[str, Any], commit: str | None) -> dict[str, Any]:
    """``content`` with its digest and (inside git) its commit in metadata: what every write carries."""
    metadata = {k: v for k, v in (content.get("metadata") or {}).items() if k not in PROVENANCE_KEYS}
    metadata[DIGEST_KEY] = content_digest(content)
    if commit is not None:
        metadata[COMMIT_KEY] = commit
    return {**content, "metadata": metadata}


def source_of(content: dict[str, Any]) -> Source:
    """``reconciler`` when the content still matches the digest it carries, else ``outside`` (no digest, or
    an edit made elsewhere that kept the old digest through the metadata merge)."""
    digest = (content.get("metadata") or {}).get(DIGEST_KEY)
    return "reconciler" if isinstance(digest, str) and digest == content_digest(content) else "outside"


def commit_of(content: dict[str, Any]) -> str | None:
    commit = (content.get("metadata") or {}).get(COMMIT_KEY)
    return commit if isinstance(commit, str) else None


FULL_STATE_KEYS = frozenset({"graph_id", "name", "description", "context", "config", "metadata"})
"""The keys of every full-state body (``full_state_body``), no more, no fewer."""

CREATE_KEYS = FULL_STATE_KEYS | {"assistant_id", "if_exists"}
"""The keys of a create body (``create_body``); ``description`` only when there is one."""

RepairStep = Literal["update", "set_latest"]


def repair_steps(reason: Literal["pin", "rollback"]) -> tuple[RepairStep, ...]:
    """The writes that make a ``set_latest`` whole on a server whose set_latest leaves fields behind (the
    in-memory runtime keeps the newer context and graph_id). A rollback only needs the old content active,
    so an update writing it (a new version) is enough; a pin needs that very version active, so the update
    is followed by a second set_latest, which then finds the right context in place."""
    return ("update",) if reason == "rollback" else ("update", "set_latest")


def create_body(assistant_id: str, desired: dict[str, Any]) -> dict[str, Any]:
    """The ``POST /assistants`` body. The fixed id makes a retried create find its assistant instead of
    duplicating it (``if_exists: raise`` answers 409). No description is left out, not sent as null: the
    LangGraph.js server refuses a null one (400), and every server stores an absent one as null."""
    body = {"assistant_id": assistant_id, **desired, "if_exists": "raise"}
    if body.get("description") is None:
        body.pop("description", None)
    return body


def created_content(body: dict[str, Any]) -> dict[str, Any]:
    """What a create body asks the server to store (its content, without the request options)."""
    return {k: v for k, v in body.items() if k not in ("assistant_id", "if_exists")}


def full_state_body(desired: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """The full-state PATCH body: everything, metadata keys the file dropped as null (the server cannot
    remove a key), a cleared description as "" (null is refused on PATCH), never ``config.configurable``."""
    metadata = dict(desired.get("metadata") or {})
    for key, value in (live.get("metadata") or {}).items():
        if key not in metadata and value is not None:
            metadata[key] = None
    config = {k: v for k, v in (desired.get("config") or {}).items() if k != "configurable"}
    if not desired.get("context") and not config and set(live.get("config") or {}) - {"configurable"}:
        # With an empty context the server ignores an empty config, keeping the old keys, but replaces the
        # whole config by any other: an empty tags list clears every old key.
        config["tags"] = []
    return {
        "graph_id": desired["graph_id"],
        "name": desired.get("name") or "",
        "description": desired.get("description") or "",
        "context": dict(desired.get("context") or {}),
        "config": config,
        "metadata": metadata,
    }


def is_outcome_unknown_status(status: int | None) -> bool:
    """A gateway timeout: the proxy gave up waiting, the server behind it may still act on the request."""
    return status == 504


def is_transient_status(status: int | None) -> bool:
    """A status worth retrying a safe request for: rate limiting and server-side failures."""
    return status is not None and (status == 429 or status >= 500)


def graph_not_found(reason: str, graph_id: str) -> bool:
    """Whether a refusal's reason says that the server does not have graph ``graph_id`` (Aegra: ``Failed to
    extract schemas: Graph not found: <graph>``; LangGraph: ``Graph '<graph>' not found. ...``), rather than
    that the assistant is gone or the request is wrong."""
    names_graph = re.search(rf"(?<![\w-]){re.escape(graph_id)}(?![\w-])", reason) is not None
    lowered = reason.lower()
    return names_graph and "graph" in lowered and "not found" in lowered
