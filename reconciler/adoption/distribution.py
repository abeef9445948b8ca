"""Who we are on the package index: the distribution name, the installed version and the pip spec that every
install hint and workflow template uses.

The name ``reconciler`` on the package index belongs to an unrelated project, so no hint may ever say
``pip install reconciler``. Until ``langgraph-reconciler`` is published, ``RECONCILER_PIP_SPEC`` (any pip
requirement: a git URL pinned to a commit, a wheel path) replaces the default spec everywhere.

Stdlib only: ``devserver`` uses it and must stay importable without httpx/typer.
"""

from __future__ import annotations

import os
from importlib import metadata

DISTRIBUTION = "langgraph-reconciler"
PIP_SPEC_VARIABLE = "RECONCILER_PIP_SPEC"


def version() -> str:
    """The installed distribution's version (the package's own ``__version__`` when run from a source tree)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        from reconciler import __version__

        return __version__


def pip_spec() -> str:
    """What to ``pip install`` to get this reconciler: ``$RECONCILER_PIP_SPEC``, else nothing. No default: the
    distribution is not on the package index yet, and a name that is not registered there is one anybody can
    register. The workflows fail with a clear message while neither this nor the repository variable is set."""
    return os.environ.get(PIP_SPEC_VARIABLE, "").strip()


def inmem_hint() -> str:
    """How to add the local in-memory server (``dry-run``, ``init``, ``schemas pull --config``)."""
    return (
        f"pip install '{DISTRIBUTION}[inmem]=={version()}' (or add 'langgraph-cli[inmem]' to the environment "
        "that runs reconciler)"
    )
