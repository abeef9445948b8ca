"""The ``reconciler`` command line: typer parses flags and hands plain values to ``commands``.

The only module that imports typer; it maps ReconcilerError to exit codes and never prints a traceback
with locals (they can hold API keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler import commands
from reconciler.errors import ReconcilerError

app = typer.Typer(
    help="GitOps for LangGraph assistants: validate, plan and apply assistants.d/ against a server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DirOption = Annotated[Path | None, typer.Option("--dir", help="Assistant files (default: assistants.d).")]
SchemasOption = Annotated[Path | None, typer.Option("--schemas", help="Schemas folder (default: schemas).")]
EnvOption = Annotated[str | None, typer.Option("--env", help="Environment from reconciler.yaml.")]


@app.callback()
def _group() -> None:
    """GitOps for LangGraph assistants."""


def _run(command: object, *args: object) -> None:
    try:
        code = command(*args)  # type: ignore[operator]
    except ReconcilerError as error:
        code = commands.report_error(error)
    raise typer.Exit(code)


def _settings(env: str | None = None) -> object:
    from reconciler.settings import load_settings

    return load_settings(Path("."), env)


@app.command()
def validate(assistants_dir: DirOption = None, schemas_dir: SchemasOption = None, env: EnvOption = None) -> None:
    """Check every assistant file offline: format, then context against each graph's schema."""
    _run(lambda: commands.validate(_settings(env), assistants_dir, schemas_dir))  # type: ignore[arg-type]


def main() -> None:
    app()
