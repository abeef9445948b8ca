"""The files ``reconciler init`` writes, as text: reconciler.yaml and one example assistant per graph.

Pure: graph schemas in, file contents out. Every example is valid as written (keys with a default carry it,
required keys without one get a placeholder of their type), so ``reconciler validate`` passes right after init.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler.validation.schema import GraphSchema

GITIGNORE_ENTRIES = ("plan.json", "*.plan.json", ".langgraph_api/")
"""Plan files hold real values (secrets included); ``.langgraph_api/`` is a local server's state."""

_ID_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}
_OWNER_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def assistant_id_for(graph_id: str) -> str:
    """A valid assistant ``id`` (``[a-z0-9][a-z0-9._-]*``) derived from a graph id."""
    return _ID_UNSAFE.sub("-", graph_id.lower()).strip("-._")[:100] or "assistant"


def owner_for(repository: str, folder: str = ".") -> str:
    """A default owner: the repository's folder name, followed by the app's folder inside it when the app is
    not at the root (``shop`` + ``apps/support`` -> ``shop-apps-support``), so two apps never share one."""
    parts = [repository] if folder in ("", ".") else [repository, *folder.split("/")]
    return _OWNER_UNSAFE.sub("-", "-".join(parts)).strip("-._")[:100] or "default"


def settings_text(owner: str, environments: tuple[str, ...] = ("prod",)) -> str:
    entries = "".join(
        f"  {name}:\n"
        "    # url: https://your-deployment.example.com   # else the RECONCILER_URL variable / secret\n"
        f"    # id_namespace: {name}   # when environments share one server: their own ids and ownership\n"
        for name in environments
    )
    return (
        "# reconciler settings. Server URL precedence: --url, then the --env environment's url, then the\n"
        "# RECONCILER_URL variable, then `url` below. API key: LANGSMITH_API_KEY or LANGGRAPH_API_KEY.\n"
        "#\n"
        "# Every assistant reconciler writes is marked with the owner; only assistants of this owner are ever\n"
        "# updated or deleted. Give each repository (and each environment sharing a server) its own owner.\n"
        "# `reconciler init --force` keeps the owner written here.\n"
        f"owner: {_scalar(owner)}\n"
        "# Delete this owner's assistants whose files were removed (`--no-prune` overrides; an environment may\n"
        "# set its own `prune`). Deletes are capped by max_deletes, and assistants that crons use are kept.\n"
        "prune: true\n"
        "max_deletes: 10\n"
        "assistants_dir: assistants.d\n"
        "schemas_dir: schemas\n"
        "environments_dir: environments\n"
        "environments:\n"
        "  # One entry per deployment: CI plans and applies each in its own job. Per-environment overlays go in\n"
        "  # environments/<name>/*.yaml; an environment may also set its own owner and prune.\n"
        f"{entries}"
    )


def example_assistant_text(schema: GraphSchema) -> str:
    """An assistant of ``schema``'s graph whose context lists every key the graph knows."""
    lines = [
        "# yaml-language-server: $schema=../schemas/assistant.schema.json",
        f"# An assistant of graph {schema.graph_id!r}: edit it, or copy this file for more assistants of the graph.",
        "# `id` is its identity in git (renaming it makes a new assistant); `reconciler validate` checks the file.",
        f"id: {assistant_id_for(schema.graph_id)}",
        f"graph_id: {_scalar(schema.graph_id)}",
        f"name: {_scalar(schema.graph_id)}",
        f"description: {json.dumps(f'The {schema.graph_id} graph, configured in git')}",
        *_context_lines(schema.effective),
    ]
    return "\n".join(lines) + "\n"


def _context_lines(effective: dict[str, Any]) -> list[str]:
    properties = effective.get("properties")
    if not isinstance(properties, dict) or not properties:
        return []
    required = set(effective.get("required") or ())
    lines = ["context:"]
    for key, prop in properties.items():
        prop = prop if isinstance(prop, dict) else {}
        if "default" in prop:
            value, note = prop["default"], prop.get("description")
        else:
            value, note = _placeholder(prop), "required: set a real value" if key in required else None
            if key not in required:
                continue
        comment = f"  # {note}" if note else ""
        lines.append(f"  {_scalar(key)}: {json.dumps(value, ensure_ascii=False)}{comment}")
    return lines if len(lines) > 1 else []


def _placeholder(prop: dict[str, Any]) -> Any:
    if prop.get("enum"):
        return prop["enum"][0]
    kind = prop.get("type")
    kinds = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}
    return kinds.get(kind, "") if isinstance(kind, str) else ""


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where YAML reads it back as the same string, else JSON-quoted."""
    plain = _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS
    return text if plain else json.dumps(text, ensure_ascii=False)
