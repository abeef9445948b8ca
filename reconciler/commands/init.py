"""``reconciler init``: set up an existing LangGraph app's repository for reconciler.

Reads the app's langgraph.json, pulls each graph's schemas from an ephemeral local in-memory server, and writes
reconciler.yaml, assistants.d/ (an example per graph, or nothing), schemas/, the GitHub workflows and the
.gitignore entries. Everything is computed first and the existing files are checked before anything is written:
without ``--force`` nothing is overwritten, and a refusal writes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.commands.base import say, warn
from reconciler.errors import SettingsError
from reconciler.settings import SETTINGS_FILE
from reconciler.validation.schema import GraphSchema


@dataclass(frozen=True)
class InitOptions:
    config: Path = Path("langgraph.json")
    force: bool = False
    examples: bool = True
    pip_spec: str | None = None
    """What the workflows install (default: this very version of langgraph-reconciler, or $RECONCILER_PIP_SPEC)."""
    workflows_only: bool = False
    """``--workflows``: (re)write only the workflow files, e.g. after an upgrade; nothing else is touched."""


def run(root: Path, options: InitOptions) -> int:
    from reconciler.commands.schemas import fetch_local

    git_root = _git_root(root)
    if options.workflows_only:
        return _write_workflows(root, git_root, options)
    _refuse_overwrite(_planned_files(root, git_root, options, {}), options)  # before the server starts
    files = _planned_files(root, git_root, options, fetch_local(options.config))
    _refuse_overwrite(files, options)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        warn(f"wrote {path}")
    _add_gitignore_entries(root / ".gitignore")
    say(_next_steps(root, git_root, files, options))
    return 0


def _planned_files(root: Path, git_root: Path | None, options: InitOptions, schemas: dict[str, GraphSchema]
                   ) -> dict[Path, str]:
    from reconciler.adoption import scaffold
    from reconciler.validation.editor_schema import editor_schema_text
    from reconciler.validation.schema import schema_file
    from reconciler.validation.schema import serialise as serialise_schema

    files: dict[Path, str] = {
        root / SETTINGS_FILE: _settings_text(root, git_root),
        root / "schemas" / "assistant.schema.json": editor_schema_text(schemas),
    }
    for schema in schemas.values():
        files[schema_file(root / "schemas", schema.graph_id)] = serialise_schema(schema)
        if options.examples:
            name = f"{scaffold.assistant_id_for(schema.graph_id)}.yaml"
            files[root / "assistants.d" / name] = scaffold.example_assistant_text(schema)
    if not options.examples:
        files[root / "assistants.d" / ".gitkeep"] = ""
    files.update(_workflow_files(root, git_root, options))
    return files


def _workflow_files(root: Path, git_root: Path | None, options: InitOptions) -> dict[Path, str]:
    """The workflows of the app at ``root``, named after its folder inside the repository so that every app of a
    monorepo gets its own (``reconciler-apps-support-plan.yml``)."""
    from reconciler.adoption.distribution import pip_spec
    from reconciler.adoption.templates import WorkflowOptions, render_workflows
    from reconciler.desired.gitrepo import default_branch

    workflow_root = git_root if git_root is not None else root
    workflow_options = WorkflowOptions(
        pip_spec=options.pip_spec or pip_spec(),
        workdir=_app_folder(root, workflow_root),
        default_branch=default_branch(root) if git_root is not None else "main",
        config=Path(os.path.relpath(options.config.resolve(), root.resolve())).as_posix(),
        js_app=_is_js_app(options.config),
    )
    folder = workflow_root / ".github" / "workflows"
    rendered = render_workflows(workflow_options)
    return {folder / workflow_options.file_name(name): text for name, text in rendered.items()}


def _is_js_app(config: Path) -> bool:
    """Whether ``config`` (a langgraph.json) is a LangGraph.js app's; False when it cannot be read."""
    import json

    from reconciler.server.jsdevserver import is_js_config

    try:
        raw = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(raw, dict) and is_js_config(raw)


def _write_workflows(root: Path, git_root: Path | None, options: InitOptions) -> int:
    for path, text in _workflow_files(root, git_root, options).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        warn(f"wrote {path}")
    return 0


def _app_folder(root: Path, repository_root: Path) -> str:
    """The app's folder relative to the repository's root, with POSIX separators (``.`` at the root)."""
    return Path(os.path.relpath(root.resolve(), repository_root.resolve())).as_posix()


def _settings_text(root: Path, git_root: Path | None) -> str:
    """reconciler.yaml for the app at ``root``, keeping the owner of the one already there (``--force`` must
    not hand the assistants this repository manages to a new owner, which would orphan them)."""
    from reconciler.adoption import scaffold
    from reconciler.settings import load_settings

    if (root / SETTINGS_FILE).is_file():
        return scaffold.settings_text(load_settings(root).project.owner)
    repository = (git_root or root).resolve().name
    return scaffold.settings_text(scaffold.owner_for(repository, _app_folder(root, git_root or root)))


def _refuse_overwrite(files: dict[Path, str], options: InitOptions) -> None:
    existing = sorted(str(path) for path in files if path.exists())
    if existing and not options.force:
        raise SettingsError(
            "these files exist already: " + ", ".join(existing) + "; nothing was written (pass --force to overwrite)"
        )


def _git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (relative to ``start``), or None."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return start / os.path.relpath(folder, here)
    return None


def _add_gitignore_entries(path: Path) -> None:
    from reconciler.adoption.scaffold import GITIGNORE_ENTRIES

    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [entry for entry in GITIGNORE_ENTRIES if entry not in present]
    if not missing:
        return
    prefix = "" if not text or text.endswith("\n") else "\n"
    block = "# reconciler: plan files hold real values; a local server's state\n" + "\n".join(missing) + "\n"
    path.write_text(text + prefix + block, encoding="utf-8")
    warn(f"added {', '.join(missing)} to {path}")


def _next_steps(root: Path, git_root: Path | None, files: dict[Path, str], options: InitOptions) -> str:
    examples = sorted(str(p) for p in files if p.parent == root / "assistants.d" and p.suffix == ".yaml")
    first = examples[0] if examples else str(root / "assistants.d" / "my-assistant.yaml")
    settings = root / SETTINGS_FILE
    lines = [
        "",
        "reconciler is set up. Next steps:",
        f"  1. Describe your assistants: edit {first} (one assistant per YAML document).",
        "  2. Check them offline:                 reconciler validate",
        f"  3. Try the whole loop locally:         reconciler dry-run --config {options.config}",
        f"  4. Point at your deployment: set `url` under environments.prod in {settings}, or export RECONCILER_URL;",
        "     export LANGSMITH_API_KEY if the server needs a key.",
        "  5. See what would change, then do it:  reconciler plan --env prod  /  reconciler apply --env prod",
        "  6. Commit reconciler.yaml, assistants.d/, schemas/ and .github/workflows/. In the repository's settings",
        "     create a GitHub environment per reconciler environment (prod) holding the secret LANGSMITH_API_KEY",
        "     (and RECONCILER_URL if reconciler.yaml has no url): plan, apply and drift all read them there; until",
        "     langgraph-reconciler is on the package index, set the variable RECONCILER_PIP_SPEC to a pip spec",
        "     that installs it (e.g. git+https://github.com/<owner>/<repo>@<commit>).",
    ]
    if git_root is None:
        lines.append(f"Note: {root} is not in a git repository; the workflows were written to {root}/.github.")
    return "\n".join(lines)
