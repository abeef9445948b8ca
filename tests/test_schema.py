"""schema: context against schemas/graphs/<graph_id>.json -> exact Problems; secrets from the schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reconciler.desired.loading import load_desired_state
from reconciler.desired.locations import Path as FieldPath
from reconciler.validation.schema import (
    GraphSchema,
    check_contexts,
    context_problems,
    load_schemas,
    read_schema,
    schema_file,
    serialise,
)
from tests.helpers import REPO_ROOT, write_tree

FIXTURE_SCHEMAS = REPO_ROOT / "tests" / "fixtures" / "schemas"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding a copy of the fixture schemas under ``schemas/``."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_SCHEMAS, tmp_path / "schemas")
    return tmp_path


def _context_problems(root: Path, files: dict[str, str]) -> list[str]:
    write_tree(root / "assistants.d", files)
    loaded = load_desired_state(Path("assistants.d"))
    _, problems = check_contexts(loaded.context_targets, Path("schemas"))
    return [str(problem) for problem in sorted(problems)]


def _agent(context: str) -> dict[str, str]:
    return {"x.yaml": "id: bot\ngraph_id: agent\ncontext:\n" + context}


def _fixture(graph_id: str) -> GraphSchema:
    return read_schema(schema_file(FIXTURE_SCHEMAS, graph_id))


def test_valid_context(workdir: Path) -> None:
    context = "  model_name: openai\n  temperature: 1.5\n  max_tokens: null\n  system_prompt: Hi.\n"
    assert _context_problems(workdir, _agent(context)) == []


def test_enum_violation(workdir: Path) -> None:
    assert _context_problems(workdir, _agent("  model_name: gpt\n")) == [
        "assistants.d/x.yaml:4:15: bot: context.model_name: 'gpt' is not one of ['anthropic', 'openai']"
    ]


def test_value_out_of_range(workdir: Path) -> None:
    assert _context_problems(workdir, _agent("  temperature: 3.5\n")) == [
        "assistants.d/x.yaml:4:16: bot: context.temperature: 3.5 is greater than the maximum of 2"
    ]


def test_wrong_type_in_context(workdir: Path) -> None:
    assert _context_problems(workdir, _agent("  temperature: hot\n  max_tokens: 2.5\n")) == [
        "assistants.d/x.yaml:4:16: bot: context.temperature: string 'hot' is not of type 'number'",
        "assistants.d/x.yaml:5:15: bot: context.max_tokens: number 2.5 is not of type 'integer' or 'null'",
    ]


def test_unknown_context_key_with_did_you_mean(workdir: Path) -> None:
    assert _context_problems(workdir, _agent("  sytem_prompt: You are helpful.\n")) == [
        "assistants.d/x.yaml:4:3: bot: context.sytem_prompt: unknown context key: graph 'agent' has no context "
        "key 'sytem_prompt'; the server would drop it silently (did you mean 'system_prompt'?)"
    ]


def test_unknown_context_key_lists_the_known_ones(workdir: Path) -> None:
    files = {"x.yaml": "id: s\ngraph_id: secure\ncontext:\n  api_key: k\n  endpoint: e\n  colour: red\n"}
    assert _context_problems(workdir, files) == [
        "assistants.d/x.yaml:6:3: s: context.colour: unknown context key: graph 'secure' has no context key "
        "'colour'; the server would drop it silently; known: api_key, endpoint, fallback_key, refresh_token, "
        "retries"
    ]


def test_required_context_key_missing(workdir: Path) -> None:
    files = {"x.yaml": "id: s\ngraph_id: secure\ncontext:\n  endpoint: https://example.com\n"}
    assert _context_problems(workdir, files) == [
        "assistants.d/x.yaml:4:3: s: context.api_key: required key is missing"
    ]


def test_required_context_keys_missing_without_context(workdir: Path) -> None:
    assert _context_problems(workdir, {"x.yaml": "id: s\ngraph_id: secure\n"}) == [
        "assistants.d/x.yaml:1:1: s: context.api_key: required key is missing",
        "assistants.d/x.yaml:1:1: s: context.endpoint: required key is missing",
    ]


def test_minimum_violation(workdir: Path) -> None:
    files = {"x.yaml": "id: s\ngraph_id: secure\ncontext:\n  api_key: k\n  endpoint: e\n  retries: -1\n"}
    assert _context_problems(workdir, files) == [
        "assistants.d/x.yaml:6:12: s: context.retries: -1 is less than the minimum of 0"
    ]


def test_graph_without_schema_names_schemas_pull(workdir: Path) -> None:
    assert _context_problems(workdir, {"x.yaml": "id: bot\ngraph_id: nope\ncontext:\n  a: 1\n"}) == [
        "assistants.d/x.yaml:2:11: bot: graph_id: no schema for graph 'nope' (schemas/graphs/nope.json not "
        "found); run `reconciler schemas pull --graph nope`"
    ]


def test_unreadable_schema_file(workdir: Path) -> None:
    broken = '{\n  "graph_id": "broken",\n  oops\n}'
    write_tree(workdir / "schemas", {"graphs/broken.json": broken, "graphs/odd.json": "[1, 2]"})
    files = {"x.yaml": "id: a\ngraph_id: broken\n---\nid: b\ngraph_id: odd\n"}
    assert _context_problems(workdir, files) == [
        "assistants.d/x.yaml:2:11: a: graph_id: schemas/graphs/broken.json:3:3: not valid JSON (Expecting property "
        "name enclosed in double quotes); run `reconciler schemas pull --graph broken`",
        "assistants.d/x.yaml:5:11: b: graph_id: schemas/graphs/odd.json:1:1: expected an object with "
        '"graph_id", "context_schema" and "config_schema"; run `reconciler schemas pull --graph odd`',
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            {"graph_id": "typed", "context_schema": {}}, "its graph_id 'typed' does not match the file name", id="name"
        ),
        pytest.param(
            {"graph_id": "g", "context_schema": [1]}, "context_schema must be a JSON Schema object or null, got a list",
            id="not-an-object",
        ),
        pytest.param(
            {"graph_id": "g", "context_schema": {"type": "strin"}},
            "context_schema is not a valid JSON Schema: 'strin' is not valid under any of the given schemas (at type)",
            id="bad-type",
        ),
        pytest.param(
            {"graph_id": "g", "config_schema": {"properties": {"a": {"minimum": "zero"}}}},
            "config_schema is not a valid JSON Schema: 'zero' is not of type 'number' (at properties.a.minimum)",
            id="bad-keyword",
        ),
        pytest.param(
            {"graph_id": "g", "context_schema": {"properties": {"a": {"$ref": "#/$defs/Gone"}}}},
            "context_schema is not a valid JSON Schema: cannot resolve $ref '#/$defs/Gone' (at properties.a)",
            id="dangling-ref",
        ),
    ],
)
def test_schema_file_that_is_not_a_graph_schema(workdir: Path, content: dict[str, Any], reason: str) -> None:
    write_tree(workdir / "schemas", {"graphs/g.json": json.dumps(content)})
    assert _context_problems(workdir, {"x.yaml": "id: a\ngraph_id: g\ncontext:\n  a: 1\n"}) == [
        f"assistants.d/x.yaml:2:11: a: graph_id: schemas/graphs/g.json:1:1: {reason}; run `reconciler schemas pull "
        "--graph g`"
    ]


def test_config_schema_is_the_fallback(workdir: Path) -> None:
    files = {"x.yaml": "id: old\ngraph_id: legacy\ncontext:\n  model: huge\n  modle: small\n"}
    assert _context_problems(workdir, files) == [
        "assistants.d/x.yaml:4:10: old: context.model: 'huge' is not one of ['small', 'large']",
        "assistants.d/x.yaml:5:3: old: context.modle: unknown context key: graph 'legacy' has no context key "
        "'modle'; the server would drop it silently (did you mean 'model'?)",
    ]


def test_graph_without_context_schema_accepts_no_keys(workdir: Path) -> None:
    assert _context_problems(workdir, {"x.yaml": "id: p\ngraph_id: plain\ncontext:\n  x: 1\n"}) == [
        "assistants.d/x.yaml:4:3: p: context.x: unknown context key: graph 'plain' declares no context schema; "
        "the server would drop it silently"
    ]


def test_context_is_checked_even_when_the_document_has_other_problems(workdir: Path) -> None:
    files = {"x.yaml": "id: Bad_Id\ngraph_id: agent\nnmae: x\ncontext:\n  temperature: 9\n"}
    assert _context_problems(workdir, files) == [
        "assistants.d/x.yaml:5:16: Bad_Id: context.temperature: 9 is greater than the maximum of 2"
    ]


def test_each_graph_schema_is_loaded_once_per_graph(workdir: Path) -> None:
    found, missing = load_schemas(Path("schemas"), ["agent", "agent", "secure", "nope"])
    assert sorted(found) == ["agent", "secure"]
    assert missing == {
        "nope": "no schema for graph 'nope' (schemas/graphs/nope.json not found); "
        "run `reconciler schemas pull --graph nope`"
    }


def test_context_problems_any_of_integer_or_null() -> None:
    assert context_problems({"max_tokens": "many"}, _fixture("agent")) == [
        (("context", "max_tokens"), "string 'many' is not of type 'integer' or 'null'", False)
    ]


def test_context_problems_any_of_accepts_each_member() -> None:
    assert context_problems({"max_tokens": None}, _fixture("agent")) == []
    assert context_problems({"max_tokens": 10}, _fixture("agent")) == []


def test_context_problems_unknown_key_points_at_the_key() -> None:
    assert context_problems({"sytem_prompt": "x"}, _fixture("agent")) == [
        (
            ("context", "sytem_prompt"),
            "unknown context key: graph 'agent' has no context key 'sytem_prompt'; the server would drop it "
            "silently (did you mean 'system_prompt'?)",
            True,
        )
    ]


def test_additional_properties_allowed_by_schema() -> None:
    schema = GraphSchema("open", {"type": "object", "properties": {"a": {}}, "additionalProperties": True}, None)
    assert context_problems({"b": 1}, schema) == []


def test_nested_context_path() -> None:
    schema = GraphSchema(
        "nested",
        {"type": "object", "properties": {"tools": {"type": "array", "items": {"type": "string"}}}},
        None,
    )
    assert context_problems({"tools": ["a", 2]}, schema) == [
        (("context", "tools", 1), "number 2 is not of type 'string' (quote it to make it a string)", False)
    ]


def test_secret_places_of_the_effective_schema() -> None:
    assert _fixture("secure").secret_places == frozenset({("api_key",), ("fallback_key",), ("refresh_token",)})
    assert GraphSchema("g", None, {"properties": {"pin": {"writeOnly": True}}}).secret_places == {("pin",)}
    assert _fixture("agent").secret_places == frozenset()


def test_serialise_round_trips_and_is_stable(tmp_path: Path) -> None:
    schema = _fixture("agent")
    text = serialise(schema)
    path = tmp_path / "agent.json"
    path.write_text(text, encoding="utf-8")
    assert read_schema(path) == schema
    assert serialise(read_schema(path)) == text
    assert text.startswith('{\n  "config_schema": {\n')
    assert text.endswith("}\n")


def test_effective_schema() -> None:
    assert GraphSchema("g", {"type": "object"}, {"title": "config"}).effective == {"type": "object"}
    assert GraphSchema("g", None, {"title": "config"}).effective == {"title": "config"}
    assert GraphSchema("g", None, None).effective == {}


def _unknown(path: str, key: str, hint: str, graph: str = "nested") -> str:
    return (
        f"unknown context key: graph {graph!r} has no key {key!r} in {path}; the server would drop it silently"
        + hint
    )


def test_unknown_keys_at_every_depth_of_a_pydantic_schema(workdir: Path) -> None:
    context = (
        "  retrieval:\n    index: docs\n    top_kk: 3\n"
        "  fallback:\n    indx: other\n"
        "  tools:\n    - name: search\n    - name: browse\n      enabeld: false\n"
        "  labels:\n    anything: [goes, here]\n"
    )
    assert _context_problems(workdir, {"x.yaml": "id: n\ngraph_id: nested\ncontext:\n" + context}) == [
        "assistants.d/x.yaml:6:5: n: context.retrieval.top_kk: "
        + _unknown("context.retrieval", "top_kk", " (did you mean 'top_k'?)"),
        "assistants.d/x.yaml:8:5: n: context.fallback.indx: "
        + _unknown("context.fallback", "indx", " (did you mean 'index'?)"),
        "assistants.d/x.yaml:12:7: n: context.tools[1].enabeld: "
        + _unknown("context.tools[1]", "enabeld", " (did you mean 'enabled'?)"),
    ]


def test_a_nested_value_of_the_wrong_shape_names_the_inner_field() -> None:
    assert context_problems({"fallback": {"top_k": "many"}, "tools": [{"enabled": True}]}, _fixture("nested")) == [
        (("context", "fallback", "top_k"), "string 'many' is not of type 'integer'", False),
        (("context", "tools", 0, "name"), "required key is missing", False),
    ]
    assert context_problems({"fallback": 5}, _fixture("nested")) == [
        (("context", "fallback"), "number 5 is not of type 'object' or 'null'", False),
    ]


def test_nullable_nested_model_accepts_null_and_free_form_levels_accept_anything() -> None:
    context: dict[str, Any] = {"fallback": None, "labels": {"x": {"y": 1}}, "retrieval": {}, "tools": []}
    assert context_problems(context, _fixture("nested")) == []


def _closed(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, **extra}


@pytest.mark.parametrize(
    ("schema", "context", "unknown"),
    [
        pytest.param(  # definitions + allOf (older pydantic), and a ref next to other keywords
            {"definitions": {"R": _closed({"k": {}})}, **_closed({"r": {"allOf": [{"$ref": "#/definitions/R"}]}})},
            {"r": {"kk": 1}},
            [("context", "r", "kk")],
            id="allOf-definitions",
        ),
        pytest.param(  # a map whose values are described: its keys are free, its values' keys are not
            _closed({"m": {"type": "object", "additionalProperties": _closed({"k": {}})}}),
            {"m": {"any": {"k": 1}, "other": {"kk": 1}}},
            [("context", "m", "other", "kk")],
            id="additionalProperties-schema",
        ),
        pytest.param(  # a union of two models: a key is unknown when neither knows it
            _closed({"u": {"anyOf": [_closed({"a": {}}), _closed({"b": {}})]}}),
            {"u": {"a": 1, "b": 2, "c": 3}},
            [("context", "u", "c")],
            id="union-of-models",
        ),
        pytest.param(  # a tuple, and a list of lists of objects
            _closed({"t": {"type": "array", "prefixItems": [_closed({"a": {}})], "items": _closed({"b": {}})},
                     "ll": {"type": "array", "items": {"type": "array", "items": _closed({"c": {}})}}}),
            {"t": [{"a": 1, "b": 1}, {"a": 1, "b": 1}], "ll": [[{"c": 1}, {"d": 1}]]},
            [("context", "ll", 0, 1, "d"), ("context", "t", 0, "b"), ("context", "t", 1, "a")],
            id="tuples-and-nested-lists",
        ),
        pytest.param(  # a recursive model is walked as deep as the value goes, and no deeper
            {"$defs": {"N": _closed({"child": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}})},
             "$ref": "#/$defs/N"},
            {"child": {"child": {"child": None, "chlid": 1}}},
            [("context", "child", "child", "chlid")],
            id="recursive",
        ),
        pytest.param(  # an object without properties, or open to extra keys, is free-form below the top
            _closed({"free": {"type": "object"}, "open": _closed({"a": {}}, additionalProperties=True)}),
            {"free": {"x": 1}, "open": {"y": 2}},
            [],
            id="free-form",
        ),
    ],
)
def test_unknown_nested_keys_in_every_schema_shape(
    schema: dict[str, Any], context: dict[str, Any], unknown: list[FieldPath]
) -> None:
    problems = context_problems(context, GraphSchema("g", schema, None))
    assert sorted(path for path, _, on_key in problems if on_key) == unknown
    assert all(message.startswith("unknown context key") for _, message, _ in problems)
