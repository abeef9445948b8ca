"""Drift attribution and `history` against a real server, after a mixed sequence of git changes and edits
made outside git (a raw PATCH, as Studio sends it)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import commit_all
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration


def _action(plan: dict[str, object], spec_id: str) -> dict[str, object]:
    actions = plan["actions"]
    assert isinstance(actions, list)
    (action,) = [a for a in actions if a["id"] == spec_id]
    assert isinstance(action, dict)
    return action


def test_studio_edit_and_git_change_are_attributed_and_history_tells_them_apart(repo: Repo) -> None:
    first = commit_all(repo.root, "first")
    assert repo.cli("apply", "--auto-approve").returncode == 0
    support = repo.managed()["support-bot"]
    assistant_id = support["assistant_id"]

    # A Studio edit: a PATCH of the context alone (the server merges metadata, keeping the old digest).
    edited = repo.api.patch(f"/assistants/{assistant_id}", json={"context": {"model_name": "anthropic"}})
    edited.raise_for_status()
    outside = _action(repo.plan_json(), "support-bot")
    assert (outside["action"], outside["cause"]) == ("set_latest", "outside")  # back to version 1, by content
    assert outside["expected"] == {"exists": True, "version": 2, "updated_at": edited.json()["updated_at"]}
    text = repo.cli("plan").stdout
    assert f"edited outside git: version 2, written {edited.json()['updated_at']}" in text
    assert repo.cli("apply", "--auto-approve").returncode == 0

    repo.edit("assistants.d/support.yaml", "Support bot", "Support bot v2")
    second = commit_all(repo.root, "rename the bot")
    in_git = _action(repo.plan_json(), "support-bot")
    assert (in_git["action"], in_git["cause"]) == ("update", "files")
    assert repo.cli("apply", "--auto-approve").returncode == 0

    result = repo.cli("history", "support-bot", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = [(r["version"], r["active"], r["commit"], r["source"]) for r in json.loads(result.stdout)]
    # The in-memory runtime's set_latest leaves the context behind: apply repairs the rollback by writing
    # version 1's content again (version 3, from the first commit); the Postgres-backed one needs no repair.
    repair = [(3, False, first, "reconciler")] if len(rows) == 4 else []
    assert rows == [
        (len(rows), True, second, "reconciler"),
        *repair,
        (2, False, None, "outside"),
        (1, False, first, "reconciler"),
    ]
    assert all(r["created_at"] for r in json.loads(result.stdout))

    text = repo.cli("history", "support-bot").stdout
    assert text.splitlines()[0] == f"support-bot (assistant {assistant_id}) on {repo.url}"
    assert "  outside     -" in text and f"  reconciler  {second}" in text


def test_history_of_an_unknown_assistant_is_an_error(repo: Repo) -> None:
    result = repo.cli("history", "nobody")
    assert result.returncode == 1
    assert f"error: no assistant 'nobody' on {repo.url} (looked for assistant " in result.stderr
