"""What several commands share: output streams, error reporting, offline validation, planning, the client."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.desired import DesiredState
from reconciler.errors import InvalidSpecError, ProblemsError, ReconcilerError, SettingsError
from reconciler.schema import GraphSchema
from reconciler.settings import Settings

if TYPE_CHECKING:
    from reconciler.client import LangGraphClient
    from reconciler.live import LiveReader
    from reconciler.plan import Plan


def say(text: str) -> None:
    """Data, on stdout."""
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def warn(text: str) -> None:
    """Diagnostics, on stderr."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def report_error(error: ReconcilerError) -> int:
    warn(f"error: {error}")
    if isinstance(error, ProblemsError):
        warn(error.report())
    return error.exit_code


@dataclass(frozen=True)
class CheckedDesiredState:
    desired: DesiredState
    schemas: dict[str, GraphSchema]


def load_and_check(settings: Settings, assistants_dir: Path | None = None, schemas_dir: Path | None = None
                   ) -> CheckedDesiredState:
    """Offline validation: the file format, then every context against its graph's schema."""
    from reconciler.loading import load_desired_state
    from reconciler.schema import check_contexts

    loaded = load_desired_state(assistants_dir or settings.assistants_dir, settings.overlay_dir)
    schemas, context_problems = check_contexts(loaded.context_targets, schemas_dir or settings.schemas_dir)
    if loaded.problems or context_problems:
        raise InvalidSpecError([*loaded.problems, *context_problems])
    return CheckedDesiredState(loaded.desired, schemas)


@dataclass(frozen=True)
class PlanOptions:
    url: str | None = None
    prune: bool = False
    only: tuple[str, ...] = ()


def open_client(settings: Settings, url: str | None) -> LangGraphClient:
    return client_for(settings.server_url(url))


def client_for(url: str) -> LangGraphClient:
    """A client for ``url`` with the API key from the environment."""
    from reconciler.client import LangGraphClient
    from reconciler.settings import api_key

    return LangGraphClient(url, api_key=api_key())


def make_plan(settings: Settings, options: PlanOptions, client: LiveReader) -> Plan:
    """Validate offline, then diff against the server: the first half of both plan and apply."""
    from reconciler.planner import PlanRequest, build_plan

    if options.prune and options.only:
        raise SettingsError("--prune cannot be combined with --only: pruning needs the whole desired state")
    checked = load_and_check(settings)
    request = PlanRequest(
        desired=checked.desired,
        schemas=checked.schemas,
        owner=settings.owner,
        server=settings.server_url(options.url),
        prune=options.prune,
        only=options.only,
    )
    return build_plan(request, client)
