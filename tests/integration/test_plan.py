"""`reconciler plan` against a real `langgraph dev` server."""

from __future__ import annotations

import json
import shutil
import uuid

import pytest

from reconciler.desired.spec import default_assistant_id
from tests.integration.conftest import Repo, committed_schemas

pytestmark = pytest.mark.integration

EXAMPLE_IDS = ["summariser", "support-bot", "triage"]


def test_empty_server_plans_one_create_per_spec_and_detailed_exitcode_is_2(repo: Repo) -> None:
    result = repo.cli("plan", "--format", "json", "--detailed-exitcode")

    assert result.returncode == 2, result.stderr
    plan = json.loads(result.stdout)
    assert [(a["action"], a["id"]) for a in plan["actions"]] == [("create", i) for i in EXAMPLE_IDS]
    assert plan["summary"] == {"create": 3, "update": 0, "set_latest": 0, "delete": 0, "unchanged": 0}
    assert plan["actions"][1]["assistant_id"] == default_assistant_id("support-bot")
    assert plan["actions"][1]["expected"] == {"exists": False}
    assert "body" not in plan["actions"][1]


def test_plan_matching_server_exits_0_and_writes_nothing(applied: Repo) -> None:
    before = {k: (v["version"], v["updated_at"]) for k, v in applied.managed().items()}

    result = applied.cli("plan", "--detailed-exitcode")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No changes.")
    assert {k: (v["version"], v["updated_at"]) for k, v in applied.managed().items()} == before


def test_out_of_band_edit_is_rolled_back_to_the_version_that_matches_git(applied: Repo, runtime: str) -> None:
    live = applied.managed()["support-bot"]
    studio_edit = {**live["context"], "temperature": 0.9}
    applied.api.patch(f"/assistants/{live['assistant_id']}", json={"context": studio_edit}).raise_for_status()

    plan = applied.plan_json()

    # Version 1 still holds exactly what git says: re-activate it rather than write a duplicate version.
    (action,) = plan["actions"]
    assert (action["action"], action["id"], action["version"], action["reason"]) == (
        "set_latest", "support-bot", 1, "rollback"
    )
    assert action["expected"]["version"] == 2
    # Studio's context-only PATCH also dropped the tags and recursion_limit on the Python servers: the plan names
    # them too. Aegra and the LangGraph.js server keep a config that a PATCH does not send.
    dropped = [("config.recursion_limit", None, 25), ("config.tags", None, ["support", "tier-1"])]
    if runtime in ("aegra", "js"):
        dropped = []
    assert [(c["path"], c["before"], c["after"]) for c in action["changes"]] == [
        *dropped,
        ("context.temperature", 0.9, 0.2),
    ]


def test_out_of_band_edit_with_no_matching_version_is_an_update_naming_the_field(
    applied: Repo, runtime: str
) -> None:
    applied.edit("assistants.d/support.yaml", "team: support", "team: care")
    live = applied.managed()["support-bot"]
    applied.api.patch(f"/assistants/{live['assistant_id']}", json={"name": "Studio name"}).raise_for_status()

    plan = applied.plan_json()

    (action,) = plan["actions"]
    assert (action["action"], action["id"], action["expected"]["version"]) == ("update", "support-bot", 2)
    # The pg runtime resets context to {} on a PATCH that carries none (the in-memory one keeps it): the plan
    # names whatever the server really holds.
    context_reset = [
        ("context.model_name", None, "openai"),
        ("context.system_prompt", None, live["context"]["system_prompt"]),
        ("context.temperature", None, 0.2),
    ] if runtime == "pg" else []
    assert [(c["path"], c["before"], c["after"]) for c in action["changes"]] == [
        *context_reset,
        ("metadata.team", "support", "care"),
        ("name", "Studio name", "Support bot"),
    ]


def test_removed_file_is_a_delete_only_with_prune(applied: Repo) -> None:
    (applied.root / "assistants.d" / "support.yaml").unlink()

    without = applied.plan_json()
    with_prune = applied.plan_json("--prune")

    assert without["actions"] == []
    assert without["warnings"] == [
        "1 managed assistant(s) no longer in the files (kept; --prune deletes): support-bot"
    ]
    assert [(a["action"], a["id"]) for a in with_prune["actions"]] == [("delete", "support-bot")]


def test_unmanaged_and_system_assistants_are_never_deleted(applied: Repo) -> None:
    applied.api.post("/assistants", json={"graph_id": "agent", "name": "hand made"}).raise_for_status()

    plan = applied.plan_json("--prune")

    assert plan["actions"] == []
    assert plan["summary"]["unchanged"] == 3


def test_additive_schema_change_plans_against_an_older_server_while_a_removed_key_fails(repo: Repo) -> None:
    # The pull request adds an optional context key the server (older code) does not have yet.
    path = repo.root / "schemas" / "graphs" / "agent.json"
    schema = json.loads(path.read_text())
    schema["context_schema"]["properties"]["tone"] = {"type": "string", "default": "warm"}
    path.write_text(json.dumps(schema))

    additive = repo.cli("plan", "--format", "json")

    assert additive.returncode == 0, additive.stderr
    assert json.loads(additive.stdout)["warnings"][0] == (
        f"schemas/graphs/agent.json differs from the schema of graph 'agent' on {repo.url} (context keys on the "
        "server: removed tone); every context is valid against both"
    )

    # A context that uses the new key is one the older server's graph would drop: that fails, naming the server.
    repo.edit("assistants.d/support.yaml", "  temperature: 0.2\n", "  temperature: 0.2\n  tone: formal\n")

    removed = repo.cli("plan")

    assert removed.returncode == 1
    assert removed.stdout == ""
    assert (
        f"assistants.d/support.yaml:9:3: support-bot: context.tone: the graph served by {repo.url} would not accept "
        "it: unknown context key: graph 'agent' has no context key 'tone'"
    ) in removed.stderr


def test_assistant_of_another_owner_is_an_error_not_a_takeover(repo: Repo) -> None:
    foreign = str(uuid.uuid4())
    repo.api.post(
        "/assistants",
        json={"assistant_id": foreign, "graph_id": "agent", "metadata": {"reconciler/owner": "payments"}},
    ).raise_for_status()
    repo.edit("assistants.d/support.yaml", "graph_id: agent\n", f"graph_id: agent\nassistant_id: {foreign}\n")

    result = repo.cli("plan")

    assert result.returncode == 1
    assert (
        f"assistants.d/support.yaml:4:15: support-bot: assistant_id: assistant {foreign} is owned by 'payments', "
        "not 'example'; not taking it over"
    ) in result.stderr


def test_unknown_graph_on_server_is_an_error(repo: Repo, runtime: str) -> None:
    (repo.root / "schemas" / "graphs" / "ghost.json").write_text(
        json.dumps({"graph_id": "ghost", "context_schema": {"properties": {}}, "config_schema": None})
    )
    repo.write("assistants.d/ghost.yaml", "id: ghost-bot\ngraph_id: ghost\n")

    result = repo.cli("plan")

    assert result.returncode == 1
    # Aegra and the JS server answer a search on an unknown graph with an empty list (no 404): the message then
    # also names the other cause, a deleted system assistant.
    assert f"assistants.d/ghost.yaml:2:11: ghost-bot: graph_id: graph 'ghost' is not served by {repo.url}" in (
        result.stderr
    )


def test_plan_out_writes_real_values_with_mode_0600(repo: Repo) -> None:
    result = repo.cli("plan", "--out", "plan.json")

    assert result.returncode == 0, result.stderr
    path = repo.root / "plan.json"
    assert path.stat().st_mode & 0o777 == 0o600
    plan = json.loads(path.read_text())
    create = plan["actions"][1]
    assert create["body"]["context"]["system_prompt"].startswith("You are a helpful support agent.")
    metadata = create["body"]["metadata"]
    assert metadata.pop("reconciler/digest").startswith("sha256:")
    assert metadata == {"team": "support", "reconciler/id": "support-bot", "reconciler/owner": "example"}


def test_plan_reads_a_graphs_schema_through_any_assistant_once_its_system_assistant_is_deleted(
    applied: Repo, runtime: str
) -> None:
    for graph_id in ("agent", "legacy", "typed"):
        applied.delete_system_assistant(graph_id)
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")

    plan = applied.plan_json()
    shutil.rmtree(applied.root / "schemas" / "graphs")
    (applied.root / "schemas" / "assistant.schema.json").unlink()
    pulled = applied.cli("schemas", "pull")

    assert [(a["action"], a["id"]) for a in plan["actions"]] == [("update", "support-bot")]
    assert pulled.returncode == 0, pulled.stderr
    committed = committed_schemas(runtime) / "graphs"
    assert {p.name: p.read_text() for p in (applied.root / "schemas" / "graphs").iterdir()} == {
        p.name: p.read_text() for p in committed.iterdir()
    }
    # the editor schema is rebuilt from the pulled graph schemas: the committed one, context keys per graph
    editor = (applied.root / "schemas" / "assistant.schema.json").read_text()
    assert editor == (committed_schemas(runtime) / "assistant.schema.json").read_text()


def test_graph_without_any_assistant_left_is_a_problem_that_says_what_to_do(repo: Repo, runtime: str) -> None:
    repo.delete_system_assistant("agent")

    stuck = repo.cli("plan")
    repo.api.post("/assistants", json={"graph_id": "agent", "name": "any"}).raise_for_status()
    unstuck = repo.cli("plan")

    assert stuck.returncode == 1
    where = "assistants.d/support.yaml:3:11: support-bot: graph_id: graph 'agent'"
    if runtime == "js":  # its search answers alike for a graph it serves and one it does not
        assert (
            f"{where} is not served by {repo.url}, or its system assistant was deleted (this server does not tell "
            "the two apart): check the graph's name; if it is served, restart the server, which re-creates it, or "
            "create any assistant of graph 'agent' there, then run this again"
        ) in stuck.stderr
    else:
        assert (
            f"{where} is served by {repo.url} but has no assistant to read its schema from (its system assistant "
            "was deleted); restart the server, which re-creates it, or create any assistant of graph 'agent' "
            "there, then run this again"
        ) in stuck.stderr
    assert unstuck.returncode == 0, unstuck.stderr
