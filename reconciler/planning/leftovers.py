"""Managed assistants that left the files: deletes with ``--prune`` (within the delete limits), else a
warning; and the hint when a create looks like a renamed ``id``."""

from __future__ import annotations

from typing import Any

from reconciler.desired.spec import ID_KEY, RESERVED_METADATA_PREFIX
from reconciler.errors import Problem
from reconciler.jsonvalues import json_equal
from reconciler.planning.actions import ActionType, expected_of
from reconciler.planning.plan import Create, Delete
from reconciler.planning.request import PlanRequest
from reconciler.server.live import LiveAssistant
from reconciler.server.semantics import comparable


def plan_leftovers(request: PlanRequest, owned: dict[str, LiveAssistant]) -> tuple[list[Delete], list[str]]:
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


def prune_problems(request: PlanRequest, deletes: list[Delete], owned: dict[str, LiveAssistant]) -> list[Problem]:
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


def _delete(assistant: LiveAssistant) -> Delete:
    return Delete(
        id=str(assistant.metadata.get(ID_KEY) or assistant.assistant_id),
        assistant_id=assistant.assistant_id,
        graph_id=assistant.graph_id,
        expected=expected_of(assistant),
        name=assistant.name,
    )
