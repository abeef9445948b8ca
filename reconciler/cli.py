"""The ``reconciler`` command line: typer parses flags and hands plain values to ``commands/<command>.py``.

With ``commands.options`` (the flags several commands share), the only module that imports typer; every command
runs under ``commands.exits``, which maps ReconcilerError to exit codes and never prints a traceback with locals
(they can hold API keys). Help is click's plain rendering with a metavar on every option, so it shows
``--url URL`` rather than Python types. Commands work on the project of the nearest reconciler.yaml at or above
the current folder (``settings.find_root``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from reconciler.commands.exits import run_command
from reconciler.commands.options import (
    AllowCronsOption,
    CommitOption,
    ConfigOption,
    DirOption,
    EnvOption,
    GraphOption,
    ListFormat,
    MaxDeletesOption,
    OnlyOption,
    PlanFormat,
    PruneOption,
    ReportFormat,
    SchemasOption,
    UrlOption,
    ValidateFormat,
    format_option,
)
from reconciler.commands.startup import skip_httpx_command_line_tool
from reconciler.settings import Settings

HELP_OPTIONS = {"help_option_names": ["--help", "-h"]}
"""``-h`` as well as ``--help``, on the group and (inherited by click) on every command."""

app = typer.Typer(
    help="GitOps for LangGraph assistants: validate, plan and apply assistants.d/ against a server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings=HELP_OPTIONS,
)
schemas_app = typer.Typer(
    help="Graph schemas committed under schemas/graphs/.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=HELP_OPTIONS,
)
app.add_typer(schemas_app, name="schemas")


def _show_version(value: bool) -> None:
    if value:
        from reconciler.adoption.distribution import DISTRIBUTION, version

        typer.echo(f"reconciler ({DISTRIBUTION}) {version()}")
        raise typer.Exit(0)


@app.callback()
def _group(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """GitOps for LangGraph assistants."""


def _run(command: Callable[[], int]) -> None:
    raise typer.Exit(run_command(command))


def _settings(env: str | None) -> Settings:
    from reconciler.settings import find_root, load_settings

    return load_settings(find_root(Path(".")), env, env_default=True)


def _config(config: Path | None) -> Path:
    """``--config``, else the langgraph.json beside the project's reconciler.yaml."""
    from reconciler.settings import find_root

    return config if config is not None else find_root(Path(".")) / "langgraph.json"


@app.command()
def init(
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist already.")] = False,
    config: Annotated[
        Path, typer.Option("--config", metavar="FILE", help="Your app's langgraph.json.")
    ] = Path("langgraph.json"),
    no_examples: Annotated[
        bool, typer.Option("--no-examples", help="Leave assistants.d/ empty instead of an example per graph.")
    ] = False,
    pip_spec: Annotated[
        str | None,
        typer.Option(
            "--pip-spec",
            metavar="SPEC",
            help="What the workflows pip-install when the repository variable RECONCILER_PIP_SPEC is unset "
            "(default: $RECONCILER_PIP_SPEC, else none).",
        ),
    ] = None,
    workflows: Annotated[
        bool,
        typer.Option("--workflows", help="Only (re)write the workflow files (after an upgrade); touch nothing else."),
    ] = False,
) -> None:
    """Set up this app's repository: reconciler.yaml, assistants.d/, schemas/, workflows, .gitignore."""
    from reconciler.commands import init as command

    options = command.InitOptions(
        config=config, force=force, examples=not no_examples, pip_spec=pip_spec, workflows_only=workflows
    )
    _run(lambda: command.run(Path("."), options))


@app.command()
def validate(
    assistants_dir: DirOption = None,
    schemas_dir: SchemasOption = None,
    env: EnvOption = None,
    fmt: Annotated[
        ValidateFormat,
        format_option(ValidateFormat, "Problems as text (stderr), json, or GitHub annotations (stdout)."),
    ] = ValidateFormat.text,
) -> None:
    """Check every assistant file offline: format, then context against each graph's schema."""
    from reconciler.commands import validate as command

    _run(lambda: command.run(_settings(env), assistants_dir, schemas_dir, fmt.value))


@app.command()
def environments(
    names: Annotated[list[str] | None, typer.Argument(metavar="ENV", hidden=True)] = None,
    fmt: Annotated[ListFormat, format_option(ListFormat, "json: one line, for a CI matrix.")] = ListFormat.text,
) -> None:
    """List the environments of reconciler.yaml (or only the ENVs named, each of which must exist)."""
    from reconciler.commands import environments as command
    from reconciler.settings import find_root, load_settings

    _run(lambda: command.run(load_settings(find_root(Path("."))), tuple(names or ()), fmt.value))


@app.command()
def plan(
    url: UrlOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Write the plan file (real values, mode 0600).")
    ] = None,
    fmt: Annotated[PlanFormat, format_option(PlanFormat, "Rendering on stdout.")] = PlanFormat.text,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 2 when there are changes, 0 when none.")
    ] = False,
    prune: PruneOption = None,
    only: OnlyOption = None,
    max_deletes: MaxDeletesOption = None,
    env: EnvOption = None,
    commit: CommitOption = None,
    allow_delete_with_crons: AllowCronsOption = False,
) -> None:
    """Show exactly which calls would make the server match the files."""
    from reconciler.commands import plan as command
    from reconciler.commands.base import PlanOptions

    options = PlanOptions(
        url=url,
        prune=prune,
        only=tuple(only or ()),
        commit=commit,
        max_deletes=max_deletes,
        allow_delete_with_crons=allow_delete_with_crons,
    )
    _run(lambda: command.run(_settings(env), options, out=out, fmt=fmt.value, detailed_exitcode=detailed_exitcode))


@app.command()
def apply(
    # Hidden from the Arguments list, where typer would print its Python type; the usage line and docstring name it.
    planfile: Annotated[Path | None, typer.Argument(metavar="PLANFILE", hidden=True)] = None,
    url: UrlOption = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")] = False,
    prune: PruneOption = None,
    only: OnlyOption = None,
    fmt: Annotated[
        ReportFormat, format_option(ReportFormat, "Report on stdout (markdown: for a CI job summary).")
    ] = ReportFormat.text,
    max_deletes: MaxDeletesOption = None,
    parallelism: Annotated[
        int | None,
        typer.Option("--parallelism", min=1, max=64, metavar="N",
                     help="Requests in flight at once (default 8; 1 = one by one)."),
    ] = None,
    env: EnvOption = None,
    commit: CommitOption = None,
    allow_delete_with_crons: AllowCronsOption = False,
    no_smoke: Annotated[
        bool, typer.Option("--no-smoke", help="Do not run the assistants' smoke cases after the writes.")
    ] = False,
    allow_older_commit: Annotated[
        bool,
        typer.Option("--allow-older-commit",
                     help="Apply even though the server runs a newer commit, or one this clone does not know."),
    ] = False,
) -> None:
    """Make the planned calls, verify each by reading it back, run the smoke cases (a failing one switches
    the assistant back); refuse a plan that no longer holds.

    PLANFILE, written by `plan --out`, is applied exactly as reviewed; without it, apply plans first and asks.
    """
    from reconciler.commands import apply as command
    from reconciler.commands.base import PlanOptions

    options = PlanOptions(
        url=url,
        prune=prune,
        only=tuple(only or ()),
        commit=commit,
        max_deletes=max_deletes,
        parallelism=parallelism,
        allow_delete_with_crons=allow_delete_with_crons,
    )
    _run(
        lambda: command.run(
            _settings(env), options, planfile=planfile, auto_approve=auto_approve, fmt=fmt.value, smoke=not no_smoke,
            allow_older_commit=allow_older_commit,
        )
    )


@app.command()
def history(
    # Hidden from the Arguments list, where typer would print its Python type; the docstring names it.
    spec_id: Annotated[str, typer.Argument(metavar="ID", hidden=True)],
    url: UrlOption = None,
    env: EnvOption = None,
    fmt: Annotated[ListFormat, format_option(ListFormat, "Rendering on stdout.")] = ListFormat.text,
) -> None:
    """The assistant's versions, newest first: which commit wrote each, and which were edited outside git.

    ID is the assistant's id in the files (or its UUID).
    """
    from reconciler.commands import history as command

    _run(lambda: command.run(_settings(env), spec_id, url, fmt.value))


@app.command()
def show(
    assistant: Annotated[str, typer.Argument(metavar="ID", hidden=True)],
    url: UrlOption = None,
    env: EnvOption = None,
    fmt: Annotated[ListFormat, format_option(ListFormat, "Output on stdout.")] = ListFormat.text,
) -> None:
    """One assistant on the server: active version, graph, owner, and what uses it (crons, threads).

    ID is a spec id (reconciler/id) or an assistant UUID.
    """
    from reconciler.commands import show as command

    _run(lambda: command.run(_settings(env), assistant, url, fmt.value))


@schemas_app.command("pull")
def schemas_pull(
    url: UrlOption = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="FILE", help="Pull from your own graphs, served locally from this langgraph.json."
        ),
    ] = None,
    graph: GraphOption = None,
    env: EnvOption = None,
) -> None:
    """Write schemas/graphs/<graph>.json from a server, or from your graphs (--config); all graphs unless --graph."""
    from reconciler.commands import schemas as command

    _run(lambda: command.pull(_settings(env), url, tuple(graph or ()), config))


@app.command("import")
def import_(
    url: UrlOption = None,
    graph: GraphOption = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", metavar="DIR", help="Where to write (default: assistants.d).")
    ] = None,
    env: EnvOption = None,
) -> None:
    """Write one YAML file per live, non-system assistant, to bring existing assistants under management."""
    from reconciler.commands import import_assistants as command

    _run(lambda: command.run(_settings(env), url, tuple(graph or ()), out_dir))


@app.command("dry-run")
def dry_run(
    config: ConfigOption = None,
    env: EnvOption = None,
) -> None:
    """Apply the files to an ephemeral local in-memory server started from your graphs; nothing remote."""
    from reconciler.commands import dry_run as command

    _run(lambda: command.run(_settings(env), _config(config)))


def main() -> None:
    """The console entry point. A usage error (unknown command or flag, bad value, missing argument) exits 1
    with the usage message: typer's own 2 is what ``plan --detailed-exitcode`` means by "changes present"."""
    skip_httpx_command_line_tool()
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # every usage error, shown as typer shows it
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"Error: {error.format_message()}\n")
        code = 1
    except typer.Abort:
        sys.stderr.write("Aborted!\n")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
