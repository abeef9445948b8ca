"""Pydantic models of the desired state: one ``AssistantSpec`` per YAML document in ``assistants.d/``.

The models are frozen and forbid unknown keys. They know nothing about files or line numbers (``loading``
maps their errors back to positions) and nothing about the server (``content`` turns a spec into the
comparable full state that ``diff`` and ``plan`` use).
"""

from __future__ import annotations

import re
import uuid
from functools import cached_property, lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from pydantic_core import PydanticCustomError

from reconciler.desired.locations import describe, quote

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"

ASSISTANT_ID_NAMESPACE = uuid.UUID("8e5c2a4f-3b1d-5f0e-9a47-6c2b1d0e7f31")
"""Namespace of the default ``assistant_id = uuid5(ASSISTANT_ID_NAMESPACE, id)``. Never change it: every
environment relies on it to find the assistants it created."""

RESERVED_METADATA_PREFIX = "reconciler/"
OWNER_KEY = "reconciler/owner"
ID_KEY = "reconciler/id"
COMMIT_KEY = "reconciler/commit"
"""Provenance: the git commit of the desired files a version was written from."""
DIGEST_KEY = "reconciler/digest"
"""Provenance: the digest of the content the reconciler wrote (``semantics.content_digest``)."""

CONTENT_FIELDS = ("graph_id", "name", "description", "context", "config", "metadata")


@lru_cache(maxsize=65536)
def default_assistant_id(spec_id: str) -> str:
    """``uuid5(ASSISTANT_ID_NAMESPACE, spec_id)``, computed once per id (loading and planning both ask)."""
    return str(uuid.uuid5(ASSISTANT_ID_NAMESPACE, spec_id))


@lru_cache(maxsize=65536)
def namespaced_assistant_id(namespace: str, spec_id: str) -> str:
    """``uuid5(ASSISTANT_ID_NAMESPACE, f"{namespace}/{spec_id}")``: the default id in an environment with an
    ``id_namespace``, so that environments sharing one server never share an assistant."""
    return str(uuid.uuid5(ASSISTANT_ID_NAMESPACE, f"{namespace}/{spec_id}"))


class RunnableConfigSpec(BaseModel):
    """The parts of a LangGraph RunnableConfig an assistant may carry; ``configurable`` is the server's
    mirror of ``context`` and is refused here."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True)

    tags: list[StrictStr] | None = None
    """Tags attached to every run of this assistant."""
    recursion_limit: Annotated[StrictInt, Field(ge=1)] | None = None
    """Maximum number of super-steps per run."""
    run_name: StrictStr | None = None
    """Name of the run in traces."""
    max_concurrency: Annotated[StrictInt, Field(ge=1)] | None = None
    """Maximum number of parallel calls."""
    metadata: dict[str, Any] | None = None
    """Run metadata (not the assistant's metadata)."""
    configurable: dict[str, Any] | None = Field(
        default=None, description="Not allowed: put these values under `context`."
    )

    @field_validator("configurable")
    @classmethod
    def _refuse_configurable(cls, value: object) -> object:
        raise PydanticCustomError(
            "configurable_in_config",
            "not allowed: put these values under `context` (the server mirrors context into config.configurable)",
        )


class SmokeCaseSpec(BaseModel):
    """A check run against the assistant after apply writes a new active version of it: a stateless run
    with this input, waited for. The case fails on an error, on the timeout, or when ``expect_contains``
    does not occur in the run's final values serialised as JSON. Never sent to the server as content."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True)

    input: dict[str, Any]
    """The run's input (the graph's input state)."""
    timeout: Annotated[float, Field(gt=0, le=3600)] = 60
    """Seconds to wait for the run to finish; default 60."""
    expect_contains: Annotated[StrictStr, Field(min_length=1)] | None = None
    """Text that must occur in the run's output: its final values as JSON (non-ASCII kept as is)."""

    @field_validator("timeout", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PydanticCustomError("smoke_timeout", "must be a number of seconds, e.g. 60")
        return float(value)


def _refuse_reserved_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    for key in value or {}:
        if key.startswith(RESERVED_METADATA_PREFIX):
            raise PydanticCustomError(
                "reserved_metadata_key",
                "keys starting with 'reconciler/' are reserved for ownership; remove it",
                {"key": key},
            )
    return value


def _normalise_uuid(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PydanticCustomError("bad_uuid", "{value} is not a UUID", {"value": quote(value)}) from None


class CommitPin(BaseModel):
    """``pin: {commit: <sha>}``: run the content this assistant's file had at that git commit."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True)

    commit: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{4,40}$")]
    """A git commit id or a prefix of one (at least 4 hex digits)."""


_PIN_FORM = "{commit: <git commit id or prefix>}"


def _check_pin(value: object) -> object:
    """One clear message for a bad pin, instead of one per member of the union."""
    if value is None or isinstance(value, CommitPin):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise PydanticCustomError("pin_range", "must be >= 1, got number {value}", {"value": value})
        return value
    if isinstance(value, dict):
        if set(value) == {"commit"} and isinstance(value["commit"], int | float) and not isinstance(
            value["commit"], bool
        ):
            # 1234567 and 1e51234 are hex prefixes too, but YAML reads them as numbers before we see them.
            raise PydanticCustomError(
                "pin_commit", 'a commit id that YAML reads as a number must be quoted: {commit: "<id>"}'
            )
        if set(value) != {"commit"} or not isinstance(value["commit"], str):
            raise PydanticCustomError("pin_commit", "expected {form}", {"form": _PIN_FORM})
        commit = value["commit"].strip().lower()
        if not re.match(r"^[0-9a-f]{4,40}$", commit):
            raise PydanticCustomError(
                "pin_commit", "{commit} is not a git commit id (4 to 40 hex digits)", {"commit": repr(value["commit"])}
            )
        return CommitPin(commit=commit)
    raise PydanticCustomError(
        "pin_type", "expected a version number or {form}, got {got}", {"form": _PIN_FORM, "got": describe(value)}
    )


class AssistantSpec(BaseModel):
    """One assistant as declared in git."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        use_attribute_docstrings=True,
        title="reconciler assistant",
    )

    id: Annotated[StrictStr, Field(pattern=ID_PATTERN)]
    """Identity of the assistant in git, unique across assistants.d."""
    graph_id: Annotated[StrictStr, Field(min_length=1)]
    """The graph this assistant configures (a key of the server's langgraph.json `graphs`)."""
    name: Annotated[StrictStr, Field(min_length=1)] | None = None
    """Display name; default: the id. Not empty: the server stores an empty name as "Untitled"."""
    description: StrictStr | None = None
    """Free text; default: none."""
    assistant_id: StrictStr | None = None
    """UUID of the assistant on the server; set it to adopt an existing assistant. Default: uuid5 of the id."""
    context: dict[str, Any] | None = None
    """Runtime context, validated against the graph's context schema."""
    config: RunnableConfigSpec | None = None
    """RunnableConfig without `configurable` (tags, recursion_limit, ...)."""
    metadata: dict[str, Any] | None = None
    """Free metadata; keys starting with `reconciler/` are reserved."""
    pin: Annotated[StrictInt, Field(ge=1)] | CommitPin | None = None
    """A version number of this server (set_latest; content fields may then be omitted), or
    `{commit: <sha>}`: the content this file had at that git commit, on every server."""
    smoke: list[SmokeCaseSpec] = Field(default_factory=list)
    """Checks run after apply writes a new active version; a failing one switches the assistant back."""

    _check_metadata = field_validator("metadata")(_refuse_reserved_metadata)
    _check_assistant_id = field_validator("assistant_id")(_normalise_uuid)
    _check_pin = field_validator("pin", mode="before")(_check_pin)

    @property
    def version_pin(self) -> int | None:
        """The pinned version number (a numeric pin), else None."""
        return self.pin if isinstance(self.pin, int) else None

    @property
    def commit_pin(self) -> str | None:
        """The pinned commit (a commit pin, resolved to 40 hex digits by loading), else None."""
        return self.pin.commit if isinstance(self.pin, CommitPin) else None

    @cached_property
    def resolved_assistant_id(self) -> str:
        """The id on the server (a uuid5 computed once: planning asks for it several times per spec)."""
        return self.assistant_id or default_assistant_id(self.id)

    def content(self, owner: str) -> dict[str, Any]:
        """The full state this spec asks for, in the server's terms, ownership keys included."""
        return {
            "graph_id": self.graph_id,
            "name": self.name if self.name is not None else self.id,
            "description": self.description,
            "context": dict(self.context or {}),
            "config": self.config_dict(),
            "metadata": {**(self.metadata or {}), ID_KEY: self.id, OWNER_KEY: owner},
        }

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(exclude_none=True) if self.config else {}

    def declared_content_fields(self) -> tuple[str, ...]:
        """The content fields written in the file (a pinned spec may omit the rest)."""
        return tuple(name for name in CONTENT_FIELDS if name in self.model_fields_set)


def file_format_json_schema() -> dict[str, Any]:
    """JSON Schema of the assistant file format, for editors (yaml-language-server)."""
    schema = AssistantSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["properties"]["metadata"]["anyOf"][0]["propertyNames"] = {"not": {"pattern": "^reconciler/"}}
    return schema
