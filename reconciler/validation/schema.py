"""Context of each spec against its graph's committed schema (``schemas/graphs/<graph_id>.json``).

The server never checks context against the graph's schema and silently drops unknown keys at run
time, so this is the only place a typo like ``sytem_prompt`` is caught. Only this module imports jsonschema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from reconciler.desired.locations import QUOTE_LIMIT, Path, describe, format_path, quote
from reconciler.errors import Problem
from reconciler.redact import MASK
from reconciler.secrets import SchemaPlace, is_secret_path, schema_secret_places, secret_in_schema_path
from reconciler.validation.fastpath import Check, compile_check, surely_valid_schema
from reconciler.validation.unknown_keys import KeyWalker, resolve_reference

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from reconciler.desired.loading import ContextTarget

GRAPHS_DIR = "graphs"


@dataclass(frozen=True)
class GraphSchema:
    graph_id: str
    context_schema: dict[str, Any] | None
    config_schema: dict[str, Any] | None

    @property
    def effective(self) -> dict[str, Any]:
        """The schema context is checked against: context_schema, falling back to config_schema."""
        if self.context_schema is not None:
            return self.context_schema
        return self.config_schema or {}

    @cached_property
    def validator(self) -> Any:
        """The JSON Schema validator of ``effective``, built once per graph (building one costs far more than
        validating a context with it, and every spec of the graph is validated)."""
        from jsonschema import validators

        effective = self.effective
        validator_class = validators.validator_for(effective)
        return validator_class(effective, format_checker=validator_class.FORMAT_CHECKER)

    @cached_property
    def surely_valid(self) -> Check:
        """The fast test of ``effective`` (``fastpath``, jsonschema-rs): True only for a context the validator
        accepts."""
        return compile_check(self.effective, lambda: self.validator.format_checker)

    @cached_property
    def key_walker(self) -> KeyWalker:
        """Finds the context keys ``effective`` does not describe, learning the schema once per graph."""
        return KeyWalker(self.effective)

    @cached_property
    def secret_places(self) -> frozenset[SchemaPlace]:
        """The places in a context ``effective`` marks secret (``secrets.schema_secret_places``), worked out once."""
        return schema_secret_places(self.effective)

    def to_json(self) -> dict[str, Any]:
        return {"graph_id": self.graph_id, "context_schema": self.context_schema, "config_schema": self.config_schema}


def schema_file(schemas_dir: FilePath, graph_id: str) -> FilePath:
    return schemas_dir / GRAPHS_DIR / f"{graph_id}.json"


def serialise(schema: GraphSchema) -> str:
    """Stable text for the committed file, so that a pull with nothing new leaves git clean."""
    return json.dumps(schema.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class SchemaFileError(ValueError):
    """A schema file that cannot be used, with where in it the problem is."""

    def __init__(self, reason: str, line: int = 1, col: int = 1) -> None:
        self.line, self.col = line, col
        super().__init__(reason)


def read_schema(path: FilePath, graph_id: str | None = None) -> GraphSchema:
    """The graph schema in ``path`` (of graph ``graph_id`` when given), checked to be usable: valid JSON, the
    expected shape, valid JSON Schemas with resolvable references. Raise SchemaFileError saying why not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SchemaFileError(f"not valid JSON ({exc.msg})", exc.lineno, exc.colno) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaFileError(f"cannot read the file ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("graph_id"), str):
        raise SchemaFileError('expected an object with "graph_id", "context_schema" and "config_schema"')
    if graph_id is not None and data["graph_id"] != graph_id:
        raise SchemaFileError(f"its graph_id {quote(data['graph_id'])} does not match the file name")
    for field in ("context_schema", "config_schema"):
        _check_json_schema(field, data.get(field))
    return GraphSchema(data["graph_id"], data.get("context_schema"), data.get("config_schema"))


def _check_json_schema(field: str, schema: Any) -> None:
    if schema is None:
        return
    if not isinstance(schema, dict):
        raise SchemaFileError(f"{field} must be a JSON Schema object or null, got {describe(schema)}")
    if not surely_valid_schema(schema):
        _check_with_jsonschema(field, schema)
    for ref_path, ref in _references(schema, ()):
        if not ref.startswith("#") or resolve_reference(ref, schema) is None:
            where = format_path(ref_path) or "the top"
            raise SchemaFileError(f"{field} is not a valid JSON Schema: cannot resolve $ref {quote(ref)} (at {where})")


def _check_with_jsonschema(field: str, schema: dict[str, Any]) -> None:
    from jsonschema import SchemaError, validators

    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = format_path(tuple(exc.path)) or "the top"
        message = _short_message(exc.message, exc.instance)
        raise SchemaFileError(f"{field} is not a valid JSON Schema: {message} (at {where})") from exc


def _references(node: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every ``$ref`` in a schema, with where it is written."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield path, node["$ref"]
        for key, value in node.items():
            if key not in ("const", "default", "enum", "examples"):
                yield from _references(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, (*path, index))


def load_schemas(schemas_dir: FilePath, graph_ids: Iterable[str]) -> tuple[dict[str, GraphSchema], dict[str, str]]:
    """The schemas found for ``graph_ids``, and why each other graph has none."""
    found: dict[str, GraphSchema] = {}
    missing: dict[str, str] = {}
    for graph_id in sorted(set(graph_ids)):
        path = schema_file(schemas_dir, graph_id)
        if not path.is_file():
            missing[graph_id] = (
                f"no schema for graph {graph_id!r} ({path} not found); run `reconciler schemas pull --graph {graph_id}`"
            )
            continue
        try:
            found[graph_id] = read_schema(path, graph_id)
        except SchemaFileError as exc:
            missing[graph_id] = f"{path}:{exc.line}:{exc.col}: {exc}; run `reconciler schemas pull --graph {graph_id}`"
    return found, missing


def check_contexts(
    targets: Iterable[ContextTarget], schemas_dir: FilePath
) -> tuple[dict[str, GraphSchema], list[Problem]]:
    """The schemas of every graph named in ``targets``, and every problem of their contexts."""
    targets = list(targets)
    schemas, missing = load_schemas(schemas_dir, (target.graph_id for target in targets))
    problems: list[Problem] = []
    for target in targets:
        if target.graph_id in missing:
            file, line, col = target.source.where(("graph_id",))
            problems.append(Problem(file, line, col, target.spec_id, "graph_id", missing[target.graph_id]))
            continue
        found = context_problems(target.context, schemas[target.graph_id], secret_paths=target.secret_paths)
        for path, message, on_key in found:
            file, line, col = target.source.where(path, key=on_key)
            problems.append(Problem(file, line, col, target.spec_id, format_path(path), message))
    return schemas, problems


def context_problems(
    context: Mapping[str, Any], schema: GraphSchema, *, secret_paths: frozenset[Path] = frozenset()
) -> list[tuple[Path, str, bool]]:
    """``(field path, message, points at the key)`` for every way ``context`` breaks ``schema``; values at or
    under ``secret_paths`` (``!env`` values) are never quoted."""
    problems: list[tuple[Path, str, bool]] = [(path, message, True) for path, message in _unknown_keys(context, schema)]
    if schema.surely_valid(context):
        return problems
    reported_parents = {path[:-1] for path, _, _ in problems}
    effective = schema.effective
    for error in map(_innermost, schema.validator.iter_errors(dict(context))):
        path: Path = ("context", *error.absolute_path)
        if is_secret_path(path, schema.secret_places, secret_paths) or secret_in_schema_path(
            effective, error.absolute_schema_path
        ):
            problems.append(_sensitive_problem(path, error))
        elif error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            problems.append(((*path, missing), "required key is missing", False))
        elif error.validator == "type":
            problems.append((path, _type_message(error.instance, error.validator_value), False))
        elif error.validator in ("anyOf", "oneOf") and _alternative_types(error):
            problems.append((path, _type_message(error.instance, _alternative_types(error)), False))
        elif error.validator != "additionalProperties" or path not in reported_parents:
            problems.append((path, _short_message(error.message, error.instance), False))
    return problems


def _sensitive_problem(path: Path, error: ValidationError) -> tuple[Path, str, bool]:
    """The problem of a secret value, saying what is wrong without quoting the value: its kind, and the rule
    it breaks as the schema states it."""
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return (*path, missing), "required key is missing", False
    kind = f"{_kind(error.instance)} {MASK}"
    if error.validator == "type" or (error.validator in ("anyOf", "oneOf") and _alternative_types(error)):
        expected = error.validator_value if error.validator == "type" else _alternative_types(error)
        names = expected if isinstance(expected, list) else [expected]
        quotable = "string" in names and isinstance(error.instance, bool | int | float)
        hint = " (quote it to make it a string)" if quotable else ""
        return path, f"{kind} is not of type {' or '.join(repr(n) for n in names)}{hint}", False
    if error.validator in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        # The alternative whose type the value has is the one it was meant for.
        closest = best_match([inner for inner in error.context if inner.validator != "type"] or error.context)
        if closest is not None and closest.validator not in ("anyOf", "oneOf"):
            return _sensitive_problem(path, closest)
    rule = json.dumps(error.validator_value, default=str)
    rule = rule if len(rule) <= QUOTE_LIMIT else f"{rule[:QUOTE_LIMIT]}…"
    return path, f"{kind} does not satisfy the schema's {error.validator!r}: {rule}", False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "a value"


def _short_message(message: str, instance: Any) -> str:
    """jsonschema's message with the offending value quoted by a short prefix only (it quotes it whole)."""
    if isinstance(instance, str) and len(instance) > QUOTE_LIMIT:
        return message.replace(repr(instance), quote(instance))
    if isinstance(instance, dict | list) and len(message) > 4 * QUOTE_LIMIT:
        return message.replace(repr(instance), describe(instance))
    return message


def _unknown_keys(context: Mapping[str, Any], schema: GraphSchema) -> list[tuple[Path, str]]:
    import difflib

    result = []
    for unknown in schema.key_walker.unknown_keys(context):
        key, parent, known = str(unknown.path[-1]), unknown.path[:-1], list(unknown.known)
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else (f"; known: {', '.join(known)}" if known else "")
        if not known:
            reason = f"graph {schema.graph_id!r} declares no context schema"
        elif parent == ("context",):
            reason = f"graph {schema.graph_id!r} has no context key {quote(key)}"
        else:
            reason = f"graph {schema.graph_id!r} has no key {quote(key)} in {format_path(parent)}"
        result.append((unknown.path, f"unknown context key: {reason}; the server would drop it silently{hint}"))
    return result


def _type_message(instance: Any, expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    message = f"{describe(instance)} is not of type {' or '.join(repr(n) for n in names)}"
    if "string" in names and isinstance(instance, bool | int | float) and instance is not None:
        message += " (quote it to make it a string)"
    return message


def _innermost(error: ValidationError) -> ValidationError:
    """For a value that matches no alternative of a union, the error inside the alternative it came closest
    to (``context.fallback.top_k: ... not of type 'integer'`` rather than "not valid under any of ...")."""
    from jsonschema.exceptions import best_match

    while error.validator in ("anyOf", "oneOf") and error.context:
        deeper = [inner for inner in error.context if len(inner.absolute_path) > len(error.absolute_path)]
        if not deeper:
            break
        error = best_match(deeper) or error
    return error


def _alternative_types(error: ValidationError) -> list[str]:
    """The types a union allows, when the value is of none of them (``'integer' or 'null'``)."""
    inner = error.context or []
    if not inner or any(alternative.validator != "type" for alternative in inner):
        return []
    names: list[str] = []
    for alternative in inner:
        value = alternative.validator_value
        names.extend(str(name) for name in (value if isinstance(value, list) else [value]))
    return list(dict.fromkeys(names))


def key_differences(committed: GraphSchema, live: GraphSchema) -> dict[str, list[str]]:
    """Context keys ``added`` on the server, ``removed`` from it, and ``changed`` (same key, other schema),
    comparing the committed schema with the server's."""
    from reconciler.jsonvalues import json_equal

    before = committed.effective.get("properties") or {}
    after = live.effective.get("properties") or {}
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(k for k in set(before) & set(after) if not json_equal(before[k], after[k])),
    }
