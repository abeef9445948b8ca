"""Live assistants and versions as the server reports them, and the protocols through which the core reads
and apply writes them. No HTTP here: ``client`` implements these protocols with httpx."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from reconciler.desired.spec import CONTENT_FIELDS, OWNER_KEY
from reconciler.server.semantics import is_lock, is_managed_by, is_system, live_content
from reconciler.validation.schema import GraphSchema

_CONTENT_FIELDS = set(CONTENT_FIELDS)

DEFAULT_PARALLELISM = 8
"""Requests in flight at once: enough to hide a cloud round trip, few enough not to flood a shared server."""
MAX_PARALLELISM = 64


class LiveVersion(BaseModel):
    """One row of ``POST /assistants/{id}/versions``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    assistant_id: str
    version: int
    graph_id: str
    name: str | None = None
    description: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: str | None = None

    def content(self) -> dict[str, Any]:
        """The full state in the reconciler's terms; ``config.configurable`` mirrors context and is left out."""
        return live_content(self.model_dump(include=_CONTENT_FIELDS))


class LiveAssistant(LiveVersion):
    """The active version of an assistant, as ``GET /assistants/{id}`` and search return it."""

    updated_at: str | None = None

    @property
    def owner(self) -> str | None:
        owner = self.metadata.get(OWNER_KEY)
        return owner if isinstance(owner, str) else None

    @property
    def is_system(self) -> bool:
        return is_system(self.metadata)

    @property
    def is_lock(self) -> bool:
        return is_lock(self.metadata)

    def managed_by(self, owner: str) -> bool:
        return is_managed_by(self.metadata, owner)


@dataclass(frozen=True)
class GraphUnavailable:
    """Why the server gave no schema for a graph. The server only shows a graph's schema through one of its
    assistants, and a deleted system assistant comes back only when the server restarts: a graph can be served
    and still have no assistant to read the schema from."""

    graph_id: str
    served: bool | None
    """False when the server said it does not serve the graph (a search on it answered 404); None when it cannot
    tell (the LangGraph.js server and Aegra answer a search for any graph id alike, with no 404)."""

    def describe(self, server: str) -> str:
        """The problem and what to do about it."""
        if self.served is None:
            return (
                f"graph {self.graph_id!r} is not served by {server}, or its system assistant was deleted (this "
                f"server does not tell the two apart): check the graph's name; if it is served, restart the server, "
                f"which re-creates it, or create any assistant of graph {self.graph_id!r} there, then run this again"
            )
        if not self.served:
            return f"graph {self.graph_id!r} is not served by {server}"
        return (
            f"graph {self.graph_id!r} is served by {server} but has no assistant to read its schema from (its "
            f"system assistant was deleted); restart the server, which re-creates it, or create any assistant "
            f"of graph {self.graph_id!r} there, then run this again"
        )


@dataclass(frozen=True)
class HiddenAssistant:
    """An assistant the server holds but does not show: ``GET /assistants/{id}`` answers 404 while the id is
    taken (a create is a 409) and its versions are stored. The in-memory runtime does this to an assistant whose
    graph the deployment no longer serves; ``graph_id`` is that graph, as its newest version names it (None when
    the server would not show the versions either)."""

    assistant_id: str
    graph_id: str | None

    def describe(self, server: str) -> str:
        """The problem and the ways out of it."""
        graph = f"its graph {self.graph_id!r}" if self.graph_id else "its graph"
        serve = f"serve graph {self.graph_id!r} again" if self.graph_id else "serve its graph again"
        return (
            f"assistant {self.assistant_id} exists on {server} but {graph} is not served by this deployment, "
            f"so the server hides it (reads answer 404, a create with this id is refused as a duplicate); "
            f"{serve} (langgraph.json `graphs`), or delete the assistant (`DELETE /assistants/{self.assistant_id}` "
            "works on a hidden assistant), or give this assistant another `assistant_id`"
        )


class LiveReader(Protocol):
    """What planning may ask of the server."""

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        """Every assistant whose metadata carries this owner (all pages)."""
        ...

    def get(self, assistant_id: str) -> LiveAssistant | None:
        """The assistant, or None when the server has no assistant with that id."""
        ...

    def versions(self, assistant_id: str) -> list[LiveVersion]:
        """Every version, newest first."""
        ...

    def graph_schema(self, graph_id: str) -> GraphSchema | GraphUnavailable:
        """The graph's schemas, or why the server shows none."""
        ...

    # Batches: what planning and the stale check need for many assistants at once. An implementation over a
    # network answers them with concurrent requests or a few pages, never one request after another.

    def find(self, assistant_ids: Collection[str]) -> dict[str, LiveAssistant]:
        """The assistants among ``assistant_ids`` that exist, by id (absent ids are left out)."""
        ...

    def hidden(self, assistant_ids: Collection[str]) -> dict[str, HiddenAssistant]:
        """Among ids that ``find`` did not return, those the server still holds but hides (asked only for them:
        a create is planned only where ``find`` saw nothing)."""
        ...

    def versions_of(self, assistant_ids: Collection[str]) -> dict[str, list[LiveVersion]]:
        """Every version of each assistant, newest first, by id."""
        ...

    def graph_schemas(self, graph_ids: Collection[str]) -> dict[str, GraphSchema | GraphUnavailable]:
        """``graph_schema`` of each graph, by graph id."""
        ...

    def crons_using(self, assistant_id: str) -> list[str]:
        """Ids of the crons scheduled on the assistant (asked only for a planned delete)."""
        ...

    def threads_count(self, assistant_id: str) -> int | None:
        """How many threads ran the assistant (asked only for a planned delete); None when the server cannot
        count threads."""
        ...


class LiveWriter(LiveReader, Protocol):
    """What apply may do to the server."""

    def create(self, body: dict[str, Any]) -> LiveAssistant: ...

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant: ...

    def set_latest(self, assistant_id: str, version: int) -> LiveAssistant: ...

    def delete(self, assistant_id: str) -> None: ...
