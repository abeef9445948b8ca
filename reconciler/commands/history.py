"""``reconciler history ID``: an assistant's versions, newest first, with where each came from.

A version is the reconciler's (``source: reconciler``) when its content still matches the digest it carries;
anything else (no digest, or an edit made elsewhere that kept the old digest through the metadata merge) was
written outside git. ``commit`` is the git commit the reconciler recorded, if any.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reconciler.commands.base import find_assistant, open_client, say
from reconciler.settings import Settings

if TYPE_CHECKING:
    from reconciler.server.live import LiveAssistant, LiveVersion


def run(settings: Settings, spec_id: str, url: str | None, fmt: str) -> int:
    with open_client(settings, url) as client:
        live = find_assistant(settings, spec_id, client)
        assistant_id = live.assistant_id
        rows = history_rows(client.versions(assistant_id), live)
        server = client.display_url
    say(json.dumps(rows, indent=2) if fmt == "json" else render_text(spec_id, assistant_id, server, rows))
    return 0


def history_rows(versions: list[LiveVersion], live: LiveAssistant) -> list[dict[str, Any]]:
    """One row per version, newest first (the JSON shape of ``history --format json``)."""
    from reconciler.server.semantics import commit_of, source_of

    rows = []
    for version in sorted(versions, key=lambda v: -v.version):
        content = version.content()
        source = source_of(content)
        rows.append(
            {
                "version": version.version,
                "created_at": version.created_at,
                "active": version.version == live.version,
                # An edit outside git keeps the old commit through the metadata merge: it names no commit.
                "commit": commit_of(content) if source == "reconciler" else None,
                "source": source,
            }
        )
    return rows


def render_text(spec_id: str, assistant_id: str, server: str, rows: list[dict[str, Any]]) -> str:
    from reconciler.render.changes import printable

    lines = [f"{printable(spec_id)} (assistant {assistant_id}) on {printable(server)}", ""]
    lines.append(f"{'VERSION':>7}  {'ACTIVE':6}  {'CREATED_AT':32}  {'SOURCE':10}  COMMIT")
    for row in rows:
        commit = row["commit"] or "-"
        source = "reconciler" if row["source"] == "reconciler" else "outside"
        active = "*" if row["active"] else ""
        created = printable(str(row["created_at"] or "-"))
        lines.append(f"{row['version']:>7}  {active:6}  {created:32}  {source:10}  {printable(commit)}")
    return "\n".join(lines) + "\n"
