"""A LangGraph.js app adopts reconciler: ``init``, ``schemas pull --config`` and ``dry-run`` serve its graphs with
the JS dev server (graphs-js/, through the CLI that ``make js-runtime`` installs). Runs with the ``js`` runtime."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import RunCli
from tests.jsserver import JS_APP, JS_INSTALL_HINT
from tests.servers import selected_runtimes

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif("js" not in selected_runtimes(), reason="the js runtime is not selected"),
]

GRAPHS = ("agent", "flaky", "legacy", "nested", "typed")


@pytest.fixture
def js_app(tmp_path: Path) -> Path:
    """A copy of graphs-js/ (its sources, langgraph.json and installed packages, linked) as a user's app."""
    if not (JS_APP / "node_modules" / ".bin" / "langgraphjs").is_file():
        pytest.fail(f"{JS_APP}/node_modules is missing; {JS_INSTALL_HINT}")
    app = tmp_path / "app"
    shutil.copytree(JS_APP / "src", app / "src")
    for name in ("langgraph.json", "package.json"):
        shutil.copy(JS_APP / name, app / name)
    (app / "node_modules").symlink_to(JS_APP / "node_modules")
    return app


def test_init_on_a_js_app_pulls_its_schemas_from_the_js_server(js_app: Path, run_cli: RunCli) -> None:
    result = run_cli("init", cwd=js_app)

    assert result.returncode == 0, result.stdout + result.stderr
    for graph in GRAPHS:
        pulled = (js_app / "schemas" / "graphs" / f"{graph}.json").read_text()
        assert pulled == (JS_APP / "schemas" / "graphs" / f"{graph}.json").read_text()
    assert json.loads((js_app / "schemas" / "graphs" / "agent.json").read_text())["context_schema"]["properties"][
        "model_name"]["enum"] == ["anthropic", "openai"]
    assert not (js_app / ".langgraph_api").exists(), "the server's state belongs in its temp folder"
    assert "# LangGraph API" not in (js_app / ".gitignore").read_text(), "the CLI edits the .gitignore by its config"
    (schemas_workflow,) = (js_app / ".github" / "workflows").glob("*schemas.yml")
    assert "npm ci" in schemas_workflow.read_text(), "CI installs the app's Node.js packages to pull its schemas"


def test_dry_run_on_a_js_app_applies_its_examples_and_ends_with_no_changes(js_app: Path, run_cli: RunCli) -> None:
    assert run_cli("init", cwd=js_app).returncode == 0

    result = run_cli("dry-run", "--config", "langgraph.json", cwd=js_app)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Plan: {len(GRAPHS)} to create, 0 to update" in result.stdout
    assert result.stdout.rstrip().endswith(f"No changes. {len(GRAPHS)} assistant(s) match the server.")
