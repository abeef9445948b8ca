"""Ephemeral in-memory LangGraph server (``langgraph dev``) for tests, ``reconciler dry-run`` and the demo.

The server is started in a fresh temporary working directory, because the in-memory runtime persists its
state into ``./.langgraph_api/`` of its CWD; every start is therefore clean, and the directory is removed
on exit. ``langgraph dev`` resolves the relative paths of ``langgraph.json`` (graph files, ``dependencies``,
``env`` file, ``auth``/``http`` paths) against its CWD, not against the config file, so a copy of the config
with those paths made absolute is written into the temporary directory and served from there.

A LangGraph.js app (see :mod:`reconciler.server.jsdevserver`) is served the same way by the JS CLI's
``langgraphjs dev``.

Stdlib only on purpose: this module must stay importable without httpx/typer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import DevServerError
from reconciler.server.appconfig import with_moved_targets
from reconciler.server.jsdevserver import JS_SERVER_ENV, is_js_config, js_config_for, langgraphjs_command

__all__ = [
    "DevServer",
    "DevServerError",
    "absolutize_config",
    "answers_ok",
    "dev_server",
    "find_langgraph_cli",
    "free_port",
    "log_tail",
    "stop_process_group",
]

_HOST = "127.0.0.1"
_SERVER_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true"}
_STOP_TIMEOUT = 10.0
_LOG_TAIL_LINES = 30
_LOG_TAIL_CHARS = 4000
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PORT_MOVED_RE = re.compile(r"Port (\d+) is already in use, using port (\d+) instead")


@dataclass(frozen=True)
class DevServer:
    """A running ephemeral server. ``log_path`` lives in the temp dir and is deleted on exit."""

    url: str
    pid: int
    log_path: Path


def find_langgraph_cli() -> str:
    """Return the ``langgraph`` executable: next to ``sys.executable`` (same venv) first, else on PATH."""
    beside = shutil.which("langgraph", path=str(Path(sys.executable).parent))
    found = beside or shutil.which("langgraph")
    if found is None:
        from reconciler.adoption.distribution import inmem_hint

        raise DevServerError(
            "the `langgraph` CLI was not found next to the Python interpreter or on PATH; "
            f"the in-memory server needs it: {inmem_hint()}"
        )
    return found


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _abs_target(target: str, base: Path) -> str:
    """Make ``./dir/file.py:attr`` absolute; module targets (``pkg.mod:attr``, no ``/``) are left alone."""
    path, sep, attr = target.rpartition(":")
    if not sep or "/" not in path or Path(path).is_absolute():
        return target
    return f"{(base / path).resolve()}:{attr}"


def absolutize_config(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Copy of a langgraph.json dict whose CWD-relative paths are resolved against ``base`` (its folder)."""
    sections = (("auth", "path"), ("http", "app"), ("priority", "path"), ("encryption", "path"))
    cfg = with_moved_targets(raw, lambda target: _abs_target(target, base), sections)
    # `langgraph dev` appends CWD and every dependency that is an existing dir (relative to CWD) to sys.path.
    deps: list[Any] = []
    for dep in cfg.get("dependencies", []) or []:
        if isinstance(dep, str) and not Path(dep).is_absolute() and (base / dep).is_dir():
            dep = str((base / dep).resolve())
        deps.append(dep)
    if str(base) not in deps:
        deps.append(str(base))  # stands in for the CWD the config was written for
    cfg["dependencies"] = deps
    if isinstance(cfg.get("env"), str) and not Path(cfg["env"]).is_absolute():
        cfg["env"] = str((base / cfg["env"]).resolve())
    return cfg


def log_tail(log_path: Path) -> str:
    """The last lines of a server log without colour codes, for an error message."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<log unreadable: {exc}>"
    text = _ANSI_RE.sub("", text)
    tail = "\n".join(text.splitlines()[-_LOG_TAIL_LINES:])
    if len(tail) > _LOG_TAIL_CHARS:
        tail = "..." + tail[-_LOG_TAIL_CHARS:]
    return tail or "<log empty>"


def answers_ok(url: str) -> bool:
    """Whether ``GET {url}/ok`` answers ``{"ok": true}`` right now."""
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=1.0) as resp:
            body = json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError):  # URLError/ConnectionError/timeouts are OSError; bad JSON is ValueError
        return False
    return isinstance(body, dict) and body.get("ok") is True


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, wait up to 10 s, then SIGKILL it."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=_STOP_TIMEOUT)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, port: int, log_path: Path, timeout: float, what: str
                ) -> None:
    deadline = time.monotonic() + timeout
    while True:
        code = proc.poll()
        if code is not None:
            raise DevServerError(
                f"`{what}` exited with code {code} before it was ready; last lines of its "
                f"log:\n{log_tail(log_path)}"
            )
        try:
            moved = _PORT_MOVED_RE.search(log_path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            moved = None
        if moved:
            raise DevServerError(
                f"`{what}` did not bind port {port}: it logged 'Port {moved.group(1)} is already in "
                f"use, using port {moved.group(2)} instead'. Pass another port."
            )
        if answers_ok(url):
            return
        if time.monotonic() > deadline:
            raise DevServerError(
                f"`{what}` did not answer GET {url}/ok within {timeout:.0f} s; last lines of its "
                f"log:\n{log_tail(log_path)}"
            )
        time.sleep(0.1)


@contextmanager
def dev_server(
    config: Path, *, port: int | None = None, startup_timeout: float = 60.0
) -> Iterator[DevServer]:
    """Run ``langgraph dev`` (``langgraphjs dev`` for a JS app) for ``config`` in a fresh temp dir, yield once
    ``GET /ok`` answers, then stop it.

    On exit the process group gets SIGTERM (SIGKILL after 10 s) and the temp dir is removed.
    Raises :class:`DevServerError` if the CLI is missing, the process exits early, the port was taken,
    or ``/ok`` does not answer within ``startup_timeout`` seconds.
    """
    config = Path(config).resolve()
    try:
        raw = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DevServerError(f"cannot read LangGraph config {config}: {exc}") from exc
    if not isinstance(raw, dict):
        raise DevServerError(f"LangGraph config {config} is not a JSON object")
    js_app = is_js_config(raw)
    cli = langgraphjs_command(config.parent) if js_app else [find_langgraph_cli()]
    port = free_port() if port is None else port
    url = f"http://{_HOST}:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="reconciler-devserver-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        served_config = workdir / "langgraph.json"
        served = js_config_for(raw, config.parent, workdir) if js_app else absolutize_config(raw, config.parent)
        served_config.write_text(json.dumps(served, indent=2), encoding="utf-8")
        log_path = workdir / "server.log"
        env = {**os.environ, **(JS_SERVER_ENV if js_app else _SERVER_ENV)}
        env.setdefault("LOG_COLOR", "false")
        cmd = [*cli, "dev", "--config", str(served_config), "--no-browser", "--no-reload"]
        cmd += ["--host", _HOST, "--port", str(port)]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, so a stop reaches any children too
            )
        what = "langgraphjs dev" if js_app else "langgraph dev"
        _wait_ready(proc, url, port, log_path, startup_timeout, what)
        yield DevServer(url=url, pid=proc.pid, log_path=log_path)
    finally:
        if proc is not None:
            stop_process_group(proc)
        shutil.rmtree(workdir, ignore_errors=True)
