"""Environments, overlays, targeting, schemas pull and dry-run against a real `langgraph dev` server."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.helpers import REPO_ROOT
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration


@pytest.fixture
def env_repo(repo: Repo) -> Repo:
    shutil.copytree(REPO_ROOT / "environments", repo.root / "environments")
    return repo


def _support_create(plan: dict[str, object]) -> dict[str, object]:
    actions = plan["actions"]
    assert isinstance(actions, list)
    (create,) = [a for a in actions if a["id"] == "support-bot"]
    return {c["path"]: c["after"] for c in create["changes"]}


def test_overlay_changes_the_plan_of_its_environment_only(env_repo: Repo) -> None:
    dev = _support_create(env_repo.plan_json("--env", "dev"))
    prod = _support_create(env_repo.plan_json("--env", "prod"))

    assert (dev["context.model_name"], dev["context.temperature"], dev["metadata.environment"]) == (
        "anthropic",
        0,
        "dev",
    )
    assert dev["metadata.reconciler/owner"] == "example-dev"
    assert dev["context.system_prompt"] == prod["context.system_prompt"]
    assert (prod["context.model_name"], prod["context.temperature"]) == ("openai", 0.2)
    assert "metadata.environment" not in prod and prod["metadata.reconciler/owner"] == "example"


def test_apply_with_env_writes_the_merged_assistant(env_repo: Repo) -> None:
    result = env_repo.cli("apply", "--env", "dev", "--auto-approve")

    assert result.returncode == 0, result.stderr
    rows = env_repo.api.post(
        "/assistants/search", json={"metadata": {"reconciler/owner": "example-dev"}, "limit": 10}
    ).json()
    support = next(r for r in rows if r["metadata"]["reconciler/id"] == "support-bot")
    assert support["context"]["model_name"] == "anthropic"
    assert support["metadata"]["environment"] == "dev"
    assert env_repo.cli("plan", "--env", "dev", "--detailed-exitcode").returncode == 0


def test_overlay_problem_names_the_overlay_file(env_repo: Repo) -> None:
    env_repo.write("environments/dev/typo.yaml", "id: triage\ncontext:\n  temprature: 1\n")

    result = env_repo.cli("validate", "--env", "dev")

    assert result.returncode == 1
    assert (
        "environments/dev/typo.yaml:3:3: triage: context.temprature: unknown context key: graph 'typed' has no "
        "context key 'temprature'; the server would drop it silently (did you mean 'temperature'?)"
    ) in result.stderr


def test_unknown_environment_is_an_error(env_repo: Repo) -> None:
    result = env_repo.cli("plan", "--env", "staging")

    assert result.returncode == 1
    assert "unknown environment 'staging'" in result.stderr


def test_only_targets_matching_ids_and_refuses_prune(repo: Repo) -> None:
    only = repo.plan_json("--only", "support-*", "--only", "tri?ge")
    refused = repo.cli("plan", "--only", "triage", "--prune")
    nothing = repo.cli("plan", "--only", "nope-*")

    assert [(a["action"], a["id"]) for a in only["actions"]] == [("create", "support-bot"), ("create", "triage")]
    assert refused.returncode == 1 and "--prune cannot be combined with --only" in refused.stderr
    assert nothing.returncode == 1 and "no assistant id matches nope-*" in nothing.stderr


def test_apply_only_leaves_the_rest_alone(repo: Repo) -> None:
    result = repo.cli("apply", "--auto-approve", "--only", "triage")

    assert result.returncode == 0, result.stderr
    assert sorted(repo.managed()) == ["triage"]


def test_schemas_pull_writes_what_is_committed(repo: Repo, runtime: str) -> None:
    shutil.rmtree(repo.root / "schemas" / "graphs")
    # The JS twins' zod schemas come out of the LangGraph.js server in their own JSON Schema dialect.
    committed = REPO_ROOT / "graphs-js" / "schemas" if runtime == "js" else REPO_ROOT / "schemas"

    result = repo.cli("schemas", "pull")

    assert result.returncode == 0, result.stderr
    for graph in ("agent", "legacy", "nested", "typed"):
        pulled = (repo.root / "schemas" / "graphs" / f"{graph}.json").read_text()
        assert pulled == (committed / "graphs" / f"{graph}.json").read_text()
    assert json.loads(pulled)["graph_id"] == "typed"


def test_dry_run_applies_the_example_on_a_local_server_and_ends_with_no_changes(repo: Repo) -> None:
    result = repo.run_cli("dry-run", "--config", str(REPO_ROOT / "langgraph.json"), cwd=repo.root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Plan: 3 to create, 0 to update, 0 to set_latest, 0 to delete, 0 unchanged." in result.stdout
    assert "Apply complete: 3 change(s) applied and verified." in result.stdout
    assert result.stdout.rstrip().endswith("No changes. 3 assistant(s) match the server.")
    assert repo.managed() == {}, "dry-run must not touch the configured server"


def test_dry_run_validates_against_the_graphs_themselves_when_schemas_are_not_committed(repo: Repo) -> None:
    shutil.rmtree(repo.root / "schemas" / "graphs")

    result = repo.run_cli("dry-run", "--config", str(REPO_ROOT / "langgraph.json"), cwd=repo.root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning: schemas/graphs/agent.json is missing or differs from your graph" in result.stderr
    assert result.stdout.rstrip().endswith("No changes. 3 assistant(s) match the server.")


def test_dry_run_reports_context_errors_against_the_graphs_schema(repo: Repo) -> None:
    repo.edit("assistants.d/support.yaml", "model_name: openai", "model_name: gemini")

    result = repo.run_cli("dry-run", "--config", str(REPO_ROOT / "langgraph.json"), cwd=repo.root)

    assert result.returncode == 1
    assert "support-bot: context.model_name: 'gemini' is not one of ['anthropic', 'openai']" in result.stderr
