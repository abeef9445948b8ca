"""Which versions an outside writer made between apply's stale check and its PATCH (``applying.conflicts``)."""

from __future__ import annotations

from reconciler.applying.conflicts import writes_between
from reconciler.planning.plan import Expected
from reconciler.server.live import LiveVersion

SEEN = "2026-12-02T20:00:00.000000+00:00"


def version(number: int, created_at: str) -> LiveVersion:
    return LiveVersion(assistant_id="a", version=number, graph_id="agent", created_at=created_at)


def test_versions_made_after_the_row_was_seen_are_an_outside_write() -> None:
    rows = [version(5, "2026-12-02T20:00:02+00:00"), version(4, "2026-12-02T20:00:01+00:00"),
            version(3, "2026-12-02T19:00:00+00:00")]
    assert writes_between(rows, Expected(exists=True, version=3, updated_at=SEEN), written=5) == [4]


def test_versions_older_than_the_active_one_seen_are_history_not_a_conflict() -> None:
    # v1 re-activated (set_latest) after v2 and v3 were written: the PATCH makes v4, nobody wrote in between.
    rows = [version(3, "2026-12-02T19:00:03+00:00"), version(2, "2026-12-02T19:00:02+00:00")]
    assert writes_between(rows, Expected(exists=True, version=1, updated_at=SEEN), written=4) == []
