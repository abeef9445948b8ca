"""Integration tests of reconciler.server.devserver (the ephemeral `langgraph dev` server)."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.server import devserver
from reconciler.server.devserver import DevServerError, dev_server, find_langgraph_cli
from tests.helpers import REPO_ROOT, write_tree


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_find_langgraph_cli_points_at_an_executable() -> None:
    assert os.access(find_langgraph_cli(), os.X_OK)


@pytest.mark.integration
def test_server_answers_ok(server_url: str, runtime: str) -> None:
    if runtime == "aegra":  # Aegra has no /ok: its /health checks the database too
        resp = httpx.get(f"{server_url}/health", timeout=5)
        assert (resp.status_code, resp.json()["status"]) == (200, "healthy")
        return
    resp = httpx.get(f"{server_url}/ok", timeout=5)
    assert resp.status_code == 200
    assert resp.json()["ok"] is True


@pytest.mark.integration
def test_repo_graphs_are_served(api: httpx.Client) -> None:
    resp = api.post("/assistants/search", json={"metadata": {"created_by": "system"}, "limit": 100})
    resp.raise_for_status()
    served = json.loads((REPO_ROOT / "langgraph.json").read_text(encoding="utf-8"))["graphs"]
    assert sorted(a["graph_id"] for a in resp.json()) == sorted(served)


@pytest.mark.integration
def test_agent_run_echoes_its_context(api: httpx.Client) -> None:
    system = api.post(
        "/assistants/search", json={"graph_id": "agent", "metadata": {"created_by": "system"}, "limit": 1}
    ).json()[0]
    context = {"model_name": "openai", "system_prompt": "Be terse.", "temperature": 0.5}
    resp = api.post(
        "/runs/wait",
        json={"assistant_id": system["assistant_id"], "input": {"question": "hi"}, "context": context},
    )
    resp.raise_for_status()
    assert resp.json()["reply"] == "openai|Be terse.|0.5|None"


@pytest.mark.integration
def test_exit_stops_process_and_removes_temp_dir() -> None:
    with dev_server(REPO_ROOT / "langgraph.json") as server:
        workdir = server.log_path.parent
        assert _pid_alive(server.pid)
        assert httpx.get(f"{server.url}/ok", timeout=5).json()["ok"] is True
        assert workdir.is_dir() and workdir.name.startswith("reconciler-devserver-")
        assert Path(tempfile.gettempdir()) in workdir.parents
    assert not workdir.exists()
    assert not _pid_alive(server.pid)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/ok", timeout=2)


@pytest.mark.integration
def test_broken_graph_path_fails_with_log_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_tree(tmp_path, {"langgraph.json": json.dumps({"graphs": {"g": "./nope.py:graph"}})})
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(prefix: str) -> str:
        made.append(real_mkdtemp(prefix=prefix))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    with pytest.raises(DevServerError) as excinfo, dev_server(config / "langgraph.json", startup_timeout=30):
        pytest.fail("server should not have started")
    message = str(excinfo.value)
    assert "exited with code" in message and "log" in message
    assert "nope.py" in message  # the log tail names the broken graph file
    assert "\x1b[" not in message  # ANSI colours are stripped
    assert made and not Path(made[0]).exists()


@pytest.mark.integration
def test_port_already_taken_fails_clearly() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DevServerError, match=f"did not bind port {port}"):
            with dev_server(REPO_ROOT / "langgraph.json", port=port, startup_timeout=30):
                pytest.fail("server should not have started")


def test_config_copy_has_absolute_paths(tmp_path: Path) -> None:
    raw: dict[str, Any] = {
        "dependencies": [".", "some-pypi-package"],
        "graphs": {"a": "./graphs/a.py:g", "b": {"path": "sub/b.py:g", "description": "d"}, "m": "pkg.mod:g"},
        "env": ".env",
        "auth": {"path": "./auth.py:auth"},
    }
    cfg = devserver.absolutize_config(raw, tmp_path)
    assert cfg["graphs"] == {
        "a": f"{tmp_path}/graphs/a.py:g",
        "b": {"path": f"{tmp_path}/sub/b.py:g", "description": "d"},
        "m": "pkg.mod:g",
    }
    assert cfg["dependencies"] == [str(tmp_path), "some-pypi-package"]
    assert cfg["env"] == f"{tmp_path}/.env"
    assert cfg["auth"] == {"path": f"{tmp_path}/auth.py:auth"}
    assert raw["graphs"]["a"] == "./graphs/a.py:g"  # input not mutated
