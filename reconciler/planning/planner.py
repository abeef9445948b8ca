"""Desired state x live state (through a LiveReader) -> Plan, or PlanError with every problem.

Pure: it sees the server only through the reader it is given, reads versions only for assistants whose
pin or content needs them, and makes no call at all for an assistant that already matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.desired.spec import AssistantSpec
from reconciler.errors import PlanError, Problem
from reconciler.planning.actions import ActionType
from reconciler.planning.diff import same_content
from reconciler.planning.graph_checks import check_graphs
from reconciler.planning.impact import cron_problems, with_impact
from reconciler.planning.leftovers import plan_leftovers, prune_problems, rename_hints
from reconciler.planning.plan import Plan, sort_actions
from reconciler.planning.request import PlanRequest, desired_digest
from reconciler.planning.spec_planner import Refused, SpecPlanner
from reconciler.server.live import LiveAssistant, LiveReader


def build_plan(request: PlanRequest, reader: LiveReader) -> Plan:
    """The stages, in order: pick the targeted specs, check their graphs are served, read the managed
    assistants, plan each spec, plan what is left over (prune), and freeze the result."""
    specs = _targeted_specs(request)
    problems, schema_warnings = check_graphs(request, specs, reader)
    # The search's filter is the server's word; each row's own metadata decides (prune deletes only these).
    owned = {a.assistant_id: a for a in reader.list_owned(request.owner) if a.managed_by(request.owner)}
    planned = _plan_specs(request, reader, specs, owned)
    deletes, leftover_warnings = plan_leftovers(request, owned)
    deletes = with_impact(deletes, reader)
    leftover_warnings = [*rename_hints(request, planned.actions, owned), *leftover_warnings]
    problems.extend(planned.problems)
    problems.extend(prune_problems(request, deletes, owned))
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
    secrets = {graph_id: schema.secret_places for graph_id, schema in request.schemas.items()}
    lives = _live_of(specs, owned, reader)
    # A create is planned only where nothing was found; only those few ids are asked whether they are hidden.
    unseen = [s.resolved_assistant_id for s in specs if s.resolved_assistant_id not in lives]
    hidden = reader.hidden(unseen) if unseen else {}
    matching = {spec.id for spec in specs if _matches(request, spec, lives.get(spec.resolved_assistant_id))}
    versions = reader.versions_of(
        [s.resolved_assistant_id for s in specs if _needs_versions(request, s, lives, matching)]
    )
    for spec in specs:
        if spec.id in matching:
            planned.unchanged.append(spec.id)
            continue
        planner = SpecPlanner(request, reader, spec, secrets.get(spec.graph_id, frozenset()), versions)
        try:
            outcome = planner.plan(lives.get(spec.resolved_assistant_id) or hidden.get(spec.resolved_assistant_id))
        except Refused as refused:
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
    """The spec needs nothing: its managed assistant has its content (what ``SpecPlanner.plan`` finds for an
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
