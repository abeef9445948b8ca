"""Executes a Plan through a LiveWriter: refuses a stale plan, writes in order, proves every write landed.

Before the first write every action's ``expected`` is checked against the server; if anything moved,
nothing is written (StalePlanError). Phases run in order (creates, updates, set_latests, deletes) with
bounded concurrency inside a phase; the first failure stops further writes, and the report says what was
applied and what was not, so that the next plan shows exactly the remainder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, assert_never

from reconciler.admission import moved_since_plan
from reconciler.diff import differing_paths, same_content
from reconciler.errors import ReconcilerError, ServerError, ServerUnreachableError, StalePlanError
from reconciler.live import LiveAssistant, LiveReader, LiveWriter
from reconciler.locations import format_path
from reconciler.plan import ACTION_ORDER, Action, Create, Delete, Plan, SetLatest, Update
from reconciler.report import ApplyReport, Outcome
from reconciler.semantics import created_content, is_transient_status

DEFAULT_CONCURRENCY = 4
UPDATE_ATTEMPTS = 3


class _WriteFailed(Exception):
    pass


def read_targets(plan: Plan, reader: LiveReader) -> dict[str, LiveAssistant | None]:
    """The live assistant at every action's ``assistant_id``: one owner search, a get for the rest."""
    owned = {a.assistant_id: a for a in reader.list_owned(plan.owner)}
    return {
        action.assistant_id: owned.get(action.assistant_id) or reader.get(action.assistant_id)
        for action in plan.actions
    }


def check_not_stale(plan: Plan, reader: LiveReader) -> None:
    """Raise StalePlanError naming every assistant that is not as the plan saw it."""
    live = read_targets(plan, reader)
    moved = []
    for action in plan.actions:
        difference = moved_since_plan(action, live[action.assistant_id])
        if difference:
            moved.append(f"{action.id}: {difference}")
    if moved:
        raise StalePlanError(moved)


def apply_plan(
    plan: Plan,
    writer: LiveWriter,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> ApplyReport:
    """Check for staleness, then write phase by phase; never raises for a failed write (see the report)."""
    check_not_stale(plan, writer)
    executor = _Executor(writer)
    outcomes: list[Outcome] = []
    failed = threading.Event()
    for phase in ACTION_ORDER:
        actions = [a for a in plan.actions if a.action == phase]
        if not actions:
            continue
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            results = list(pool.map(lambda a: _run_one(executor, a, failed), actions))
        for outcome in results:
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return ApplyReport(server=plan.server, outcomes=tuple(outcomes))


def _run_one(executor: _Executor, action: Action, failed: threading.Event) -> Outcome:
    if failed.is_set():
        return Outcome.of(action, "not_attempted", message="stopped after an earlier failure")
    try:
        return executor.run(action)
    except (_WriteFailed, ReconcilerError) as exc:
        failed.set()
        return Outcome.of(action, "failed", message=str(exc))


class _Executor:
    def __init__(self, writer: LiveWriter) -> None:
        self.writer = writer

    def run(self, action: Action) -> Outcome:
        match action:
            case Create():
                return self._create(action)
            case Update():
                return self._update(action)
            case SetLatest():
                return self._set_latest(action)
            case Delete():
                return self._delete(action)
            case _:
                assert_never(action)

    def _create(self, action: Create) -> Outcome:
        intended = created_content(action.body)
        try:
            self.writer.create(action.body)
            note = ""
        except ServerError as exc:
            if exc.status != 409:
                raise
            note = "it already existed (an earlier attempt landed)"
        live = self._verify(action, intended)
        return Outcome.of(action, "applied", version=live.version, message=note)

    def _update(self, action: Update) -> Outcome:
        live = self._write_once(action, action.body)
        return Outcome.of(action, "applied", version=live.version)

    def _write_once(self, action: Action, body: dict[str, Any]) -> LiveAssistant:
        """PATCH ``body``; after a transient failure re-read first, so that a retry never writes a second
        version when the first attempt landed."""
        before = self._read(action)
        for attempt in range(UPDATE_ATTEMPTS):
            try:
                self.writer.update(action.assistant_id, body)
                break
            except ServerError as exc:
                if not _is_transient(exc):
                    raise
                now = self._read(action)
                if now.version != before.version:
                    if same_content(body, now.content()):
                        break  # the attempt that seemed to fail had landed
                    raise _WriteFailed(
                        f"{exc}; the server is now at version {now.version}, and these fields differ from "
                        f"what was sent: {_differing(body, now)}"
                    ) from exc
                untouched = now.updated_at == before.updated_at
                if not untouched or attempt == UPDATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.25 * 2**attempt)
        return self._verify(action, body)

    def _set_latest(self, action: SetLatest) -> Outcome:
        self.writer.set_latest(action.assistant_id, action.version)
        live = self._read(action)
        if live.version == action.version and same_content(action.content, live.content()):
            return Outcome.of(action, "applied", version=live.version)
        left_behind = _differing(action.content, live)
        if action.reason == "rollback":
            repaired = self._write_once(action, action.content)
            return Outcome.of(
                action,
                "repaired",
                version=repaired.version,
                message=(
                    f"the server's set_latest left these fields at the newer values: {left_behind}; wrote "
                    f"version {repaired.version} with version {action.version}'s content instead"
                ),
            )
        return self._honour_pin(action, left_behind)

    def _honour_pin(self, action: SetLatest, left_behind: str) -> Outcome:
        # The in-memory runtime's set_latest copies config/metadata/name/description but not context or
        # graph_id; writing the pinned content first and then re-pinning makes the active row whole.
        self._write_once(action, action.content)
        self.writer.set_latest(action.assistant_id, action.version)
        live = self._read(action)
        if live.version == action.version and same_content(action.content, live.content()):
            message = (
                f"the server's set_latest left these fields behind: {left_behind}; repaired by writing "
                "the pinned content first"
            )
            return Outcome.of(action, "repaired", version=live.version, message=message)
        if live.version != action.version:
            raise _WriteFailed(f"the server does not honour pin {action.version}: active version is {live.version}")
        raise _WriteFailed(
            f"the server does not honour pin {action.version}: these fields differ from version "
            f"{action.version}'s: {_differing(action.content, live)}"
        )

    def _delete(self, action: Delete) -> Outcome:
        try:
            self.writer.delete(action.assistant_id)
        except ServerError as exc:
            if exc.status != 404:
                raise
        if self.writer.get(action.assistant_id) is not None:
            raise _WriteFailed("the assistant is still there after the delete")
        return Outcome.of(action, "applied")

    def _read(self, action: Action) -> LiveAssistant:
        live = self.writer.get(action.assistant_id)
        if live is None:
            raise _WriteFailed(f"assistant {action.assistant_id} is not on the server")
        return live

    def _verify(self, action: Action, intended: dict[str, Any]) -> LiveAssistant:
        live = self._read(action)
        if not same_content(intended, live.content()):
            raise _WriteFailed(
                f"read back after the write, these fields differ from what was sent: {_differing(intended, live)}"
            )
        return live


def _is_transient(error: ServerError) -> bool:
    return isinstance(error, ServerUnreachableError) or is_transient_status(error.status)


def _differing(intended: dict[str, Any], live: LiveAssistant) -> str:
    return ", ".join(format_path(path) for path, _, _ in differing_paths(intended, live.content()))
