"""Apply's verification pass after the last write: every write is read once more, so that a report without
failures means the server matched the plan when apply finished (a request that landed late, after its client
gave up on it, can undo an earlier write)."""

from __future__ import annotations

from typing import Any, assert_never

from reconciler.applying.report import Outcome
from reconciler.desired.locations import format_path
from reconciler.errors import ReconcilerError
from reconciler.planning.diff import differing_paths, same_content
from reconciler.planning.plan import Action, Create, Delete, SetLatest, Update
from reconciler.server.live import LiveAssistant, LiveReader
from reconciler.server.semantics import created_content


def final_check(owner: str, done: list[tuple[Action, Outcome]], reader: LiveReader) -> tuple[Outcome, ...]:
    """Every write verified once more after the last one: a request that landed late (after its client gave
    up on it) can undo an earlier write. One owner search, a get only for what it does not show; an outcome
    that no longer holds becomes a failure, so that success means the server matched the plan at the end."""
    written = [(action, outcome) for action, outcome in done if outcome.status in ("applied", "repaired")]
    if not written:
        return tuple(outcome for _, outcome in done)
    try:
        owned = {a.assistant_id: a for a in reader.list_owned(owner)}
    except ReconcilerError as exc:  # a write not read again is not verified; the others keep their outcome
        return tuple(_unverified(outcome, str(exc)) if outcome.status in ("applied", "repaired") else outcome
                     for _, outcome in done)
    checked = []
    for action, outcome in done:
        if outcome.status in ("applied", "repaired"):
            problem = _still_holds(action, outcome, owned, reader)
            outcome = outcome if problem is None else _unverified(outcome, problem)
        checked.append(outcome)
    return tuple(checked)


def _still_holds(
    action: Action, outcome: Outcome, owned: dict[str, LiveAssistant], reader: LiveReader
) -> str | None:
    if isinstance(action, Delete):
        return "the assistant is back" if action.assistant_id in owned else None
    try:
        live = owned.get(action.assistant_id) or reader.get(action.assistant_id)
    except ReconcilerError as exc:
        return str(exc)
    if live is None:
        return "the assistant is gone"
    intended = _intended(action)
    if not same_content(intended, live.content()):
        return f"these fields differ from what was written: {differing_fields(intended, live)}"
    pinned = isinstance(action, SetLatest) and action.reason == "pin"
    if (pinned or isinstance(action, Create | Update)) and live.version != outcome.version:
        return f"the active version is now {live.version}, not {outcome.version}"
    return None


def _intended(action: Create | Update | SetLatest) -> dict[str, Any]:
    match action:
        case Create():
            return created_content(action.body)
        case Update():
            return action.body
        case SetLatest():
            return action.content
        case _:
            assert_never(action)


def _unverified(outcome: Outcome, problem: str) -> Outcome:
    message = (
        f"verified when written, but at the end of the apply {problem} (a request that had timed out may "
        "have landed late); run `reconciler plan` to see the server as it is now"
    )
    return outcome.model_copy(update={"status": "failed", "message": message})


def differing_fields(intended: dict[str, Any], live: LiveAssistant) -> str:
    """The paths where ``live`` differs from ``intended``, comma-separated."""
    return ", ".join(format_path(path) for path, _, _ in differing_paths(intended, live.content()))
