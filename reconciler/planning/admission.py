"""Whether a plan file may be applied: what was reviewed is exactly what is applied.

A plan file travels between CI jobs and can be edited on the way. Before ``apply PLANFILE`` writes anything,
the plan must pass two checks; every failure is named and nothing is written (PlanRefusedError, exit 3):

1. invariants that hold for every plan the planner can make: one action per assistant; deletes, updates and
   set_latests touch only this owner's assistants (or an unmanaged one the files name by ``assistant_id``),
   never a system assistant; every create and update body is full-state as ``semantics`` builds it, carries
   this owner's ownership metadata, and its context validates against the graph's committed schema; a smoke
   rollback only deletes what a create made, or re-activates the version active before;
2. the same plan again: re-planned from the working tree against the server now, every action and body is
   equal to the file's. Each difference says why: the server moved (the action's ``expected`` no longer
   holds), the files changed (``desired_digest`` differs), or else the plan file was edited.

Pure: the live state and the fresh plan are handed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from reconciler.desired.locations import format_path
from reconciler.desired.spec import DIGEST_KEY, ID_KEY, OWNER_KEY
from reconciler.errors import PlanRefusedError
from reconciler.jsonvalues import json_equal
from reconciler.planning.plan import Action, Create, Delete, Plan, SetLatest, Update
from reconciler.server.live import LiveAssistant
from reconciler.server.semantics import CREATE_KEYS, FULL_STATE_KEYS, content_digest, repair_steps
from reconciler.validation.schema import GraphSchema, context_problems

Live = Mapping[str, LiveAssistant | None]
"""The live assistant at each action's ``assistant_id`` (None: not on the server)."""


def check_plan_file(
    reviewed: Plan, fresh: Plan, live: Live, schemas: Mapping[str, GraphSchema], named: frozenset[str]
) -> None:
    """Raise PlanRefusedError naming every broken invariant and every difference from ``fresh``.

    ``named``: the ``assistant_id`` of every spec in the files (an unmanaged assistant there may be adopted).
    """
    reasons = [*invariant_violations(reviewed, live, schemas, named), *differences(reviewed, fresh, live)]
    if reasons:
        raise PlanRefusedError(reasons)


def moved_since_plan(action: Action, live: LiveAssistant | None) -> str | None:
    """How the server differs from what ``action`` was planned against, or None."""
    expected = action.expected
    if not expected.exists:
        return None if live is None else f"planned as a create, but the server now has it at version {live.version}"
    if live is None:
        return f"planned against version {expected.version}, but it no longer exists on the server"
    if live.version != expected.version or live.updated_at != expected.updated_at:
        return (
            f"planned against version {expected.version} (updated {expected.updated_at}), "
            f"server now at version {live.version} (updated {live.updated_at})"
        )
    return None


# --- 1. invariants ------------------------------------------------------------------------------------


def invariant_violations(
    plan: Plan, live: Live, schemas: Mapping[str, GraphSchema], named: frozenset[str]
) -> list[str]:
    found = _repeated_assistants(plan)
    for action in plan.actions:
        for problem in _action_violations(action, plan.owner, live.get(action.assistant_id), schemas, named):
            found.append((action, problem))
    return [f"{action.id}: {problem} (the plan file was edited)" for action, problem in found]


def _repeated_assistants(plan: Plan) -> list[tuple[Action, str]]:
    """The planner makes one action per assistant; a second one (a write after a delete, an update before it)
    would pass unseen the comparison with a fresh plan, which pairs actions by assistant."""
    first: dict[str, Action] = {}
    repeated = []
    for action in plan.actions:
        earlier = first.setdefault(action.assistant_id, action)
        if earlier is not action:
            repeated.append((action, (
                f"a second action ({action.action}) on assistant {action.assistant_id}, after the "
                f"{earlier.action} of {earlier.id}; a plan has one action per assistant"
            )))
    return repeated


def _action_violations(
    action: Action, owner: str, live: LiveAssistant | None, schemas: Mapping[str, GraphSchema], named: frozenset[str]
) -> list[str]:
    match action:
        case Create():
            return [
                *_create_request_violations(action),
                *_body_violations(action, action.body, CREATE_KEYS, owner, schemas),
                *_rollback_violations(action),
            ]
        case Update():
            return [
                *_touch_violations(action, owner, live, named, may_adopt=action.adopt),
                *_body_violations(action, action.body, FULL_STATE_KEYS, owner, schemas),
                *_rollback_violations(action),
            ]
        case SetLatest():
            return [
                *_touch_violations(action, owner, live, named, may_adopt=True),
                *_shape_violations(action, action.content, FULL_STATE_KEYS, "content"),
                *_rollback_violations(action),
            ]
        case Delete():
            return _touch_violations(action, owner, live, named, may_adopt=False)
        case _:
            assert_never(action)


def _touch_violations(
    action: Action, owner: str, live: LiveAssistant | None, named: frozenset[str], *, may_adopt: bool
) -> list[str]:
    """Only this owner's assistants are changed; an unmanaged one only where the files name it."""
    if live is None:
        return []  # reported as "the server moved" by the comparison with a fresh plan
    verb = f"{action.action.replace('_', ' ')}s assistant {action.assistant_id}"
    if live.is_system:
        return [f"{verb}, a system assistant (created_by: system), which is never touched"]
    if live.owner == owner:
        return []
    if live.owner is None and may_adopt and action.assistant_id in named:
        return []
    whose = f"owned by {live.owner!r}" if live.owner is not None else "not managed by reconciler"
    return [f"{verb}, which is {whose}; only assistants owned by {owner!r} are changed"]


def _rollback_violations(action: Create | Update | SetLatest) -> list[str]:
    """The switch back after a failed smoke case, as the planner builds it: only with cases; a create is deleted,
    anything else gets the version active before this apply back (a repair update's number is compared with a
    fresh plan's)."""
    steps = [(s.action, s.version if s.action != "update" else s.version is not None, s.repair)
             for s in action.rollback]
    if not action.smoke_cases:
        return ["rollback is listed without smoke cases"] if steps else []
    if isinstance(action, Create):
        if steps != [("delete", None, False)]:
            return ["rollback of a create is the delete of the assistant it created, and nothing else"]
        return []
    previous = action.expected.version
    wanted = [("set_latest", previous, False),
              *((step, previous if step == "set_latest" else True, True) for step in repair_steps("pin"))]
    if steps != wanted:
        return [f"rollback is not the switch back to version {previous} (set_latest, then only if it leaves fields "
                "behind the repair update and set_latest)"]
    return []


def _create_request_violations(action: Create) -> list[str]:
    problems = []
    if action.body.get("assistant_id") != action.assistant_id:
        problems.append("body.assistant_id is not the action's assistant_id")
    if action.body.get("if_exists") != "raise":
        problems.append('body.if_exists must be "raise"')
    return problems


def _body_violations(
    action: Create | Update, body: dict[str, Any], keys: frozenset[str], owner: str, schemas: Mapping[str, GraphSchema]
) -> list[str]:
    problems = _shape_violations(action, body, keys, "body")
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        if metadata.get(OWNER_KEY) != owner:
            problems.append(f"body.metadata.{OWNER_KEY} is not the plan's owner {owner!r}")
        if metadata.get(ID_KEY) != action.id:
            problems.append(f"body.metadata.{ID_KEY} is not the action's id {action.id!r}")
        if metadata.get(DIGEST_KEY) != content_digest(body):
            problems.append(f"body.metadata.{DIGEST_KEY} is not the digest of the body's content")
    context = body.get("context")
    if isinstance(context, dict):
        problems.extend(_context_violations(action.graph_id, context, schemas))
    return problems


def _shape_violations(action: Action, body: dict[str, Any], keys: frozenset[str], name: str) -> list[str]:
    """Full state as the planner builds it: exactly ``keys``, objects where objects belong, no configurable."""
    problems = []
    optional = {"description"} if isinstance(action, Create) else set()  # a create leaves a null one out
    unexpected, missing = sorted(set(body) - keys), sorted(keys - set(body) - optional)
    if unexpected:
        problems.append(f"{name} has key(s) a plan never sends: {', '.join(unexpected)}")
    if missing:
        problems.append(f"{name} lacks key(s) every plan sends: {', '.join(missing)}")
    if "graph_id" in body and body["graph_id"] != action.graph_id:
        problems.append(f"{name}.graph_id is not the action's graph_id {action.graph_id!r}")
    for key in ("context", "config", "metadata"):
        if key in body and not isinstance(body[key], dict):
            problems.append(f"{name}.{key} is not an object")
    if isinstance(body.get("config"), dict) and "configurable" in body["config"]:
        problems.append(f"{name}.config.configurable is never sent (the server mirrors context into it)")
    if "name" in body and not isinstance(body["name"], str):
        problems.append(f"{name}.name is not a string")
    return problems


def _context_violations(graph_id: str, context: dict[str, Any], schemas: Mapping[str, GraphSchema]) -> list[str]:
    schema = schemas.get(graph_id)
    if schema is None:
        return [f"graph {graph_id!r} has no committed schema (schemas/graphs/{graph_id}.json)"]
    # Only the paths: the messages may quote values, and a context value can be a secret.
    paths = sorted({format_path(path) for path, _, _ in context_problems(context, schema)})
    if not paths:
        return []
    return [f"body.{', body.'.join(paths)}: not valid for graph {graph_id!r} (schemas/graphs/{graph_id}.json)"]


# --- 2. the same plan again ---------------------------------------------------------------------------


def differences(reviewed: Plan, fresh: Plan, live: Live) -> list[str]:
    """One line per assistant whose action in ``reviewed`` is not exactly the one in ``fresh``."""
    lines = []
    if reviewed.owner != fresh.owner:
        lines.append(f"planned for owner {reviewed.owner!r}, but the working tree's owner is {fresh.owner!r}")
    files_changed = reviewed.desired_digest != fresh.desired_digest or reviewed.commit != fresh.commit
    if reviewed.commit != fresh.commit:
        planned, now = reviewed.commit or "(none)", fresh.commit or "(none)"
        lines.append(f"planned at commit {planned}, but the working tree is at commit {now}")
    before = {a.assistant_id: a for a in reviewed.actions}
    after = {a.assistant_id: a for a in fresh.actions}
    for assistant_id in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(assistant_id), after.get(assistant_id)
        if old is not None and new is not None and json_equal(_dump(old), _dump(new)):
            continue
        name = next(a.id for a in (old, new) if a is not None)
        moved = moved_since_plan(old, live.get(assistant_id)) if old is not None else None
        if moved is not None:
            lines.append(f"{name}: {moved} (the server moved)")
        else:
            why = _why(old, files_changed, reviewed.desired_digest is None, name in reviewed.unchanged)
            lines.append(f"{name}: {_what_differs(old, new)} ({why})")
    return lines


def _dump(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = action.model_dump(mode="json")
    return data


def _what_differs(old: Action | None, new: Action | None) -> str:
    if new is None:
        assert old is not None
        return f"the plan file has {_a(old.action)} that the files and the server no longer call for"
    if old is None:
        return f"the files and the server now call for {_a(new.action)} that the plan file does not have"
    if old.action != new.action:
        return f"planned as {_a(old.action)}, a fresh plan makes it {_a(new.action)}"
    return f"{', '.join(_differing_fields(_dump(old), _dump(new)))} differ from a fresh plan's"


def _a(action: str) -> str:
    return f"an {action}" if action == "update" else f"a {action}"


def _differing_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Top-level fields, and for the request (body, content) its keys: where, never the values."""
    fields: list[str] = []
    for key in sorted({*old, *new}):
        left, right = old.get(key), new.get(key)
        if json_equal(left, right):
            continue
        if key in ("body", "content") and isinstance(left, dict) and isinstance(right, dict):
            fields.extend(f"{key}.{k}" for k in sorted({*left, *right}) if not json_equal(left.get(k), right.get(k)))
        else:
            fields.append(key)
    return fields


def _why(old: Action | None, files_changed: bool, no_digest: bool, was_unchanged: bool) -> str:
    if files_changed:
        return "the files changed or the plan file was edited" if no_digest else "the files changed since the plan"
    if old is None:
        return "the server moved: the plan saw it unchanged" if was_unchanged else "the plan file was edited"
    return "the plan file was edited"
