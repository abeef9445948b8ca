"""secrets: every rule for what counts as a secret (names, the schema's places, ``!env`` values, connection
credentials). Masking by these rules is tested in test_redact."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from reconciler.planning.actions import changes_between
from reconciler.secrets import (
    MAX_PLACES,
    MAX_SCHEMA_DEPTH,
    SchemaPlace,
    connection_secrets,
    env_values,
    from_env,
    is_secret_path,
    is_secret_query_parameter,
    is_secret_schema,
    looks_secret,
    schema_secret_places,
    secret_in_schema_path,
    shown_user,
)
from reconciler.validation.schema import GraphSchema
from tests.helpers import REPO_ROOT

SECRET_NAMES = [
    # key(s), unless it keys into data
    "api_key", "x-api-key", "APIKey", "apikey", "OPENAI_API_KEY", "openai_key", "anthropicKey", "signing_key",
    "encryption_key", "private_key", "private_key_path", "client_key", "access_keys", "key", "keys", "license_key",
    "aws_secret_access_key", "webhookSigningKey",
    # token(s), unless a count
    "token", "TOKEN", "authToken", "access_token", "refresh_token", "accessTokens", "bot_token", "tokens",
    "github_token", "hf_token",
    # always
    "secret", "client-secret", "clientSecret", "webhook_secret", "secrets", "password", "db_passwd",
    "passwords", "passphrase", "credential", "aws_credentials", "creds", "authorization", "Authorization",
    "auth_header", "bearer", "connection_string", "dsn", "session_cookie", "secret_key_base",
]
PLAIN_NAMES = [
    # keys into data, and words that merely contain "key"
    "sort_key", "cache_key", "primary_key", "foreign_keys", "partition_key", "idempotency_key", "routing_key",
    "public_key", "input_key", "output_key", "memory_key", "s3_key", "sortKeys", "monkey", "keyboard",
    "keyboard_layout", "keynote", "hotkey", "turkey",
    # counts of tokens, and words that merely contain "token"
    "max_tokens", "maxTokens", "completion_tokens", "num_tokens", "prompt_tokens", "context_tokens",
    "token_count", "token_limit", "tokens_per_minute", "token_url", "tokenizer", "tokenize",
    # about a secret, not the secret
    "api_key_name", "secret_name", "secret_id", "access_key_id", "password_policy", "api_key_env",
    "token_type", "session_cookie_name", "password_min_length",
    # other
    "secretary", "model_name", "temperature", "system_prompt", "", "author", "passage", "keyword", "keywords",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_looks_secret(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_does_not_look_secret(name: str) -> None:
    assert not looks_secret(name)


def test_is_secret_path_by_name_below_the_top_level_field() -> None:
    assert not is_secret_path(("context", "endpoint"))
    assert is_secret_path(("metadata", "webhook_secret"))
    assert is_secret_path(("context", "tools", 0, "auth_token"))
    assert is_secret_path(("context", "openai_key", "value"))
    assert not is_secret_path(("context", "max_tokens"))
    assert not is_secret_path(("api_key",))


def test_is_secret_path_by_the_schema_places_of_the_context() -> None:
    places = frozenset({("endpoint",), ("retrieval", "pin"), ("headers", None)})
    assert is_secret_path(("context", "endpoint"), places)
    assert is_secret_path(("context", "endpoint", "host"), places)
    assert is_secret_path(("context", "retrieval", "pin"), places)
    assert not is_secret_path(("context", "retrieval", "index"), places)
    assert is_secret_path(("context", "headers", 3), places)
    assert is_secret_path(("context", "headers", "x-trace"), places)
    assert not is_secret_path(("context", "header"), places)
    assert not is_secret_path(("metadata", "endpoint"), places)
    assert not is_secret_path(("context",), places)
    assert is_secret_path(("context",), frozenset({()}))


def test_values_from_env_are_secret() -> None:
    env_paths = frozenset({("context", "endpoint"), ("metadata", "team", 0)})
    assert is_secret_path(("context", "endpoint"), env_paths=env_paths)
    assert is_secret_path(("metadata", "team", 0, "x"), env_paths=env_paths)
    assert not is_secret_path(("metadata", "team", 1), env_paths=env_paths)
    assert from_env(("context", "endpoint"), env_paths)
    assert not from_env(("context",), env_paths)
    assert env_values(["A", "B", "UNSET", "EMPTY"], {"A": "one", "B": "two", "EMPTY": ""}) == {"one", "two"}


# --- the schema ------------------------------------------------------------------------------------------

SECRET = {"type": "string", "writeOnly": True}
PASSWORD = {"type": "string", "format": "password"}


def _places(properties: dict[str, Any], **root: Any) -> frozenset[SchemaPlace]:
    return schema_secret_places({"type": "object", "properties": properties, **root})


def test_places_of_a_pydantic_schema_with_secret_str() -> None:
    schema = json.loads((REPO_ROOT / "tests/fixtures/schemas/graphs/secure.json").read_text(encoding="utf-8"))
    assert schema_secret_places(schema["context_schema"]) == {("api_key",), ("fallback_key",), ("refresh_token",)}


@pytest.mark.parametrize("graph", ["agent", "plain"])
def test_no_places_in_schemas_without_secrets(graph: str) -> None:
    schema = json.loads((REPO_ROOT / f"tests/fixtures/schemas/graphs/{graph}.json").read_text(encoding="utf-8"))
    assert schema_secret_places(schema["context_schema"] or schema["config_schema"]) == frozenset()
    assert schema_secret_places(None) == frozenset()
    assert schema_secret_places({}) == frozenset()


@pytest.mark.parametrize(
    "prop",
    [
        SECRET,
        PASSWORD,
        {"anyOf": [SECRET, {"type": "null"}]},
        {"oneOf": [{"type": "null"}, PASSWORD]},
        {"allOf": [{"$ref": "#/definitions/Secret"}]},
        {"$ref": "#/$defs/Secret"},
        {"$ref": "#/$defs/Alias"},
        {"anyOf": [{"$ref": "#/$defs/Alias"}, {"type": "null"}], "default": None},
        {"anyOf": [{"allOf": [{"oneOf": [{"$ref": "#/definitions/Secret"}]}]}, {"type": "null"}]},
    ],
    ids=["writeOnly", "password", "anyOf", "oneOf", "allOf-ref", "ref", "ref-to-ref", "optional-ref", "deep-union"],
)
def test_a_secret_key_in_every_shape(prop: dict[str, Any]) -> None:
    definitions = {
        "$defs": {"Secret": PASSWORD, "Alias": {"$ref": "#/$defs/Secret"}},
        "definitions": {"Secret": SECRET},
    }
    assert _places({"token": prop, "plain": {"type": "string"}}, **definitions) == {("token",)}


def test_a_reference_to_any_json_pointer() -> None:
    """The old rule looked the reference's last word up in ``$defs`` (or else ``definitions``) only."""
    definitions = {"$defs": {"Other": {}}, "definitions": {"Key": SECRET}, "x": {"properties": {"a/b": PASSWORD}}}
    assert _places({"one": {"$ref": "#/definitions/Key"}, "two": {"$ref": "#/x/properties/a~1b"}}, **definitions) == {
        ("one",), ("two",)
    }


def test_secret_places_inside_nested_models_lists_and_maps() -> None:
    """The old rule saw top-level context keys only: a secret inside a nested model was shown in plans."""
    defs = {
        "Retrieval": {"type": "object", "properties": {"index": {"type": "string"}, "pin": SECRET}},
        "Tool": {"type": "object", "properties": {"name": {"type": "string"}, "signature": PASSWORD}},
    }
    properties = {
        "retrieval": {"$ref": "#/$defs/Retrieval"},
        "fallback": {"anyOf": [{"$ref": "#/$defs/Retrieval"}, {"type": "null"}]},
        "tools": {"type": "array", "items": {"$ref": "#/$defs/Tool"}},
        "pair": {"type": "array", "prefixItems": [{"type": "string"}, SECRET]},
        "headers": {"type": "object", "additionalProperties": SECRET},
        "vault": {"type": "object", "patternProperties": {"^k": {"anyOf": [PASSWORD, {"type": "null"}]}}},
    }
    assert _places(properties, **{"$defs": defs}) == {
        ("retrieval", "pin"), ("fallback", "pin"), ("tools", None, "signature"), ("pair", None),
        ("headers", None), ("vault", None),
    }


def test_a_secret_inside_a_recursive_model_is_secret_at_every_depth() -> None:
    node = {"type": "object", "properties": {
        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}, "pin": SECRET, "name": {"type": "string"},
    }}
    places = _places({"tree": {"$ref": "#/$defs/Node"}}, **{"$defs": {"Node": node}})
    assert places == {("tree", "pin"), ("tree", ..., "pin")}
    assert is_secret_path(("context", "tree", "children", 0, "children", 2, "pin"), places)
    assert not is_secret_path(("context", "tree", "children", 0, "name"), places)
    assert not is_secret_path(("context", "pin"), places)


def test_models_used_twice_at_every_level_cost_one_walk_each_and_widen_past_the_limit() -> None:
    """40 nested models each used twice would be 2**40 places; past MAX_PLACES they widen to the last key."""
    depth = 40
    defs: dict[str, Any] = {f"M{i}": {"properties": {"a": {"$ref": f"#/$defs/M{i + 1}"},
                                                    "b": {"$ref": f"#/$defs/M{i + 1}"}}} for i in range(depth)}
    defs[f"M{depth}"] = {"properties": {"pin": SECRET, "name": {"type": "string"}}}
    places = _places({"root": {"$ref": "#/$defs/M0"}}, **{"$defs": defs})
    assert 0 < len(places) <= MAX_PLACES
    assert all(place[0] == "root" and place[-2:] == (..., "pin") for place in places)
    assert is_secret_path(("context", "root", *["a", "b"] * 20, "pin"), places)
    assert not is_secret_path(("context", "root", *["a", "b"] * 20, "name"), places)
    few = _places({"root": {"$ref": "#/$defs/M37"}}, **{"$defs": defs})
    assert len(few) == 8 and ("root", "a", "b", "a", "pin") in few


def test_what_lies_deeper_than_the_reference_limit_is_secret() -> None:
    defs: dict[str, Any] = {f"M{i}": {"properties": {"next": {"$ref": f"#/$defs/M{i + 1}"}}} for i in range(70)}
    (place,) = _places({"root": {"$ref": "#/$defs/M0"}}, **{"$defs": defs})
    assert place[:3] == ("root", "next", "next") and len(place) == 1 + MAX_SCHEMA_DEPTH


def test_is_secret_schema_is_about_the_whole_value() -> None:
    root = {"$defs": {"S": SECRET, "Obj": {"properties": {"pin": SECRET}}}}
    assert is_secret_schema({"anyOf": [{"$ref": "#/$defs/S"}, {"type": "null"}]}, root)
    assert not is_secret_schema({"$ref": "#/$defs/Obj"}, root)
    assert not is_secret_schema({"$ref": "#/$defs/Missing"}, root)
    assert not is_secret_schema({"writeOnly": False, "format": "email"}, root)


def test_secret_in_schema_path_through_references_and_unions() -> None:
    root = {
        "properties": {"tools": {"type": "array", "items": {"$ref": "#/$defs/Tool"}}, "n": {"type": "integer"}},
        "$defs": {"Tool": {"properties": {"auth": {"anyOf": [{"$ref": "#/$defs/S"}, {"type": "null"}]}}},
                  "S": {"type": "string", "writeOnly": True, "minLength": 8}},
    }
    path: list[str | int] = ["properties", "tools", "items", "$ref", "properties", "auth", "anyOf", 0, "$ref"]
    path.append("minLength")
    assert secret_in_schema_path(root, path)
    assert not secret_in_schema_path(root, ["properties", "n", "type"])
    assert not secret_in_schema_path(root, ["properties", "missing", "type"])


def test_a_plan_change_inside_a_nested_secret_is_flagged() -> None:
    schema = GraphSchema(
        "nested",
        {"properties": {"retrieval": {"$ref": "#/$defs/R"}},
         "$defs": {"R": {"properties": {"pin": SECRET, "index": {"type": "string"}}}}},
        None,
    )
    before = {"context": {"retrieval": {"pin": "1234", "index": "a"}}}
    after = {"context": {"retrieval": {"pin": "9876", "index": "b"}}}
    changes = changes_between(before, after, schema.secret_places)
    assert {change.path: change.sensitive for change in changes} == {
        "context.retrieval.index": False,
        "context.retrieval.pin": True,
    }


# --- connections -----------------------------------------------------------------------------------------


def test_connection_secrets_are_the_key_the_password_and_the_basic_header() -> None:
    basic = base64.b64encode(b"deploy:hunter22").decode()
    assert connection_secrets("sk-1", "deploy", "hunter22") == ["sk-1", "hunter22", basic]
    assert connection_secrets("", "deploy", "") == []
    assert connection_secrets("sk-1") == ["sk-1"]


def test_url_credentials() -> None:
    assert shown_user("deploy:hunter22") == "deploy"
    assert shown_user(":hunter22") == ""
    assert shown_user("ghp_token") is None
    assert is_secret_query_parameter("api_key")
    assert is_secret_query_parameter("access_token")
    assert not is_secret_query_parameter("page")
