"""What each CLI command does, as functions of plain values that return an exit code.

``cli`` parses arguments with typer and calls these; they print data to stdout and diagnostics to stderr.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.desired import DesiredState
from reconciler.errors import InvalidSpecError, ProblemsError, ReconcilerError, SettingsError
from reconciler.schema import GraphSchema
from reconciler.schema import serialise as serialise_schema
from reconciler.settings import Settings

if TYPE_CHECKING:
    from reconciler.client import LangGraphClient
    from reconciler.live import LiveReader
    from reconciler.plan import Plan
    from reconciler.render import Format


def say(text: str) -> None:
    """Data, on stdout."""
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def warn(text: str) -> None:
    """Diagnostics, on stderr."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def report_error(error: ReconcilerError) -> int:
    warn(f"error: {error}")
    if isinstance(error, ProblemsError):
        warn(error.report())
    return error.exit_code


@dataclass(frozen=True)
class CheckedDesiredState:
    desired: DesiredState
    schemas: dict[str, GraphSchema]


def load_and_check(settings: Settings, assistants_dir: Path | None = None, schemas_dir: Path | None = None
                   ) -> CheckedDesiredState:
    """Offline validation: the file format, then every context against its graph's schema."""
    from reconciler.loading import load_desired_state
    from reconciler.schema import check_contexts

    loaded = load_desired_state(assistants_dir or settings.assistants_dir, settings.overlay_dir)
    schemas, context_problems = check_contexts(loaded.context_targets, schemas_dir or settings.schemas_dir)
    if loaded.problems or context_problems:
        raise InvalidSpecError([*loaded.problems, *context_problems])
    return CheckedDesiredState(loaded.desired, schemas)


def validate(settings: Settings, assistants_dir: Path | None, schemas_dir: Path | None) -> int:
    checked = load_and_check(settings, assistants_dir, schemas_dir)
    count = len(checked.desired.specs)
    files = len({source.file for source in checked.desired.sources.values()})
    say(f"OK: {count} assistant(s) in {files} file(s) valid against {len(checked.schemas)} graph schema(s)")
    return 0


@dataclass(frozen=True)
class PlanOptions:
    url: str | None = None
    prune: bool = False
    only: tuple[str, ...] = ()


def open_client(settings: Settings, url: str | None) -> LangGraphClient:
    return client_for(settings.server_url(url))


def client_for(url: str) -> LangGraphClient:
    """A client for ``url`` with the API key from the environment."""
    from reconciler.client import LangGraphClient
    from reconciler.settings import api_key

    return LangGraphClient(url, api_key=api_key())


def make_plan(settings: Settings, options: PlanOptions, client: LiveReader) -> Plan:
    """Validate offline, then diff against the server: the first half of both plan and apply."""
    from reconciler.planner import PlanRequest, build_plan

    if options.prune and options.only:
        raise SettingsError("--prune cannot be combined with --only: pruning needs the whole desired state")
    checked = load_and_check(settings)
    request = PlanRequest(
        desired=checked.desired,
        schemas=checked.schemas,
        owner=settings.owner,
        server=settings.server_url(options.url),
        prune=options.prune,
        only=options.only,
    )
    return build_plan(request, client)


def plan(settings: Settings, options: PlanOptions, *, out: Path | None, fmt: Format, detailed_exitcode: bool) -> int:
    from reconciler.plan import write_plan_file
    from reconciler.render import render

    with open_client(settings, options.url) as client:
        the_plan = make_plan(settings, options, client)
    if out is not None:
        write_plan_file(the_plan, out)
        warn(f"Plan saved to {out} (holds real values; mode 0600). Apply it with `reconciler apply {out}`.")
    say(render(the_plan, fmt, color=fmt == "text" and sys.stdout.isatty()))
    return 2 if detailed_exitcode and the_plan.has_changes else 0


def schemas_pull(settings: Settings, url: str | None, graphs: tuple[str, ...]) -> int:
    """Write schemas/graphs/<graph>.json from the server, in a stable format so git diffs stay clean."""
    from reconciler.schema import schema_file

    with open_client(settings, url) as client:
        graph_ids = list(graphs) or client.graph_ids()
        for graph_id in graph_ids:
            schema = client.graph_schema(graph_id)
            if schema is None:
                raise SettingsError(f"graph {graph_id!r} is not served by {client.url}")
            path = schema_file(settings.schemas_dir, graph_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            text = serialise_schema(schema)
            changed = not path.is_file() or path.read_text(encoding="utf-8") != text
            path.write_text(text, encoding="utf-8")
            warn(f"{'wrote' if changed else 'unchanged'} {path}")
    return 0


def apply(settings: Settings, options: PlanOptions, *, planfile: Path | None, auto_approve: bool, fmt: str) -> int:
    from reconciler.apply import apply_plan
    from reconciler.render import render

    show = say if fmt == "text" else warn
    if planfile is not None:
        the_plan = _read_plan_for(settings, options, planfile)
        client = client_for(the_plan.server)
    else:
        client = open_client(settings, options.url)
        the_plan = make_plan(settings, options, client)
    with client:
        if planfile is None:
            show(render(the_plan, "text", color=fmt == "text" and sys.stdout.isatty()))
            if not the_plan.has_changes:
                return 0
            if not auto_approve:
                _confirm(the_plan)
        report = apply_plan(the_plan, client, on_outcome=(lambda o: warn(o.line())) if fmt == "json" else None)
    say(report.render_json() if fmt == "json" else report.render_text())
    if not report.ok:
        warn(f"error: {report.summary()}")
    return 0 if report.ok else 1


def _read_plan_for(settings: Settings, options: PlanOptions, planfile: Path) -> Plan:
    from reconciler.plan import read_plan_file

    if options.prune or options.only:
        raise SettingsError("--prune and --only shape a plan; a plan file is applied exactly as it was written")
    the_plan = read_plan_file(planfile)
    try:
        url = settings.server_url(options.url)
    except SettingsError:
        url = the_plan.server
    if url != the_plan.server:
        raise SettingsError(f"{planfile} was planned against {the_plan.server}, not {url}; plan again for {url}")
    return the_plan


def _confirm(the_plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise SettingsError("no terminal to confirm on: pass --auto-approve, or apply a plan file")
    warn(f"Apply these {len(the_plan.actions)} change(s) to {the_plan.server}? Only 'yes' is accepted.")
    sys.stderr.write("  Enter a value: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip() != "yes":
        raise SettingsError("apply cancelled; nothing was written")


def import_assistants(settings: Settings, url: str | None, graphs: tuple[str, ...], out_dir: Path | None) -> int:
    """One YAML file per live, non-system assistant of this owner or of none, ready to be adopted."""
    from reconciler.importing import import_files

    target = out_dir or settings.assistants_dir
    with open_client(settings, url) as client:
        assistants = [a for g in (graphs or (None,)) for a in client.list_all(g)]
    written, skipped = import_files(assistants, target, settings.owner)
    for line in skipped:
        warn(f"skipped {line}")
    for path in written:
        warn(f"wrote {path}")
    say(f"Imported {len(written)} assistant(s) into {target}; `reconciler plan` now shows their adoption.")
    return 0


def dry_run(settings: Settings, config: Path) -> int:
    """The whole loop on an ephemeral local server started from the user's graphs: nothing remote."""
    import tempfile

    from reconciler.apply import apply_plan
    from reconciler.client import LangGraphClient
    from reconciler.devserver import dev_server
    from reconciler.loading import load_desired_state
    from reconciler.render import render
    from reconciler.schema import load_schemas, schema_file

    loaded = load_desired_state(settings.assistants_dir, settings.overlay_dir)
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
            if schema is None:
                raise SettingsError(f"graph {graph_id!r} is not in {config}")
            if committed.get(graph_id) != schema:
                warn(f"warning: schemas/graphs/{graph_id}.json is missing or differs from your graph; "
                     "run `reconciler schemas pull` against a server of this code and commit it")
            path = schema_file(local.schemas_dir, graph_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(serialise_schema(schema), encoding="utf-8")
        options = PlanOptions(url=server.url)
        first = make_plan(local, options, client)
        say(render(first, "text", color=sys.stdout.isatty()))
        report = apply_plan(first, client)
        say(report.render_text())
        second = make_plan(local, options, client)
        say(render(second, "text", color=sys.stdout.isatty()))
    converged = report.ok and not second.has_changes
    if not converged:
        warn("error: the local server does not match the files after apply (see above)")
    return 0 if converged else 1


def _with_schemas_dir(settings: Settings, schemas_dir: Path) -> Settings:
    from dataclasses import replace

    project = settings.project.model_copy(update={"schemas_dir": str(schemas_dir.resolve())})
    return replace(settings, project=project)
