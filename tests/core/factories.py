"""Factories for the core tests: ``make_spec()``, ``make_live()``, ``make_request()``, ``owned()``, a seeded
``MemoryServer`` and the graph schema the specs use."""

from __future__ import annotations

from typing import Any

from reconciler.desired.locations import Position, SourceMap
from reconciler.desired.spec import ID_KEY, OWNER_KEY, AssistantSpec, default_assistant_id
from reconciler.desired.state import DesiredState, SpecSource
from reconciler.planning.request import PlanRequest
from reconciler.server.live import LiveAssistant
from reconciler.validation.schema import GraphSchema
from tests.core.memory import MemoryServer

OWNER = "default"
SERVER = "http://memory.test"
UPDATED_AT = "2025-06-01T12:00:00+00:00"

_CONTEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "AgentContext",
    "properties": {
        "system_prompt": {"type": "string", "default": "You are helpful."},
        "model_name": {"type": "string", "enum": ["anthropic", "openai"], "default": "anthropic"},
        "temperature": {"type": "number", "default": 0.0},
        "max_tokens": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "endpoint": {"type": "string", "writeOnly": True},
        "openai_api_key": {"type": "string"},
    },
}
AGENT = GraphSchema("agent", _CONTEXT_SCHEMA, _CONTEXT_SCHEMA)
TYPED = GraphSchema("typed", {"type": "object", "properties": {"system_prompt": {"type": "string"}}}, None)
SCHEMAS = {"agent": AGENT, "typed": TYPED}


def make_spec(spec_id: str = "support-bot", **fields: Any) -> AssistantSpec:
    """A validated spec declaring exactly ``fields`` (graph ``agent`` unless given)."""
    return AssistantSpec.model_validate({"id": spec_id, "graph_id": fields.pop("graph_id", "agent"), **fields})


def source_of(spec: AssistantSpec) -> SpecSource:
    """Where the spec "was written": ``assistants.d/<id>.yaml``, one top-level key per line in field order."""
    source_map = SourceMap()
    for line, key in enumerate(sorted(spec.model_fields_set, key=list(AssistantSpec.model_fields).index), 1):
        source_map.keys[(key,)] = Position(line, 1)
        source_map.values[(key,)] = Position(line, len(key) + 3)
    return SpecSource(f"assistants.d/{spec.id}.yaml", source_map)


def make_desired(*specs: AssistantSpec) -> DesiredState:
    return DesiredState(specs=specs, sources={spec.id: source_of(spec) for spec in specs})


def make_request(
    *specs: AssistantSpec,
    prune: bool = False,
    only: tuple[str, ...] = (),
    owner: str = OWNER,
    max_deletes: int = 10,
    allowed_deletes: int | None = None,
    allow_delete_with_crons: bool = False,
) -> PlanRequest:
    return PlanRequest(
        desired=make_desired(*specs),
        schemas=dict(SCHEMAS),
        owner=owner,
        server=SERVER,
        prune=prune,
        only=only,
        max_deletes=max_deletes,
        allowed_deletes=allowed_deletes,
        allow_delete_with_crons=allow_delete_with_crons,
    )


def owned(spec_id: str, owner: str = OWNER, **extra: Any) -> dict[str, Any]:
    """The metadata of an assistant the reconciler manages as ``spec_id``."""
    return {**extra, ID_KEY: spec_id, OWNER_KEY: owner}


def aid(spec_id: str) -> str:
    return default_assistant_id(spec_id)


def make_server(**kwargs: Any) -> MemoryServer:
    return MemoryServer(dict(SCHEMAS), **kwargs)


def make_live(
    spec_id: str = "support-bot",
    *,
    version: int = 1,
    updated_at: str | None = UPDATED_AT,
    assistant_id: str | None = None,
    **content: Any,
) -> LiveAssistant:
    """An active assistant as search/get return it; ``content`` overrides graph ``agent``, name ``spec_id``."""
    data: dict[str, Any] = {
        "graph_id": "agent",
        "name": spec_id,
        "description": None,
        "context": {},
        "config": {},
        "metadata": {},
    }
    return LiveAssistant.model_validate(
        {
            **data,
            **content,
            "assistant_id": assistant_id or aid(spec_id),
            "version": version,
            "created_at": UPDATED_AT,
            "updated_at": updated_at,
        }
    )
