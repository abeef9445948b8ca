"""Apply order by git ancestry, on a real server: an older commit applied after a newer one is refused (exit 3,
nothing written), a commit this clone does not know is refused unless allowed, a newer one is fine."""

from __future__ import annotations

import pytest

from reconciler.desired.spec import default_assistant_id
from tests.helpers import commit_all, git
from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

SUPPORT = default_assistant_id("support-bot")


def test_an_older_commit_after_a_newer_one_is_refused_naming_both(repo: Repo) -> None:
    older = commit_all(repo.root, "first")
    assert repo.cli("apply", "--auto-approve").returncode == 0
    repo.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    newer = commit_all(repo.root, "second")
    assert repo.cli("apply", "--auto-approve").returncode == 0
    versions = len(repo.versions(SUPPORT))

    git(repo.root, "checkout", "-q", older)
    result = repo.cli("apply", "--auto-approve")

    assert result.returncode == 3, result.stderr
    assert "refusing to apply an older commit over a newer one; nothing was written" in result.stderr
    assert newer[:12] in result.stderr and older[:12] in result.stderr
    assert len(repo.versions(SUPPORT)) == versions
    assert repo.cli("apply", "--auto-approve", "--allow-older-commit").returncode == 0


def test_a_newer_commit_after_an_older_one_applies(repo: Repo) -> None:
    commit_all(repo.root, "first")
    assert repo.cli("apply", "--auto-approve").returncode == 0
    repo.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    newer = commit_all(repo.root, "second")

    result = repo.cli("apply", "--auto-approve")

    assert result.returncode == 0, result.stderr
    assert repo.managed()["support-bot"]["metadata"]["reconciler/commit"] == newer


def test_a_commit_this_clone_does_not_know_is_refused_with_a_hint_to_fetch(repo: Repo) -> None:
    unknown = "ab" * 20
    assert repo.cli("apply", "--auto-approve", env={"RECONCILER_COMMIT": unknown}).returncode == 0
    repo.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    commit_all(repo.root, "here")

    result = repo.cli("apply", "--auto-approve")

    assert result.returncode == 3, result.stderr
    assert f"{unknown[:12]}" in result.stderr and "fetch-depth: 0" in result.stderr
    assert repo.cli("apply", "--auto-approve", "--allow-older-commit").returncode == 0
