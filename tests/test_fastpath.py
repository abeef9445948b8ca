"""fastpath: True only where Python jsonschema finds no error (checked against jsonschema itself, schema by
value), and True for the contexts of generated schemas, so that the fast path is really taken.

Each schema named "disagree_..." (and "formats", with jsonschema-rs checking formats itself) is one where
jsonschema-rs alone, on the installed version, answers otherwise than Python jsonschema for one of the values
(measured by a test below); the fast path must leave them to jsonschema, or word them for Rust."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import random
import re
import subprocess
import sys
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any, Literal

import pydantic
import pytest
from jsonschema import Draft202012Validator, validators
from typing_extensions import TypedDict

from reconciler.validation.fastpath import ASSERTABLE_FORMATS, compile_check, surely_valid_schema
from reconciler.validation.schema import GraphSchema
from tests.helpers import REPO_ROOT

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


def formats() -> Any:
    """The format checker, given lazily as compile_check asks for it."""
    return FORMAT_CHECKER


DRAFT7 = "http://json-schema.org/draft-07/schema#"


def _valid(schema: Any, instance: Any) -> bool:
    cls = validators.validator_for(schema)
    return bool(cls(schema, format_checker=cls.FORMAT_CHECKER).is_valid(instance))


class Colour(enum.IntEnum):
    RED = 1


SCHEMAS: dict[str, Any] = {
    "types": {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
            "s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^a"},
            "b": {"type": "boolean"},
            "z": {"type": "null"},
            "l": {"type": "array", "items": {"type": "integer"}, "maxItems": 2, "uniqueItems": True},
            "u": {"type": ["string", "null"]},
        },
        "required": ["n"],
    },
    "enums": {"properties": {"e": {"enum": ["a", 1, True, None, 2.5]}, "c": {"const": 1}, "f": {"enum": [1.0]},
                             "d": {"const": {"k": [1]}}}},
    "closed": {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    "open_values": {"additionalProperties": {"type": "integer"}, "minProperties": 1, "maxProperties": 2},
    "refs": {
        "$defs": {
            "Node": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/Node"}}},
            "Choice": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "properties": {"node": {"$ref": "#/$defs/Node"}, "choice": {"$ref": "#/$defs/Choice"}},
        "allOf": [{"required": ["node"]}],
    },
    "combinators": {"properties": {"o": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
                                   "n": {"not": {"type": "integer"}},
                                   "i": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "null"}},
                                   "t": {"prefixItems": [{"type": "string"}], "items": {"type": "integer"},
                                         "contains": {"const": 1}, "maxContains": 1}}},
    "keys": {"propertyNames": {"pattern": "^[a-z_][a-z0-9_]*$", "maxLength": 3},
             "dependentRequired": {"a": ["b"]}, "dependentSchemas": {"c": {"required": ["d"]}}},
    "pattern_properties": {"patternProperties": {"^x[0-9]{1,2}$": {"type": "integer"}}},
    "digits": {"properties": {"p": {"pattern": "^\\d{3}-\\w+$"}, "q": {"not": {"pattern": "^[\\d]$"}}},
               "patternProperties": {"^\\d": {"type": "integer"}}},
    "boolean_schemas": {"properties": {"yes": True, "no": False}},
    "corners": {"properties": {"k": {"contains": {"const": 1}, "minContains": 0}, "m": {"maxContains": 1},
                               "f": {"if": {"type": "string"}}, "pn": {"propertyNames": False},
                               "u": {"uniqueItems": True}, "r": {"required": ["a"]},
                               "ap": {"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
                               "em": {"exclusiveMinimum": 0}, "ml": {"maxLength": 1}, "nul": {"const": None}}},
    "password": {"properties": {"secret": {"type": "string", "format": "password", "writeOnly": True}}},
    "integral_multiple": {"properties": {"m": {"multipleOf": 3}}},
    "exact_numbers": {"properties": {"c": {"const": 9007199254740992}, "m": {"maximum": 9007199254740991.0}}},
    # The schemas below are left to jsonschema (the fast path says "not known" for every value).
    "disagree_fractional_multiple": {"properties": {"m": {"multipleOf": 0.1}}},
    # Rust's own format checks differ from Python's: the fast path checks formats with Python's checker.
    "formats": {"properties": {"mail": {"format": "email"}, "day": {"format": "date"}, "ip": {"format": "ipv4"},
                               "id": {"format": "uuid"}, "site": {"format": "uri"},
                               "when": {"not": {"format": "date-time"}}, "host": {"format": "hostname"}}},
    "disagree_dependencies": {"not": {"dependencies": {"a": ["b"]}}},
    "disagree_big_numbers": {"properties": {"big": {"exclusiveMaximum": 2**70}, "c": {"not": {"const": 2**70}}}},
    "disagree_s": {"properties": {"w": {"not": {"pattern": "^\\s$"}}}},
    "disagree_posix": {"properties": {"w": {"pattern": "[[:alpha:]]"}}},
    "z_anchor": {"properties": {"w": {"pattern": "a\\Z"}}},  # Rust cannot compile it
    # Draft 7 ignores the siblings of $ref: Python finds {"n": 1} invalid, Rust's 2020-12 reading would not.
    "draft7": {"$schema": DRAFT7, "definitions": {"A": {}},
               "properties": {"n": {"not": {"$ref": "#/definitions/A", "type": "string"}}}},
    "anchor": {"$defs": {"A": {"$anchor": "a", "type": "integer"}}, "properties": {"a": {"$ref": "#a"}}},
    "nested_id": {"$defs": {"A": {"$id": "https://example.com/a", "type": "integer"}},
                  "properties": {"a": {"$ref": "#/$defs/A"}}},
    "remote_ref": {"properties": {"a": {"$ref": "https://example.com/schema.json"}}},
    "unevaluated": {"properties": {"a": {}}, "unevaluatedProperties": False},
    "lookaround": {"properties": {"w": {"pattern": "(?<=a)b"}}},
    "backreference": {"properties": {"w": {"pattern": "(a)\\1"}}},
    "unknown_keyword": {"properties": {"w": {"x-custom": 1}}},
    "nan_bound": {"properties": {"x": {"maximum": float("nan")}}},
}

LEFT_TO_JSONSCHEMA = {name for name in SCHEMAS if name.startswith("disagree_")} | {
    "draft7", "anchor", "nested_id", "remote_ref", "unevaluated", "lookaround", "backreference", "unknown_keyword",
    "nan_bound", "z_anchor"}

INSTANCES: list[Any] = [
    {}, {"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}, {"n": 2**70}, {"n": 1, "x": 0.5}, {"n": 1, "x": 1},
    {"n": 1, "x": -0.1}, {"n": 1, "x": False}, {"n": 1, "s": "ab"}, {"n": 1, "s": "a"}, {"n": 1, "s": "abcde"},
    {"n": 1, "s": "ba"}, {"n": 1, "b": 0}, {"n": 1, "b": False, "z": None, "u": None}, {"n": 1, "z": 0},
    {"n": 1, "l": [1, 2]}, {"n": 1, "l": [1, 1.0]}, {"n": 1, "l": [1, True]}, {"n": 1, "l": [1, 2, 3]},
    {"n": 1, "l": [1, "2"]}, {"n": 1, "l": (1, 2)}, {"n": 1, "u": 3}, {"n": float("nan")}, {"n": 1, "x": float("inf")},
    {"e": "a"}, {"e": 1}, {"e": 1.0}, {"e": True}, {"e": False}, {"e": None}, {"e": 2.5}, {"e": "b"}, {"c": 1},
    {"c": True}, {"c": 1.0}, {"f": 1}, {"f": 1.0}, {"d": {"k": [1]}}, {"d": {"k": [True]}}, {"d": {"k": [1.0]}},
    {"a": "x"}, {"a": "x", "b": 1}, {"a": 1}, {"free": 1, "other": 2}, {"free": "1"}, {"a": 1, "b": 2, "c": 3},
    {"node": {"v": 1, "next": {"v": 2, "next": {"v": 3}}}}, {"node": {"v": 1, "next": {"v": "2"}}},
    {"node": {}, "choice": None}, {"node": {}, "choice": 1.5}, {"choice": 1}, {"o": 1}, {"o": -1}, {"o": 0.5},
    {"n": "x"}, {"i": "ab"}, {"i": "a"}, {"i": None}, {"i": 1}, {"t": ["a", 1, 2]}, {"t": ["a", 1, 1]}, {"t": [1]},
    {"t": ["a"]}, {"c": 1, "d": 2}, {"c": 1}, {"a": 1, "b": 1}, {"abcd": 1}, {"A": 1}, {"x1": 1}, {"x1": "1"},
    {"x1\n": "1"}, {"x123": "1"}, {"p": "123-abc"}, {"p": "12-abc"}, {"p": "١٢٣-abc"}, {"p": "123-é"},
    {"p": "123-abc\n"}, {"٣": "x"}, {"3": 1}, {"3": "x"}, {"q": "٣"}, {"q": "3"}, {"q": "x"},
    {"yes": [1, {"deep": None}]}, {"no": 1},
    {"secret": "hunter2"}, {"secret": 2}, {"m": 9}, {"m": 9.0}, {"m": 4}, {"m": 4.5}, {"m": 0.3}, {"m": 0.7},
    {"m": 1e300}, {"m": 2**70}, {"c": 9007199254740992}, {"c": 9007199254740992.0}, {"m": 9007199254740992},
    {"mail": "x"}, {"mail": "someone@example.com"}, {"day": "2020-13-01"}, {"day": "2020-01-31"}, {"ip": "1.2.3"},
    {"ip": "10.0.0.1"}, {"id": "x"}, {"id": "12345678-1234-5678-1234-567812345678"}, {"site": "not a uri"},
    {"when": "x"}, {"when": "2020-01-01T00:00:00Z"}, {"host": "-x"}, {"mail": 1},
    {"big": 2.0**70}, {"big": 2**70 - 1}, {"c": 2.0**70}, {"w": "\x1c"}, {"w": " "}, {"w": "a"}, {"w": ":]"},
    {"w": "ab"}, {"w": "aa"}, {"a": 1, "w": "x"}, {"x": 1.0}, OrderedDict(n=1), {"n": Colour.RED}, {"n": Decimal(1)},
    {1: 2}, {"s": "\ud800"}, [], "text", None, 1,
    {"k": [2]}, {"m": [1, 1]}, {"f": 1}, {"pn": {}}, {"pn": {"a": 1}}, {"u": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]},
    {"u": [[1, 2], [2, 1]]}, {"u": [{"a": [1]}, {"a": [True]}]}, {"u": [0, 0.0]}, {"r": 1}, {"ap": {"x1": 1, "y": 1}},
    {"ap": {"x1": 1}}, {"ap": {"x1": 1.0}}, {"em": 0}, {"em": 0.0}, {"em": 1e-300}, {"em": -0.0}, {"ml": "😀"},
    {"ml": "ab"}, {"nul": None}, {"nul": 0}, {"nul": False}, {"nul": []},
]


@pytest.mark.parametrize(("name", "instance"), [(n, i) for n in sorted(SCHEMAS) for i in INSTANCES],
                         ids=lambda v: v if isinstance(v, str) and v in SCHEMAS else "")
def test_fast_path_never_accepts_what_jsonschema_refuses(name: str, instance: Any) -> None:
    schema = SCHEMAS[name]
    assert not compile_check(schema, formats)(instance) or _valid(schema, instance)


@pytest.mark.parametrize("name", sorted(set(SCHEMAS) - LEFT_TO_JSONSCHEMA))
def test_fast_path_accepts_most_values_jsonschema_accepts(name: str) -> None:
    """The guards cost little: of the plain ASCII values jsonschema accepts, the fast path takes each."""
    schema = SCHEMAS[name]
    plain = [i for i in INSTANCES if _is_plain_ascii(i) and _valid(schema, i)]
    assert plain and [i for i in plain if not compile_check(schema, formats)(i)] == []


def _is_plain_ascii(value: Any) -> bool:
    """Plain JSON of exact types, ASCII strings, numbers up to 2**53."""
    if type(value) is dict:
        return all(type(key) is str and _is_plain_ascii(key) and _is_plain_ascii(item) for key, item in value.items())
    if type(value) is list:
        return all(map(_is_plain_ascii, value))
    if type(value) is str:
        return value.isascii()
    if type(value) in (int, float):
        return bool(abs(value) <= 2**53)
    return value is None or type(value) is bool


@pytest.mark.parametrize("name", sorted(LEFT_TO_JSONSCHEMA))
def test_fast_path_leaves_schemas_the_engines_may_read_otherwise_to_jsonschema(name: str) -> None:
    check = compile_check(SCHEMAS[name], formats)
    assert [i for i in INSTANCES if check(i)] == []


@pytest.mark.filterwarnings("ignore:Possible nested set")  # Python's reading of "[[:alpha:]]"
@pytest.mark.parametrize("name", [name for name in sorted(SCHEMAS) if name.startswith("disagree_")] + ["formats"])
def test_the_engines_really_disagree_on_what_the_fast_path_guards(name: str) -> None:
    """The measurement behind each guard, on the installed jsonschema-rs: should this fail after an upgrade,
    the engines now agree there and the guard in fastpath.py may be widened."""
    import jsonschema_rs

    rust = jsonschema_rs.Draft202012Validator(SCHEMAS[name], validate_formats=name == "formats")
    assert [i for i in INSTANCES if _is_plain_json(i) and rust.is_valid(i) != _valid(SCHEMAS[name], i)] != []


@pytest.mark.parametrize("name", sorted(FORMAT_CHECKER.checkers))
def test_python_formats_pass_what_is_not_a_string(name: str) -> None:
    """jsonschema-rs asks the format checker about strings only: Python's checker must pass every other value."""
    assert all(FORMAT_CHECKER.conforms(value, name) for value in (1, 1.5, True, None, [], {}, ["x"], {"a": "x"}))


def _is_plain_json(value: Any) -> bool:
    try:
        return bool(json.loads(json.dumps(value, ensure_ascii=False).encode()) == value)
    except (TypeError, ValueError):
        return False


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"properties": {"l": {"type": "array"}}}, {"l": (1, 2)}),  # Rust reads a tuple as an array
        ({"properties": {"x": {"not": {"type": "number"}}}}, {"x": float("nan")}),  # Rust: NaN is no number
        ({"properties": {"x": {"not": {"type": "number"}}}}, {"x": float("inf")}),
        ({"patternProperties": {"^a$": {"type": "integer"}}}, {"a\n": "x"}),  # Python's $ matches before a "\n"
        ({"properties": {"d": {"not": {"pattern": "^\\d$"}}}}, {"d": "٣"}),  # Python's \d is Unicode
        ({"properties": {"w": {"not": {"pattern": "^[\\w]$"}}}}, {"w": "é"}),
        ({"properties": {"n": {"not": {"maximum": 2**53}}}}, {"n": 2**70}),
        ({"properties": {"n": {"type": "number"}}}, {"n": Decimal("1.5")}),  # jsonschema's multipleOf chokes on it
    ],
)
def test_fast_path_leaves_values_the_engines_read_otherwise_to_jsonschema(schema: Any, instance: Any) -> None:
    assert not compile_check(schema, formats)(instance)


def test_fast_path_leaves_non_ascii_strings_to_jsonschema_only_where_a_pattern_needs_it() -> None:
    digits = compile_check({"properties": {"p": {"pattern": "^\\d+"}, "t": {"type": "string"}}}, formats)
    letters = compile_check({"properties": {"p": {"pattern": "^[a-z]+$"}, "t": {"type": "string"}}}, formats)
    assert (digits({"p": "1", "t": "é"}), digits({"p": "1", "t": "x\n"})) == (False, True)
    assert (letters({"p": "a", "t": "é"}), letters({"p": "a", "t": "x\n"})) == (True, True)


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [("^a$", "a", True), ("^a$", "a\n", True), ("^a$", "a\n\n", False), ("^a$", "a\nb", False),
     ("^(a|b$)c?$", "b\n", True), ("^(a|b$)c?$", "bc", False), ("[$]", "$", True), ("\\$", "a$", True)],
)
def test_dollar_means_what_it_means_to_python(pattern: str, value: str, matches: bool) -> None:
    """Python's $ also matches before a final newline (a YAML block scalar ends with one); Rust is told so."""
    assert (re.search(pattern, value) is not None) is matches  # what Python does
    assert compile_check({"properties": {"p": {"pattern": pattern}}}, formats)({"p": value}) is matches
    key_schema = {"patternProperties": {pattern: {"type": "null"}}}  # {value: 0} is valid where the key does not match
    assert (compile_check(key_schema, formats)({value: 0}), _valid(key_schema, {value: 0})) == (not matches,) * 2


@pytest.mark.parametrize(
    ("pattern", "common"),
    [
        ("^[a-z0-9_-]+$", True), ("^\\d{3}-\\d{4}$", True), ("^(?:ab|cd)*?x{2,}$", True), ("a\\.b\\/c", True),
        ("[^\\]\\\\]", True), ("[-a]", True), ("[a-]", True), ("\\t\\n", True), ("é+", True),
        ("(?i)a", False), ("(?P<x>a)", False), ("(?=a)", False), ("(?<!a)b", False), ("(a)\\1", False),
        ("\\s", False), ("\\bx", False), ("a\\Z", False), ("\\Aa", False), ("a*+", False), ("a++", False),
        ("[[:alpha:]]", False), ("[a&&b]", False), ("[a~~b]", False), ("[a--b]", False), ("a{,2}", False),
        ("a{3,2}", False), ("\\p{L}", False), ("\\x41", False), ("\\u0041", False), ("\\<a", False), ("*a", False),
        ("a)", False), ("(a", False), ("[]a]", False), ("[z-a]", False), ("a{", False), ("]", False),
    ],
)
def test_only_patterns_of_the_common_dialect_take_the_fast_path(pattern: str, common: bool) -> None:
    schema = {"properties": {"p": {"pattern": pattern}}}
    assert bool(compile_check(schema, formats)({"q": "x"})) is common


class Model(enum.StrEnum):
    ANTHROPIC = "anthropic"
    OPENAI = "openai"


class Retrieval(pydantic.BaseModel):
    index: str = "help-centre"
    top_k: int = pydantic.Field(5, ge=1, le=50)


@dataclasses.dataclass
class DataclassContext:
    system_prompt: str = "You are helpful."
    model: Model = Model.ANTHROPIC
    max_tokens: int | None = None


class TypedContext(TypedDict, total=False):
    system_prompt: str
    temperature: float
    tags: list[str]
    mode: Literal["fast", "slow"]


class ModelContext(pydantic.BaseModel):
    system_prompt: str = pydantic.Field("x", min_length=1, max_length=10_000)
    temperature: float = pydantic.Field(0.0, ge=0, le=2)
    retrieval: Retrieval = Retrieval()
    fallback: Retrieval | None = None
    tools: list[Retrieval] = []
    labels: dict[str, str] = {}
    slug: str = pydantic.Field("a-b", pattern="^[a-z0-9-]+$")
    api_key: pydantic.SecretStr | None = None
    starts: datetime.date | None = None  # format "date", asserted by Python's checker
    request_id: uuid.UUID | None = None  # format "uuid", likewise


GENERATED: list[tuple[Any, dict[str, Any]]] = [
    (DataclassContext, {}),
    (DataclassContext, {"system_prompt": "Be brief ✓", "model": "openai", "max_tokens": 100}),
    (DataclassContext, {"max_tokens": None}),
    (TypedContext, {"system_prompt": "x", "temperature": 0.5, "tags": ["a", "b"], "mode": "fast"}),
    (TypedContext, {"temperature": 1}),
    (ModelContext, {}),
    (ModelContext, {"temperature": 2, "retrieval": {"top_k": 50}, "fallback": None}),
    (ModelContext, {"fallback": {"index": "docs", "top_k": 1}, "tools": [{}, {"index": "i"}]}),
    (ModelContext, {"labels": {"team": "support"}, "slug": "support-bot", "api_key": "sk-123"}),
    (ModelContext, {"starts": "2026-12-06", "request_id": "12345678-1234-5678-1234-567812345678"}),
]


@pytest.mark.parametrize(("model", "context"), GENERATED)
def test_contexts_of_generated_schemas_take_the_fast_path(model: Any, context: dict[str, Any]) -> None:
    schema = pydantic.TypeAdapter(model).json_schema()
    assert _valid(schema, context)
    assert compile_check(schema, formats)(context)


@pytest.mark.parametrize(
    ("model", "context"),
    [
        (DataclassContext, {"model": "gemini"}),
        (DataclassContext, {"max_tokens": "100"}),
        (TypedContext, {"tags": ["a", 1]}),
        (TypedContext, {"mode": "medium"}),
        (ModelContext, {"temperature": 2.5}),
        (ModelContext, {"system_prompt": ""}),
        (ModelContext, {"retrieval": {"top_k": 0}}),
        (ModelContext, {"fallback": {"top_k": "5"}}),
        (ModelContext, {"tools": [{"index": 1}]}),
        (ModelContext, {"labels": {"team": 1}}),
        (ModelContext, {"slug": "Not A Slug"}),
        (ModelContext, {"starts": "2026-13-06"}),
        (ModelContext, {"request_id": "not-a-uuid"}),
    ],
)
def test_invalid_contexts_of_generated_schemas_go_to_jsonschema(model: Any, context: dict[str, Any]) -> None:
    schema = pydantic.TypeAdapter(model).json_schema()
    assert not _valid(schema, context)
    assert not compile_check(schema, formats)(context)


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "schemas" / "graphs").glob("*.json")), ids=lambda p: p.stem)
def test_committed_graph_schemas_take_the_fast_path(path: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    schema = GraphSchema(data["graph_id"], data["context_schema"], data["config_schema"])
    samples = {"string": "text", "integer": 1, "number": 0.5, "boolean": True}
    context = {
        key: prop["default"] if "default" in prop else prop["enum"][0] if "enum" in prop else samples[prop["type"]]
        for key, prop in schema.effective.get("properties", {}).items()
    }
    assert schema.validator.is_valid(context)
    assert schema.surely_valid(context)


def test_jsonschema_rs_is_imported_only_when_a_schema_is_compiled() -> None:
    probe = (
        "import sys\n"
        "from reconciler.validation.schema import GraphSchema\n"
        "schema = GraphSchema('g', {'properties': {'a': {'type': 'integer'}}}, None)\n"
        "before = 'jsonschema_rs' in sys.modules\n"
        "schema.surely_valid({'a': 1})\n"
        "print(before, 'jsonschema_rs' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert result.stdout.split() == ["False", "True"]


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    atoms = ["a", "b", "-", ".", "\\.", "\\$", "[ab]", "[^a]", "[a-c]", "[-a]", "\\d", "\\w", "\\D", "\\W", "[\\d_]",
             "\\n", " "]
    parts = []
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.15 and depth < 2:
            atom = f"({'?:' if rng.random() < 0.5 else ''}{_random_pattern(rng, depth + 1)})"
        elif choice < 0.2 and depth < 2:
            atom = f"({_random_pattern(rng, depth + 1)}|{_random_pattern(rng, depth + 1)})"
        else:
            atom = rng.choice(atoms)
        parts.append(atom + rng.choice(["", "", "*", "+", "?", "{1,2}", "*?", "{2}", "{0,}"]))
    anchored = rng.choice(["", "^"]) + "".join(parts) + rng.choice(["", "$", "$", "|b$"])
    return anchored


@pytest.mark.parametrize("seed", range(100))
def test_random_patterns_of_the_common_dialect_read_alike(seed: int) -> None:
    """Python's re.search and jsonschema-rs (given the pattern as fastpath words it) agree on the strings the fast
    path takes (all of them, but non-ASCII ones where the pattern has \\d or \\w): a random pattern, 300 strings."""
    rng = random.Random(seed)
    schema = {"pattern": _random_pattern(rng)}
    check = compile_check(schema, formats)
    strings = ["".join(rng.choice("ab-._ 1$\n\r٣é\u2028") for _ in range(rng.randint(0, 5))) for _ in range(300)]
    unicode_classes = re.search(r"\\[dDwW]", schema["pattern"]) is not None
    assert [text for text in strings if check(text) and not _valid(schema, text)] == []
    assert [text for text in strings if _valid(schema, text) and not check(text)
            and (text.isascii() or not unicode_classes)] == []


def test_the_format_checker_is_asked_for_only_by_a_schema_that_names_a_format() -> None:
    asked: list[str] = []

    def checker() -> Any:
        asked.append("asked")
        return FORMAT_CHECKER

    assert compile_check({"type": "object", "properties": {"n": {"type": "integer"}}}, checker)({"n": 1})
    assert compile_check({"properties": {"key": {"type": "string", "format": "password"}}}, checker)({"key": "x"})
    assert asked == []
    assert compile_check({"properties": {"d": {"type": "string", "format": "date"}}}, checker)({"d": "2026-01-02"})
    assert asked == ["asked"]


def test_validating_valid_files_never_imports_jsonschema() -> None:
    """Python jsonschema (about 30 ms to import) is for contexts the fast path cannot vouch for, and for words."""
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['reconciler', 'validate']\n"
        "try:\n"
        "    runpy.run_module('reconciler', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    print(exit.code, 'jsonschema' in sys.modules, 'jsonschema_rs' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert result.stderr.split()[-3:] == ["0", "False", "True"], result.stdout + result.stderr


META_CASES: list[Any] = [
    {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "required": ["a"]},
    {"type": 5},
    {"type": "strin"},
    {"minimum": "x"},
    {"required": "a"},
    {"properties": []},
    {"pattern": "("},
    {"pattern": "\\p{L}"},
    {"pattern": "(?<=a)b"},
    {"pattern": "^[a-z]+$"},
    {"patternProperties": {"[": {}}},
    {"enum": "a"},
    {"anyOf": []},
    {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"items": {"type": "number"}, "minItems": -1},
    {"$defs": {"A": {"type": "object"}}, "properties": {"a": {"$ref": "#/$defs/A"}}},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
    {"$schema": "http://json-schema.org/draft-04/schema#", "exclusiveMinimum": True, "minimum": 1},
    {"format": 5},
    {"multipleOf": 0},
    {"dependentRequired": {"a": "b"}},
    *(json.loads((REPO_ROOT / "schemas" / "graphs" / f"{graph}.json").read_text())["context_schema"]
      for graph in ("agent", "typed", "legacy", "nested")),
]


@pytest.mark.parametrize("schema", META_CASES, ids=lambda schema: json.dumps(schema)[:60])
def test_a_schema_the_fast_path_vouches_for_is_one_jsonschema_accepts(schema: Any) -> None:
    accepted = validators.validator_for(schema).check_schema
    if surely_valid_schema(schema):
        accepted(schema)  # raises SchemaError where the two disagree


def test_the_committed_graph_schemas_are_vouched_for_by_the_fast_path() -> None:
    graphs = sorted((REPO_ROOT / "schemas" / "graphs").glob("*.json"))
    assert graphs
    for path in graphs:
        data = json.loads(path.read_text())
        for field in ("context_schema", "config_schema"):
            assert data[field] is None or surely_valid_schema(data[field]), (path.name, field)


def test_every_format_python_jsonschema_asserts_is_known_as_assertable() -> None:
    drafts = (validators.Draft3Validator, validators.Draft4Validator, validators.Draft6Validator,
              validators.Draft7Validator, validators.Draft201909Validator, validators.Draft202012Validator)
    registered = {name for draft in drafts for name in draft.FORMAT_CHECKER.checkers}
    assert registered and registered <= ASSERTABLE_FORMATS
