"""A GitOps repository in a temp dir (the example's assistants.d, schemas and settings) wired to the
session's real `langgraph dev` server, and helpers to read the server back."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import REPO_ROOT, RunCli

pytestmark = pytest.mark.integration

OWNER = "example"

LEAVES_CONTEXT_BEHIND = ("inmem", "js")
"""The runtimes whose set_latest restores config, metadata, name and description but not context and graph_id
(the in-memory runtime and the LangGraph.js dev server); the Postgres-backed runtime restores every field."""


@dataclass
class Repo:
    root: Path
    url: str
    run_cli: RunCli
    api: httpx.Client

    def cli(self, *args: str, input: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        return self.run_cli(*args, cwd=self.root, env={"RECONCILER_URL": self.url, **(env or {})}, input=input)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def managed(self) -> dict[str, dict[str, Any]]:
        """Live assistants of the example owner, by reconciler id (pages of 100: Aegra accepts no more)."""
        rows: list[dict[str, Any]] = []
        while len(rows) % 100 == 0:
            query = {"metadata": {"reconciler/owner": OWNER}, "limit": 100, "offset": len(rows)}
            page = self.api.post("/assistants/search", json=query).json()
            if not page:
                break
            rows += page
        return {row["metadata"]["reconciler/id"]: row for row in rows}

    def versions(self, assistant_id: str) -> list[dict[str, Any]]:
        response = self.api.post(f"/assistants/{assistant_id}/versions", json={"limit": 1000})
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def run_reply(self, assistant_id: str) -> str:
        """What a stateless run of the assistant answers: the echo graphs reply with the context they got."""
        response = self.api.post("/runs/wait", json={"assistant_id": assistant_id, "input": {"question": "?"}})
        response.raise_for_status()
        return str(response.json()["reply"])

    def delete_system_assistant(self, graph_id: str) -> None:
        """Delete the graph's system assistant (the server re-creates it only on restart; the fixtures do)."""
        body = {"graph_id": graph_id, "metadata": {"created_by": "system"}, "limit": 10}
        (row,) = self.api.post("/assistants/search", json=body).json()
        deleted = self.api.delete(f"/assistants/{row['assistant_id']}")
        if deleted.status_code == 404:  # Aegra: system assistants belong to user "system", out of an API user's reach
            pytest.skip("this server does not let its API delete a system assistant")
        deleted.raise_for_status()

    def plan_json(self, *args: str) -> dict[str, Any]:
        result = self.cli("plan", "--format", "json", *args)
        assert result.returncode == 0, result.stderr
        data: dict[str, Any] = json.loads(result.stdout)
        return data


def committed_schemas(runtime: str) -> Path:
    """The schemas folder a team serving the test graphs on ``runtime`` commits: the JS twins' schemas come out
    of the LangGraph.js server in zod's JSON Schema dialect (graphs-js/schemas, what `schemas pull` wrote)."""
    return REPO_ROOT / "graphs-js" / "schemas" if runtime == "js" else REPO_ROOT / "schemas"


@pytest.fixture
def repo(tmp_path: Path, server_url: str, run_cli: RunCli, api: httpx.Client, runtime: str) -> Repo:
    shutil.copytree(REPO_ROOT / "assistants.d", tmp_path / "assistants.d")
    shutil.copytree(committed_schemas(runtime), tmp_path / "schemas")
    shutil.copy(REPO_ROOT / "reconciler.yaml", tmp_path / "reconciler.yaml")
    return Repo(tmp_path, server_url, run_cli, api)


@pytest.fixture
def applied(repo: Repo) -> Repo:
    """The example's desired state applied to the server."""
    result = repo.cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    return repo


