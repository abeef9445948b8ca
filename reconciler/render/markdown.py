"""The plan as a GitHub pull-request comment: title, a caution banner when anything is deleted, a summary
table, one collapsed ``<details>`` per action with a ``diff`` block (deletes first), and the warnings.

The comment is rendered to a budget (``MAX_COMMENT_CHARS``, under GitHub's 65,535-character limit): a huge
value is clipped, and when the next action's details would not fit, the rest are left out and the last line
says how many, and where the full plan is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import assert_never

from reconciler.planning.plan import ACTION_ORDER, Create, Delete, Plan, SetLatest, Update
from reconciler.redact import mask_url
from reconciler.render.changes import (
    REPAIRS_HEADLINE,
    ChangeView,
    cause_text,
    clip,
    describe_repair,
    format_value,
    printable,
    view_change,
)
from reconciler.render.checks import impact_line, rollback_lines, smoke_lines

MAX_COMMENT_CHARS = 60_000
"""Leaves room under GitHub's 65,536 for what the workflow adds around the plan (marker, title, footer), so that
the workflow never has to cut the plan itself, which would cut inside a block."""
VALUE_CHARS = 2_000
"""About how much of one change's value is shown."""
ACTION_CHARS = 12_000
"""About how much of one action's changes is shown."""
WARNING_CHARS = 1_000
BANNER_NAMES = 20
_NOTE_RESERVE = 300
_SPECIAL = re.compile(r"[&<>\\`*_\[\]|~#]")
_BACKTICKS = re.compile(r"`+")
# ``@name`` pings that user or team: shown in a code span, where GitHub links no mention.
_ESCAPED = re.compile(rf"(?P<mention>(?<![\w@])@[A-Za-z0-9][\w-]*)|{_SPECIAL.pattern}")

ActionType = Create | Update | SetLatest | Delete


def render(plan: Plan) -> str:
    if not plan.has_changes:
        head = [f"**No changes.** {len(plan.unchanged)} assistant(s) match the server."]
        return _join([*head, *_warnings(plan)])
    head = [_title(plan), *_outside_edits(plan), *_banner(plan), _table(plan)]
    tail = _warnings(plan)
    budget = MAX_COMMENT_CHARS - len(_join([*head, *tail])) - _NOTE_RESERVE
    details = _fit((_details(action) for action in _deletes_first(plan.actions)), budget)
    missing = len(plan.actions) - len(details)
    note = [_not_shown(missing, len(plan.actions))] if missing else []
    return _join([*head, *details, *tail, *note])


def _deletes_first(actions: Iterable[ActionType]) -> list[ActionType]:
    """The order a reviewer reads in: what is lost first, so that a long comment never clips a delete away
    (apply still deletes last)."""
    ordered = list(actions)
    return [a for a in ordered if isinstance(a, Delete)] + [a for a in ordered if not isinstance(a, Delete)]


def escape(value: str) -> str:
    """``value`` rendered as exactly these characters, in markdown and in an HTML block alike: markdown and
    HTML syntax characters become numeric character references (which GitHub decodes, never interprets; a
    ``<!-- reconciler-plan:ENV -->`` marker in a value is no comment), and ``@mentions`` code spans."""
    return _ESCAPED.sub(_escape_match, printable(value))


def _escape_match(match: re.Match[str]) -> str:
    if match.group("mention"):
        return f"<code>{_characters(match.group())}</code>"
    return f"&#{ord(match.group())};"


def _characters(value: str) -> str:
    return _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", value)


def code(value: str) -> str:
    """Inside a code span no mention is linked: only the characters are escaped."""
    return f"<code>{_characters(printable(value))}</code>"


def fence(lines: list[str], info: str = "") -> str:
    """A fenced block longer than any backtick run inside, so no line of ``lines`` can close it."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    marker = "`" * max(3, longest + 1)
    return "\n".join([f"{marker}{info}", *lines, marker])


def _join(sections: Iterable[str]) -> str:
    return "\n\n".join(sections) + "\n"


def _fit(blocks: Iterable[str], budget: int) -> list[str]:
    """Blocks in order while they fit in ``budget`` characters (joined by blank lines)."""
    kept: list[str] = []
    for block in blocks:
        budget -= len(block) + 2
        if budget < 0:
            break
        kept.append(block)
    return kept


def _title(plan: Plan) -> str:
    return f"### reconciler plan for {code(mask_url(plan.server))} (owner: {code(plan.owner)})"


def _banner(plan: Plan) -> list[str]:
    deleted = [action.id for action in plan.actions if isinstance(action, Delete)]
    if not deleted:
        return []
    names = ", ".join(code(name) for name in deleted[:BANNER_NAMES])
    more = f" and {len(deleted) - BANNER_NAMES:,} more" if len(deleted) > BANNER_NAMES else ""
    return [f"> [!CAUTION]\n> This plan deletes {len(deleted)} assistant(s): {names}{more}"]


def _outside_edits(plan: Plan) -> list[str]:
    """Out-of-band edits lead the comment (and the drift report): someone changed these outside git."""
    edited = [a for a in plan.actions if isinstance(a, Update | SetLatest) and a.cause == "outside"]
    if not edited:
        return []
    items = [
        f"{code(a.id)} (version {a.expected.version}, {escape(a.expected.updated_at or 'unknown time')})"
        for a in edited[:BANNER_NAMES]
    ]
    more = f" and {len(edited) - BANNER_NAMES:,} more" if len(edited) > BANNER_NAMES else ""
    return [
        f"> [!WARNING]\n> Edited outside git: {', '.join(items)}{more}. This plan puts back what the files say; "
        "to keep such a change, commit it to the files."
    ]


def _table(plan: Plan) -> str:
    counts = plan.summary()
    kinds = [*ACTION_ORDER, "unchanged"]
    rows = [kinds, ["---:"] * len(kinds), [f"{counts[kind]:,}" for kind in kinds]]
    return "\n".join(f"| {' | '.join(row)} |" for row in rows)


def _warnings(plan: Plan) -> list[str]:
    if not plan.warnings:
        return []
    items = [f"- {escape(clip(warning, WARNING_CHARS))}" for warning in plan.warnings]
    return ["**Warnings**\n\n" + "\n".join(_fit_lines(items, MAX_COMMENT_CHARS // 4))]


def _fit_lines(lines: list[str], budget: int) -> list[str]:
    kept = _fit(lines, budget)
    missing = len(lines) - len(kept)
    return kept + [f"- … and {missing:,} more"] if missing else kept


def _not_shown(missing: int, total: int) -> str:
    return (
        f"**{missing:,} of {total:,} actions not shown** (GitHub's comment size limit). The full plan is in "
        "the plan artifact and in the output of `reconciler plan`."
    )


def _details(action: ActionType) -> str:
    lines = _action_lines(action)
    body = fence(lines, "diff") if lines else "_No field changes._"
    about = "\n\n".join([_about(action), *_checks(action)])
    return f"<details>\n<summary>{_summary(action)}</summary>\n\n{about}\n\n{body}\n\n</details>"


def _checks(action: ActionType) -> list[str]:
    """The smoke cases the action runs after apply, or the impact of the delete, as short paragraphs."""
    out = []
    impact = impact_line(action)
    if impact is not None:
        crons = isinstance(action, Delete) and action.impact is not None and bool(action.impact.crons)
        out.append(f"{'⚠️ ' if crons else ''}**Impact:** {escape(impact.removeprefix('impact: '))}")
    smoke = smoke_lines(action)
    if smoke:
        cases = "\n".join(f"- {escape(line)}" for line in smoke[1:])
        out.append(f"**Smoke-tested:** {escape(smoke[0].removeprefix('smoke: '))}\n\n{cases}")
    rollback = rollback_lines(action)
    if rollback:
        out.append(f"{escape(rollback[0][0].upper() + rollback[0][1:])} {escape('; then '.join(rollback[1:]))}.")
    return out


def _summary(action: ActionType) -> str:
    graph = escape(action.graph_id)
    smoke = ", smoke-tested" if not isinstance(action, Delete) and action.smoke_cases else ""
    match action:
        case Create():
            return f"+ create {code(action.id)} ({graph}{smoke})"
        case Update():
            return f"~ update {code(action.id)} ({graph}{', adopt' if action.adopt else ''}{smoke})"
        case SetLatest():
            return f"↺ set_latest {code(action.id)} → version {action.version} ({graph}, {action.reason}{smoke})"
        case Delete():
            return f"- delete {code(action.id)} ({graph})"
        case _:
            assert_never(action)


def _about(action: ActionType) -> str:
    uuid = code(action.assistant_id)
    seen = _version(action.expected.version)
    match action:
        case Create():
            return f"Creates assistant {uuid}."
        case Update():
            adopt = " Adopts it: adds the ownership metadata." if action.adopt else ""
            return f"Updates assistant {uuid} from {seen} (writes a new version).{adopt}{_cause(action)}"
        case SetLatest():
            why = f"the files equal version {action.version}" if action.reason == "rollback" else "the pin"
            about = f"Activates version {action.version} of assistant {uuid} ({why}; active is {seen}).{_cause(action)}"
            if action.repairs:
                writes = "; then ".join(escape(describe_repair(action, repair)) for repair in action.repairs)
                about += f" {escape(REPAIRS_HEADLINE[0].upper() + REPAIRS_HEADLINE[1:])} {writes}."
            return about
        case Delete():
            return f"Deletes assistant {uuid} ({seen})."
        case _:
            assert_never(action)


def _cause(action: Update | SetLatest) -> str:
    text = cause_text(action)
    return f" Cause: {escape(text)}." if text else ""


def _version(version: int | None) -> str:
    return "an unknown version" if version is None else f"version {version}"


def _action_lines(action: ActionType) -> list[str]:
    lines: list[str] = []
    used = 0
    for index, change in enumerate(action.changes):
        if used >= ACTION_CHARS:
            lines.append(f"  … {len(action.changes) - index:,} more changes not shown")
            break
        shown = _change(view_change(change, limit=VALUE_CHARS))
        lines.extend(shown)
        used += sum(len(line) + 1 for line in shown)
    if isinstance(action, Delete) and action.name is not None:
        lines.append(f"- name: {clip(format_value(action.name), VALUE_CHARS)}")
    return lines


def _change(view: ChangeView) -> list[str]:
    head = f"{view.mark} {view.path}:"
    if not view.body:
        return [f"{head} {view.inline}"]
    return [head, *(_body_line(view, mark, line) for mark, line in view.body)]


def _body_line(view: ChangeView, mark: str, line: str) -> str:
    """``+``/``-`` in the first column (GitHub colours them), then the line indented under its path."""
    shown = view.mark if mark and view.mark != "~" else mark
    return f"{shown or ' '}   {line}".rstrip()
