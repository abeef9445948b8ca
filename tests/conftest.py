"""Integration fixtures: one ephemeral real server per runtime per test session (``langgraph dev`` and the
Postgres-backed runtime, see tests/servers.py), cleaned before each test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import REPO_ROOT, RunCli
from tests.servers import SERVERS_ENV, LiveServer, live_server, selected_runtimes

EVERY_SERVER_ENV = "RECONCILER_TEST_EVERY_SERVER"
_STRIPPED_ENV = ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "RECONCILER_URL", "RECONCILER_ENV", "NO_COLOR")
_PAGE = 100
"""Rows per search page: the most every runtime accepts (Aegra refuses a search limit over 100)."""
_SYSTEM = {"created_by": "system"}
_SYSTEM_ROWS = pytest.StashKey[list[dict[str, Any]]]()


_INTEGRATION_DIR = Path(__file__).parent / "integration"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "any_server: a test of reconciler's own logic that needs a real server but not a particular one: it runs on "
        f"the first runtime of {SERVERS_ENV} only ({EVERY_SERVER_ENV}=1 runs it on each)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/integration/ talks to a real server: mark it, so `-m "not integration"` (make unit)
    never starts one, whether or not the module remembered its own ``pytestmark``. ``any_server`` tests are kept
    on the first selected runtime only. Under pytest-xdist (``make test``) every test of one runtime goes to the
    same worker (``xdist_group``), so each worker starts only the servers it uses."""
    first = selected_runtimes()[0]
    every = os.environ.get(EVERY_SERVER_ENV, "") not in ("", "0")
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if _INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)
        runtime = _runtime_of(item)
        if runtime is not None and runtime != first and not every and item.get_closest_marker("any_server"):
            dropped.append(item)
            continue
        if runtime is not None:
            item.add_marker(pytest.mark.xdist_group(runtime))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _runtime_of(item: pytest.Item) -> str | None:
    """The runtime of the session server a test runs on, when it uses one."""
    callspec = getattr(item, "callspec", None)
    runtime = callspec.params.get("langgraph_server") if callspec is not None else None
    return runtime if isinstance(runtime, str) else None


@pytest.fixture(scope="session", params=selected_runtimes())
def langgraph_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A real server serving the repo's langgraph.json (graphs agent, typed, legacy, nested, flaky), once per
    runtime."""
    with live_server(request.param, REPO_ROOT / "langgraph.json") as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            system = client.post("/assistants/search", json={"metadata": _SYSTEM, "limit": _PAGE}).json()
        request.config.stash[_SYSTEM_ROWS] = system
        yield server


def _restore_system_assistants(client: httpx.Client, rows: list[dict[str, Any]]) -> None:
    """Re-create any system assistant a test deleted: the server only makes them at start-up."""
    for row in rows:
        if client.get(f"/assistants/{row['assistant_id']}").status_code == 404:
            body = {k: row[k] for k in ("assistant_id", "graph_id", "name", "config", "context", "metadata")}
            client.post("/assistants", json=body).raise_for_status()


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
def server_url(langgraph_server: LiveServer, request: pytest.FixtureRequest) -> str:
    """The session server's URL, with every non-system assistant deleted before the test."""
    with httpx.Client(base_url=langgraph_server.url, timeout=10) as client:
        _delete_user_assistants(client)
        _restore_system_assistants(client, request.config.stash[_SYSTEM_ROWS])
    return langgraph_server.url


@pytest.fixture
def runtime(langgraph_server: LiveServer) -> str:
    """``inmem``, ``pg`` or ``aegra``: only for expectations that state what each runtime does."""
    return langgraph_server.runtime


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
