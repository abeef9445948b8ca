"""`reconciler apply` against a real `langgraph dev` server: converge, verify, refuse stale plans."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import LEAVES_CONTEXT_BEHIND, Repo

pytestmark = pytest.mark.integration

NEW_PROMPT_LINE = "Answer briefly and cite the help-centre article you used."
EDITED_PROMPT_LINE = "Answer in one sentence."


def test_round_trip_converges_and_a_second_apply_moves_no_version(repo: Repo) -> None:
    first = repo.cli("apply", "--auto-approve")
    assert first.returncode == 0, first.stderr
    versions = {k: v["version"] for k, v in repo.managed().items()}

    second = repo.cli("apply", "--auto-approve")
    plan = repo.cli("plan", "--detailed-exitcode")

    assert versions == {"summariser": 1, "support-bot": 1, "triage": 1}
    assert second.returncode == 0 and second.stdout.startswith("No changes.")
    assert plan.returncode == 0, plan.stdout
    assert {k: v["version"] for k, v in repo.managed().items()} == versions
    assert "Apply complete: 3 change(s) applied and verified." in first.stdout


def test_edit_then_revert_serves_version_1_again(applied: Repo, runtime: str) -> None:
    support = applied.managed()["support-bot"]
    assistant_id = support["assistant_id"]
    original_reply = applied.run_reply(assistant_id)

    applied.edit("assistants.d/support.yaml", NEW_PROMPT_LINE, EDITED_PROMPT_LINE)
    edit = applied.cli("apply", "--auto-approve")
    after_edit = applied.managed()["support-bot"]

    assert edit.returncode == 0, edit.stderr
    assert after_edit["version"] == 2
    assert EDITED_PROMPT_LINE in after_edit["context"]["system_prompt"]
    assert after_edit["config"]["tags"] == ["support", "tier-1"]
    assert after_edit["config"]["recursion_limit"] == 25
    assert EDITED_PROMPT_LINE in applied.run_reply(assistant_id)

    applied.edit("assistants.d/support.yaml", EDITED_PROMPT_LINE, NEW_PROMPT_LINE)
    planned = applied.plan_json()
    revert = applied.cli("apply", "--auto-approve", "--format", "json")

    assert [(a["action"], a.get("version"), a.get("reason")) for a in planned["actions"]] == [
        ("set_latest", 1, "rollback")
    ]
    assert planned["actions"][0]["repairs"] == [{"action": "update", "version": 3}]
    assert revert.returncode == 0, revert.stderr
    (outcome,) = json.loads(revert.stdout)["outcomes"]
    live = applied.managed()["support-bot"]
    if runtime in LEAVES_CONTEXT_BEHIND:
        # Its set_latest left version 2's context active; the readback saw it, and apply wrote version 1's
        # content as a new version 3 instead.
        assert (outcome["status"], outcome["version"], live["version"]) == ("repaired", 3, 3)
        assert outcome["message"] == (
            "set_latest left these fields behind: context.system_prompt; "
            "repaired as planned: wrote version 3 with version 1's content"
        )
    else:
        # The pg runtime's set_latest restores every field: version 1 is simply active again.
        assert (outcome["status"], outcome["version"], live["version"]) == ("applied", 1, 1)
    assert live["context"] == support["context"]
    assert live["config"] == support["config"]
    assert applied.run_reply(assistant_id) == original_reply
    assert applied.cli("plan", "--detailed-exitcode").returncode == 0


def test_removed_metadata_key_ends_as_null_and_plan_is_empty(applied: Repo) -> None:
    applied.edit("assistants.d/routing.yaml", "  schedule: weekly\n", "")

    result = applied.cli("apply", "--auto-approve")

    assert result.returncode == 0, result.stderr
    metadata = applied.managed()["summariser"]["metadata"]
    assert "schedule" in metadata and metadata["schedule"] is None
    assert applied.cli("plan", "--detailed-exitcode").returncode == 0


def test_stale_plan_file_is_refused_with_exit_3_and_no_write(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", NEW_PROMPT_LINE, EDITED_PROMPT_LINE)
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    live = applied.managed()["support-bot"]
    applied.api.patch(f"/assistants/{live['assistant_id']}", json={"name": "renamed in Studio"}).raise_for_status()
    versions_before = len(applied.versions(live["assistant_id"]))

    result = applied.cli("apply", "plan.json")

    assert result.returncode == 3
    assert "support-bot: planned against version 1" in result.stderr
    assert "server now at version 2" in result.stderr
    assert len(applied.versions(live["assistant_id"])) == versions_before
    assert applied.managed()["support-bot"]["name"] == "renamed in Studio"


def test_apply_plan_file_applies_exactly_that_plan(repo: Repo) -> None:
    assert repo.cli("plan", "--out", "plan.json").returncode == 0

    result = repo.cli("apply", "plan.json", "--format", "json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [(o["action"], o["id"], o["status"], o["version"]) for o in report["outcomes"]] == [
        ("create", "summariser", "applied", 1),
        ("create", "support-bot", "applied", 1),
        ("create", "triage", "applied", 1),
    ]
    assert sorted(repo.managed()) == ["summariser", "support-bot", "triage"]


def test_apply_without_terminal_or_auto_approve_is_an_error_not_a_hang(repo: Repo) -> None:
    result = repo.cli("apply")

    assert result.returncode == 1
    assert "no terminal to confirm on: pass --auto-approve, or apply a plan file" in result.stderr
    assert repo.managed() == {}


def test_pin_to_older_version_is_honoured(applied: Repo, runtime: str) -> None:
    applied.edit("assistants.d/support.yaml", NEW_PROMPT_LINE, EDITED_PROMPT_LINE)
    assert applied.cli("apply", "--auto-approve").returncode == 0
    support_text = (applied.root / "assistants.d/support.yaml").read_text()
    applied.write("assistants.d/support.yaml", "id: support-bot\ngraph_id: agent\npin: 1\n")

    result = applied.cli("apply", "--auto-approve")

    assert result.returncode == 0, result.stdout + result.stderr
    live = applied.managed()["support-bot"]
    assert live["version"] == 1
    versions = [v["version"] for v in applied.versions(live["assistant_id"])]
    # inmem: set_latest left version 2's context active, so apply wrote version 1's content (version 3) and
    # pinned 1 again. pg: set_latest restores every field, nothing more is written.
    assert versions == ([3, 2, 1] if runtime in LEAVES_CONTEXT_BEHIND else [2, 1])
    assert ("repaired after readback" in result.stdout) == (runtime in LEAVES_CONTEXT_BEHIND)
    if runtime in LEAVES_CONTEXT_BEHIND:
        assert (
            "set_latest left these fields behind: context.system_prompt; repaired as planned: wrote version 3 "
            "with version 1's content; re-activated version 1"
        ) in result.stdout
    assert NEW_PROMPT_LINE in live["context"]["system_prompt"]
    assert NEW_PROMPT_LINE in applied.run_reply(live["assistant_id"])
    assert applied.cli("plan", "--detailed-exitcode").returncode == 0
    assert EDITED_PROMPT_LINE in support_text


def test_import_then_apply_then_plan_is_empty(repo: Repo) -> None:
    for name, graph in (("Hand made", "agent"), ("Legacy one", "legacy")):
        context = {"system_prompt": f"{name} prompt", "temperature": 0.5}
        repo.api.post(
            "/assistants",
            json={"graph_id": graph, "name": name, "context": context, "config": {"tags": ["t"]},
                  "metadata": {"team": "x"}, "description": "made by hand"},
        ).raise_for_status()
    for path in (repo.root / "assistants.d").iterdir():
        path.unlink()

    imported = repo.cli("import")
    first = repo.plan_json()
    applied = repo.cli("apply", "--auto-approve")
    second = repo.cli("plan", "--detailed-exitcode")

    assert imported.returncode == 0, imported.stderr
    assert sorted(p.name for p in (repo.root / "assistants.d").iterdir()) == ["hand-made.yaml", "legacy-one.yaml"]
    assert [(a["action"], a["adopt"]) for a in first["actions"]] == [("update", True), ("update", True)]
    assert {tuple(c["path"] for c in a["changes"]) for a in first["actions"]} == {
        ("metadata.reconciler/id", "metadata.reconciler/owner")
    }
    assert applied.returncode == 0, applied.stderr
    assert second.returncode == 0, second.stdout


def test_import_twice_writes_the_same_files_which_validate_and_plan_only_their_adoption(repo: Repo) -> None:
    repo.api.post(
        "/assistants",
        json={"graph_id": "agent", "name": "Hand made", "context": {"system_prompt": "p", "temperature": 0.5},
              "config": {"tags": ["t"]}, "metadata": {"team": "x"}},
    ).raise_for_status()
    for path in (repo.root / "assistants.d").iterdir():
        path.unlink()
    folder = repo.root / "assistants.d"

    first = repo.cli("import")
    after_first = {path.name: path.read_text() for path in folder.iterdir()}
    second = repo.cli("import")
    after_second = {path.name: path.read_text() for path in folder.iterdir()}
    validated = repo.cli("validate")
    plan = repo.plan_json()
    applied = repo.cli("apply", "--auto-approve")
    third = repo.cli("import")
    final_plan = repo.cli("plan")

    assert (first.returncode, second.returncode, third.returncode) == (0, 0, 0), first.stderr + second.stderr
    assert list(after_first) == ["hand-made.yaml"]
    assert after_second == after_first
    assert "Imported 0 assistant(s)" in second.stdout
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert [(a["action"], a["adopt"]) for a in plan["actions"]] == [("update", True)]
    assert applied.returncode == 0, applied.stderr
    assert {path.name: path.read_text() for path in folder.iterdir()} == after_first
    assert "No changes." in final_plan.stdout, final_plan.stdout + final_plan.stderr


def test_emptied_context_and_config_are_cleared_completely(applied: Repo, runtime: str) -> None:
    # Aegra mirrors the context into config.configurable, an emptied one included.
    mirror: dict[str, object] = {"configurable": {}} if runtime == "aegra" else {}
    applied.write(
        "assistants.d/support.yaml", "id: support-bot\ngraph_id: agent\nconfig:\n  recursion_limit: 25\n"
    )
    plan = applied.plan_json()
    first = applied.cli("apply", "--auto-approve")
    after_first = applied.managed()["support-bot"]
    applied.write("assistants.d/support.yaml", "id: support-bot\ngraph_id: agent\n")
    second = applied.cli("apply", "--auto-approve")

    (action,) = plan["actions"]
    assert action["action"] == "update"
    assert {c["path"] for c in action["changes"]} >= {"config.tags", "context.system_prompt", "description"}
    assert first.returncode == 0, first.stdout + first.stderr
    assert (after_first["context"], after_first["config"], after_first["description"]) == (
        {}, {**mirror, "recursion_limit": 25}, ""
    )
    assert second.returncode == 0, second.stdout + second.stderr
    live = applied.managed()["support-bot"]
    # An empty config would leave recursion_limit on the server; an empty tags list replaces the whole config.
    assert (live["context"], live["config"]) == ({}, {**mirror, "tags": []})
    assert applied.cli("plan", "--detailed-exitcode").returncode == 0


def test_rollback_across_a_graph_change_restores_the_graph(applied: Repo, runtime: str) -> None:
    applied.edit("assistants.d/support.yaml", "graph_id: agent", "graph_id: typed")
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.7")
    assert applied.cli("apply", "--auto-approve").returncode == 0
    applied.edit("assistants.d/support.yaml", "graph_id: typed", "graph_id: agent")
    applied.edit("assistants.d/support.yaml", "temperature: 0.7", "temperature: 0.2")

    planned = applied.plan_json()
    result = applied.cli("apply", "--auto-approve", "--format", "json")

    assert [(a["action"], a.get("version")) for a in planned["actions"]] == [("set_latest", 1)]
    assert result.returncode == 0, result.stdout + result.stderr
    (outcome,) = json.loads(result.stdout)["outcomes"]
    if runtime in LEAVES_CONTEXT_BEHIND:  # its set_latest leaves context and graph_id at version 2's values
        assert (outcome["status"], outcome["version"], outcome["message"]) == (
            "repaired", 3, "set_latest left these fields behind: context.temperature, graph_id; "
            "repaired as planned: wrote version 3 with version 1's content",
        )
    else:
        assert (outcome["status"], outcome["version"], outcome["message"]) == ("applied", 1, "")
    live = applied.managed()["support-bot"]
    assert (live["graph_id"], live["context"]["temperature"]) == ("agent", 0.2)
    assert applied.cli("plan", "--detailed-exitcode").returncode == 0


def test_plan_file_refused_when_its_create_was_made_meanwhile(repo: Repo) -> None:
    assert repo.cli("plan", "--out", "plan.json", "--only", "triage").returncode == 0
    assert repo.cli("apply", "--auto-approve", "--only", "triage").returncode == 0

    result = repo.cli("apply", "plan.json")

    assert result.returncode == 3
    assert "nothing was written" in result.stderr
    assert "  triage: planned as a create, but the server now has it at version 1" in result.stderr
    assert [v["version"] for v in repo.versions(repo.managed()["triage"]["assistant_id"])] == [1]


def test_plan_file_refused_when_its_assistant_was_deleted_meanwhile(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    applied.api.delete(f"/assistants/{applied.managed()['support-bot']['assistant_id']}").raise_for_status()

    result = applied.cli("apply", "plan.json")

    assert result.returncode == 3
    assert "nothing was written" in result.stderr
    assert "  support-bot: planned against version 1, but it no longer exists on the server" in result.stderr
    assert "support-bot" not in applied.managed()


def test_a_graph_reading_configurable_runs_with_the_managed_context(applied: Repo) -> None:
    # `legacy` reads config.configurable, not the run's context: the Python servers mirror the context there,
    # the LangGraph.js server stores only what it is sent.
    summariser = applied.managed()["summariser"]

    reply = applied.run_reply(summariser["assistant_id"])

    assert reply == "None|Summarise the tickets in five bullet points.|0.5"
    assert summariser["config"]["configurable"] == summariser["context"]
