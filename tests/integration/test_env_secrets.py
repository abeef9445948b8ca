"""`!env NAME` against a real server: the value reaches the server, and never any rendering, error message,
report or plan file; apply of a plan file resolves the reference again."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

SECRET = "https://hooks.example.invalid/T0KEN-5ekr3t"
ENV = {"SUPPORT_WEBHOOK": SECRET}


def test_env_value_is_sent_but_never_shown_or_stored_in_the_plan_file(repo: Repo) -> None:
    repo.edit("assistants.d/support.yaml", "  team: support\n", "  team: support\n  webhook: !env SUPPORT_WEBHOOK\n")
    outputs = []
    for fmt in ("text", "markdown", "json"):
        result = repo.cli("plan", "--format", fmt, env=ENV)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    saved = repo.cli("plan", "--out", "plan.json", env=ENV)
    plan_file = (repo.root / "plan.json").read_text()

    assert "metadata.webhook: (sensitive)" in outputs[0]
    assert all(SECRET not in output for output in [*outputs, saved.stdout, saved.stderr, plan_file])
    create = next(a for a in json.loads(plan_file)["actions"] if a["id"] == "support-bot")
    assert create["body"]["metadata"]["webhook"] == {"$env": "SUPPORT_WEBHOOK"}
    assert create["env"] == [{"path": ["metadata", "webhook"], "name": "SUPPORT_WEBHOOK"}]

    missing = repo.cli("apply", "plan.json")
    assert missing.returncode == 1
    assert "environment variable SUPPORT_WEBHOOK is not set" in missing.stderr

    applied = repo.cli("apply", "plan.json", env=ENV)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert SECRET not in applied.stdout + applied.stderr
    assert repo.managed()["support-bot"]["metadata"]["webhook"] == SECRET
    assert repo.cli("plan", "--detailed-exitcode", env=ENV).returncode == 0

    rotated = repo.cli("plan", env={"SUPPORT_WEBHOOK": SECRET + "-rotated"})
    assert "metadata.webhook: (sensitive) → (sensitive)" in rotated.stdout
    assert SECRET not in rotated.stdout + rotated.stderr


def test_missing_variable_is_an_error_at_its_line_before_anything_is_sent(repo: Repo) -> None:
    repo.edit("assistants.d/support.yaml", "  team: support\n", "  team: support\n  webhook: !env SUPPORT_WEBHOOK\n")

    result = repo.cli("plan")

    assert result.returncode == 1
    assert (
        "assistants.d/support.yaml:17:12: support-bot: metadata.webhook: environment variable SUPPORT_WEBHOOK is "
        "not set (`!env SUPPORT_WEBHOOK` reads it at plan and apply time)"
    ) in result.stderr
    assert repo.managed() == {}


def test_an_env_value_that_breaks_the_schema_is_reported_without_the_value(repo: Repo) -> None:
    repo.edit("assistants.d/support.yaml", "  model_name: openai\n", "  model_name: !env MODEL\n")

    result = repo.cli("validate", env={"MODEL": "sekret-model-name"})

    assert result.returncode == 1
    assert "context.model_name" in result.stderr and "sekret-model-name" not in result.stderr


def test_import_writes_secret_looking_values_as_env_references(repo: Repo) -> None:
    for path in (repo.root / "assistants.d").iterdir():
        path.unlink()
    schema_path = repo.root / "schemas/graphs/agent.json"
    schema = json.loads(schema_path.read_text())
    schema["context_schema"]["properties"]["system_prompt"]["writeOnly"] = True
    schema_path.write_text(json.dumps(schema))
    repo.api.post(
        "/assistants",
        json={"graph_id": "agent", "name": "Legacy bot", "context": {"system_prompt": "hidden-prompt-42"},
              "metadata": {"team": "x", "api_key": "sk-sekret-42"}},
    ).raise_for_status()

    result = repo.cli("import")

    assert result.returncode == 0, result.stderr
    written = (repo.root / "assistants.d" / "legacy-bot.yaml").read_text()
    assert "api_key: !env LEGACY_BOT_API_KEY" in written and "sk-sekret-42" not in written
    assert "system_prompt: !env LEGACY_BOT_SYSTEM_PROMPT" in written and "hidden-prompt-42" not in written
    assert "before plan and apply: LEGACY_BOT_SYSTEM_PROMPT, LEGACY_BOT_API_KEY" in result.stdout
    assert "sk-sekret-42" not in result.stdout + result.stderr
    adopted = repo.cli(
        "plan", "--format", "json",
        env={"LEGACY_BOT_API_KEY": "sk-sekret-42", "LEGACY_BOT_SYSTEM_PROMPT": "hidden-prompt-42"},
    )
    assert adopted.returncode == 0, adopted.stderr
    (update,) = json.loads(adopted.stdout)["actions"]
    assert (update["action"], update["adopt"]) == ("update", True)
    assert [c["path"] for c in update["changes"]] == ["metadata.reconciler/id", "metadata.reconciler/owner"]
    assert "sk-sekret-42" not in adopted.stdout and "hidden-prompt-42" not in adopted.stdout
