"""schemas/assistant.schema.json: the file format's JSON Schema plus, per committed graph, the context that
graph takes, so an editor (yaml-language-server) completes context keys and flags a misspelt one.

Each graph's context schema is copied into ``$defs`` (``graph-context-<graph>``) with its own ``#...`` references
re-rooted there, and chosen by ``if graph_id == <graph> then context: <that schema>``. A ``$ref`` into the graph's
file would not do: pydantic's references (``#/$defs/Model``) are relative to the context schema, not to the file.
Objects that list their properties are closed (``additionalProperties: false``) as ``validate`` treats them:
the server drops an unknown key silently, so the editor should say so while one types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.desired.spec import file_format_json_schema
from reconciler.validation.schema import GraphSchema, load_schemas

_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
"""Keywords whose value is data, not a schema: never rewritten."""
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})
"""Keywords whose value maps names (any text, even a keyword's) to schemas."""


def definition_name(graph_id: str) -> str:
    return f"graph-context-{graph_id}"


def editor_schema(schemas: Mapping[str, GraphSchema]) -> dict[str, Any]:
    schema = file_format_json_schema()
    definitions = schema.setdefault("$defs", {})
    branches = []
    for graph_id in sorted(schemas):
        context_schema = schemas[graph_id].effective
        if not context_schema:
            continue
        name = definition_name(graph_id)
        definitions[name] = _editor_copy(context_schema, f"#/$defs/{_pointer_token(name)}")
        branches.append(
            {
                "if": {"properties": {"graph_id": {"const": graph_id}}, "required": ["graph_id"]},
                "then": {"properties": {"context": {"anyOf": [{"$ref": f"#/$defs/{name}"}, {"type": "null"}]}}},
            }
        )
    if branches:
        schema["allOf"] = branches
    return schema


def editor_schema_text(schemas: Mapping[str, GraphSchema]) -> str:
    return json.dumps(editor_schema(schemas), indent=2, sort_keys=True) + "\n"


def editor_schema_text_for(schemas_dir: Path) -> str:
    """The editor schema from the graph schemas committed under ``schemas_dir/graphs`` (unreadable ones left out:
    ``validate`` reports them)."""
    graph_ids = [path.stem for path in sorted((schemas_dir / "graphs").glob("*.json"))]
    found, _ = load_schemas(schemas_dir, graph_ids)
    return editor_schema_text(found)



def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _editor_copy(node: Any, root: str, *, in_composition: bool = False) -> Any:
    if isinstance(node, list):
        return [_editor_copy(item, root, in_composition=in_composition) for item in node]
    if not isinstance(node, dict):
        return node
    copy: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            copy[key] = value
        elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
            copy[key] = root + value[1:]
        elif key == "allOf" and isinstance(value, list) and len(value) > 1:
            # Members of a composition see only their own properties: closing one would refuse the others'.
            copy[key] = [_editor_copy(item, root, in_composition=True) for item in value]
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            copy[key] = {name: _editor_copy(prop, root) for name, prop in value.items()}
        else:
            copy[key] = _editor_copy(value, root)
    if "properties" in copy and not in_composition and not {"additionalProperties", "patternProperties"} & set(copy):
        copy["additionalProperties"] = False
    return copy
