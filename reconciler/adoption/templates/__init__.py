"""The GitHub workflows that ``reconciler init`` writes into an app's repository, rendered from package data.

The templates in ``templates/workflows/`` carry placeholders: ``@@PIP_SPEC@@`` (what the workflows install, unless
the repository variable ``RECONCILER_PIP_SPEC`` says otherwise), ``@@WORKDIR@@`` (the folder of reconciler.yaml,
relative to the repository's root) and ``@@PATHS@@`` (the paths whose changes trigger a plan or an apply). This
repository's own ``.github/workflows`` are rendered from the same templates (``make workflows``), and a test
keeps them in sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml")


@dataclass(frozen=True)
class WorkflowOptions:
    pip_spec: str
    """A pip requirement: ``langgraph-reconciler==X.Y.Z``, a git URL pinned to a commit, a wheel path, ``.``."""
    workdir: str = "."
    """The folder holding reconciler.yaml, relative to the repository's root (POSIX separators)."""
    watched: tuple[str, ...] = ("assistants.d", "schemas", "environments", "reconciler.yaml")
    """Folders and files, relative to ``workdir``, whose changes trigger a plan or an apply."""


def render_workflows(options: WorkflowOptions) -> dict[str, str]:
    """``{"plan.yml": text, ...}``: every workflow, ready to be written into ``.github/workflows/``."""
    folder = resources.files(__package__).joinpath("workflows")
    return {name: _render(folder.joinpath(name).read_text(encoding="utf-8"), options) for name in WORKFLOWS}


def _render(template: str, options: WorkflowOptions) -> str:
    replacements = {
        "@@PIP_SPEC@@": options.pip_spec.replace("'", "''"),  # inside a '...' literal of a ${{ }} expression
        "@@WORKDIR@@": options.workdir,
        "@@PATHS@@": "\n".join(f'      - "{_watched_path(options.workdir, path)}"' for path in options.watched),
    }
    for placeholder, value in replacements.items():
        template = template.replace(placeholder, value)
    return template


def _watched_path(workdir: str, path: str) -> str:
    full = PurePosixPath(workdir, path).as_posix() if workdir != "." else path
    return full if full.endswith((".yaml", ".yml", ".json")) else f"{full}/**"
