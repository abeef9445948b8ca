"""``reconciler schemas pull``: each graph's schemas from the server into schemas/graphs/<graph>.json."""

from __future__ import annotations

from reconciler.commands.base import open_client, warn
from reconciler.errors import SettingsError
from reconciler.schema import serialise as serialise_schema
from reconciler.settings import Settings


def pull(settings: Settings, url: str | None, graphs: tuple[str, ...]) -> int:
    """Write schemas/graphs/<graph>.json from the server, in a stable format so git diffs stay clean."""
    from reconciler.live import GraphUnavailable
    from reconciler.schema import schema_file

    with open_client(settings, url) as client:
        graph_ids = list(graphs) or client.graph_ids()
        for graph_id in graph_ids:
            schema = client.graph_schema(graph_id)
            if isinstance(schema, GraphUnavailable):
                raise SettingsError(schema.describe(client.display_url))
            path = schema_file(settings.schemas_dir, graph_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            text = serialise_schema(schema)
            changed = not path.is_file() or path.read_text(encoding="utf-8") != text
            path.write_text(text, encoding="utf-8")
            warn(f"{'wrote' if changed else 'unchanged'} {path}")
    return 0
