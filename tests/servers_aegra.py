"""The ``aegra`` test runtime: Aegra (``aegra-api``, a self-hosted Agent Protocol server for Python graphs) from
``.venv-aegra``, served by uvicorn on its own throw-away PostgreSQL cluster.

Aegra reads its graphs from an ``aegra.json`` (the langgraph.json format), applies its database migrations at
start-up (``RUN_MIGRATIONS_ON_STARTUP``) and runs without authentication by default (``AUTH_TYPE=noop``). It needs
Python 3.12 or later, so it cannot share ``.venv``; ``scripts/install-aegra-runtime.sh`` makes ``.venv-aegra``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.server.devserver import absolutize_config, free_port
from tests.helpers import REPO_ROOT
from tests.servers import _HOST, ServerStartError, _postgres, _process, _wait_for

AEGRA_VENV = Path(os.environ.get("RECONCILER_AEGRA_VENV", REPO_ROOT / ".venv-aegra"))
AEGRA_INSTALL_HINT = ("run `make aegra-runtime` (scripts/install-aegra-runtime.sh, needs Python 3.12), or leave "
                      "aegra out of RECONCILER_TEST_SERVERS")


def aegra_python() -> str:
    """``.venv-aegra``'s Python, which has aegra-api and uvicorn."""
    path = AEGRA_VENV / "bin" / "python"
    if not (path.is_file() and (AEGRA_VENV / "bin" / "uvicorn").is_file()):
        raise ServerStartError(f"{AEGRA_VENV}/bin/uvicorn is missing; {AEGRA_INSTALL_HINT}")
    return str(path)


def aegra_config(raw: dict[str, object], base: Path) -> dict[str, object]:
    """The ``aegra.json`` for a langgraph.json dict: the same graphs and dependencies with absolute paths (Aegra
    resolves them against the config's folder, which is the temp dir)."""
    config = absolutize_config(raw, base)
    return {key: config[key] for key in ("graphs", "dependencies", "env") if key in config}


def aegra_ready(url: str) -> bool:
    """Whether Aegra answers ``GET /health`` with every component healthy (it does once migrations ran)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1.0) as resp:
            body = json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") == "healthy"


@contextmanager
def aegra_server(config: Path) -> Iterator[str]:
    """Serve ``config``'s graphs with Aegra on a fresh PostgreSQL cluster in a temp dir; yield the server URL."""
    aegra_python()  # before the cluster: a missing venv is told without starting PostgreSQL
    raw = json.loads(config.read_text(encoding="utf-8"))
    workdir = Path(tempfile.mkdtemp(prefix="reconciler-aegra-"))
    try:
        with _postgres(workdir) as database_uri, \
                aegra_process(raw, config.parent.resolve(), workdir, database_uri, free_port()) as url:
            yield url
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def aegra_process(raw: dict[str, object], base: Path, workdir: Path, database_uri: str, port: int
                  ) -> Iterator[str]:
    """Aegra serving the graphs of ``raw`` (a langgraph.json dict, paths relative to ``base``) from the database
    at ``database_uri`` on ``port``, its aegra.json and log in ``workdir``; yields its URL once healthy, stops it
    when the block ends (the database is the caller's, so a restart finds the same state)."""
    python = aegra_python()
    served = workdir / "aegra.json"
    served.write_text(json.dumps(aegra_config(raw, base)), encoding="utf-8")
    log = workdir / "server.log"
    env = {**os.environ, "DATABASE_URL": database_uri, "AEGRA_CONFIG": str(served), "AUTH_TYPE": "noop",
           "RUN_MIGRATIONS_ON_STARTUP": "true", "HOST": _HOST, "PORT": str(port), "ENV_MODE": "LOCAL",
           "LOG_LEVEL": "WARNING", "OTEL_TARGETS": "", "REDIS_BROKER_ENABLED": "false"}
    url = f"http://{_HOST}:{port}"
    with _process([python, "-m", "uvicorn", "aegra_api.main:app", "--host", _HOST, "--port", str(port),
                   "--no-access-log"], cwd=workdir, log=log, env=env) as server:
        _wait_for(lambda: aegra_ready(url), server, "aegra (uvicorn aegra_api.main:app)", log)
        yield url
