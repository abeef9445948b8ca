"""``reconciler import``: live, unmanaged assistants written as files in assistants.d, ready to be adopted."""

from __future__ import annotations

from pathlib import Path

from reconciler.commands.base import open_client, say, warn
from reconciler.settings import Settings


def run(settings: Settings, url: str | None, graphs: tuple[str, ...], out_dir: Path | None) -> int:
    """One YAML file per live, non-system assistant of this owner or of none, ready to be adopted."""
    from reconciler.adoption.importing import import_files
    from reconciler.validation.schema import load_schemas

    target = out_dir or settings.assistants_dir
    with open_client(settings, url) as client:
        assistants = [a for g in (graphs or (None,)) for a in client.list_all(g)]
        served = {graph_id for graph_id in {a.graph_id for a in assistants} if client.graph_served(graph_id)}
    schemas, _ = load_schemas(settings.schemas_dir, sorted({a.graph_id for a in assistants}))
    secret_places = {graph_id: schema.secret_places for graph_id, schema in schemas.items()}
    variables: list[str] = []
    written, skipped = import_files(assistants, target, settings.owner, variables, secret_places=secret_places,
                                    served=served)
    for line in skipped:
        warn(f"skipped {line}")
    for path in written:
        warn(f"wrote {path}")
    say(f"Imported {len(written)} assistant(s) into {target}; `reconciler plan` now shows their adoption.")
    if variables:
        say(
            "Secret values were written as `!env` references, not in plain text. Set these environment "
            f"variables (to the values the assistants have now) before plan and apply: {', '.join(variables)}"
        )
    return 0
