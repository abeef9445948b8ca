"""`apply PLANFILE` against a real server applies exactly what was reviewed: an edited plan file, files
changed since the plan, or a server that moved are refused with exit 3, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

REFUSED = "this plan file is not what the files and the server give now; nothing was written."


def read_plan(repo: Repo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo.root / "plan.json").read_text())
    return data


def write_plan(repo: Repo, data: dict[str, Any]) -> None:
    (repo.root / "plan.json").write_text(json.dumps(data))


def injected_delete(row: dict[str, Any]) -> dict[str, Any]:
    """A delete action as the planner writes one, aimed at ``row``."""
    return {
        "action": "delete",
        "id": "gone",
        "assistant_id": row["assistant_id"],
        "graph_id": row["graph_id"],
        "expected": {"exists": True, "version": row["version"], "updated_at": row["updated_at"]},
        "changes": [],
        "name": row["name"],
    }


def server_state(repo: Repo) -> list[tuple[str, int, str]]:
    rows = repo.api.post("/assistants/search", json={"limit": 100}).json()
    return sorted((row["assistant_id"], row["version"], row["updated_at"]) for row in rows)


def refuse(repo: Repo) -> str:
    before = server_state(repo)
    result = repo.cli("apply", "plan.json")
    assert result.returncode == 3, result.stdout + result.stderr
    assert server_state(repo) == before
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {REFUSED}")
    return result.stderr


def test_an_injected_delete_of_an_unmanaged_assistant_is_refused(applied: Repo) -> None:
    stranger = applied.api.post("/assistants", json={"graph_id": "agent", "name": "hand made"}).json()
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    data = read_plan(applied)
    data["actions"].append(injected_delete(stranger))
    write_plan(applied, data)

    stderr = refuse(applied)

    aid = stranger["assistant_id"]
    assert f"  gone: deletes assistant {aid}, which is not managed by reconciler; only assistants owned by " in stderr
    assert "  gone: the plan file has a delete that the files and the server no longer call for (the plan file " in (
        stderr
    )


def test_an_injected_delete_of_a_system_assistant_is_refused(applied: Repo) -> None:
    (system,) = applied.api.post(
        "/assistants/search", json={"graph_id": "agent", "metadata": {"created_by": "system"}}
    ).json()
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    data = read_plan(applied)
    data["actions"].append(injected_delete(system))
    write_plan(applied, data)

    stderr = refuse(applied)

    assert f"deletes assistant {system['assistant_id']}, a system assistant (created_by: system)" in stderr


def test_an_edited_create_body_is_refused_naming_the_invalid_fields(repo: Repo) -> None:
    assert repo.cli("plan", "--out", "plan.json").returncode == 0
    data = read_plan(repo)
    create = next(a for a in data["actions"] if a["id"] == "support-bot")
    create["body"]["context"].update({"model_name": "gemini", "bogus_key": 1})
    write_plan(repo, data)

    stderr = refuse(repo)

    assert (
        "  support-bot: body.context.bogus_key, body.context.model_name: not valid for graph 'agent' "
        "(schemas/graphs/agent.json) (the plan file was edited)"
    ) in stderr
    assert "  support-bot: body.metadata.reconciler/digest is not the digest of the body's content" in stderr
    assert "  support-bot: body.context differ from a fresh plan's (the plan file was edited)" in stderr
    assert "gemini" not in stderr
    assert repo.managed() == {}


def test_an_edited_update_body_is_refused(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    data = read_plan(applied)
    (update,) = data["actions"]
    update["body"]["config"]["configurable"] = {"temperature": 2}
    update["body"]["name"] = "Hijacked"
    write_plan(applied, data)

    stderr = refuse(applied)

    assert "support-bot: body.config.configurable is never sent" in stderr
    assert "  support-bot: body.config, body.name differ from a fresh plan's (the plan file was edited)" in stderr


def test_files_changed_after_the_plan_are_refused(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    applied.edit("assistants.d/support.yaml", "temperature: 0.3", "temperature: 0.4")
    applied.write("assistants.d/late.yaml", "id: late\ngraph_id: agent\n")

    stderr = refuse(applied)

    assert "  support-bot: body.context, body.metadata, changes differ from a fresh plan's (the files changed " in (
        stderr
    )
    assert (
        "  late: the files and the server now call for a create that the plan file does not have "
        "(the files changed since the plan)"
    ) in stderr


def test_a_server_change_after_the_plan_is_refused(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")
    assert applied.cli("plan", "--out", "plan.json").returncode == 0
    triage = applied.managed()["triage"]
    applied.api.patch(f"/assistants/{triage['assistant_id']}", json={"name": "renamed"}).raise_for_status()

    stderr = refuse(applied)

    assert (
        "  triage: the files and the server now call for a set_latest that the plan file does not have "
        "(the server moved: the plan saw it unchanged)"
    ) in stderr
    assert "support-bot" not in stderr


def test_an_unedited_plan_file_applies(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")
    assert applied.cli("plan", "--out", "plan.json").returncode == 0

    result = applied.cli("apply", "plan.json")

    assert result.returncode == 0, result.stderr
    assert applied.managed()["support-bot"]["context"]["temperature"] == 0.3


def test_an_emptied_assistants_dir_does_not_wipe_the_server(applied: Repo) -> None:
    for path in (applied.root / "assistants.d").iterdir():
        path.unlink()

    planned = applied.cli("plan", "--prune")
    applying = applied.cli("apply", "--prune", "--auto-approve")
    allowed = applied.cli("plan", "--prune", "--max-deletes", "3")

    for refused in (planned, applying):
        assert refused.returncode == 1
        assert (
            "--prune:1:1: the plan would delete 3 assistant(s), every assistant this owner manages (is "
            "assistants.d empty or the wrong folder?): summariser, support-bot, triage; pass --max-deletes 3"
        ) in refused.stderr
    assert sorted(applied.managed()) == ["summariser", "support-bot", "triage"]
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.splitlines()[2] == "!! This plan DELETES 3 assistant(s): summariser, support-bot, triage"
