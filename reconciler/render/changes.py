"""What the text and markdown renderings share: one ``Change`` as redacted, printable lines.

Every value goes through ``redact.mask`` here. A sensitive change shows ``MASK`` on both sides but still shows
that it changed; a string with a newline on either side becomes a line diff (long unchanged runs collapsed).
Control characters are escaped, so a value can never smuggle terminal escape codes or line breaks into a
rendering.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from reconciler.planning.plan import Change, Repair, SetLatest, Update
from reconciler.redact import MASK, mask
from reconciler.secrets import is_secret_path

CONTEXT_LINES = 3
"""Unchanged lines kept on each side of a change in a line diff."""

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
_INDEX = re.compile(r"\[\d+\]")

BodyLine = tuple[str, str]
"""``(mark, text)``: mark ``+``/``-``/`` `` for a line of the value, ``""`` for a note about the lines."""


@dataclass(frozen=True)
class ChangeView:
    mark: str
    """``+`` added, ``-`` removed, ``~`` changed."""
    path: str
    inline: str
    """``25`` or ``"a" → "b"``; empty when the value is shown as ``body`` lines instead."""
    body: tuple[BodyLine, ...] = ()
    """For ``+``/``-`` the whole value's lines; for ``~`` a line diff."""


def printable(text: str) -> str:
    """``text`` with control and bidi-override characters escaped (tabs kept)."""
    return _UNPRINTABLE.sub(lambda m: json.dumps(m.group())[1:-1], text)


def format_value(value: Any) -> str:
    return printable(json.dumps(value, ensure_ascii=False, default=str))


def clip(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters, truncated)"


def is_sensitive(change: Change) -> bool:
    """The planner's flag, or (defence in depth) a secret-looking key anywhere below the top-level field."""
    return change.sensitive or is_secret_path(_INDEX.sub("", change.path).split("."))


def view_change(change: Change, *, limit: int | None = None) -> ChangeView:
    """The change, redacted; ``limit`` caps each value and each body at about that many characters."""
    sensitive = is_sensitive(change)
    before = mask(change.before, sensitive=sensitive)
    after = mask(change.after, sensitive=sensitive)
    mark = _mark(before, after)
    path = printable(change.path)
    if _multiline(before) or _multiline(after):
        return ChangeView(mark, path, "", _clip_body(_body(mark, before, after), limit))
    match mark:
        case "+":
            inline = _show(after, sensitive, limit)
        case "-":
            inline = _show(before, sensitive, limit)
        case _:
            inline = f"{_show(before, sensitive, limit)} → {_show(after, sensitive, limit)}"
    return ChangeView(mark, path, inline)


def _mark(before: Any, after: Any) -> str:
    if before is None:
        return "~" if after is None else "+"
    return "-" if after is None else "~"


def _show(value: Any, sensitive: bool, limit: int | None) -> str:
    return MASK if sensitive else clip(format_value(value), limit)


def _multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    return (
        value.splitlines() if isinstance(value, str) else [json.dumps(value, ensure_ascii=False, default=str)]
    )


def _body(mark: str, before: Any, after: Any) -> list[BodyLine]:
    old, new = _lines(before), _lines(after)
    if mark != "~":
        return [(mark, line) for line in (new if mark == "+" else old)]
    if old == new:
        return [("", "(only line endings or the trailing newline differ)")]
    return _diff(old, new)


def _diff(old: list[str], new: list[str]) -> list[BodyLine]:
    out: list[BodyLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag == "equal":
            out.extend(_context(old[i1:i2], first=i1 == 0, last=i2 == len(old)))
            continue
        out.extend(("-", line) for line in old[i1:i2])
        out.extend(("+", line) for line in new[j1:j2])
    return out


def _context(lines: list[str], *, first: bool, last: bool) -> list[BodyLine]:
    head = 0 if first else CONTEXT_LINES
    tail = 0 if last else CONTEXT_LINES
    hidden = len(lines) - head - tail
    if hidden <= 1:
        return [(" ", line) for line in lines]
    kept_head = [(" ", line) for line in lines[:head]]
    kept_tail = [(" ", line) for line in lines[len(lines) - tail :]]
    return [*kept_head, ("", f"… {hidden} unchanged lines"), *kept_tail]


def _clip_body(lines: list[BodyLine], limit: int | None) -> tuple[BodyLine, ...]:
    out: list[BodyLine] = []
    used = 0
    for index, (mark, text) in enumerate(lines):
        if limit is not None and used >= limit:
            out.append(("", f"… {len(lines) - index:,} more lines not shown"))
            break
        shown = clip(printable(text), limit)
        out.append((mark, shown))
        used += len(shown) + 1
    return tuple(out)


def cause_text(action: Update | SetLatest) -> str | None:
    """Why the live version differs, for the renderings: ``files changed`` or ``edited outside git: version N
    (written at T)``; None when the plan does not say."""
    match action.cause:
        case "files":
            return "files changed"
        case "outside":
            when = f", written {action.expected.updated_at}" if action.expected.updated_at else ""
            return f"edited outside git: version {action.expected.version}{when}"
        case _:
            return None


REPAIRS_HEADLINE = "only if the server's set_latest leaves fields behind, apply also writes:"


def describe_repair(action: SetLatest, repair: Repair) -> str:
    """One conditional write of a set_latest and its effect on the version history."""
    if repair.action == "update":
        return f"update → new version {repair.version} with version {action.version}'s content"
    return f"set_latest → version {repair.version} again"
