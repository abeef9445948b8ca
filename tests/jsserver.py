"""The ``js`` test runtime: the LangGraph.js dev server (``langgraphjs dev``) serving graphs-js/, the JS twins of
the repository's Python test graphs (same graph ids, same context keys), started by the product's own
:func:`reconciler.server.devserver.dev_server` from the CLI that ``make js-runtime`` installs into
graphs-js/node_modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.errors import DevServerError
from reconciler.server.devserver import dev_server
from tests.helpers import REPO_ROOT

JS_APP = REPO_ROOT / "graphs-js"
JS_INSTALL_HINT = "run `make js-runtime` (scripts/install-js-runtime.sh: npm ci in graphs-js/, needs Node.js 20+)"
JS_STARTUP_TIMEOUT = 90.0
"""The JS server compiles every graph's TypeScript and extracts its schemas at start-up: seconds, not one."""


def js_config_for(config: Path) -> Path:
    """The JS app serving the same graphs as ``config``: the repository's langgraph.json maps to graphs-js/'s."""
    if config.resolve() == (REPO_ROOT / "langgraph.json").resolve():
        return JS_APP / "langgraph.json"
    return config


def require_js_install() -> None:
    """Fail with the command that installs the JS CLI into graphs-js/ when it is missing."""
    if not (JS_APP / "node_modules" / ".bin" / "langgraphjs").is_file():
        raise DevServerError(f"{JS_APP}/node_modules is missing; {JS_INSTALL_HINT}")


@contextmanager
def js_server(config: Path) -> Iterator[str]:
    """Serve ``config``'s JS twin; yield the URL. A missing install fails with the command that installs it."""
    require_js_install()
    with dev_server(js_config_for(config), startup_timeout=JS_STARTUP_TIMEOUT) as server:
        yield server.url
