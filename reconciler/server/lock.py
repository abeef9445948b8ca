"""The apply lock: one apply per owner and server at a time, held as an assistant at a fixed id.

A create is atomic per ``assistant_id`` on the server (a second create of the same id is a 409), so the lock is
an assistant at ``uuid5(LOCK_NAMESPACE, owner)`` on any served graph. Its metadata names the owner it locks, who
holds it (host, process, CI run) and when the lease expires. It carries no ``reconciler/owner``: it is never
planned, imported, pruned or shown as managed.

An expired lease (its holder died without releasing it) is taken over by delete-then-create: only the winner of
the create holds it. The server has no compare-and-set, so two applies taking over the same expired lease at the
same instant can both delete before either creates; the one that loses the create is refused, but a delete landing
after the other's create would remove a fresh lock. ``confirm`` re-reads the lock right before the first write to
narrow that window; it is not closed.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from reconciler.errors import LockHeldError, ServerError
from reconciler.server.semantics import LOCK_EXPIRES_KEY, LOCK_HOLDER_KEY, LOCK_KEY

if TYPE_CHECKING:
    from collections.abc import Iterable

    from reconciler.server.live import LiveAssistant, LiveWriter

LOCK_NAMESPACE = uuid.UUID("0b5c6a3e-7f43-5d0e-9a41-3c2f1d8e6b70")
DEFAULT_LEASE_SECONDS = 600.0
"""How long a lock holds without its holder: an apply killed without a chance to release it (SIGKILL, a lost
runner) blocks the next apply for at most this long. RECONCILER_LOCK_SECONDS overrides it."""


def lock_id(owner: str) -> str:
    return str(uuid.uuid5(LOCK_NAMESPACE, owner))


def lease_seconds() -> float:
    value = os.environ.get("RECONCILER_LOCK_SECONDS", "")
    try:
        return float(value) if value else DEFAULT_LEASE_SECONDS
    except ValueError:
        return DEFAULT_LEASE_SECONDS


def this_holder() -> str:
    """Who is applying, as another apply's refusal will name it: host, process and (in CI) the run."""
    run = os.environ.get("GITHUB_RUN_ID") or uuid.uuid4().hex[:8]
    return f"{socket.gethostname()}/pid {os.getpid()}/run {run}"


@dataclass
class ApplyLock:
    writer: LiveWriter
    owner: str
    holder: str
    held: bool = False

    @property
    def assistant_id(self) -> str:
        return lock_id(self.owner)

    def acquire(self, graph_ids: Iterable[str], *, seconds: float, now: datetime | None = None) -> None:
        """Hold the lock, or raise LockHeldError naming the holder and when its lease expires."""
        graph_id = next(iter(graph_ids))
        for _ in range(3):
            current = datetime.now(UTC) if now is None else now
            try:
                self.writer.create(self._body(graph_id, current + timedelta(seconds=seconds)))
            except ServerError as exc:
                if exc.status != 409:
                    raise
                held = self.writer.get(self.assistant_id)
                if held is None:
                    continue  # released meanwhile: try again
                if _holder(held) == self.holder:
                    break  # a retried create whose first attempt had landed
                if not _expired(held, current):
                    raise LockHeldError(_held_message(held, self.owner)) from None
                self._delete_quietly()  # an expired lease: take it over; only the winner of the create holds it
                continue
            break
        else:
            raise LockHeldError(f"could not take the apply lock for owner {self.owner!r}; try again")
        self.held = True

    def confirm(self) -> None:
        """Raise LockHeldError unless this apply still holds the lock (right before the first write)."""
        held = self.writer.get(self.assistant_id)
        if held is None or _holder(held) != self.holder:
            self.held = False
            what = "it is gone" if held is None else _held_message(held, self.owner)
            raise LockHeldError(f"this apply lost its lock before writing ({what}); nothing was written")

    def release(self) -> None:
        """Delete the lock if it is still this apply's (an expired lease may have been taken over)."""
        if not self.held:
            return
        self.held = False
        held = self.writer.get(self.assistant_id)
        if held is not None and _holder(held) == self.holder:
            self._delete_quietly()

    def _body(self, graph_id: str, expires: datetime) -> dict[str, object]:
        return {
            "assistant_id": self.assistant_id,
            "graph_id": graph_id,
            "name": f"reconciler apply lock ({self.owner})",
            "description": "Held while `reconciler apply` writes; deleted when it ends.",
            # A config of its own: some servers (Aegra) refuse a second assistant of a graph with the same config,
            # which an empty one would share with any other lock or bare assistant of the graph.
            "config": {"tags": [f"reconciler-apply-lock:{self.owner}"]},
            "metadata": {
                LOCK_KEY: self.owner,
                LOCK_HOLDER_KEY: self.holder,
                LOCK_EXPIRES_KEY: expires.isoformat(timespec="seconds"),
            },
        }

    def _delete_quietly(self) -> None:
        try:
            self.writer.delete(self.assistant_id)
        except ServerError as exc:
            if exc.status != 404:
                raise


def _holder(live: LiveAssistant) -> str:
    return str(live.metadata.get(LOCK_HOLDER_KEY, ""))


def _expires(live: LiveAssistant) -> datetime | None:
    try:
        return datetime.fromisoformat(str(live.metadata.get(LOCK_EXPIRES_KEY)))
    except ValueError:
        return None


def _expired(live: LiveAssistant, now: datetime) -> bool:
    expires = _expires(live)
    return expires is None or expires <= now


def _held_message(live: LiveAssistant, owner: str) -> str:
    expires = _expires(live)
    when = expires.isoformat(timespec="seconds") if expires else "unknown"
    return (
        f"another apply holds the lock for owner {owner!r} on this server: {_holder(live) or 'unknown holder'}, "
        f"lease expires {when}; nothing was written. Wait for it to finish (or for the lease to expire) and "
        f"plan again"
    )
