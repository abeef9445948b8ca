"""Integration fixtures: one ephemeral `langgraph dev` server per test session, cleaned before each test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.devserver import dev_server
from tests.helpers import REPO_ROOT, RunCli

_STRIPPED_ENV = ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "RECONCILER_URL")
_PAGE = 1000


@pytest.fixture(scope="session")
def langgraph_server() -> Iterator[str]:
    """URL of a `langgraph dev` server serving the repo's langgraph.json (graphs agent, typed, legacy)."""
    with dev_server(REPO_ROOT / "langgraph.json") as server:
        yield server.url


def _delete_user_assistants(client: httpx.Client) -> None:
    ids: list[str] = []
    offset = 0
    while True:
        resp = client.post("/assistants/search", json={"limit": _PAGE, "offset": offset})
        resp.raise_for_status()
        page: list[dict[str, object]] = resp.json()
        for assistant in page:
            metadata = assistant.get("metadata")
            if isinstance(metadata, dict) and metadata.get("created_by") == "system":
                continue
            ids.append(str(assistant["assistant_id"]))
        if len(page) < _PAGE:
            break
        offset += _PAGE
    for assistant_id in ids:  # delete after paging: deleting while paging would shift the offsets
        client.delete(f"/assistants/{assistant_id}").raise_for_status()


@pytest.fixture
def server_url(langgraph_server: str) -> str:
    """The session server's URL, with every non-system assistant deleted before the test."""
    with httpx.Client(base_url=langgraph_server, timeout=10) as client:
        _delete_user_assistants(client)
    return langgraph_server


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    """Plain HTTP client on the (clean) server, to seed and inspect state."""
    with httpx.Client(base_url=server_url, timeout=10) as client:
        yield client


@pytest.fixture
def run_cli() -> RunCli:
    """``run_cli(*args, cwd=..., env=..., input=...)``: ``python -m reconciler`` with a clean environment."""

    def run(
        *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            cwd=cwd,
            env=full_env,
            input="" if input is None else input,  # never inherit the terminal's stdin
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
