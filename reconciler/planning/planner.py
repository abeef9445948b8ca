"""Desired state x live state (through a LiveReader) -> Plan, or PlanError with every problem.

Pure: it sees the server only through the reader it is given, reads versions only for assistants whose
pin or content needs them, and makes no call at all for an assistant that already matches.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.desired import envrefs
from reconciler.desired.locations import Path, format_path
from reconciler.desired.spec import ID_KEY, OWNER_KEY, RESERVED_METADATA_PREFIX, AssistantSpec
from reconciler.desired.state import DesiredState
from reconciler.errors import PlanError, Problem
from reconciler.jsonvalues import json_equal
from reconciler.planning.diff import added_paths, differing_paths, same_content
from reconciler.planning.impact import cron_problems, with_impact
from reconciler.planning.plan import (
    Cause,
    Change,
    Create,
    Delete,
    EnvBinding,
    Expected,
    Plan,
    Repair,
    SetLatest,
    Update,
    sort_actions,
)
from reconciler.redact import is_sensitive_path, mask
from reconciler.server.live import GraphUnavailable, LiveAssistant, LiveReader, LiveVersion
from reconciler.server.semantics import (
    commit_of,
    comparable,
    create_body,
    full_state_body,
    repair_steps,
    source_of,
    with_provenance,
    written_from,
)
from reconciler.validation.schema import GraphSchema, context_problems, key_differences, sensitive_context_keys

ActionType = Create | Update | SetLatest | Delete

DEFAULT_MAX_DELETES = 10

NUMERIC_PIN_HINT = (
    "numeric pins name a version of one server: pin by commit instead (`pin: {commit: <sha>}` runs the content "
    "this file had at that commit, on every server), or put the numeric pin in this environment's overlay "
    "(environments/<env>/*.yaml)"
)


@dataclass(frozen=True)
class PlanRequest:
    desired: DesiredState
    schemas: dict[str, GraphSchema]
    """The committed schema of every graph the desired state uses; every context is valid against it
    (``load_and_check``), so contexts are checked again only against a server schema that differs."""
    owner: str
    server: str
    prune: bool = False
    only: tuple[str, ...] = ()
    """Glob patterns of spec ids: plan just these (no deletes, no leftover warnings)."""
    commit: str | None = None
    """The git commit of the desired files, recorded on every version written (None outside git)."""
    max_deletes: int = DEFAULT_MAX_DELETES
    """``max_deletes`` of reconciler.yaml: more deletes than this are refused."""
    allowed_deletes: int | None = None
    """``--max-deletes N``: allows up to N deletes, deleting every managed assistant included."""
    allow_delete_with_crons: bool = False
    """Plan deletes of assistants that crons still use (the server deletes those crons with them)."""

    def targeted(self) -> tuple[AssistantSpec, ...]:
        if not self.only:
            return self.desired.specs
        return tuple(s for s in self.desired.specs if any(fnmatch.fnmatchcase(s.id, p) for p in self.only))


def build_plan(request: PlanRequest, reader: LiveReader) -> Plan:
    """The stages, in order: pick the targeted specs, check their graphs are served, read the managed
    assistants, plan each spec, plan what is left over (prune), and freeze the result."""
    specs = _targeted_specs(request)
    problems, schema_warnings = check_graphs(request, specs, reader)
    # The search's filter is the server's word; each row's own metadata decides (prune deletes only these).
    owned = {a.assistant_id: a for a in reader.list_owned(request.owner) if a.managed_by(request.owner)}
    planned = _plan_specs(request, reader, specs, owned)
    deletes, leftover_warnings = _plan_leftovers(request, owned)
    deletes = with_impact(deletes, reader)
    leftover_warnings = [*rename_hints(request, planned.actions, owned), *leftover_warnings]
    problems.extend(planned.problems)
    problems.extend(_prune_problems(request, deletes, owned))
    if not request.allow_delete_with_crons:
        problems.extend(cron_problems(deletes))
    if problems:
        raise PlanError(problems)
    return Plan(
        server=request.server,
        owner=request.owner,
        commit=request.commit,
        prune=request.prune,
        only=request.only,
        allow_delete_with_crons=request.allow_delete_with_crons,
        desired_digest=desired_digest(request),
        actions=sort_actions([*planned.actions, *deletes]),
        unchanged=tuple(sorted(planned.unchanged)),
        warnings=(*schema_warnings, *planned.warnings, *leftover_warnings),
    )


def _targeted_specs(request: PlanRequest) -> tuple[AssistantSpec, ...]:
    specs = request.targeted()
    if request.only and not specs:
        raise PlanError([Problem("--only", 1, 1, message=f"no assistant id matches {', '.join(request.only)}")])
    return specs


@dataclass
class _PlannedSpecs:
    actions: list[ActionType] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _plan_specs(
    request: PlanRequest, reader: LiveReader, specs: tuple[AssistantSpec, ...], owned: dict[str, LiveAssistant]
) -> _PlannedSpecs:
    """One action (or none) per spec; every spec that cannot be planned is a problem, all reported together.
    The server is asked in batches: which specs not owned yet exist, then the versions of every spec whose
    pin or content needs them."""
    planned = _PlannedSpecs()
    secrets = {graph_id: sensitive_context_keys(schema) for graph_id, schema in request.schemas.items()}
    lives = _live_of(specs, owned, reader)
    matching = {spec.id for spec in specs if _matches(request, spec, lives.get(spec.resolved_assistant_id))}
    versions = reader.versions_of(
        [s.resolved_assistant_id for s in specs if _needs_versions(request, s, lives, matching)]
    )
    for spec in specs:
        if spec.id in matching:
            planned.unchanged.append(spec.id)
            continue
        planner = _SpecPlanner(request, reader, spec, secrets.get(spec.graph_id, frozenset()), versions)
        try:
            outcome = planner.plan(lives.get(spec.resolved_assistant_id))
        except _Refused as refused:
            planned.problems.append(refused.problem)
            continue
        finally:
            planned.warnings.extend(planner.warnings)
        if outcome is None:
            planned.unchanged.append(spec.id)
        else:
            planned.actions.append(outcome)
    return planned


def _live_of(
    specs: tuple[AssistantSpec, ...], owned: dict[str, LiveAssistant], reader: LiveReader
) -> dict[str, LiveAssistant]:
    """The live assistant at each spec's assistant_id, where there is one: the owner search found most of
    them; the rest are looked up in one batch."""
    others = [s.resolved_assistant_id for s in specs if s.resolved_assistant_id not in owned]
    return {**owned, **reader.find(others)} if others else dict(owned)


def _matches(request: PlanRequest, spec: AssistantSpec, live: LiveAssistant | None) -> bool:
    """The spec needs nothing: its managed assistant has its content (what ``_SpecPlanner.plan`` finds for an
    unpinned spec, without building what a write would send: provenance is not content)."""
    return (
        live is not None
        and not live.is_system
        and live.owner == request.owner
        and spec.version_pin is None
        and same_content(spec.content(request.owner), live.content())
    )


def _needs_versions(
    request: PlanRequest, spec: AssistantSpec, lives: dict[str, LiveAssistant], matching: set[str]
) -> bool:
    """A pin is checked against its version; changed content may equal an older version (a rollback)."""
    live = lives.get(spec.resolved_assistant_id)
    if live is None or live.is_system or live.owner not in (None, request.owner):
        return False
    return spec.pin is not None or spec.id not in matching


def _plan_leftovers(request: PlanRequest, owned: dict[str, LiveAssistant]) -> tuple[list[Delete], list[str]]:
    """Managed assistants no longer in the files: deletes with ``--prune``, else a warning. Targeting with
    ``--only`` sees only part of the files, so it never calls anything a leftover."""
    if request.only:
        return [], []
    wanted = {spec.resolved_assistant_id for spec in request.desired.specs}
    leftovers = [a for a in owned.values() if a.assistant_id not in wanted]
    if request.prune:
        return [_delete(assistant) for assistant in leftovers], []
    if not leftovers:
        return [], []
    names = ", ".join(sorted(str(a.metadata.get(ID_KEY, a.assistant_id)) for a in leftovers))
    return [], [f"{len(leftovers)} managed assistant(s) no longer in the files (kept; --prune deletes): {names}"]


RENAME_FIELDS = ("name", "description", "context", "config", "metadata")


def rename_hints(request: PlanRequest, actions: list[ActionType], owned: dict[str, LiveAssistant]) -> list[str]:
    """A create whose content resembles a managed assistant that left the files is most likely a renamed ``id``:
    say how to keep the assistant (and every client using its id) instead of creating a new one and orphaning,
    or with ``--prune`` deleting, the old one."""
    if request.only:
        return []
    wanted = {spec.resolved_assistant_id for spec in request.desired.specs}
    leftovers = [a for a in owned.values() if a.assistant_id not in wanted]
    hints = []
    for create in (a for a in actions if isinstance(a, Create)):
        match = _likely_original(create, leftovers)
        if match is None:
            continue
        leftovers.remove(match)
        old_id = match.metadata.get(ID_KEY, match.assistant_id)
        file = request.desired.sources[create.id].file
        hints.append(
            f"{create.id} looks like a rename of {old_id} (assistant {match.assistant_id}, same graph and similar "
            f"content): to keep that assistant, add `assistant_id: {match.assistant_id}` to {file}; otherwise "
            f"this plan creates a new assistant and {old_id} is left over (deleted by --prune)"
        )
    return hints


def _likely_original(create: Create, leftovers: list[LiveAssistant]) -> LiveAssistant | None:
    """The leftover of the same graph with the most equal fields, if at least half of the fields set on either
    side are equal (empty fields say nothing about a rename)."""
    wanted = comparable(create.body)
    best, best_score = None, 0
    for candidate in leftovers:
        if candidate.graph_id != create.graph_id:
            continue
        live = comparable(candidate.content())
        pairs = [(_without_reserved(wanted, f), _without_reserved(live, f)) for f in RENAME_FIELDS]
        considered = [(a, b) for a, b in pairs if a or b]
        score = sum(json_equal(a, b) for a, b in considered)
        if score * 2 >= len(considered) and score > best_score:
            best, best_score = candidate, score
    return best


def _without_reserved(content: dict[str, Any], field_name: str) -> Any:
    value = content.get(field_name)
    if field_name == "metadata":
        return {k: v for k, v in (value or {}).items() if not k.startswith(RESERVED_METADATA_PREFIX)}
    return value


def _prune_problems(request: PlanRequest, deletes: list[Delete], owned: dict[str, LiveAssistant]) -> list[Problem]:
    """Prune safety: an empty or mis-pointed assistants.d must not wipe the server. More deletes than
    ``max_deletes``, or deleting every managed assistant, needs ``--max-deletes N`` with N at least the count."""
    limit = request.max_deletes if request.allowed_deletes is None else request.allowed_deletes
    count = len(deletes)
    if count > limit:
        reason = f"more than max_deletes ({limit})"
    elif count and count == len(owned) and request.allowed_deletes is None:
        reason = "every assistant this owner manages (is assistants.d empty or the wrong folder?)"
    else:
        return []
    names = ", ".join(sorted(d.id for d in deletes)[:20]) + (", ..." if count > 20 else "")
    message = (
        f"the plan would delete {count} assistant(s), {reason}: {names}; "
        f"pass --max-deletes {count} to plan and apply if that is intended"
    )
    return [Problem("--prune", 1, 1, message=message)]


def desired_digest(request: PlanRequest) -> str:
    """sha256 of everything a plan is computed from besides the server: owner, targeting, every spec and
    the committed schemas. Equal digests mean the files did not change between plan and apply."""
    header = {
        "owner": request.owner,
        "prune": request.prune,
        "only": list(request.only),
        "schemas": {graph_id: schema.to_json() for graph_id, schema in sorted(request.schemas.items())},
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":"), default=str).encode())
    # Each spec as pydantic serialises it (fields in model order, mappings in file order): a tenth of the cost
    # of building and sorting plain dicts, which a no-op plan over thousands of assistants notices.
    for spec in sorted(request.desired.specs, key=lambda spec: spec.id):
        digest.update(b"\n" + spec.model_dump_json().encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def check_graphs(
    request: PlanRequest, specs: tuple[AssistantSpec, ...], reader: LiveReader
) -> tuple[list[Problem], list[str]]:
    """Every graph must be served, and every desired context must be one the server's graph accepts (as well
    as the committed schema, which offline validation checked). A committed schema that differs from the
    server's is a warning with a key-level summary: a pull request may add a key before the code is deployed."""
    problems: list[Problem] = []
    warnings: list[str] = []
    by_graph: dict[str, list[AssistantSpec]] = {}
    for spec in specs:
        by_graph.setdefault(spec.graph_id, []).append(spec)
    served = reader.graph_schemas(sorted(by_graph))
    for graph_id, users in sorted(by_graph.items()):
        live = served[graph_id]
        if isinstance(live, GraphUnavailable):
            file, line, col = request.desired.sources[users[0].id].where(("graph_id",))
            problems.append(Problem(file, line, col, users[0].id, "graph_id", live.describe(request.server)))
            continue
        committed = request.schemas.get(graph_id)
        if committed is not None and not _schema_drift(committed, live):
            continue  # the server's schema is the committed one, which every context was validated against
        if committed is not None:
            warnings.append(_drift_warning(graph_id, committed, live, request.server))
        for spec in users:
            problems.extend(_live_context_problems(request, spec, live))
    return problems, warnings


def _live_context_problems(request: PlanRequest, spec: AssistantSpec, live: GraphSchema) -> list[Problem]:
    source = request.desired.sources[spec.id]
    problems = []
    secret_paths = request.desired.secret_paths(spec.id)
    for path, message, on_key in context_problems(spec.context or {}, live, secret_paths=secret_paths):
        file, line, col = source.where(path, key=on_key)
        text = f"the graph served by {request.server} would not accept it: {message}"
        problems.append(Problem(file, line, col, spec.id, format_path(path), text))
    return problems


def _drift_warning(graph_id: str, committed: GraphSchema, live: GraphSchema, server: str) -> str:
    differences = key_differences(committed, live)
    parts = [f"{kind} {', '.join(keys)}" for kind, keys in differences.items() if keys]
    summary = "; ".join(parts) or "no context key differs (other schema details do)"
    return (
        f"schemas/graphs/{graph_id}.json differs from the schema of graph {graph_id!r} on {server} "
        f"(context keys on the server: {summary}); every context is valid against both"
    )


def _schema_drift(committed: GraphSchema | None, live: GraphSchema) -> bool:
    if committed is None:
        return True
    return not (
        json_equal(committed.context_schema, live.context_schema)
        and json_equal(committed.config_schema, live.config_schema)
    )


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _SpecPlanner:
    def __init__(
        self,
        request: PlanRequest,
        reader: LiveReader,
        spec: AssistantSpec,
        secrets: frozenset[str],
        read_ahead: Mapping[str, list[LiveVersion]],
    ) -> None:
        self.request = request
        self.reader = reader
        self.spec = spec
        self.secrets = secrets
        self.read_ahead = read_ahead
        """Versions already read, in one batch, for every spec that was seen to need them."""
        self.warnings: list[str] = []
        self._versions: list[LiveVersion] | None = None

    def versions(self, assistant_id: str) -> list[LiveVersion]:
        """The assistant's versions, newest first, read once (usually ahead, with every other spec's)."""
        if self._versions is None:
            read = self.read_ahead.get(assistant_id)
            self._versions = read if read is not None else self.reader.versions(assistant_id)
        return self._versions

    def plan(self, live: LiveAssistant | None) -> ActionType | None:
        """The action for this spec, or None when it already matches; raises _Refused for a plan error."""
        if live is None:
            return self._create()
        if live.is_system:
            raise self._refuse(("assistant_id",), "is a system assistant (created_by: system); never managed")
        if live.owner is not None and live.owner != self.request.owner:
            raise self._refuse(
                ("assistant_id",),
                f"assistant {live.assistant_id} is owned by {live.owner!r}, not {self.request.owner!r}; "
                "not taking it over",
            )
        if self.spec.version_pin is not None:
            return self._pin(live, self.spec.version_pin)
        desired = self._desired()
        if same_content(desired, live.content()):
            return None
        pinned = self._version_of_commit(desired, live)
        if pinned is not None:
            return self._set_latest(live, pinned, "pin")
        older = self._older_version_with(desired, live)
        if older is not None:
            return self._set_latest(live, older, "rollback")
        self._refuse_stored_differently(desired, live)
        return Update(
            id=self.spec.id,
            assistant_id=live.assistant_id,
            graph_id=self.spec.graph_id,
            expected=_seen(live),
            changes=self._changes(live.content(), desired),
            body=full_state_body(desired, live.content()),
            adopt=live.owner is None,
            cause=cause_of(live),
            env=self._env(),
            smoke_cases=tuple(self.spec.smoke),
        )

    def _create(self) -> ActionType:
        if self.spec.version_pin not in (None, 1):
            raise self._refuse(
                ("pin",),
                f"pins version {self.spec.version_pin} but the assistant does not exist on {self.request.server} yet; "
                + NUMERIC_PIN_HINT,
            )
        desired = self._desired()
        body = create_body(self.spec.resolved_assistant_id, desired)
        return Create(
            id=self.spec.id,
            assistant_id=self.spec.resolved_assistant_id,
            graph_id=self.spec.graph_id,
            expected=Expected(exists=False),
            changes=to_changes(added_paths(desired), self.secrets, self.secret_paths),
            body=body,
            env=self._env(),
            smoke_cases=tuple(self.spec.smoke),
        )

    def _desired(self) -> dict[str, Any]:
        """What a write of this spec sends: its content, with provenance (a commit pin's content records the
        pinned commit, which is where it was read from)."""
        commit = self.spec.commit_pin or self.request.commit
        return with_provenance(self.spec.content(self.request.owner), commit)

    def _version_of_commit(self, desired: dict[str, Any], live: LiveAssistant) -> LiveVersion | None:
        """For a commit pin: the newest version the reconciler wrote from that commit with this content."""
        if self.spec.commit_pin is None:
            return None
        for version in self.versions(live.assistant_id):
            content = version.content()
            if commit_of(content) == self.spec.commit_pin and source_of(content) == "reconciler":
                if version.version != live.version and same_content(desired, content):
                    return version
        return None

    def _pin(self, live: LiveAssistant, pin: int) -> ActionType | None:
        target = next((v for v in self.versions(live.assistant_id) if v.version == pin), None)
        if target is None:
            raise self._refuse(
                ("pin",),
                f"version {pin} does not exist on {self.request.server} (active version is {live.version}); "
                + NUMERIC_PIN_HINT,
            )
        differing = self._declared_fields_differing(target)
        if differing:
            fields = ", ".join(differing)
            raise self._refuse(
                ("pin",), f"the file's {fields} differ from version {pin}'s; remove them or make them equal"
            )
        if target.metadata.get(OWNER_KEY) != self.request.owner:
            self.warnings.append(
                f"{self.spec.id}: version {pin} does not carry the ownership metadata (written before reconciler "
                "managed it): while it is active, --prune and the owner search do not see this assistant"
            )
        if live.version == pin and same_content(target.content(), live.content()):
            return None
        return self._set_latest(live, target, "pin")

    def _refuse_stored_differently(self, desired: dict[str, Any], live: LiveAssistant) -> None:
        """Never the same update twice (``semantics.written_from``): name the fields the server changed.
        Asked only when no version holds ``desired``: an edit made outside git without metadata keeps the
        digest of the version under it (metadata is merge-only), and that version then matches (a rollback)."""
        if not written_from(desired, live.content()):
            return
        paths = [path for path, _, _ in differing_paths(desired, live.content())]
        raise self._refuse(
            paths[0],
            f"the server stores something else than was sent for {', '.join(format_path(p) for p in paths)}: "
            f"version {live.version} was written from exactly these files and reads back differently (a server "
            "changes some values as it stores them, e.g. a NUL character becomes U+FFFD); writing it again would "
            "never converge: change the value in the file",
        )

    def _declared_fields_differing(self, target: LiveVersion) -> list[str]:
        declared = comparable(self.spec.content(self.request.owner))
        actual = comparable(target.content())
        differing = []
        for name in self.spec.declared_content_fields():
            wanted, found = declared[name], actual[name]
            if name == "metadata":
                wanted = {k: v for k, v in wanted.items() if not k.startswith("reconciler/")}
                found = {k: v for k, v in found.items() if not k.startswith("reconciler/")}
            if not json_equal(wanted, found):
                differing.append(name)
        return differing

    def _older_version_with(self, desired: dict[str, Any], live: LiveAssistant) -> LiveVersion | None:
        for version in self.versions(live.assistant_id):
            if version.version != live.version and same_content(desired, version.content()):
                return version
        return None

    def _set_latest(self, live: LiveAssistant, target: LiveVersion, reason: Literal["pin", "rollback"]) -> SetLatest:
        return SetLatest(
            id=self.spec.id,
            assistant_id=live.assistant_id,
            graph_id=target.graph_id,
            expected=_seen(live),
            changes=self._changes(live.content(), target.content()),
            version=target.version,
            reason=reason,
            content=full_state_body(target.content(), live.content()),
            cause=cause_of(live),
            env=self._env(target.content()),
            repairs=self._repairs(live, target, reason),
            smoke_cases=tuple(self.spec.smoke),
        )

    def _repairs(self, live: LiveAssistant, target: LiveVersion, reason: Literal["pin", "rollback"]
                 ) -> tuple[Repair, ...]:
        """``semantics.repair_steps`` with the versions they make: the update writes the next free number."""
        new_version = max([live.version, *(v.version for v in self.versions(live.assistant_id))]) + 1
        return tuple(
            Repair(action=step, version=new_version if step == "update" else target.version)
            for step in repair_steps(reason)
        )

    def _changes(self, before: dict[str, Any], after: dict[str, Any]) -> tuple[Change, ...]:
        return changes_between(before, after, self.secrets, self.secret_paths)

    @property
    def secret_paths(self) -> frozenset[Path]:
        return self.request.desired.secret_paths(self.spec.id)

    def _env(self, content: dict[str, Any] | None = None) -> tuple[EnvBinding, ...]:
        """The ``!env`` places of this spec; for a re-activated version's ``content``, only those where it
        holds the very value the variable has now (any other value there is the server's, not the files')."""
        desired = self.spec.content(self.request.owner)
        return tuple(
            EnvBinding(path=path, name=name)
            for path, name in self.request.desired.env_refs.get(self.spec.id, ())
            if content is None or envrefs.lookup(content, path) == envrefs.lookup(desired, path)
        )

    def _refuse(self, path: Path, message: str) -> _Refused:
        file, line, col = self.request.desired.sources[self.spec.id].where(path)
        return _Refused(Problem(file, line, col, self.spec.id, format_path(path), message))


def changes_between(
    before: dict[str, Any], after: dict[str, Any], secrets: frozenset[str], secret_paths: frozenset[Path] = frozenset()
) -> tuple[Change, ...]:
    return to_changes(differing_paths(before, after), secrets, secret_paths)


def to_changes(
    differences: list[tuple[Path, Any, Any]], secrets: frozenset[str], secret_paths: frozenset[Path] = frozenset()
) -> tuple[Change, ...]:
    """Plain ``(path, before, after)`` differences as plan Changes, secrets flagged for the renderers. Values
    from ``!env`` (at ``secret_paths``) are not even kept: the plan, and so its file, holds only the mask."""
    changes = []
    for path, old, new in differences:
        if envrefs.under(path, secret_paths):
            old, new = mask(old, sensitive=True), mask(new, sensitive=True)
        sensitive = is_sensitive_path(path, secrets) or envrefs.under(path, secret_paths)
        changes.append(Change(path=format_path(path), before=old, after=new, sensitive=sensitive))
    return tuple(changes)


def cause_of(live: LiveAssistant) -> Cause:
    """``files`` when the live version is the reconciler's own (its content matches its digest), else ``outside``."""
    return "files" if source_of(live.content()) == "reconciler" else "outside"


def _seen(live: LiveAssistant) -> Expected:
    return Expected(exists=True, version=live.version, updated_at=live.updated_at)


def _delete(assistant: LiveAssistant) -> Delete:
    return Delete(
        id=str(assistant.metadata.get(ID_KEY) or assistant.assistant_id),
        assistant_id=assistant.assistant_id,
        graph_id=assistant.graph_id,
        expected=_seen(assistant),
        name=assistant.name,
    )
