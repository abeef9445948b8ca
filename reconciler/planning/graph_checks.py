"""The live check of the graphs a plan uses: each must be served, and every context must be one the
server's graph accepts; a committed schema that differs from the server's is a warning."""

from __future__ import annotations

from reconciler.desired.locations import format_path
from reconciler.desired.spec import AssistantSpec
from reconciler.errors import Problem
from reconciler.jsonvalues import json_equal
from reconciler.planning.request import PlanRequest
from reconciler.server.live import GraphUnavailable, LiveReader
from reconciler.validation.schema import GraphSchema, context_problems, key_differences


def check_graphs(
    request: PlanRequest, specs: tuple[AssistantSpec, ...], reader: LiveReader
) -> tuple[list[Problem], list[str]]:
    """Every graph must be served, and every desired context must be one the server's graph accepts (as well
    as the committed schema, which offline validation checked). A committed schema that differs from the
    server's is a warning with a key-level summary: a pull request may add a key before the code is deployed."""
    problems: list[Problem] = []
    warnings: list[str] = []
    by_graph: dict[str, list[AssistantSpec]] = {}
    for spec in specs:
        by_graph.setdefault(spec.graph_id, []).append(spec)
    served = reader.graph_schemas(sorted(by_graph))
    for graph_id, users in sorted(by_graph.items()):
        live = served[graph_id]
        if isinstance(live, GraphUnavailable):
            file, line, col = request.desired.sources[users[0].id].where(("graph_id",))
            problems.append(Problem(file, line, col, users[0].id, "graph_id", live.describe(request.display_server)))
            continue
        committed = request.schemas.get(graph_id)
        if committed is not None and not _schema_drift(committed, live):
            continue  # the server's schema is the committed one, which every context was validated against
        if committed is not None:
            warnings.append(_drift_warning(graph_id, committed, live, request.display_server))
        for spec in users:
            problems.extend(_live_context_problems(request, spec, live))
    return problems, warnings


def _live_context_problems(request: PlanRequest, spec: AssistantSpec, live: GraphSchema) -> list[Problem]:
    source = request.desired.sources[spec.id]
    problems = []
    secret_paths = request.desired.secret_paths(spec.id)
    for path, message, on_key in context_problems(spec.context or {}, live, secret_paths=secret_paths):
        file, line, col = source.where(path, key=on_key)
        text = f"the graph served by {request.display_server} would not accept it: {message}"
        problems.append(Problem(file, line, col, spec.id, format_path(path), text))
    return problems


def _drift_warning(graph_id: str, committed: GraphSchema, live: GraphSchema, server: str) -> str:
    differences = key_differences(committed, live)
    parts = [f"{kind} {', '.join(keys)}" for kind, keys in differences.items() if keys]
    summary = "; ".join(parts) or "no context key differs (other schema details do)"
    return (
        f"schemas/graphs/{graph_id}.json differs from the schema of graph {graph_id!r} on {server} "
        f"(context keys on the server: {summary}); every context is valid against both"
    )


def _schema_drift(committed: GraphSchema | None, live: GraphSchema) -> bool:
    if committed is None:
        return True
    return not (
        json_equal(committed.context_schema, live.context_schema)
        and json_equal(committed.config_schema, live.config_schema)
    )
