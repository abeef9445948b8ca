"""The editor schema offers each committed graph's context keys, chosen by graph_id, and flags a misspelt one
the way `validate` does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.commands.schemas import write_editor_schema
from reconciler.validation.editor_schema import editor_schema, editor_schema_text_for
from reconciler.validation.schema import load_schemas
from tests.helpers import REPO_ROOT

SCHEMAS = REPO_ROOT / "schemas"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(editor_schema_text_for(SCHEMAS)))


def _errors(validator: Draft202012Validator, document: dict[str, Any]) -> list[str]:
    """Every message, those inside a union's alternatives included (an editor shows the innermost)."""
    messages: list[str] = []
    pending = list(validator.iter_errors(document))
    while pending:
        error = pending.pop()
        messages.append(error.message)
        pending.extend(error.context or ())
    return messages


def test_a_context_key_of_the_graph_validates(validator: Draft202012Validator) -> None:
    document = {"id": "a", "graph_id": "agent", "context": {"model_name": "openai", "temperature": 0.2}}
    assert _errors(validator, document) == []


def test_a_misspelt_context_key_is_flagged(validator: Draft202012Validator) -> None:
    document = {"id": "a", "graph_id": "agent", "context": {"sytem_prompt": "x"}}
    assert any("'sytem_prompt' was unexpected" in message for message in _errors(validator, document))


def test_the_graph_id_chooses_the_context(validator: Draft202012Validator) -> None:
    legacy_only = {"system_prompt": "s", "max_retries": 3}  # max_retries: only legacy has it
    assert _errors(validator, {"id": "a", "graph_id": "legacy", "context": legacy_only}) == []
    assert _errors(validator, {"id": "a", "graph_id": "agent", "context": legacy_only}) != []
    assert _errors(validator, {"id": "a", "graph_id": "not-committed", "context": {"anything": 1}}) == []


def test_nested_models_resolve_and_are_checked(validator: Draft202012Validator) -> None:
    good = {"id": "a", "graph_id": "nested", "context": {"retrieval": {"top_k": 8}}}
    typo = {"id": "a", "graph_id": "nested", "context": {"retrieval": {"top_kk": 8}}}
    wrong = {"id": "a", "graph_id": "nested", "context": {"retrieval": {"top_k": 500}}}
    assert _errors(validator, good) == []
    assert any("'top_kk' was unexpected" in message for message in _errors(validator, typo))
    assert _errors(validator, wrong) != []


def test_the_structure_offers_each_graphs_properties() -> None:
    found, _ = load_schemas(SCHEMAS, ["agent", "legacy"])
    schema = editor_schema(found)
    agent_branch = schema["allOf"][0]
    assert agent_branch["if"] == {"properties": {"graph_id": {"const": "agent"}}, "required": ["graph_id"]}
    assert agent_branch["then"]["properties"]["context"]["anyOf"][0] == {"$ref": "#/$defs/graph-context-agent"}
    agent = schema["$defs"]["graph-context-agent"]
    assert set(agent["properties"]) == {"max_tokens", "model_name", "system_prompt", "temperature"}
    assert agent["additionalProperties"] is False
    assert [branch["if"]["properties"]["graph_id"]["const"] for branch in schema["allOf"]] == ["agent", "legacy"]


def test_a_free_form_level_stays_open(validator: Draft202012Validator) -> None:
    document = {"id": "a", "graph_id": "nested", "context": {"labels": {"any": "thing"}}}
    assert _errors(validator, document) == []


def test_regenerating_follows_the_graph_schemas(tmp_path: Path) -> None:
    (tmp_path / "graphs").mkdir()
    (tmp_path / "graphs" / "agent.json").write_text((SCHEMAS / "graphs" / "agent.json").read_text())
    path, changed = write_editor_schema(tmp_path)
    again = write_editor_schema(tmp_path)
    schema = json.loads(path.read_text())
    assert (changed, again) == (True, (path, False))
    assert [branch["if"]["properties"]["graph_id"]["const"] for branch in schema["allOf"]] == ["agent"]
