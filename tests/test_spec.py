"""spec: the AssistantSpec model, its default assistant_id and the full content it asks for."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.desired.spec import (
    ASSISTANT_ID_NAMESPACE,
    ID_KEY,
    OWNER_KEY,
    AssistantSpec,
    default_assistant_id,
    file_format_json_schema,
)


def make_spec(**fields: Any) -> AssistantSpec:
    return AssistantSpec.model_validate({"id": "support-bot", "graph_id": "agent", **fields})


def test_namespace_never_changes() -> None:
    assert ASSISTANT_ID_NAMESPACE == uuid.UUID("8e5c2a4f-3b1d-5f0e-9a47-6c2b1d0e7f31")


def test_default_assistant_id_is_uuid5_of_the_id() -> None:
    assert default_assistant_id("support-bot") == str(uuid.uuid5(ASSISTANT_ID_NAMESPACE, "support-bot"))
    assert make_spec().resolved_assistant_id == str(uuid.uuid5(ASSISTANT_ID_NAMESPACE, "support-bot"))
    assert make_spec().assistant_id is None


def test_explicit_assistant_id_wins_and_is_normalised() -> None:
    spec = make_spec(assistant_id="6F1C00000000400080000000000000AB")
    assert spec.assistant_id == "6f1c0000-0000-4000-8000-0000000000ab"
    assert spec.resolved_assistant_id == "6f1c0000-0000-4000-8000-0000000000ab"


def test_content_with_defaults_adds_ownership_keys() -> None:
    assert make_spec().content("team-a") == {
        "graph_id": "agent",
        "name": "support-bot",
        "description": None,
        "context": {},
        "config": {},
        "metadata": {ID_KEY: "support-bot", OWNER_KEY: "team-a"},
    }


def test_content_with_every_field() -> None:
    spec = make_spec(
        name="Support bot",
        description="Answers tickets",
        context={"model_name": "openai", "temperature": 0.2},
        config={"recursion_limit": 25, "tags": ["support"]},
        metadata={"team": "support"},
    )
    assert spec.content("default") == {
        "graph_id": "agent",
        "name": "Support bot",
        "description": "Answers tickets",
        "context": {"model_name": "openai", "temperature": 0.2},
        "config": {"recursion_limit": 25, "tags": ["support"]},
        "metadata": {"team": "support", "reconciler/id": "support-bot", "reconciler/owner": "default"},
    }


def test_declared_content_fields() -> None:
    assert make_spec().declared_content_fields() == ("graph_id",)
    assert make_spec(pin=3, context={}, metadata={"a": 1}, assistant_id=None).declared_content_fields() == (
        "graph_id",
        "context",
        "metadata",
    )
    spec = make_spec(name="n", description=None, context={}, config={}, metadata={})
    assert spec.declared_content_fields() == ("graph_id", "name", "description", "context", "config", "metadata")


def test_config_dict_leaves_out_unset_fields() -> None:
    assert make_spec(config={"tags": ["a"]}).config_dict() == {"tags": ["a"]}
    assert make_spec().config_dict() == {}


def test_spec_is_frozen() -> None:
    spec = make_spec()
    with pytest.raises(ValidationError):
        spec.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("spec_id", ["a", "0", "support-bot", "a.b_c-d", "a" * 100])
def test_valid_ids(spec_id: str) -> None:
    assert make_spec(id=spec_id).id == spec_id


@pytest.mark.parametrize("spec_id", ["", "Bot", "-bot", ".bot", "bot!", "a" * 101, "bot\n", "b ot"])
def test_invalid_ids(spec_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_spec(id=spec_id)
    assert [error["type"] for error in caught.value.errors()] == ["string_pattern_mismatch"]


def test_file_format_json_schema_for_editors() -> None:
    schema = file_format_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["id", "graph_id"]
    assert list(schema["properties"]) == [
        "id", "graph_id", "name", "description", "assistant_id", "context", "config", "metadata", "pin", "smoke",
    ]
    assert schema["properties"]["metadata"]["anyOf"][0]["propertyNames"] == {"not": {"pattern": "^reconciler/"}}


def test_committed_editor_schema_is_generated_from_the_models() -> None:
    from reconciler.validation.editor_schema import editor_schema_text_for
    from tests.helpers import REPO_ROOT

    committed = (REPO_ROOT / "schemas" / "assistant.schema.json").read_text(encoding="utf-8")
    assert committed == editor_schema_text_for(REPO_ROOT / "schemas"), "run `make assistant-schema` and commit it"


def test_smoke_cases_default_to_a_60_second_timeout_and_are_not_content() -> None:
    spec = make_spec(smoke=[{"input": {"text": "ping"}}, {"input": {}, "timeout": 5, "expect_contains": "pong"}])
    assert [(c.input, c.timeout, c.expect_contains) for c in spec.smoke] == [
        ({"text": "ping"}, 60.0, None),
        ({}, 5.0, "pong"),
    ]
    assert spec.content("o") == make_spec().content("o")


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        ({"input": "ping"}, "dict_type"),
        ({"input": {}, "timeout": 0}, "greater_than"),
        ({"input": {}, "timeout": "60"}, "smoke_timeout"),
        ({"input": {}, "timeout": True}, "smoke_timeout"),
        ({"input": {}, "expect_contains": ""}, "string_too_short"),
        ({"input": {}, "code": "print(1)"}, "extra_forbidden"),
        ({"timeout": 5}, "missing"),
    ],
)
def test_bad_smoke_cases(case: dict[str, object], kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_spec(smoke=[case])
    assert [error["type"] for error in caught.value.errors()] == [kind]
