"""The real LangGraph API servers the integration suite runs against, each started in a temp dir on a free
loopback port and torn down afterwards.

- ``inmem``: ``langgraph dev`` (the in-memory runtime), through :mod:`reconciler.server.devserver`.
- ``pg``: the Postgres-backed runtime (``langgraph-runtime-pg``, served by ``langhost`` from ``.venv-pg``) on
  its own throw-away PostgreSQL 15 cluster and ``redis-server``. ``scripts/install-pg-runtime.sh`` installs
  all three. PostgreSQL refuses to run as root, so as root the cluster runs as the OS user ``reconciler-pg``.
- ``aegra``: Aegra (``aegra-api`` from ``.venv-aegra``) on its own PostgreSQL cluster: :mod:`tests.servers_aegra`.
- ``js``: the LangGraph.js dev server serving graphs-js/ (the JS twins of graphs/), see tests/jsserver.py.

``RECONCILER_TEST_SERVERS`` (comma-separated, default: all of ``RUNTIMES``) selects which runtimes the suite uses.
``RUNTIMES`` is in the order pytest-xdist pairs them on two workers (the two on PostgreSQL apart).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.server.devserver import (
    absolutize_config,
    answers_ok,
    dev_server,
    free_port,
    log_tail,
    stop_process_group,
)
from tests.helpers import REPO_ROOT
from tests.jsserver import js_server

RUNTIMES = ("inmem", "pg", "aegra", "js")
SERVERS_ENV = "RECONCILER_TEST_SERVERS"
PG_OS_USER = "reconciler-pg"
_PG_VERSIONS_DIR = Path("/usr/lib/postgresql")
"""Debian and Ubuntu install each major version under /usr/lib/postgresql/<major>/bin (15 on Debian 12)."""
_PG_VENV = Path(os.environ.get("RECONCILER_PG_VENV", REPO_ROOT / ".venv-pg"))
_INSTALL_HINT = f"run `make pg-runtime` (scripts/install-pg-runtime.sh), or test on inmem only: {SERVERS_ENV}=inmem"
_HOST = "127.0.0.1"
_STARTUP_TIMEOUT = 60.0


class ServerStartError(RuntimeError):
    """A test server could not be started; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class LiveServer:
    runtime: str
    """One of ``RUNTIMES``: for tests whose expectations differ per runtime (never for product code)."""
    url: str


def selected_runtimes() -> list[str]:
    """The runtimes named by ``RECONCILER_TEST_SERVERS`` (all by default), in a fixed order."""
    raw = os.environ.get(SERVERS_ENV, "").strip()
    names = {n.strip() for n in raw.split(",") if n.strip()} if raw else set(RUNTIMES)
    unknown = names - set(RUNTIMES)
    if unknown:
        raise ServerStartError(f"{SERVERS_ENV}: unknown runtime(s) {sorted(unknown)}; choose from {RUNTIMES}")
    return [r for r in RUNTIMES if r in names]


@contextmanager
def live_server(runtime: str, config: Path) -> Iterator[LiveServer]:
    """Start the ``runtime`` server for the langgraph.json ``config``; stop it and remove its files on exit."""
    if runtime == "inmem":
        with dev_server(config) as server:
            yield LiveServer(runtime, server.url)
    elif runtime == "pg":
        with pg_server(config) as url:
            yield LiveServer(runtime, url)
    elif runtime == "aegra":
        from tests.servers_aegra import aegra_server  # it builds on this module's PostgreSQL helpers

        with aegra_server(config) as url:
            yield LiveServer(runtime, url)
    elif runtime == "js":
        with js_server(config) as url:
            yield LiveServer(runtime, url)
    else:
        raise ServerStartError(f"unknown runtime {runtime!r}")


def _pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's ``name`` (15 or later), else the one on PATH."""
    majors = sorted(
        (int(folder.name), folder / "bin" / name)
        for folder in (_PG_VERSIONS_DIR.iterdir() if _PG_VERSIONS_DIR.is_dir() else ())
        if folder.name.isdigit() and (folder / "bin" / name).is_file()
    )
    if majors and majors[-1][0] >= 15:
        return str(majors[-1][1])
    found = shutil.which(name)
    if found is None:
        raise ServerStartError(f"PostgreSQL's `{name}` (15 or later) was not found; {_INSTALL_HINT}")
    return found


def _langhost() -> str:
    path = _PG_VENV / "bin" / "langhost"
    if not path.is_file():
        raise ServerStartError(f"{path} is missing; {_INSTALL_HINT}")
    return str(path)


def _pg_user() -> list[str]:
    """Prefix that runs a PostgreSQL command as a non-root user (nothing when we are not root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        raise ServerStartError(f"OS user {PG_OS_USER} is missing (PostgreSQL refuses root); {_INSTALL_HINT}") from None
    return ["runuser", "-u", PG_OS_USER, "--"]


def _run(cmd: list[str], log: Path) -> None:
    with open(log, "ab") as out:
        code = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False)
    if code.returncode != 0:
        raise ServerStartError(f"{' '.join(cmd)} exited with {code.returncode}:\n{log_tail(log)}")


@contextmanager
def _postgres(workdir: Path) -> Iterator[str]:
    """A fresh PostgreSQL cluster in ``workdir/data``, socket in ``workdir``; yields its DATABASE_URI."""
    as_user = _pg_user()
    if as_user:
        shutil.chown(workdir, user=PG_OS_USER)
    data, log, port = workdir / "data", workdir / "postgres.log", free_port()  # the log is written by postgres
    _run([*as_user, _pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
          "-E", "UTF8", "--locale=C.UTF-8"], workdir / "initdb.log")
    # fsync off: a test cluster is thrown away, and durability costs seconds per test run.
    options = f"-p {port} -k {workdir} -c listen_addresses={_HOST} -c fsync=off -c synchronous_commit=off"
    pg_ctl = [*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-l", str(log)]
    _run([*pg_ctl, "-w", "-t", "30", "-o", options, "start"], workdir / "pg_ctl.log")
    try:
        yield f"postgresql://postgres@{_HOST}:{port}/postgres?sslmode=disable"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], stdin=subprocess.DEVNULL,
                       capture_output=True, check=False)


@contextmanager
def _process(cmd: list[str], *, cwd: Path, log: Path, env: dict[str, str] | None = None
             ) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop_process_group(proc)


def _wait_for(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not ready():
        if proc.poll() is not None:
            raise ServerStartError(f"{what} exited with code {proc.returncode}; last lines of its log:\n"
                                   f"{log_tail(log)}")
        if time.monotonic() > deadline:
            raise ServerStartError(f"{what} not ready within {_STARTUP_TIMEOUT:.0f} s:\n{log_tail(log)}")
        time.sleep(0.1)


def _redis_ready(port: int) -> bool:
    try:
        out = subprocess.run(["redis-cli", "-h", _HOST, "-p", str(port), "ping"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.stdout.strip() == "PONG"


@contextmanager
def pg_server(config: Path) -> Iterator[str]:
    """Serve ``config`` with langhost on PostgreSQL + Redis, all in one temp dir; yield the server URL."""
    langhost = _langhost()
    raw = json.loads(config.read_text(encoding="utf-8"))
    workdir = Path(tempfile.mkdtemp(prefix="reconciler-pgserver-"))
    try:
        with ExitStack() as stack:
            database_uri = stack.enter_context(_postgres(workdir))
            redis_port, redis_log = free_port(), workdir / "redis.log"
            redis = stack.enter_context(_process(
                ["redis-server", "--port", str(redis_port), "--bind", _HOST, "--save", "", "--appendonly", "no",
                 "--dir", str(workdir)], cwd=workdir, log=redis_log))
            _wait_for(lambda: _redis_ready(redis_port), redis, "redis-server", redis_log)
            served = workdir / "langgraph.json"
            served.write_text(json.dumps(absolutize_config(raw, config.parent.resolve())), encoding="utf-8")
            port, log = free_port(), workdir / "server.log"
            env = {**os.environ, "DATABASE_URI": database_uri, "REDIS_URI": f"redis://{_HOST}:{redis_port}/0",
                   "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "LOG_COLOR": "false"}
            url = f"http://{_HOST}:{port}"
            server = stack.enter_context(_process(
                [langhost, "serve", "--host", _HOST, "--port", str(port), "--config", str(served),
                 "--no-browser"], cwd=workdir, log=log, env=env))
            _wait_for(lambda: answers_ok(url), server, "langhost serve", log)
            yield url
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
