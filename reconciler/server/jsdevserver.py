"""How to start the LangGraph.js dev server (``@langchain/langgraph-cli``'s ``langgraphjs dev``) for a JS app.

A langgraph.json is a JS app's when it names a ``node_version`` or its graphs are JS/TS files (and none is a
Python file). :mod:`reconciler.server.devserver` serves it like a Python app, with the command, config and
environment this module gives:

- The JS server keeps its state in ``.langgraph_api/`` next to the config FILE (not its CWD), and appends a
  ``.langgraph_api`` line to the ``.gitignore`` there; so the config is copied into the fresh temp dir.
- It resolves graph paths by joining them to the config's folder (an absolute path is joined too, and breaks), so
  the copy names each graph file by a path relative to the temp dir.
- The CLI is the app's own (``node_modules/.bin/langgraphjs`` in the app's folder or above), else ``npx`` runs the
  registry's ``@langchain/langgraph-cli``. The graph files import their packages from the app's node_modules.

Stdlib only, like devserver.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from reconciler.errors import DevServerError
from reconciler.server.appconfig import with_moved_targets

__all__ = ["JS_SERVER_ENV", "is_js_config", "js_config_for", "langgraphjs_command"]

JS_GRAPH_SUFFIXES = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
JS_CLI_PACKAGE = "@langchain/langgraph-cli"
JS_SERVER_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "BROWSER": "none", "FORCE_COLOR": "0", "NO_COLOR": "1"}
"""Analytics off (the CLI's own switch), no browser even if a flag is ignored, no colour codes in the log."""


def _graph_files(raw: dict[str, Any]) -> list[str]:
    graphs = raw.get("graphs")
    if not isinstance(graphs, dict):
        return []
    specs = [spec.get("path") if isinstance(spec, dict) else spec for spec in graphs.values()]
    return [spec.rpartition(":")[0] or spec for spec in specs if isinstance(spec, str)]


def is_js_config(raw: dict[str, Any]) -> bool:
    """Whether the LangGraph.js server serves this langgraph.json: a ``node_version``, or only JS/TS graphs."""
    if "node_version" in raw and "python_version" not in raw:
        return True
    files = _graph_files(raw)
    return bool(files) and all(f.endswith(JS_GRAPH_SUFFIXES) for f in files)


def _relative_target(target: str, base: Path, workdir: Path) -> str:
    """``./src/agent.ts:agent`` (relative to ``base``) as a path relative to ``workdir``."""
    path, sep, attr = target.rpartition(":")
    if not sep:
        path, attr = target, ""
    moved = os.path.relpath((base / path).resolve(), workdir.resolve())
    return f"{moved}:{attr}" if sep else moved


def js_config_for(raw: dict[str, Any], base: Path, workdir: Path) -> dict[str, Any]:
    """The langgraph.json to serve from ``workdir``: graph, auth and http paths relative to it, env file absolute."""
    cfg = with_moved_targets(raw, lambda target: _relative_target(target, base, workdir),
                             (("auth", "path"), ("http", "app")))
    if isinstance(cfg.get("env"), str):
        cfg["env"] = str((base / cfg["env"]).resolve())
    return cfg


def _app_cli(app_dir: Path) -> str | None:
    for folder in (app_dir, *app_dir.parents):
        candidate = folder / "node_modules" / ".bin" / "langgraphjs"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def langgraphjs_command(app_dir: Path) -> list[str]:
    """The command that runs the JS CLI for the app in ``app_dir``: its own install first, else ``npx``."""
    own = _app_cli(app_dir.resolve())
    if own is not None:
        return [own]
    npx = shutil.which("npx")
    if npx is None:
        raise DevServerError(
            f"this langgraph.json is a LangGraph.js app, and neither its node_modules/.bin/langgraphjs nor `npx` "
            f"was found: install Node.js 20 or later, then `npm install --save-dev {JS_CLI_PACKAGE}` in the app"
        )
    return [npx, "--yes", JS_CLI_PACKAGE]
