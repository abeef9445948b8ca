"""``reconciler schemas pull``: each graph's schemas into schemas/graphs/<graph>.json, from a server (``--url``)
or from the app's own graphs on an ephemeral local in-memory server (``--config langgraph.json``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.commands.base import open_client, warn
from reconciler.errors import SettingsError
from reconciler.settings import Settings
from reconciler.validation.schema import GraphSchema
from reconciler.validation.schema import serialise as serialise_schema

if TYPE_CHECKING:
    from reconciler.server.client import LangGraphClient


def pull(settings: Settings, url: str | None, graphs: tuple[str, ...], config: Path | None = None) -> int:
    """Write schemas/graphs/<graph>.json, in a stable format so git diffs stay clean."""
    if config is not None and url:
        raise SettingsError("--url and --config exclude each other: pull from a server, or from your own graphs")
    if config is not None:
        write(fetch_local(config, graphs), settings.schemas_dir)
        return 0
    with open_client(settings, url) as client:
        write(fetch(client, graphs), settings.schemas_dir)
    return 0


def fetch_local(config: Path, graphs: tuple[str, ...] = ()) -> dict[str, GraphSchema]:
    """The schemas of the graphs in ``config``, from an ephemeral local in-memory server (stopped on return)."""
    from reconciler.server.client import LangGraphClient
    from reconciler.server.devserver import dev_server

    if not config.is_file():
        raise SettingsError(f"{config} not found: pass --config with the langgraph.json that serves your graphs")
    warn(f"Starting a local in-memory LangGraph server from {config} ...")
    with dev_server(config) as server, LangGraphClient(server.url) as client:
        return fetch(client, graphs, where=str(config))


def fetch(client: LangGraphClient, graphs: tuple[str, ...], *, where: str | None = None) -> dict[str, GraphSchema]:
    """The schemas of ``graphs`` (all served graphs when empty); an unknown graph is an error."""
    from reconciler.server.live import GraphUnavailable

    found: dict[str, GraphSchema] = {}
    for graph_id in list(graphs) or client.graph_ids():
        schema = client.graph_schema(graph_id)
        if isinstance(schema, GraphUnavailable):
            raise SettingsError(schema.describe(where or client.display_url))
        found[graph_id] = schema
    return found


def write(schemas: dict[str, GraphSchema], schemas_dir: Path) -> None:
    from reconciler.validation.schema import schema_file

    for graph_id, schema in schemas.items():
        path = schema_file(schemas_dir, graph_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = serialise_schema(schema)
        changed = not path.is_file() or path.read_text(encoding="utf-8") != text
        path.write_text(text, encoding="utf-8")
        warn(f"{'wrote' if changed else 'unchanged'} {path}")
    # The editor schema offers each graph's context keys: it follows the graph schemas it is built from.
    path, changed = write_editor_schema(schemas_dir)
    warn(f"{'wrote' if changed else 'unchanged'} {path}")


def write_editor_schema(schemas_dir: Path) -> tuple[Path, bool]:
    """Rebuild ``schemas_dir/assistant.schema.json`` from the graph schemas there; the path and whether it
    changed (``make assistant-schema`` calls this too)."""
    from reconciler.validation.editor_schema import editor_schema_text_for

    path = schemas_dir / "assistant.schema.json"
    text = editor_schema_text_for(schemas_dir)
    changed = not path.is_file() or path.read_text(encoding="utf-8") != text
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path, changed
