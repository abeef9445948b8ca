"""Pins by commit against real servers: promotion from dev to prod through an overlay, a set_latest where the
pinned commit's version exists, a new version where it does not, and errors that name file and line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.server.devserver import dev_server
from tests.helpers import REPO_ROOT, commit_all
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration


@pytest.fixture
def prod_url() -> Iterator[str]:
    """A second, fresh server: production has never seen these assistants."""
    with dev_server(REPO_ROOT / "langgraph.json") as server:
        yield server.url


def _environments(repo: Repo, prod_url: str) -> None:
    repo.write(
        "reconciler.yaml",
        f"owner: example\nenvironments:\n  dev: {{url: {repo.url}}}\n  prod: {{url: {prod_url}}}\n",
    )


def _support(plan: dict[str, Any]) -> dict[str, Any]:
    (action,) = [a for a in plan["actions"] if a["id"] == "support-bot"]
    assert isinstance(action, dict)
    return action


def test_pin_by_commit_is_promoted_from_dev_to_prod_through_an_overlay(repo: Repo, prod_url: str) -> None:
    _environments(repo, prod_url)
    first = commit_all(repo.root, "prompt v1")
    assert repo.cli("apply", "--env", "dev", "--auto-approve").returncode == 0
    repo.edit("assistants.d/support.yaml", "Answer briefly", "Answer in two sentences")
    second = commit_all(repo.root, "prompt v2")
    assert repo.cli("apply", "--env", "dev", "--auto-approve").returncode == 0

    # prod runs the first commit's content, with prod's own overlay settings applied on top of it
    repo.write(
        "environments/prod/pin.yaml",
        f"id: support-bot\npin: {{commit: '{first[:7]}'}}\ncontext: {{temperature: 0.7}}\n",
    )
    commit_all(repo.root, "prod runs v1")
    created = _support(repo.plan_json("--env", "prod"))
    after = {c["path"]: c["after"] for c in created["changes"]}
    assert created["action"] == "create"
    assert "Answer briefly" in after["context.system_prompt"] and after["context.temperature"] == 0.7
    assert repo.cli("apply", "--env", "prod", "--auto-approve").returncode == 0
    prod_support = repo.api.get(f"{prod_url}/assistants/{created['assistant_id']}").json()
    assert prod_support["metadata"]["reconciler/commit"] == first
    assert prod_support["context"]["temperature"] == 0.7

    # promotion: a one-line change of the pin in prod's overlay writes the second commit's content there
    repo.edit("environments/prod/pin.yaml", first[:7], second)
    commit_all(repo.root, "promote v2 to prod")
    promoted = _support(repo.plan_json("--env", "prod"))
    assert (promoted["action"], promoted["cause"]) == ("update", "files")
    assert repo.cli("apply", "--env", "prod", "--auto-approve").returncode == 0
    prod_support = repo.api.get(f"{prod_url}/assistants/{created['assistant_id']}").json()
    assert (prod_support["version"], prod_support["metadata"]["reconciler/commit"]) == (2, second)
    assert "two sentences" in prod_support["context"]["system_prompt"]
    assert repo.cli("plan", "--env", "prod", "--detailed-exitcode").returncode == 0

    # on dev, where the first commit's version exists, the same pin is a set_latest of that version
    repo.write("environments/dev/pin.yaml", f"id: support-bot\npin: {{commit: '{first}'}}\n")
    commit_all(repo.root, "dev back to v1")
    back = _support(repo.plan_json("--env", "dev"))
    assert (back["action"], back["version"], back["reason"]) == ("set_latest", 1, "pin")
    assert repo.cli("apply", "--env", "dev", "--auto-approve").returncode == 0
    assert "Answer briefly" in repo.managed()["support-bot"]["context"]["system_prompt"]
    assert repo.cli("plan", "--env", "dev", "--detailed-exitcode").returncode == 0


def test_unknown_commit_and_a_file_missing_at_the_commit_are_errors_at_the_pin(repo: Repo) -> None:
    first = commit_all(repo.root, "first")
    repo.write("assistants.d/late.yaml", "id: late\ngraph_id: agent\npin:\n  commit: '" + first + "'\n")
    repo.write("environments/dev/pin.yaml", "id: support-bot\npin: {commit: deadbeef}\n")
    commit_all(repo.root, "second")

    result = repo.cli("validate", "--env", "dev")

    assert result.returncode == 1
    assert (
        "assistants.d/late.yaml:4:11: late: pin.commit: assistants.d/late.yaml did not exist at commit "
        f"{first[:12]}"
    ) in result.stderr
    assert (
        "environments/dev/pin.yaml:2:15: support-bot: pin.commit: commit deadbeef does not exist in this "
        "repository (a shallow clone has no history: `git fetch --unshallow`, or `fetch-depth: 0` in the "
        "checkout step)"
    ) in result.stderr


def test_numeric_pin_missing_on_this_server_explains_per_server_pins(repo: Repo) -> None:
    repo.edit("assistants.d/support.yaml", "metadata:\n", "pin: 4\nmetadata:\n")
    result = repo.cli("plan")
    assert result.returncode == 1
    assert "pin: pins version 4 but the assistant does not exist on" in result.stderr
    assert "numeric pins name a version of one server: pin by commit instead" in result.stderr
