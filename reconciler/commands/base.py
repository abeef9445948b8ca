"""What several commands share: output streams, error reporting, offline validation, planning, the client."""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.desired.state import DesiredState
from reconciler.errors import InvalidSpecError, ProblemsError, ReconcilerError, SettingsError
from reconciler.render.neutralise import for_output
from reconciler.settings import Settings
from reconciler.validation.schema import GraphSchema

if TYPE_CHECKING:
    from reconciler.planning.plan import Plan
    from reconciler.server.client import LangGraphClient
    from reconciler.server.live import LiveAssistant, LiveReader


def say(text: str) -> None:
    """Data, on stdout, with no workflow command or invisible character left in it (``render.neutralise``)."""
    say_raw(for_output(text))


def say_raw(text: str) -> None:
    """On stdout as it is: only for workflow commands this program builds itself, every value in them escaped."""
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def warn(text: str) -> None:
    """Diagnostics, on stderr, neutralised as ``say`` does."""
    text = for_output(text)
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def report_error(error: ReconcilerError) -> int:
    warn(without_secrets(f"error: {error}"))
    if isinstance(error, ProblemsError):
        warn(without_secrets(error.report()))
    return error.exit_code


def without_secrets(text: str) -> str:
    """The last line of defence for every error printed: URL passwords masked, API key values scrubbed (the
    modules that build messages already do both; a message built elsewhere must not leak either)."""
    import os

    from reconciler.redact import mask_url, scrub
    from reconciler.settings import API_KEY_VARIABLES

    return scrub(mask_url(text), (os.environ.get(variable, "") for variable in API_KEY_VARIABLES))


@dataclass(frozen=True)
class CheckedDesiredState:
    desired: DesiredState
    schemas: dict[str, GraphSchema]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while bulk work runs (reading thousands of documents, planning against as
    many assistants): those allocations are long-lived or freed by reference counting, and the collector,
    triggered every few hundred allocations, would traverse all of them again and again (a third of the time
    of a no-op plan at 10,000 assistants). Re-enabled afterwards; nesting is harmless."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What survived goes straight to the oldest generation, as if it had survived collections: enabled
            # again as it was, the collector would traverse every object allocated meanwhile at once.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def load_and_check(settings: Settings, assistants_dir: Path | None = None, schemas_dir: Path | None = None
                   ) -> CheckedDesiredState:
    """Offline validation: the file format, then every context against its graph's schema."""
    from reconciler.desired.gitrepo import history_for
    from reconciler.desired.loading import load_desired_state
    from reconciler.validation.schema import check_contexts

    with gc_paused():
        loaded = load_desired_state(
            assistants_dir or settings.assistants_dir, settings.overlay_dir, history_for(settings.root)
        )
        schemas, context_problems = check_contexts(loaded.context_targets, schemas_dir or settings.schemas_dir)
    if loaded.problems or context_problems:
        raise InvalidSpecError([*loaded.problems, *context_problems])
    return CheckedDesiredState(loaded.desired, schemas)


@dataclass(frozen=True)
class PlanOptions:
    url: str | None = None
    prune: bool | None = None
    """``--prune`` (True) or ``--no-prune`` (False); None: reconciler.yaml's ``prune`` decides."""
    only: tuple[str, ...] = ()
    commit: str | None = None
    """``--commit``: the git commit to record on every version written (default: HEAD, when clean)."""
    skip_numeric_pins: bool = False
    """Leave out assistants pinned to a version number (dry-run: those numbers belong to another server)."""
    max_deletes: int | None = None
    """``--max-deletes N``: allow up to N deletes (and deleting every managed assistant)."""
    parallelism: int | None = None
    """``--parallelism N``: requests in flight at once (None: the client's default)."""
    allow_delete_with_crons: bool = False
    """``--allow-delete-with-crons``: plan deletes of assistants that crons use."""


@dataclass(frozen=True)
class PlannedFromFiles:
    plan: Plan
    checked: CheckedDesiredState


COMMIT_VARIABLE = "RECONCILER_COMMIT"


def provenance_commit(settings: Settings, flag: str | None) -> str | None:
    """The commit recorded on every version written: ``--commit``, else ``$RECONCILER_COMMIT``, else HEAD of
    the repository holding the desired files, when they have no uncommitted changes; None outside git."""
    import os

    from reconciler.desired import gitrepo

    given = flag or os.environ.get(COMMIT_VARIABLE)
    if given:
        commit = given.strip().lower()
        if not gitrepo.FULL_SHA.match(commit):
            source = "--commit" if flag else COMMIT_VARIABLE
            raise SettingsError(f"{source}: {given!r} is not a full 40-character git commit id")
        return commit
    head = gitrepo.head_commit(settings.root)
    if head is None:
        return None
    dirty = gitrepo.uncommitted(settings.root, [p for p in (settings.assistants_dir, settings.overlay_dir) if p])
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        warn(f"warning: uncommitted changes ({shown}): versions written now record no reconciler/commit")
        return None
    return head


def open_client(settings: Settings, url: str | None, parallelism: int | None = None) -> LangGraphClient:
    return client_for(settings.server_url(url), parallelism)


def client_for(url: str, parallelism: int | None = None) -> LangGraphClient:
    """A client for ``url`` with the API key from the environment and a connection pool for ``parallelism``."""
    from reconciler.server.client import LangGraphClient
    from reconciler.server.live import DEFAULT_PARALLELISM
    from reconciler.settings import api_key, check_key_transport, request_timeout

    key = api_key()
    check_key_transport(url, key)
    return LangGraphClient(url, api_key=key, timeout=request_timeout(), parallelism=parallelism or DEFAULT_PARALLELISM)


def make_plan(settings: Settings, options: PlanOptions, client: LiveReader) -> Plan:
    """Validate offline, then diff against the server: the first half of both plan and apply."""
    return plan_from_files(settings, options, client).plan


def plan_from_files(settings: Settings, options: PlanOptions, client: LiveReader) -> PlannedFromFiles:
    """``make_plan``, keeping the checked desired state it was built from."""
    if options.prune and options.only:
        raise SettingsError("--prune cannot be combined with --only: pruning needs the whole desired state")
    # A targeted plan (--only) never prunes: the settings' prune applies to whole plans.
    if options.prune is None:
        options = replace(options, prune=settings.prune and not options.only)
    if options.prune and not settings.owner_configured:
        raise SettingsError(
            f"--prune needs an owner of this repository's own: set owner: in {settings.root / 'reconciler.yaml'} "
            f"(the default owner {settings.owner!r} may be shared with other repositories; nothing was deleted)"
        )
    with gc_paused():
        return _plan_from_files(settings, options, client)


def _plan_from_files(settings: Settings, options: PlanOptions, client: LiveReader) -> PlannedFromFiles:
    with _owner_search_ahead(client, settings.owner):
        return _plan_checked_files(settings, options, client)


def _owner_search_ahead(client: LiveReader, owner: str) -> AbstractContextManager[None]:
    """The search for the managed assistants, sent before the files are read when the reader is the HTTP client:
    over a network its round trips then cost no waiting, and the server works while the files are checked."""
    from reconciler.server.client import LangGraphClient

    return client.owner_search_ahead(owner) if isinstance(client, LangGraphClient) else nullcontext()


def _plan_checked_files(settings: Settings, options: PlanOptions, client: LiveReader) -> PlannedFromFiles:
    from reconciler.desired.state import in_id_namespace
    from reconciler.planning.planner import build_plan
    from reconciler.planning.request import PlanRequest

    loaded = load_and_check(settings)
    # Apply's plan-file check reads the ids from `checked`: they must be the namespaced ones too.
    checked = replace(loaded, desired=in_id_namespace(loaded.desired, settings.id_namespace))
    desired = checked.desired
    if options.skip_numeric_pins:
        desired = _without_numeric_pins(desired)
    request = PlanRequest(
        desired=desired,
        schemas=checked.schemas,
        owner=settings.owner,
        server=settings.server_url(options.url),
        prune=bool(options.prune),
        only=options.only,
        commit=provenance_commit(settings, options.commit),
        max_deletes=settings.project.max_deletes,
        allowed_deletes=options.max_deletes,
        allow_delete_with_crons=options.allow_delete_with_crons,
    )
    return PlannedFromFiles(build_plan(request, client), checked)


def _without_numeric_pins(desired: DesiredState) -> DesiredState:
    from dataclasses import replace

    for spec in desired.specs:
        if spec.version_pin is not None:
            warn(f"skipped {spec.id}: pin {spec.version_pin} is a version number of one server (pin by commit to "
                 "include it)")
    return replace(desired, specs=tuple(spec for spec in desired.specs if spec.version_pin is None))


def resolve_assistant_id(settings: Settings, spec_id: str, reader: LiveReader) -> str:
    """``spec_id`` as a UUID, else the assistant_id its file gives it, else the managed assistant carrying
    that ``reconciler/id`` (a spec no longer in the files), else the default id."""
    from reconciler.desired.loading import load_desired_state
    from reconciler.desired.spec import ID_KEY, default_assistant_id

    try:
        return str(uuid.UUID(spec_id))
    except ValueError:
        pass
    from reconciler.desired.state import in_id_namespace

    loaded = load_desired_state(settings.assistants_dir, settings.overlay_dir)
    for spec in in_id_namespace(loaded.desired, settings.id_namespace).specs:
        if spec.id == spec_id:
            return spec.resolved_assistant_id
    for assistant in reader.list_owned(settings.owner):
        if assistant.metadata.get(ID_KEY) == spec_id:
            return assistant.assistant_id
    return default_assistant_id(spec_id)


def find_assistant(settings: Settings, ref: str, client: LangGraphClient) -> LiveAssistant:
    """The live assistant ``ref`` (a spec id or a UUID) names, or a SettingsError saying where it looked."""
    assistant_id = resolve_assistant_id(settings, ref, client)
    live = client.get(assistant_id)
    if live is not None:
        return live
    hidden = client.hidden([assistant_id]).get(assistant_id)
    if hidden is not None:
        raise SettingsError(f"{ref}: {hidden.describe(client.display_url)}")
    raise SettingsError(f"no assistant {ref!r} on {client.display_url} (looked for assistant {assistant_id})")
