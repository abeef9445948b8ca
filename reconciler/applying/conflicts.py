"""An outside write landing between apply's stale check and its PATCH.

Every PATCH makes version max+1. Versions above the one the plan saw, created after the plan saw it, were
written by someone else in the meantime: the PATCH has just superseded them, and that is reported as a
conflict, never passed as success.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from reconciler.planning.plan import Expected
from reconciler.server.live import LiveVersion


def writes_between(versions: Iterable[LiveVersion], before: Expected, written: int) -> list[int]:
    """The versions between the one seen (``before``) and ``written`` that were created after it was seen."""
    if before.version is None:
        return []
    seen = before.version
    return sorted(v.version for v in versions if seen < v.version < written and _later(v.created_at, before.updated_at))


def conflict_message(spec_id: str, before: Expected, written: int, between: list[int]) -> str:
    return (
        f"conflict: version(s) {', '.join(map(str, between))} were written by someone else after this plan's "
        f"stale check (planned over version {before.version}); this update, version {written}, is now active over "
        f"them, and their content is kept only in the history. `reconciler history {spec_id}` shows them; the "
        f"next plan shows no change for {spec_id}, so review that edit and restore it in the files or by a "
        f"rollback if it was wanted"
    )


def _later(created_at: str | None, seen: str | None) -> bool:
    """Whether a version was created after the row was seen (unknown times count as later: report, not hide)."""
    try:
        return datetime.fromisoformat(str(created_at)) > datetime.fromisoformat(str(seen))
    except ValueError:
        return True
