"""Which langgraph.json is a LangGraph.js app's, and the copy of it that the JS server is started with."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.server.jsdevserver import is_js_config, js_config_for


@pytest.mark.parametrize(
    ("config", "js"),
    [
        ({"graphs": {"a": "./src/agent.ts:agent", "b": "./src/b.mjs:graph"}}, True),
        ({"graphs": {"a": {"path": "./src/agent.cjs:agent"}}}, True),
        ({"node_version": "20", "graphs": {}}, True),
        ({"graphs": {"a": "./graphs/agent.py:agent"}}, False),
        ({"graphs": {"a": "./src/agent.ts:agent", "p": "./graphs/agent.py:agent"}}, False),
        ({"graphs": {"a": "pkg.module:graph"}}, False),
        ({"node_version": "20", "python_version": "3.11", "graphs": {}}, False),
        ({}, False),
    ],
)
def test_a_js_app_is_told_by_its_graph_files_or_node_version(config: dict[str, object], js: bool) -> None:
    assert is_js_config(config) is js


def test_the_served_copy_names_graphs_relative_to_its_folder_and_the_env_file_absolutely(tmp_path: Path) -> None:
    app, workdir = tmp_path / "apps" / "support", tmp_path / "run"
    raw = {
        "node_version": "20",
        "graphs": {"agent": "./src/agent.ts:agent", "other": {"path": "src/other.mts:graph", "description": "x"}},
        "env": ".env",
        "auth": {"path": "./src/auth.ts:auth"},
    }

    served = js_config_for(raw, app, workdir)

    assert served == {
        "node_version": "20",
        "graphs": {"agent": "../apps/support/src/agent.ts:agent",
                   "other": {"path": "../apps/support/src/other.mts:graph", "description": "x"}},
        "env": str((app / ".env").resolve()),
        "auth": {"path": "../apps/support/src/auth.ts:auth"},
    }
