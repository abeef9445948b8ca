"""Messages about a sensitive field never quote its value: by the schema (writeOnly, format: password, through
$ref and unions, and anything inside such a value) or by the key's name, at any depth, in every output of
`validate` and in the errors of `plan`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reconciler.cli import app
from tests.helpers import write_tree

SCHEMA = {
    "graph_id": "vault",
    "config_schema": None,
    "context_schema": {
        "type": "object",
        "$defs": {
            "Token": {"type": "string", "writeOnly": True, "minLength": 20},
            "Db": {
                "type": "object",
                "properties": {"host": {"type": "string"}, "password": {"type": "string", "format": "password"}},
            },
        },
        "properties": {
            "api_key": {"type": "string", "writeOnly": True},
            "webhook_token": {"type": "string"},
            "signing": {"anyOf": [{"$ref": "#/$defs/Token"}, {"type": "null"}]},
            "db": {"$ref": "#/$defs/Db"},
            "vault": {
                "type": "object",
                "writeOnly": True,
                "properties": {"role": {"type": "string", "enum": ["reader", "writer"]}},
            },
            "tools": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "auth_token": {"type": "string"}},
                },
            },
            "plain": {"type": "string", "pattern": "^[a-z]+$"},
        },
    },
}
# Each value is unique, so that any trace of it in any output is found.
ASSISTANT = """\
id: vaulted
graph_id: vault
context:
  api_key: 7301000001
  webhook_token: 7301000002
  signing: sk-short-7301000003
  db: {host: db.internal, password: 7301000004}
  vault: {role: admin-7301000005}
  tools:
    - name: search
      auth_token: [7301000006]
  plain: NOT-SECRET-7301000007
"""
SECRETS = [f"730100000{i}" for i in range(1, 7)]
EXPECTED = {
    "context.api_key": "a number (sensitive) is not of type 'string' (quote it to make it a string)",
    "context.webhook_token": "a number (sensitive) is not of type 'string' (quote it to make it a string)",
    "context.signing": "a string (sensitive) does not satisfy the schema's 'minLength': 20",
    "context.db.password": "a number (sensitive) is not of type 'string' (quote it to make it a string)",
    "context.vault.role": "a string (sensitive) does not satisfy the schema's 'enum': [\"reader\", \"writer\"]",
    "context.tools[0].auth_token": "a list (sensitive) is not of type 'string'",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {
        "assistants.d/vaulted.yaml": ASSISTANT,
        "schemas/graphs/vault.json": json.dumps(SCHEMA),
    })
    return tmp_path


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _assert_no_secret(result: Result) -> None:
    output = result.stdout + result.stderr
    for secret in SECRETS:
        assert secret not in output, f"{secret} in {output}"


def test_validate_text_names_each_sensitive_problem_without_its_value(project: Path) -> None:
    result = _run("validate")
    assert result.exit_code == 1
    _assert_no_secret(result)
    lines = result.stderr.splitlines()
    for field, message in EXPECTED.items():
        assert any(line.endswith(f": vaulted: {field}: {message}") for line in lines), (field, result.stderr)
    # a field that is not sensitive still quotes its value, which is what makes the message useful
    assert "'NOT-SECRET-7301000007' does not match '^[a-z]+$'" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_validate_json_and_github_never_hold_the_values(project: Path, fmt: str) -> None:
    result = _run("validate", "--format", fmt)
    assert result.exit_code == 1
    _assert_no_secret(result)
    assert all(message in result.stdout for message in EXPECTED.values() if '"' not in message)
    assert "NOT-SECRET-7301000007" in result.stdout


def test_plan_errors_never_hold_the_values(project: Path) -> None:
    result = _run("plan", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "invalid desired state" in result.stderr
    _assert_no_secret(result)
    assert "context.db.password: a number (sensitive) is not of type 'string'" in result.stderr
