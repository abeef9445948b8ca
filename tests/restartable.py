"""A real server that is stopped and started again on the same state with another langgraph.json: what a
deployment does when its graphs change between two releases. (``tests/servers.py`` starts every server on fresh
state and keeps its config for life.)

- ``inmem``: ``langgraph dev`` in one working directory kept across restarts; a SIGTERM makes it write its
  in-memory state to ``.langgraph_api/`` there, and the next start reads it back.
- ``pg``: one PostgreSQL cluster and one ``redis-server`` kept across restarts of ``langhost serve``.
- ``aegra``: one PostgreSQL cluster kept across restarts of Aegra (started as ``tests/servers_aegra.py`` does).
- ``js``: ``langgraphjs dev`` serving graphs-js/ (the JS twins, same graph names) from one working directory kept
  across restarts, whose ``.langgraph_api/`` holds its state.

The server answers on the same port after each restart, so ``url`` does not change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from reconciler.server.devserver import (
    absolutize_config,
    answers_ok,
    find_langgraph_cli,
    free_port,
    log_tail,
    stop_process_group,
)
from reconciler.server.jsdevserver import JS_SERVER_ENV, js_config_for, langgraphjs_command
from tests.helpers import REPO_ROOT
from tests.jsserver import JS_APP, JS_STARTUP_TIMEOUT, require_js_install
from tests.servers import ServerStartError, _langhost, _postgres, _redis_ready
from tests.servers_aegra import aegra_process, aegra_python

_HOST = "127.0.0.1"
_STARTUP_TIMEOUT = 60.0
_QUIET = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "LOG_COLOR": "false"}


class RestartableServer:
    """Serve one graph list after another (``serving``) on state that outlives each server process."""

    def __init__(self, runtime: str, workdir: Path, env: dict[str, str]) -> None:
        self.runtime = runtime
        self.workdir = workdir
        self._env = env
        self._port = free_port()
        self.url = f"http://{_HOST}:{self._port}"

    @contextmanager
    def serving(self, *graphs: str) -> Iterator[None]:
        """Serve the repo's ``graphs`` (names from its langgraph.json) until the block ends, then SIGTERM."""
        app = JS_APP if self.runtime == "js" else REPO_ROOT
        raw = json.loads((app / "langgraph.json").read_text(encoding="utf-8"))
        raw["graphs"] = {name: raw["graphs"][name] for name in graphs}
        if self.runtime == "aegra":
            with aegra_process(raw, REPO_ROOT, self.workdir, self._env["DATABASE_URL"], self._port):
                yield
            return
        config = self.workdir / "langgraph.json"
        served = js_config_for(raw, app, self.workdir) if self.runtime == "js" else absolutize_config(raw, app)
        config.write_text(json.dumps(served), encoding="utf-8")
        log = self.workdir / "server.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(self._command(config), cwd=self.workdir, env=self._env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            self._wait_ready(proc, log)
            yield
        finally:
            stop_process_group(proc)

    def _command(self, config: Path) -> list[str]:
        where = ["--host", _HOST, "--port", str(self._port), "--config", str(config), "--no-browser"]
        if self.runtime == "inmem":
            return [find_langgraph_cli(), "dev", "--no-reload", *where]
        if self.runtime == "js":
            return [*langgraphjs_command(JS_APP), "dev", "--no-reload", *where]
        return [_langhost(), "serve", *where]

    def _wait_ready(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        deadline = time.monotonic() + (JS_STARTUP_TIMEOUT if self.runtime == "js" else _STARTUP_TIMEOUT)
        while not answers_ok(self.url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServerStartError(f"{self.runtime} server not ready (exit code {proc.poll()}):\n{log_tail(log)}")
            time.sleep(0.1)


@contextmanager
def restartable_server(runtime: str) -> Iterator[RestartableServer]:
    """A RestartableServer for ``runtime``; its working directory (and database) are removed on exit."""
    workdir = Path(tempfile.mkdtemp(prefix=f"reconciler-restart-{runtime}-"))
    try:
        with ExitStack() as stack:
            env = {**os.environ, **_QUIET}
            if runtime == "pg":
                env.update(_pg_services(stack, workdir))
            elif runtime == "aegra":
                aegra_python()  # before the cluster: a missing venv is told without starting PostgreSQL
                env["DATABASE_URL"] = stack.enter_context(_postgres(workdir))
            elif runtime == "js":
                require_js_install()
                env.update(JS_SERVER_ENV)
            elif runtime != "inmem":
                raise ServerStartError(f"no restartable server for runtime {runtime!r}")
            yield RestartableServer(runtime, workdir, env)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _pg_services(stack: ExitStack, workdir: Path) -> dict[str, str]:
    """PostgreSQL and redis for ``langhost``, stopped when ``stack`` closes; their URIs as environment."""
    database_uri = stack.enter_context(_postgres(workdir))
    port, log = free_port(), workdir / "redis.log"
    with open(log, "wb") as out:
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", _HOST, "--save", "", "--appendonly",
                                  "no", "--dir", str(workdir)], cwd=workdir, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(stop_process_group, redis)
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not _redis_ready(port):
        if redis.poll() is not None or time.monotonic() > deadline:
            raise ServerStartError(f"redis-server not ready:\n{log_tail(log)}")
        time.sleep(0.1)
    return {"DATABASE_URI": database_uri, "REDIS_URI": f"redis://{_HOST}:{port}/0"}
