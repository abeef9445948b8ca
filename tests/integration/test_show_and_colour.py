"""`show` prints the active version's content with secrets masked, and a text plan on a terminal is coloured
unless NO_COLOR is set; against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPO_ROOT
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration

SECRET = "sk-live-0123456789"
HIDDEN_PROMPT = "prompt marked writeOnly by the schema"
HIDDEN_PIN = "pin-marked-writeonly-deep-inside"


def test_show_prints_the_content_with_secrets_masked(repo: Repo) -> None:
    schema_path = repo.root / "schemas/graphs/legacy.json"
    schema = json.loads(schema_path.read_text())
    schema["context_schema"]["properties"]["system_prompt"]["writeOnly"] = True
    schema["context_schema"]["properties"]["retrieval"] = {"$ref": "#/$defs/Retrieval"}
    schema["context_schema"].setdefault("$defs", {})["Retrieval"] = {
        "type": "object", "properties": {"pin": {"anyOf": [{"type": "string", "format": "password"}, {"type": "null"}]}}
    }
    schema_path.write_text(json.dumps(schema))
    row = repo.api.post(
        "/assistants",
        json={"graph_id": "legacy", "name": "Hand made", "description": "made by hand",
              "context": {"system_prompt": HIDDEN_PROMPT, "api_key": SECRET, "max_retries": 4,
                          "retrieval": {"pin": HIDDEN_PIN, "index": "docs"}},
              "config": {"tags": ["t"], "recursion_limit": 9},
              "metadata": {"team": "x", "webhook_token": SECRET}},
    ).json()

    text = repo.cli("show", row["assistant_id"])
    shown = json.loads(repo.cli("show", row["assistant_id"], "--format", "json").stdout)

    assert text.returncode == 0, text.stderr
    assert SECRET not in text.stdout + text.stderr and HIDDEN_PROMPT not in text.stdout
    assert HIDDEN_PIN not in text.stdout + json.dumps(shown)
    for line in ("  description: made by hand", "  context:", "    max_retries: 4", "    api_key: (sensitive)",
                 "    system_prompt: (sensitive)", "    recursion_limit: 9", "    team: x",
                 "    webhook_token: (sensitive)"):
        assert line in text.stdout.splitlines(), text.stdout
    assert shown["graph_id"] == "legacy" and shown["name"] == "Hand made"
    assert shown["description"] == "made by hand"
    assert shown["context"] == {"system_prompt": "(sensitive)", "api_key": "(sensitive)", "max_retries": 4,
                                "retrieval": {"pin": "(sensitive)", "index": "docs"}}
    assert shown["config"] == {"tags": ["t"], "recursion_limit": 9}
    assert shown["metadata"] == {"team": "x", "webhook_token": "(sensitive)"}


def _plan_on_a_terminal(repo: Repo, extra_env: dict[str, str]) -> str:
    primary, replica = os.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "RECONCILER_ENV")}
    env.update({"RECONCILER_URL": repo.url, "PYTHONPATH": str(REPO_ROOT), **extra_env})
    process = subprocess.Popen([sys.executable, "-m", "reconciler", "plan"], cwd=repo.root, env=env,
                               stdin=subprocess.DEVNULL, stdout=replica, stderr=subprocess.DEVNULL)
    os.close(replica)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: the process is done writing
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode()


def test_a_plan_on_a_terminal_is_coloured_unless_no_color(repo: Repo) -> None:
    coloured = _plan_on_a_terminal(repo, {})
    plain = _plan_on_a_terminal(repo, {"NO_COLOR": "1"})
    assert "\x1b[32m" in coloured
    assert "create support-bot" in plain and "\x1b[" not in plain
