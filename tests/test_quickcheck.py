"""quickcheck: True only where jsonschema finds no error (checked against jsonschema itself), and True for the
contexts of generated schemas, so that the quick path is really taken."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from reconciler.validation.quickcheck import compile_check
from reconciler.validation.schema import GraphSchema
from tests.helpers import REPO_ROOT

FORMATS = frozenset(Draft202012Validator.FORMAT_CHECKER.checkers)

SCHEMAS: dict[str, Any] = {
    "types": {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
            "s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^a"},
            "b": {"type": "boolean"},
            "z": {"type": "null"},
            "l": {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
            "u": {"type": ["string", "null"]},
        },
        "required": ["n"],
    },
    "enums": {
        "properties": {
            "e": {"enum": ["a", 1, True, None, 2.5]},
            "c": {"const": 1},
            "f": {"enum": [1.0]},
            "d": {"const": {"k": 1}},
        }
    },
    "closed": {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    "open_values": {"additionalProperties": {"type": "integer"}},
    "refs": {
        "$defs": {
            "Node": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/Node"}}},
            "Choice": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "properties": {"node": {"$ref": "#/$defs/Node"}, "choice": {"$ref": "#/$defs/Choice"}},
        "allOf": [{"required": ["node"]}],
    },
    "one_of": {"properties": {"o": {"oneOf": [{"type": "integer"}, {"minimum": 0}]}}},
    "email": {"properties": {"mail": {"type": "string", "format": "email"}}},
    "password": {"properties": {"secret": {"type": "string", "format": "password", "writeOnly": True}}},
    "draft7": {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"n": {"type": "integer"}}},
    "anchor": {"$defs": {"A": {"$anchor": "a", "type": "integer"}}, "properties": {"a": {"$ref": "#a"}}},
    "pattern_properties": {"patternProperties": {"^x": {"type": "integer"}}},
    "boolean_schemas": {"properties": {"yes": True, "no": False}},
    "not": {"properties": {"n": {"not": {"type": "integer"}}}},
}

INSTANCES: list[Any] = [
    {},
    {"n": 1},
    {"n": 1.0},
    {"n": True},
    {"n": "1"},
    {"n": 1, "x": 0.5},
    {"n": 1, "x": 1},
    {"n": 1, "x": -0.1},
    {"n": 1, "x": False},
    {"n": 1, "s": "ab"},
    {"n": 1, "s": "a"},
    {"n": 1, "s": "abcde"},
    {"n": 1, "s": "ba"},
    {"n": 1, "b": 0},
    {"n": 1, "b": False, "z": None, "u": None},
    {"n": 1, "z": 0},
    {"n": 1, "l": [1, 2]},
    {"n": 1, "l": [1, 2, 3]},
    {"n": 1, "l": [1, "2"]},
    {"n": 1, "l": [True]},
    {"n": 1, "u": 3},
    {"e": "a"},
    {"e": 1},
    {"e": 1.0},
    {"e": True},
    {"e": False},
    {"e": None},
    {"e": 2.5},
    {"e": "b"},
    {"c": 1},
    {"c": True},
    {"c": 1.0},
    {"f": 1},
    {"f": 1.0},
    {"d": {"k": 1}},
    {"a": "x"},
    {"a": "x", "b": 1},
    {"a": 1},
    {"free": 1, "other": 2},
    {"free": "1"},
    {"node": {"v": 1, "next": {"v": 2, "next": {"v": 3}}}},
    {"node": {"v": 1, "next": {"v": "2"}}},
    {"node": {}, "choice": None},
    {"node": {}, "choice": 1.5},
    {"choice": 1},
    {"o": 1},
    {"o": -1},
    {"mail": "someone@example.com"},
    {"mail": "not an email"},
    {"secret": "hunter2"},
    {"secret": 2},
    {"a": "a"},
    {"xa": 1},
    {"xa": "1"},
    {"yes": [1, {"deep": None}]},
    {"no": 1},
    [],
    "text",
    None,
]


def _valid(schema: Any, instance: Any) -> bool:
    cls = validators.validator_for(schema)
    return bool(cls(schema, format_checker=cls.FORMAT_CHECKER).is_valid(instance))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_quick_check_never_accepts_what_jsonschema_refuses(name: str) -> None:
    schema = SCHEMAS[name]
    check = compile_check(schema, FORMATS)
    accepted_but_invalid = [i for i in INSTANCES if check(i) and not _valid(schema, i)]
    assert accepted_but_invalid == []


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("types", {"n": 1, "x": 0.5, "s": "abc", "b": True, "z": None, "l": [1], "u": "x"}),
        ("enums", {"e": True, "c": 1, "f": 1.0}),
        ("closed", {"a": "x"}),
        ("open_values", {"free": 1}),
        ("refs", {"node": {"v": 1, "next": {"v": 2}}, "choice": None}),
        ("password", {"secret": "hunter2"}),
        ("boolean_schemas", {"yes": {"anything": [1]}}),
    ],
)
def test_quick_check_accepts_valid_values_of_the_keywords_it_knows(name: str, instance: Any) -> None:
    assert _valid(SCHEMAS[name], instance)
    assert compile_check(SCHEMAS[name], FORMATS)(instance)


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("types", {"n": 2.0}),  # an integral float is an integer to jsonschema: left to it
        ("enums", {"f": 1}),  # 1 equals 1.0 for jsonschema: left to it
        ("one_of", {"o": -1}),
        ("email", {"mail": "someone@example.com"}),  # a format jsonschema asserts
        ("draft7", {"n": 1}),
        ("anchor", {"a": 1}),
        ("pattern_properties", {"xa": 1}),
        ("not", {"n": "x"}),
    ],
)
def test_quick_check_leaves_what_it_does_not_know_to_jsonschema(name: str, instance: Any) -> None:
    assert _valid(SCHEMAS[name], instance)
    assert not compile_check(SCHEMAS[name], FORMATS)(instance)


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "schemas" / "graphs").glob("*.json")), ids=lambda p: p.stem)
def test_generated_graph_schemas_take_the_quick_path(path: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    schema = GraphSchema(data["graph_id"], data["context_schema"], data["config_schema"])
    samples = {"string": "text", "integer": 1, "number": 0.5, "boolean": True}
    context = {
        key: prop["default"] if "default" in prop else prop["enum"][0] if "enum" in prop else samples[prop["type"]]
        for key, prop in schema.effective.get("properties", {}).items()
    }
    assert schema.validator.is_valid(context)
    assert schema.surely_valid(context)
