"""The plan for a human at a terminal, Terraform-like; ``color=True`` adds ANSI colours.

Values are redacted and escaped by ``render.changes``; bodies and set_latest contents are never shown.
"""

from __future__ import annotations

from typing import assert_never

from reconciler.planning.plan import ACTION_ORDER, Create, Delete, Plan, SetLatest, Update
from reconciler.redact import mask_url
from reconciler.render.changes import (
    REPAIRS_HEADLINE,
    ChangeView,
    cause_text,
    describe_repair,
    format_value,
    printable,
    view_change,
)
from reconciler.render.checks import impact_line, rollback_lines, smoke_lines

GREEN, YELLOW, CYAN, RED = "\x1b[32m", "\x1b[33m", "\x1b[36m", "\x1b[31m"
_RESET = "\x1b[0m"
_MARK_COLOURS = {"+": GREEN, "-": RED, "~": YELLOW}
_ACTION_INDENT, _CHANGE_INDENT, _BODY_INDENT = "  ", "      ", "          "
BANNER_NAMES = 20

ActionType = Create | Update | SetLatest | Delete


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, colour: str) -> str:
        return f"{colour}{text}{_RESET}" if self.enabled and colour else text

    def mark(self, mark: str, text: str | None = None) -> str:
        return self(mark if text is None else text, _MARK_COLOURS.get(mark, ""))


def render(plan: Plan, *, color: bool = False) -> str:
    paint = _Paint(color)
    if plan.has_changes:
        server = printable(mask_url(plan.server))
        lines = [f"Plan for {server} (owner: {printable(plan.owner)})", "", *_banner(plan, paint)]
        for action in plan.actions:
            lines.extend(_action(action, paint))
        lines.extend(["", _summary(plan)])
    else:
        lines = [f"No changes. {len(plan.unchanged)} assistant(s) match the server."]
    lines.extend(f"{paint('Warning:', YELLOW)} {printable(warning)}" for warning in plan.warnings)
    return "".join(f"{line.rstrip()}\n" for line in lines)


def _banner(plan: Plan, paint: _Paint) -> list[str]:
    """Deletes cannot be undone: they are named before anything else, as the markdown caution does."""
    deleted = [printable(action.id) for action in plan.actions if isinstance(action, Delete)]
    if not deleted:
        return []
    more = f" and {len(deleted) - BANNER_NAMES:,} more" if len(deleted) > BANNER_NAMES else ""
    shown = ", ".join(deleted[:BANNER_NAMES]) + more
    return [paint(f"!! This plan DELETES {len(deleted)} assistant(s): {shown}", RED), ""]


def _summary(plan: Plan) -> str:
    counts = plan.summary()
    parts = [f"{counts[kind]} to {kind}" for kind in ACTION_ORDER]
    return f"Plan: {', '.join(parts)}, {counts['unchanged']} unchanged."


def _action(action: ActionType, paint: _Paint) -> list[str]:
    head = f"{_ACTION_INDENT}{_headline(action, paint)}"
    changes = [line for change in action.changes for line in _change(view_change(change), paint)]
    if isinstance(action, Delete) and action.name is not None:
        changes.append(f"{_CHANGE_INDENT}{paint.mark('-')} name: {format_value(action.name)}")
    if isinstance(action, SetLatest) and action.repairs:
        changes.append(f"{_CHANGE_INDENT}{REPAIRS_HEADLINE}")
        changes.extend(f"{_BODY_INDENT}{describe_repair(action, repair)}" for repair in action.repairs)
    return [head, *changes, *_checks(action, paint)]


def _checks(action: ActionType, paint: _Paint) -> list[str]:
    """The smoke cases it will run, or what uses the assistant it deletes."""
    lines = []
    impact = impact_line(action)
    if impact is not None and isinstance(action, Delete):
        lines.append(paint(printable(impact), RED if action.impact and action.impact.crons else ""))
    smoke = smoke_lines(action)
    if smoke:
        lines.append(paint(printable(smoke[0]), CYAN))
        lines.extend(f"  {printable(line)}" for line in smoke[1:])
    rollback = rollback_lines(action)
    if rollback:
        lines.append(f"  {rollback[0]}")
        lines.extend(f"    {line}" for line in rollback[1:])
    return [f"{_CHANGE_INDENT}{line}" for line in lines]


def _headline(action: ActionType, paint: _Paint) -> str:
    graph = f"graph {printable(action.graph_id)}"
    name, uuid = printable(action.id), printable(action.assistant_id)
    match action:
        case Create():
            return f"{paint('+ create', GREEN)} {name}  ({graph}, assistant {uuid})"
        case Update():
            adopt = "; adopt: adds ownership metadata" if action.adopt else ""
            seen = _version(action.expected.version)
            return f"{paint('~ update', YELLOW)} {name}  ({graph}, {seen} → new version{adopt}{_cause(action)})"
        case SetLatest():
            why = _set_latest_reason(action)
            return f"{paint('↺ set_latest', CYAN)} {name} → version {action.version}  ({why}{_cause(action)})"
        case Delete():
            seen = _version(action.expected.version)
            return f"{paint('- delete', RED)} {name}  ({graph}, assistant {uuid}, {seen})"
        case _:
            assert_never(action)


def _set_latest_reason(action: SetLatest) -> str:
    active = _version(action.expected.version)
    if action.reason == "rollback":
        return f"rollback: the files equal version {action.version}; active is {active}"
    return f"pin; active is {active}"


def _cause(action: Update | SetLatest) -> str:
    text = cause_text(action)
    return f"; {printable(text)}" if text else ""


def _version(version: int | None) -> str:
    return "unknown version" if version is None else f"version {version}"


def _change(view: ChangeView, paint: _Paint) -> list[str]:
    head = f"{_CHANGE_INDENT}{paint.mark(view.mark)} {view.path}:"
    if not view.body:
        return [f"{head} {view.inline}"]
    if view.mark != "~":  # the whole value, added or removed: plain lines under the path
        return [head, *(f"{_BODY_INDENT}{text}" for _, text in view.body)]
    return [head, *(_diff_line(mark, text, paint) for mark, text in view.body)]


def _diff_line(mark: str, text: str, paint: _Paint) -> str:
    line = f"{mark or ' '} {text}"
    return f"{_BODY_INDENT}{paint.mark(mark, line)}"
