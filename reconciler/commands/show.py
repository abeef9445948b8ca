"""``reconciler show ID``: one assistant as the server has it, and what uses it (crons, threads).

``ID`` is a spec id (resolved as ``history`` does: its file, this owner's ``reconciler/id`` metadata, else
its default assistant_id) or an assistant UUID. A reviewer sees the content of the active version (secrets
masked as in every other output) and what a change or a delete of it touches before it happens.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reconciler.commands.base import find_assistant, open_client, say
from reconciler.settings import Settings

if TYPE_CHECKING:
    from reconciler.server.live import LiveAssistant


def run(settings: Settings, ref: str, url: str | None, fmt: str) -> int:
    from reconciler.planning.impact import impact_of

    with open_client(settings, url) as client:
        live = find_assistant(settings, ref, client)
        impact = impact_of(client, live.assistant_id)
    spec_id = live.metadata.get("reconciler/id")
    data: dict[str, Any] = {
        "id": spec_id if isinstance(spec_id, str) else None,
        "assistant_id": live.assistant_id,
        "graph_id": live.graph_id,
        "name": live.name,
        "version": live.version,
        "updated_at": live.updated_at,
        "owner": live.owner,
        "system": live.is_system,
        "crons": list(impact.crons),
        "threads": impact.threads,
        **_masked_content(settings, live),
    }
    say(json.dumps(data, indent=2) if fmt == "json" else _text(data))
    return 0


def _masked_content(settings: Settings, live: LiveAssistant) -> dict[str, Any]:
    """Description, context, config and metadata of the active version. A context key is masked when its name
    looks secret or the graph's committed schema marks its place secret (no schema: by name only)."""
    from reconciler.redact import mask, mask_at
    from reconciler.validation.schema import load_schemas

    schemas, _ = load_schemas(settings.schemas_dir, [live.graph_id])
    schema = schemas.get(live.graph_id)
    content = live.content()
    context = mask_at(content["context"], ("context",), schema.secret_places if schema else ())
    return {
        "description": mask(content["description"]),
        "context": context,
        "config": mask(content["config"]),
        "metadata": mask(content["metadata"]),
    }


def _block(name: str, value: Any) -> list[str]:
    from reconciler.desired.yamldump import dump

    if not value:
        return [f"  {name}:{' ' * (9 - len(name))}(none)"]
    return [f"  {name}:", *(f"    {line}" for line in dump(value).splitlines())]


def _text(data: dict[str, Any]) -> str:
    from reconciler.render.changes import printable

    crons = data["crons"]
    owner = data["owner"] or ("system" if data["system"] else "none (not managed)")
    threads = "unknown (the server cannot count threads)" if data["threads"] is None else f"{data['threads']} ran it"
    lines = [
        f"{data['id'] or data['assistant_id']}  (assistant {data['assistant_id']})",
        f"  graph:    {data['graph_id']}",
        f"  name:     {data['name']}",
        f"  version:  {data['version']} active (updated {data['updated_at']})",
        f"  owner:    {owner}",
        f"  crons:    {len(crons)}{': ' + ', '.join(crons) if crons else ''}",
        f"  threads:  {threads}",
        f"  description: {data['description'] or '(none)'}",
        *_block("context", data["context"]),
        *_block("config", data["config"]),
        *_block("metadata", data["metadata"]),
    ]
    return "\n".join(printable(line) for line in lines) + "\n"
