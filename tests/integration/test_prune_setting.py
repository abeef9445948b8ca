"""Pruning chosen in reconciler.yaml: a removed file is deleted by a plain `plan`/`apply`, per environment,
and `--no-prune` keeps it; against a real `langgraph dev` server."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do


def _remove_routing(repo: Repo) -> None:
    """Remove the file of triage and summariser, as a merged pull request would."""
    (repo.root / "assistants.d" / "routing.yaml").unlink()


def test_prune_in_reconciler_yaml_deletes_a_removed_file_without_the_flag(applied: Repo) -> None:
    applied.edit("reconciler.yaml", "owner: example\nassistants_dir", "owner: example\nprune: true\nassistants_dir")
    _remove_routing(applied)

    kept = applied.plan_json("--no-prune")
    planned = applied.plan_json()
    result = applied.cli("apply", "--auto-approve")

    assert (kept["prune"], kept["summary"]["delete"]) == (False, 0)
    assert planned["prune"] is True
    assert sorted((a["action"], a["id"]) for a in planned["actions"]) == [
        ("delete", "summariser"), ("delete", "triage"),
    ]
    assert result.returncode == 0, result.stderr
    assert sorted(applied.managed()) == ["support-bot"]
    assert applied.cli("plan", "--detailed-exitcode").returncode == 0


def test_an_environment_can_turn_pruning_off(applied: Repo) -> None:
    applied.edit("reconciler.yaml", "owner: example\nassistants_dir", "owner: example\nprune: true\nassistants_dir")
    applied.edit("reconciler.yaml", "  prod:\n    owner: example\n", "  prod:\n    owner: example\n    prune: false\n")
    _remove_routing(applied)

    planned = applied.plan_json("--env", "prod")

    assert (planned["prune"], planned["summary"]["delete"]) == (False, 0)
    assert any("no longer in the files" in warning for warning in planned["warnings"])


def test_without_the_setting_a_removed_file_is_kept(applied: Repo) -> None:
    _remove_routing(applied)

    planned = applied.plan_json()

    assert (planned["prune"], planned["summary"]["delete"]) == (False, 0)


_SHARED = (
    "owner: example\nprune: true\nenvironments:\n"
    "  dev:\n    id_namespace: dev\n"
    "  prod:\n    id_namespace: prod\n"
)


def test_environments_sharing_a_server_keep_apart_and_never_prune_each_other(repo: Repo, runtime: str) -> None:
    repo.write("reconciler.yaml", _SHARED)
    for environment in ("dev", "prod"):
        result = repo.cli("apply", "--env", environment, "--auto-approve")
        if runtime == "aegra" and environment == "prod":
            # Aegra allows one assistant per graph and config: prod's copies of dev's assistants are refused.
            assert result.returncode == 1
            assert "has the identical config and context" in result.stdout + result.stderr
            return
        assert result.returncode == 0, result.stderr
    (repo.root / "assistants.d" / "routing.yaml").unlink()

    dev_plan = repo.plan_json("--env", "dev")
    applied = repo.cli("apply", "--env", "dev", "--auto-approve")

    assert sorted((a["action"], a["id"]) for a in dev_plan["actions"]) == [
        ("delete", "summariser"), ("delete", "triage"),
    ]
    assert applied.returncode == 0, applied.stderr
    owners = {}
    for owner in ("example/dev", "example/prod"):
        rows = repo.api.post("/assistants/search", json={"metadata": {"reconciler/owner": owner}, "limit": 100}).json()
        owners[owner] = sorted(row["metadata"]["reconciler/id"] for row in rows)
    assert owners == {"example/dev": ["support-bot"], "example/prod": ["summariser", "support-bot", "triage"]}


def test_an_assistant_of_another_owner_names_the_fix(applied: Repo) -> None:
    applied.edit("reconciler.yaml", "owner: example\nassistants_dir", "owner: other\nassistants_dir")
    applied.edit("reconciler.yaml", "  prod:\n    owner: example\n", "  prod:\n")

    result = applied.cli("plan")

    assert result.returncode == 1
    assert "is owned by 'example', not 'other'; not taking it over. If another environment or repository manages " \
        "it on this server, give this one its own `owner` or `id_namespace` in reconciler.yaml, or set a distinct " \
        "`assistant_id`" in result.stderr


def test_a_plan_file_and_show_use_the_namespaced_ids(repo: Repo) -> None:
    from reconciler.desired.spec import namespaced_assistant_id

    repo.write("reconciler.yaml", _SHARED)
    planned = repo.cli("plan", "--env", "prod", "--out", "plan.json")
    applied = repo.cli("apply", "plan.json", "--env", "prod", "--auto-approve")
    shown = repo.cli("show", "triage", "--env", "prod", "--format", "json")

    assert planned.returncode == 0, planned.stderr
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert shown.returncode == 0, shown.stderr
    assert namespaced_assistant_id("prod", "triage") in shown.stdout
