"""The ``reconciler`` command line: typer parses flags and hands plain values to ``commands/<command>.py``.

The only module that imports typer; it maps ReconcilerError to exit codes and never prints a traceback
with locals (they can hold API keys).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reconciler.errors import ReconcilerError
from reconciler.settings import Settings

app = typer.Typer(
    help="GitOps for LangGraph assistants: validate, plan and apply assistants.d/ against a server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
schemas_app = typer.Typer(help="Graph schemas committed under schemas/graphs/.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


DirOption = Annotated[Path | None, typer.Option("--dir", help="Assistant files (default: assistants.d).")]
SchemasOption = Annotated[Path | None, typer.Option("--schemas", help="Schemas folder (default: schemas).")]
EnvOption = Annotated[str | None, typer.Option("--env", help="Environment in reconciler.yaml (URL, owner, overlays).")]
UrlOption = Annotated[
    str | None, typer.Option("--url", help="Server URL (default: $RECONCILER_URL, then reconciler.yaml).")
]
PruneOption = Annotated[bool, typer.Option("--prune", help="Delete managed assistants no longer in the files.")]
OnlyOption = Annotated[
    list[str] | None, typer.Option("--only", help="Only these assistant ids (repeatable, globs like 'support-*').")
]
CommitOption = Annotated[
    str | None,
    typer.Option(
        "--commit",
        help="Git commit recorded on every version written (default: $RECONCILER_COMMIT, then HEAD when clean).",
    ),
]
MaxDeletesOption = Annotated[
    int | None,
    typer.Option(
        "--max-deletes",
        min=0,
        help="Allow up to N deletes, deleting every managed assistant included (default: max_deletes in "
        "reconciler.yaml, 10).",
    ),
]
GraphOption = Annotated[list[str] | None, typer.Option("--graph", help="Only this graph (repeatable).")]


@app.callback()
def _group() -> None:
    """GitOps for LangGraph assistants."""


def _run(command: Callable[[], int]) -> None:
    from reconciler.commands.base import report_error, warn

    try:
        code = command()
    except ReconcilerError as error:
        code = report_error(error)
    except KeyboardInterrupt:
        warn("interrupted")
        code = 130
    raise typer.Exit(code)


def _settings(env: str | None) -> Settings:
    from reconciler.settings import load_settings

    return load_settings(Path("."), env)


@app.command()
def validate(assistants_dir: DirOption = None, schemas_dir: SchemasOption = None, env: EnvOption = None) -> None:
    """Check every assistant file offline: format, then context against each graph's schema."""
    from reconciler.commands import validate as command

    _run(lambda: command.run(_settings(env), assistants_dir, schemas_dir))


@app.command()
def plan(
    url: UrlOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the plan file (real values, mode 0600).")] = None,
    fmt: Annotated[PlanFormat, typer.Option("--format", help="Rendering on stdout.")] = PlanFormat.text,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 2 when there are changes, 0 when none.")
    ] = False,
    prune: PruneOption = False,
    only: OnlyOption = None,
    max_deletes: MaxDeletesOption = None,
    env: EnvOption = None,
    commit: CommitOption = None,
) -> None:
    """Show exactly which calls would make the server match the files."""
    from reconciler.commands import plan as command
    from reconciler.commands.base import PlanOptions

    options = PlanOptions(
        url=url, prune=prune, only=tuple(only or ()), commit=commit, max_deletes=max_deletes
    )
    _run(lambda: command.run(_settings(env), options, out=out, fmt=fmt.value, detailed_exitcode=detailed_exitcode))


@app.command()
def apply(
    planfile: Annotated[Path | None, typer.Argument(help="A plan written by `plan --out`.")] = None,
    url: UrlOption = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")] = False,
    prune: PruneOption = False,
    only: OnlyOption = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Report on stdout.")] = ReportFormat.text,
    max_deletes: MaxDeletesOption = None,
    env: EnvOption = None,
    commit: CommitOption = None,
) -> None:
    """Make the planned calls, verify each by reading it back; refuse a plan that no longer holds."""
    from reconciler.commands import apply as command
    from reconciler.commands.base import PlanOptions

    options = PlanOptions(
        url=url, prune=prune, only=tuple(only or ()), commit=commit, max_deletes=max_deletes
    )
    _run(lambda: command.run(_settings(env), options, planfile=planfile, auto_approve=auto_approve, fmt=fmt.value))


@app.command()
def history(
    spec_id: Annotated[str, typer.Argument(metavar="ID", help="The assistant's id in the files (or its UUID).")],
    url: UrlOption = None,
    env: EnvOption = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Rendering on stdout.")] = ReportFormat.text,
) -> None:
    """The assistant's versions, newest first: which commit wrote each, and which were edited outside git."""
    from reconciler.commands import history as command

    _run(lambda: command.run(_settings(env), spec_id, url, fmt.value))


@schemas_app.command("pull")
def schemas_pull(url: UrlOption = None, graph: GraphOption = None, env: EnvOption = None) -> None:
    """Write schemas/graphs/<graph>.json from the server (all graphs unless --graph)."""
    from reconciler.commands import schemas as command

    _run(lambda: command.pull(_settings(env), url, tuple(graph or ())))


@app.command("import")
def import_(
    url: UrlOption = None,
    graph: GraphOption = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Where to write (default: assistants.d).")] = None,
    env: EnvOption = None,
) -> None:
    """Write one YAML file per live, non-system assistant, to bring existing assistants under management."""
    from reconciler.commands import import_assistants as command

    _run(lambda: command.run(_settings(env), url, tuple(graph or ()), out_dir))


@app.command("dry-run")
def dry_run(
    config: Annotated[Path, typer.Option("--config", help="The langgraph.json serving your graphs.")] = Path(
        "langgraph.json"
    ),
    env: EnvOption = None,
) -> None:
    """Apply the files to an ephemeral local in-memory server started from your graphs; nothing remote."""
    from reconciler.commands import dry_run as command

    _run(lambda: command.run(_settings(env), config))


def main() -> None:
    app()
