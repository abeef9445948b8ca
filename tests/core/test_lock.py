"""The apply lock's rules (``server.lock``) over the in-memory stand-in of the server: create is the atomic
step (409 for the second), a live lease is refused naming its holder, an expired one is taken over, and only
the holder's own lock is ever released."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reconciler.errors import LockHeldError
from reconciler.server.lock import ApplyLock, lock_id
from tests.core.factories import make_server

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


def test_one_holder_at_a_time_and_release_frees_it() -> None:
    server = make_server()
    first, second = ApplyLock(server, "prod", "runner-1"), ApplyLock(server, "prod", "runner-2")
    first.acquire(["agent"], seconds=60, now=NOW)

    with pytest.raises(LockHeldError) as caught:
        second.acquire(["agent"], seconds=60, now=NOW)
    assert "runner-1, lease expires 2026-12-02T20:01:00+00:00; nothing was written" in str(caught.value)

    first.release()
    assert server.get(lock_id("prod")) is None
    second.acquire(["agent"], seconds=60, now=NOW)
    assert second.held


def test_an_expired_lease_is_taken_over_and_the_old_holder_does_not_release_the_new_lock() -> None:
    server = make_server()
    dead, alive = ApplyLock(server, "prod", "dead"), ApplyLock(server, "prod", "alive")
    dead.acquire(["agent"], seconds=60, now=NOW)

    alive.acquire(["agent"], seconds=60, now=NOW + timedelta(seconds=61))
    dead.release()

    live = server.get(lock_id("prod"))
    assert live is not None and live.metadata["reconciler/lock_holder"] == "alive"
    with pytest.raises(LockHeldError, match="lost its lock"):
        dead.confirm()
    alive.confirm()


def test_owners_lock_independently() -> None:
    server = make_server()
    ApplyLock(server, "prod", "a").acquire(["agent"], seconds=60, now=NOW)
    ApplyLock(server, "staging", "b").acquire(["agent"], seconds=60, now=NOW)
    assert lock_id("prod") != lock_id("staging")
