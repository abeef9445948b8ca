"""``reconciler dry-run``: the whole loop on an ephemeral local in-memory server started from the user's graphs."""

from __future__ import annotations

import sys
from pathlib import Path

from reconciler.commands.apply import smoke_test
from reconciler.commands.base import PlanOptions, make_plan, say, warn, without_secrets
from reconciler.errors import ApplyInterruptedError, InvalidSpecError, SettingsError
from reconciler.settings import Settings, colour_wanted
from reconciler.validation.schema import serialise as serialise_schema


def run(settings: Settings, config: Path) -> int:
    """The whole loop on an ephemeral local server started from the user's graphs: nothing remote."""
    import tempfile

    from reconciler.applying.apply import apply_plan
    from reconciler.desired.gitrepo import history_for
    from reconciler.desired.loading import load_desired_state
    from reconciler.render import render
    from reconciler.server.client import LangGraphClient
    from reconciler.server.devserver import dev_server
    from reconciler.server.live import GraphUnavailable
    from reconciler.validation.schema import load_schemas, schema_file

    loaded = load_desired_state(settings.assistants_dir, settings.overlay_dir, history_for(settings.root))
    if loaded.problems:
        raise InvalidSpecError(loaded.problems)
    graph_ids = sorted({spec.graph_id for spec in loaded.desired.specs})
    committed, _ = load_schemas(settings.schemas_dir, graph_ids)
    warn(f"Starting a local in-memory LangGraph server from {config} ...")
    with dev_server(config) as server, LangGraphClient(server.url) as client, tempfile.TemporaryDirectory() as tmp:
        # Validate against the schemas of the graphs as they are now; the committed ones may lag behind.
        local = _with_schemas_dir(settings, Path(tmp))
        for graph_id in graph_ids:
            schema = client.graph_schema(graph_id)
            if isinstance(schema, GraphUnavailable):
                raise SettingsError(f"graph {graph_id!r} is not in {config}")
            if committed.get(graph_id) != schema:
                warn(f"warning: schemas/graphs/{graph_id}.json is missing or differs from your graph; "
                     "run `reconciler schemas pull` against a server of this code and commit it")
            path = schema_file(local.schemas_dir, graph_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(serialise_schema(schema), encoding="utf-8")
        options = PlanOptions(url=server.url, skip_numeric_pins=True)
        first = make_plan(local, options, client)
        say(render(first, "text", color=colour_wanted(sys.stdout)))
        try:
            report = smoke_test(first, apply_plan(first, client), client, enabled=True, progress=False)
        except ApplyInterruptedError as stopped:  # the report of what was written, as apply prints it
            say(without_secrets(stopped.report.render_text()))  # type: ignore[attr-defined]
            warn(without_secrets(f"error: {stopped}"))
            return stopped.exit_code
        say(report.render_text())
        second = make_plan(local, options, client)
        say(render(second, "text", color=colour_wanted(sys.stdout)))
    converged = report.ok and not second.has_changes
    if any(s.status != "passed" for s in report.smoke):
        warn("error: smoke cases failed on the local server (see above): fix the context before opening a PR")
    elif not converged:
        warn("error: the local server does not match the files after apply (see above)")
    return 0 if converged else 1


def _with_schemas_dir(settings: Settings, schemas_dir: Path) -> Settings:
    from dataclasses import replace

    project = settings.project.model_copy(update={"schemas_dir": str(schemas_dir.resolve())})
    return replace(settings, project=project)
