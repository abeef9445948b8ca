"""Renaming a spec's id against a real server: the plan spots the rename and says how to keep the assistant;
with `assistant_id` the rename is a metadata update, not a create and a delete."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do


def test_renamed_id_is_detected_and_kept_with_assistant_id(applied: Repo) -> None:
    old = applied.managed()["support-bot"]
    applied.edit("assistants.d/support.yaml", "id: support-bot\n", "id: help-bot\n")

    renamed = applied.plan_json("--prune")

    assert [(a["action"], a["id"]) for a in renamed["actions"]] == [("create", "help-bot"), ("delete", "support-bot")]
    assert (
        f"help-bot looks like a rename of support-bot (assistant {old['assistant_id']}, same graph and similar "
        f"content): to keep that assistant, add `assistant_id: {old['assistant_id']}` to assistants.d/support.yaml"
    ) in renamed["warnings"][0]

    applied.edit("assistants.d/support.yaml", "id: help-bot\n", f"id: help-bot\nassistant_id: {old['assistant_id']}\n")
    kept = applied.plan_json("--prune")

    (update,) = kept["actions"]
    assert (update["action"], update["id"], update["assistant_id"]) == ("update", "help-bot", old["assistant_id"])
    assert [(c["path"], c["before"], c["after"]) for c in update["changes"]] == [
        ("metadata.reconciler/id", "support-bot", "help-bot")
    ]
    assert kept["warnings"] == []
    assert applied.cli("apply", "--prune", "--auto-approve").returncode == 0
    assert applied.managed()["help-bot"]["assistant_id"] == old["assistant_id"]
    assert applied.cli("plan", "--prune", "--detailed-exitcode").returncode == 0
