"""What the ``reconciler`` process does before it parses its arguments."""

from __future__ import annotations

import sys
import types


def skip_httpx_command_line_tool() -> None:
    """httpx imports its own command-line tool on import when rich and click are installed (typer brings both):
    some 80 modules, a tenth of a second of every run, never used by this process. An empty stand-in takes its
    place. Only in the process the ``reconciler`` command owns (``cli.main``): code importing
    ``reconciler.server.client`` as a library keeps httpx whole."""
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stand_in = types.ModuleType("httpx._main")
        stand_in.main = lambda: None  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stand_in
