"""Workflow commands and invisible characters in values from the files and the server never reach a CI log:
every command's every format, against a real server."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

RUNNER_COMMAND = re.compile(r"(?:\A|[\r\n])\s*::|##\[")
HOSTILE = "ok\\n::add-mask::x\\r  ::stop-commands::t ##[error]e \\u202eevil\\u200b @octocat"


def _assert_harmless(*outputs: str) -> None:
    for output in outputs:
        assert not RUNNER_COMMAND.search(output), output
        assert "\u202e" not in output and "\u200b" not in output, output


def test_hostile_values_are_neutralised_in_every_output(repo: Repo) -> None:
    repo.edit(
        "assistants.d/support.yaml", "description: Answers customer support tickets.", f'description: "{HOSTILE}"'
    )
    for fmt in ("text", "markdown", "json"):
        result = repo.cli("plan", "--format", fmt)
        assert result.returncode == 0, result.stderr
        _assert_harmless(result.stdout, result.stderr)
    plan_json = json.loads(repo.cli("plan", "--format", "json").stdout)
    (create,) = [a for a in plan_json["actions"] if a["id"] == "support-bot"]
    assert {"path": "description", "after": json.loads(f'"{HOSTILE}"')}.items() <= next(
        c for c in create["changes"] if c["path"] == "description"
    ).items()
    markdown = repo.cli("plan", "--format", "markdown").stdout
    assert "\\u202eevil\\u200b" in markdown  # in the diff block, where no mention is linked
    applied = repo.cli("apply", "--auto-approve", "--format", "markdown")
    assert applied.returncode == 0, applied.stderr
    _assert_harmless(applied.stdout, applied.stderr)
    for command in ("show", "history"):
        for fmt in ("text", "json"):
            result = repo.cli(command, "support-bot", "--format", fmt)
            assert result.returncode == 0, result.stderr
            _assert_harmless(result.stdout, result.stderr)
    assert repo.managed()["support-bot"]["description"] == json.loads(f'"{HOSTILE}"')  # the server holds it as written
