"""What the text and markdown renderings say besides field changes: the smoke cases an action will run,
and what uses an assistant that a delete removes. Plain text; each renderer escapes it its own way."""

from __future__ import annotations

from reconciler.applying.smoke import describe_case
from reconciler.planning.plan import Create, Delete, SetLatest, Update, describe_rollback_step

CRON_IDS = 10
"""How many cron ids a rendering lists."""


def smoke_lines(action: Create | Update | SetLatest | Delete) -> list[str]:
    """A headline and one line per case (the input's keys, never its values); none without cases."""
    if isinstance(action, Delete) or not action.smoke_cases:
        return []
    cases = action.smoke_cases
    head = f"smoke: {len(cases)} case(s) run after apply; a failing one switches the assistant back"
    return [head, *(f"case {index}: {describe_case(case)}" for index, case in enumerate(cases, 1))]


ROLLBACK_HEADLINE = "if a case fails, apply switches it back with:"
ONLY_IF_LEFT_BEHIND = "only if the set_latest before it leaves fields behind"


def rollback_lines(action: Create | Update | SetLatest | Delete) -> list[str]:
    """The headline and one line per planned rollback write (``rollback``); none without cases."""
    if isinstance(action, Delete) or not action.smoke_cases or not action.rollback:
        return []
    steps = [
        describe_rollback_step(step, action.expected.version) + (f" ({ONLY_IF_LEFT_BEHIND})" if step.repair else "")
        for step in action.rollback
    ]
    return [ROLLBACK_HEADLINE, *steps]


def impact_line(action: Create | Update | SetLatest | Delete) -> str | None:
    if not isinstance(action, Delete) or action.impact is None:
        return None
    impact = action.impact
    if impact.crons:
        shown = ", ".join(impact.crons[:CRON_IDS])
        more = f" and {len(impact.crons) - CRON_IDS} more" if len(impact.crons) > CRON_IDS else ""
        crons = f"used by {len(impact.crons)} cron(s), deleted with it: {shown}{more}"
    else:
        crons = "no crons"
    threads = (f"{impact.threads} thread(s) ran it" if impact.threads is not None
               else "thread impact unknown (the server cannot count threads)")
    return f"impact: {crons}; {threads} (kept: threads are never deleted)"
