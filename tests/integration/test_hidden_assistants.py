"""A deployment that stops serving a graph, on a real server restarted on the same state.

The in-memory runtime (langgraph-api 0.16.7) then hides the graph's assistants: GET answers 404 while the id
stays taken (a create is a 409) and the versions are still there. The planner must never plan a create over
one; every command names the graph. The Postgres-backed runtime (api 0.11.1), Aegra (0.11.0) and the
LangGraph.js dev server (CLI 1.7.3) do not hide them: GET shows them, and the reconciler plans them as the
assistants they are (an adoption here). Aegra and the JS server even list them on a search filtered on the graph
they no longer serve; only their schema read says the graph is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from reconciler.desired.spec import default_assistant_id
from tests.helpers import REPO_ROOT, write_tree
from tests.restartable import restartable_server
from tests.servers import selected_runtimes

OUTSIDE_ID = "3b1e2c54-7d6a-4f0e-9a51-0c2d9e8f7a61"
LATE_ID = default_assistant_id("late")
_STRIPPED_ENV = ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "RECONCILER_URL", "RECONCILER_ENV", "NO_COLOR")


@dataclass
class Restarted:
    runtime: str
    url: str
    root: Path
    managed_root: Path
    """Another repository (owner ``hidden-managed``) whose ``kept`` was applied on graph ``typed``."""
    api: httpx.Client

    def cli(self, *args: str, root: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}
        return subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=root or self.root,
                              env={**env, "RECONCILER_URL": self.url}, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120, check=False)


def hidden_text(assistant_id: str, url: str) -> str:
    return f"assistant {assistant_id} exists on {url} but its graph 'typed' is not served by this deployment"


def _create_on_typed(api: httpx.Client, assistant_id: str) -> None:
    # A context of its own: Aegra holds one assistant per graph and config (docs/server-behaviour.md §15).
    body = {"assistant_id": assistant_id, "graph_id": "typed", "name": "made elsewhere", "metadata": {"team": "x"},
            "context": {"model_name": "openai", "system_prompt": assistant_id}, "if_exists": "raise"}
    api.post("/assistants", json=body).raise_for_status()


@pytest.fixture(scope="module", params=selected_runtimes())
def restarted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restarted]:
    """Files that adopt an assistant made outside on graph ``typed`` (moving it to ``agent``) and create
    ``late``; a plan file made while both graphs were served; then ``late``'s id taken on ``typed`` too, and the
    server restarted serving ``agent`` only."""
    root = tmp_path_factory.mktemp(f"hidden-{request.param}")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    write_tree(root, {
        "reconciler.yaml": "owner: hidden-test\n",
        "assistants.d/moved.yaml": f"id: moved\ngraph_id: agent\nassistant_id: {OUTSIDE_ID}\n",
        "assistants.d/late.yaml": "id: late\ngraph_id: agent\n",
    })
    managed_root = tmp_path_factory.mktemp(f"hidden-managed-{request.param}")
    shutil.copytree(REPO_ROOT / "schemas", managed_root / "schemas")
    write_tree(managed_root, {"reconciler.yaml": "owner: hidden-managed\n",
                              "assistants.d/kept.yaml": "id: kept\ngraph_id: typed\n"})
    with restartable_server(request.param) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        scenario = Restarted(request.param, server.url, root, managed_root, api)
        with server.serving("agent", "typed"):
            applied = scenario.cli("apply", "--auto-approve", root=managed_root)
            assert applied.returncode == 0, applied.stdout + applied.stderr
            _create_on_typed(api, OUTSIDE_ID)
            planned = scenario.cli("plan", "--out", "plan.json")
            assert planned.returncode == 0, planned.stderr
            _create_on_typed(api, LATE_ID)
        with server.serving("agent"):
            yield scenario


def test_what_the_server_answers_for_an_assistant_of_a_graph_it_no_longer_serves(restarted: Restarted) -> None:
    api = restarted.api
    hides = restarted.runtime == "inmem"
    assert api.get(f"/assistants/{LATE_ID}").status_code == (404 if hides else 200)
    versions = api.post(f"/assistants/{LATE_ID}/versions", json={"limit": 10})
    assert (versions.status_code, [v["graph_id"] for v in versions.json()]) == (200, ["typed"])
    again = {"assistant_id": LATE_ID, "graph_id": "agent", "if_exists": "raise"}
    assert api.post("/assistants", json=again).status_code == 409
    listed = api.post("/assistants/search", json={"metadata": {"team": "x"}, "limit": 10}).json()
    assert sorted(row["assistant_id"] for row in listed) == sorted([OUTSIDE_ID, LATE_ID])  # search shows both
    # Where the server stops: the Python LangGraph runtimes refuse a search on the graph; Aegra and the JS server
    # list its assistants there too, and only a read that needs the graph itself says it was not found.
    on_graph = api.post("/assistants/search", json={"graph_id": "typed", "limit": 10})
    schemas = api.get(f"/assistants/{LATE_ID}/schemas")
    schema_refusals = {"aegra": (400, "Failed to extract schemas: Graph not found: typed"),
                       "js": (404, 'Graph "typed" not found')}
    if restarted.runtime in schema_refusals:
        assert LATE_ID in [row["assistant_id"] for row in on_graph.json()]
        reason = schemas.json()["message"] if restarted.runtime == "aegra" else schemas.text  # JS: plain text
        assert (schemas.status_code, reason) == schema_refusals[restarted.runtime]
    else:
        assert (on_graph.status_code, schemas.status_code) == (404, 404)


def test_plan_never_creates_over_a_hidden_assistant_and_names_its_graph(restarted: Restarted) -> None:
    result = restarted.cli("plan", "--format", "json")
    if restarted.runtime == "inmem":
        assert result.returncode == 1, result.stdout
        assert result.stdout == ""
        problems = [line for line in result.stderr.splitlines() if line.startswith("assistants.d/")]
        assert problems == [
            f"assistants.d/late.yaml:1:1: late: assistant_id: {hidden_text(LATE_ID, restarted.url)}" + _ways(LATE_ID),
            f"assistants.d/moved.yaml:3:15: moved: assistant_id: {hidden_text(OUTSIDE_ID, restarted.url)}"
            + _ways(OUTSIDE_ID),
        ]
    else:  # shown by GET: adopted where they are, and moved to the served graph
        assert result.returncode == 0, result.stderr
        actions = json.loads(result.stdout)["actions"]
        assert sorted((a["action"], a["id"], a["adopt"]) for a in actions) == [
            ("update", "late", True), ("update", "moved", True)]


def _ways(assistant_id: str) -> str:
    return (", so the server hides it (reads answer 404, a create with this id is refused as a duplicate); serve "
            "graph 'typed' again (langgraph.json `graphs`), or delete the assistant "
            f"(`DELETE /assistants/{assistant_id}` works on a hidden assistant), or give this assistant another "
            "`assistant_id`")


def test_a_plan_file_made_before_the_graph_went_away_writes_nothing(restarted: Restarted) -> None:
    result = restarted.cli("apply", "plan.json", "--format", "json")
    if restarted.runtime == "inmem":
        assert result.returncode == 1, result.stdout + result.stderr
        assert hidden_text(LATE_ID, restarted.url) in result.stderr
    else:  # the plan's create of `late` is an adoption now: the plan no longer holds
        assert result.returncode == 3, result.stdout + result.stderr
    versions = restarted.api.post(f"/assistants/{LATE_ID}/versions", json={"limit": 10}).json()
    assert [(v["version"], v["graph_id"]) for v in versions] == [(1, "typed")]


@pytest.mark.parametrize("command", ["show", "history"])
def test_show_and_history_name_the_graph(restarted: Restarted, command: str) -> None:
    result = restarted.cli(command, "late")
    if restarted.runtime == "inmem":
        assert result.returncode == 1
        assert f"late: {hidden_text(LATE_ID, restarted.url)}" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert LATE_ID in result.stdout


def test_import_skips_assistants_of_graphs_that_are_not_served(restarted: Restarted) -> None:
    result = restarted.cli("import", "--out-dir", "imported")
    assert result.returncode == 0, result.stderr
    for assistant_id in (OUTSIDE_ID, LATE_ID):
        skipped = f"skipped {assistant_id} (made elsewhere): its graph 'typed' is not served by this server"
        assert skipped in result.stderr
    assert not list((restarted.root / "imported").glob("*.yaml"))


def test_a_managed_assistant_of_a_graph_no_longer_served_moves_to_a_served_graph_by_an_update(
    restarted: Restarted,
) -> None:
    """The owner search still lists it (every runtime), and PATCH works on it: the files move it, apply verifies."""
    kept = default_assistant_id("kept")
    still_typed = restarted.cli("plan", root=restarted.managed_root)
    assert still_typed.returncode == 1
    assert "graph 'typed' is not served by" in still_typed.stderr
    (restarted.managed_root / "assistants.d/kept.yaml").write_text("id: kept\ngraph_id: agent\n", encoding="utf-8")
    planned = restarted.cli("plan", "--format", "json", root=restarted.managed_root)
    assert planned.returncode == 0, planned.stderr
    assert [(a["action"], a["id"]) for a in json.loads(planned.stdout)["actions"]] == [("update", "kept")]
    applied = restarted.cli("apply", "--auto-approve", root=restarted.managed_root)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    live = restarted.api.get(f"/assistants/{kept}")
    assert (live.status_code, live.json()["graph_id"], live.json()["version"]) == (200, "agent", 2)
