"""The impact of a delete, before it happens: which crons are scheduled on the assistant and how many threads
ran it, read from the server's own search endpoints, only for planned deletes (a plan without deletes makes
no such call).

A delete never cascades to threads (apply sends no ``delete_threads``), but the server removes an assistant's
crons together with it: deleting an assistant that crons use is a plan problem unless explicitly allowed.
"""

from __future__ import annotations

from typing import Protocol

from reconciler.errors import Problem
from reconciler.planning.plan import Delete, Impact

CRON_NAMES = 10
"""How many cron ids a problem message lists."""


class ImpactReader(Protocol):
    def crons_using(self, assistant_id: str) -> list[str]: ...

    def threads_count(self, assistant_id: str) -> int | None: ...


def impact_of(reader: ImpactReader, assistant_id: str) -> Impact:
    return Impact(crons=tuple(reader.crons_using(assistant_id)), threads=reader.threads_count(assistant_id))


def with_impact(deletes: list[Delete], reader: ImpactReader) -> list[Delete]:
    """Each delete with its ``impact`` read from the server."""
    return [d.model_copy(update={"impact": impact_of(reader, d.assistant_id)}) for d in deletes]


def cron_problems(deletes: list[Delete]) -> list[Problem]:
    """One problem per delete of an assistant that crons still use."""
    return [_cron_problem(d) for d in deletes if d.impact is not None and d.impact.crons]


def _cron_problem(delete: Delete) -> Problem:
    crons = delete.impact.crons if delete.impact else ()
    shown = ", ".join(crons[:CRON_NAMES]) + (f" and {len(crons) - CRON_NAMES} more" if len(crons) > CRON_NAMES else "")
    message = (
        f"{delete.id}: assistant {delete.assistant_id} is used by {len(crons)} cron(s): {shown}; deleting it "
        "would delete them too. Delete or move the crons first, or pass --allow-delete-with-crons"
    )
    return Problem("--prune", 1, 1, message=message)
