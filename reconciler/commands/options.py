"""The flags several commands share, and the ``--format`` choices, as typer declares them for ``cli``.

With ``cli``, the only module that imports typer. Every option has a metavar, so that help shows ``--url URL``
rather than a Python type.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


class ListFormat(StrEnum):
    text = "text"
    json = "json"


DirOption = Annotated[
    Path | None, typer.Option("--dir", metavar="DIR", help="Assistant files (default: assistants.d).")
]
SchemasOption = Annotated[
    Path | None, typer.Option("--schemas", metavar="DIR", help="Schemas folder (default: schemas).")
]
EnvOption = Annotated[
    str | None,
    typer.Option(
        "--env", metavar="ENV", help="Environment in reconciler.yaml (URL, owner, overlays; default: $RECONCILER_ENV)."
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url", metavar="URL", help="Server URL (default: the --env entry's url, $RECONCILER_URL, reconciler.yaml)."
    ),
]
PruneOption = Annotated[
    bool | None,
    typer.Option(
        "--prune/--no-prune",
        help="Delete managed assistants no longer in the files (default: `prune` in reconciler.yaml, off).",
        show_default=False,
    ),
]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="ID", help="Only these assistant ids (repeatable, globs like 'support-*')."),
]
CommitOption = Annotated[
    str | None,
    typer.Option(
        "--commit",
        metavar="SHA",
        help="Git commit recorded on every version written (default: $RECONCILER_COMMIT, then HEAD when clean).",
    ),
]
MaxDeletesOption = Annotated[
    int | None,
    typer.Option(
        "--max-deletes",
        min=0,
        metavar="N",
        help="Allow up to N deletes, deleting every managed assistant included (default: max_deletes in "
        "reconciler.yaml, 10).",
    ),
]
GraphOption = Annotated[
    list[str] | None, typer.Option("--graph", metavar="GRAPH", help="Only this graph (repeatable).")
]
AllowCronsOption = Annotated[
    bool,
    typer.Option(
        "--allow-delete-with-crons", help="Allow deleting assistants that crons use (the crons go with them)."
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", metavar="FILE", help="The langgraph.json serving your graphs (default: the project's)."
    ),
]


def format_option(kind: type[StrEnum], help_text: str) -> object:
    return typer.Option("--format", metavar="|".join(member.value for member in kind), help=help_text)
