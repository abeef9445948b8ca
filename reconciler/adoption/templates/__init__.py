"""The GitHub workflows that ``reconciler init`` writes into an app's repository, rendered from package data.

The templates in ``templates/workflows/`` carry placeholders: ``@@PIP_SPEC@@`` (what the workflows install, unless
the repository variable ``RECONCILER_PIP_SPEC`` says otherwise), ``@@WORKDIR@@`` (the folder of reconciler.yaml,
relative to the repository's root), ``@@PATHS@@`` (the paths whose changes trigger a plan or an apply),
``@@BRANCH@@`` (the repository's default branch, which apply follows), ``@@CONFIG@@`` (the app's
langgraph.json, relative to ``@@WORKDIR@@``), ``@@APP_PATHS@@`` (the app's whole folder), ``@@SLUG@@``
(``reconciler``, or ``reconciler-<app folder>`` for an app in a sub-folder: it keeps concurrency groups and
pull-request comments of two apps in one repository apart) and ``@@LABEL@@`` (`` (<app folder>)`` in workflow
names, or nothing). This repository's own ``.github/workflows`` are rendered from the same templates
(``make workflows``), and a test keeps them in sync.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml", "schemas.yml")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class WorkflowOptions:
    pip_spec: str
    """A pip requirement: ``langgraph-reconciler==X.Y.Z``, a git URL pinned to a commit, a wheel path, ``.``."""
    workdir: str = "."
    """The folder holding reconciler.yaml, relative to the repository's root (POSIX separators)."""
    watched: tuple[str, ...] = ("assistants.d", "schemas", "environments", "reconciler.yaml")
    """Folders and files, relative to ``workdir``, whose changes trigger a plan or an apply."""
    default_branch: str = "main"
    """The branch the apply workflow applies on push."""
    config: str = "langgraph.json"
    """The app's langgraph.json, relative to ``workdir``: the schemas workflow pulls from its graphs."""
    js_app: bool = False
    """A LangGraph.js app: the schemas workflow installs its Node.js packages, not pip dependencies."""

    @property
    def slug(self) -> str:
        """``reconciler``, or ``reconciler-apps-support`` for the app in ``apps/support``."""
        folder = _UNSAFE.sub("-", self.workdir.lower()).strip("-._")
        return "reconciler" if self.workdir in ("", ".") or not folder else f"reconciler-{folder}"

    def file_name(self, workflow: str) -> str:
        """The name of ``workflow`` (``plan.yml``) in ``.github/workflows/``: ``reconciler-apps-support-plan.yml``."""
        return f"{self.slug}-{workflow}"


def render_workflows(options: WorkflowOptions) -> dict[str, str]:
    """``{"plan.yml": text, ...}``: every workflow, ready to be written into ``.github/workflows/``."""
    folder = resources.files(__package__).joinpath("workflows")
    return {name: _render(folder.joinpath(name).read_text(encoding="utf-8"), options) for name in WORKFLOWS}


def _render(template: str, options: WorkflowOptions) -> str:
    replacements = {
        "@@PIP_SPEC@@": options.pip_spec.replace("'", "''"),  # inside a '...' literal of a ${{ }} expression
        "@@WORKDIR@@": options.workdir,
        "@@BRANCH@@": json.dumps(options.default_branch),
        "@@SLUG@@": options.slug,
        "@@CONFIG@@": options.config,
        "@@APP_PATHS@@": "**" if options.workdir in ("", ".") else f"{options.workdir}/**",
        "@@LABEL@@": "" if options.slug == "reconciler" else f" ({options.workdir})",
        "@@PATHS@@": "\n".join(f'      - "{_watched_path(options.workdir, path)}"' for path in options.watched),
        "@@INSTALL_APP@@": _JS_APP_INSTALL if options.js_app else _PYTHON_APP_INSTALL,
    }
    for placeholder, value in replacements.items():
        template = template.replace(placeholder, value)
    return template


_PYTHON_APP_INSTALL = """\
          # The dependencies of langgraph.json are pip requirements or paths relative to its folder.
          cd "$(dirname "$LANGGRAPH_CONFIG")"
          jq -r '.dependencies[]?' "$(basename "$LANGGRAPH_CONFIG")" | while read -r dependency; do
            python -m pip install "$dependency"
          done
"""
_JS_APP_INSTALL = """\
          # A LangGraph.js app: its Node.js packages (the runner's Node.js), which the JS dev server loads.
          cd "$(dirname "$LANGGRAPH_CONFIG")"
          if [ -f package-lock.json ]; then npm ci; else npm install; fi
"""


def _watched_path(workdir: str, path: str) -> str:
    full = PurePosixPath(workdir, path).as_posix() if workdir != "." else path
    return full if full.endswith((".yaml", ".yml", ".json")) else f"{full}/**"
