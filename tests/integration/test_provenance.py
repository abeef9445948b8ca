"""Provenance against a real server: every version written records its commit and digest, and neither
causes a diff on its own."""

from __future__ import annotations

import pytest

from reconciler.server.semantics import content_digest
from tests.helpers import commit_all
from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

OTHER_SHA = "ab" * 20


def test_versions_record_the_commit_and_digest_and_a_commit_alone_is_no_change(repo: Repo) -> None:
    first = commit_all(repo.root, "first")
    assert repo.cli("apply", "--auto-approve").returncode == 0

    support = repo.managed()["support-bot"]
    assert support["metadata"]["reconciler/commit"] == first
    assert support["metadata"]["reconciler/digest"] == content_digest(support)

    repo.write("NOTES.md", "unrelated\n")
    commit_all(repo.root, "unrelated change")
    assert repo.cli("plan", "--detailed-exitcode").returncode == 0


def test_commit_flag_and_variable_override_and_dirty_files_record_none(repo: Repo) -> None:
    commit_all(repo.root, "first")
    repo.edit("assistants.d/support.yaml", "Support bot", "Support bot v2")

    dirty = repo.cli("apply", "--auto-approve", "--only", "support-bot")
    assert dirty.returncode == 0, dirty.stderr
    assert "uncommitted changes (assistants.d/support.yaml)" in dirty.stderr
    assert "reconciler/commit" not in repo.managed()["support-bot"]["metadata"]

    repo.edit("assistants.d/support.yaml", "Support bot v2", "Support bot v3")
    flagged = repo.cli("apply", "--auto-approve", "--commit", OTHER_SHA.upper())
    assert flagged.returncode == 0, flagged.stderr
    assert repo.managed()["support-bot"]["metadata"]["reconciler/commit"] == OTHER_SHA

    repo.edit("assistants.d/support.yaml", "Support bot v3", "Support bot v4")
    # Neither commit is in this repository, so their order is unknown: going from one to the other is on purpose.
    by_variable = repo.cli(
        "apply", "--auto-approve", "--allow-older-commit", env={"RECONCILER_COMMIT": "cd" * 20}
    )
    assert by_variable.returncode == 0, by_variable.stderr
    assert repo.managed()["support-bot"]["metadata"]["reconciler/commit"] == "cd" * 20

    bad = repo.cli("plan", "--commit", "abc")
    assert bad.returncode == 1
    assert "--commit: 'abc' is not a full 40-character git commit id" in bad.stderr


def test_outside_git_versions_carry_a_digest_but_no_commit(applied: Repo) -> None:
    support = applied.managed()["support-bot"]
    assert "reconciler/commit" not in support["metadata"]
    assert support["metadata"]["reconciler/digest"] == content_digest(support)
