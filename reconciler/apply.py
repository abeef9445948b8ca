"""Executes a Plan through a LiveWriter: refuses a stale plan, writes in order, proves every write landed.

Before the first write every action's ``expected`` is checked against the server (one owner search, one
batch for the rest); if anything moved, nothing is written (StalePlanError). Phases run in order (creates,
updates, set_latests, deletes), ``parallelism`` writes at a time inside a phase; the first failure stops
further writes, and the report says what was applied and what was not, so that the next plan shows exactly
the remainder.

A write's response is the row the server stored: it is compared with what was intended, and read again only
where the response cannot show it (after a delete, after a 409 or a transient failure).
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
from reconciler.live import DEFAULT_PARALLELISM, LiveAssistant, LiveReader, LiveWriter
from reconciler.locations import format_path
from reconciler.plan import ACTION_ORDER, Action, Create, Delete, Expected, Plan, SetLatest, Update
from reconciler.progress import NO_PROGRESS, Progress
from reconciler.report import ApplyReport, Outcome
from reconciler.semantics import created_content, is_transient_status

UPDATE_ATTEMPTS = 3


class _WriteFailed(Exception):
    pass


def read_targets(plan: Plan, reader: LiveReader) -> dict[str, LiveAssistant | None]:
    """The live assistant at every action's ``assistant_id``: one owner search, one batch for the rest."""
    owned = {a.assistant_id: a for a in reader.list_owned(plan.owner)}
    others = reader.find([a.assistant_id for a in plan.actions if a.assistant_id not in owned])
    return {action.assistant_id: owned.get(action.assistant_id) or others.get(action.assistant_id)
            for action in plan.actions}


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
    parallelism: int = DEFAULT_PARALLELISM,
    on_outcome: Callable[[Outcome], None] | None = None,
    progress: Progress = NO_PROGRESS,
) -> ApplyReport:
    """Check for staleness, then write phase by phase; never raises for a failed write (see the report)."""
    check_not_stale(plan, writer)
    executor = _Executor(writer)
    outcomes: list[Outcome] = []
    failed = threading.Event()
    for phase in ACTION_ORDER:
        actions = [a for a in plan.actions if a.action == phase]
        if actions:
            outcomes.extend(_run_phase(executor, phase, actions, failed, parallelism, on_outcome, progress))
    return ApplyReport(server=plan.server, outcomes=tuple(outcomes))


def _run_phase(
    executor: _Executor,
    phase: str,
    actions: list[Action],
    failed: threading.Event,
    parallelism: int,
    on_outcome: Callable[[Outcome], None] | None,
    progress: Progress,
) -> list[Outcome]:
    """Every action of one phase, ``parallelism`` at a time; outcomes in plan order, each reported (to
    ``on_outcome``) as soon as it and all before it are known."""
    progress.begin(_PHASE_LABELS[phase], len(actions))
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(actions)))) as pool:
            outcomes = []
            for outcome in pool.map(lambda a: _run_one(executor, a, failed, progress), actions):
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
            return outcomes
    finally:
        progress.end()


_PHASE_LABELS = {"create": "creating", "update": "updating", "set_latest": "re-activating", "delete": "deleting"}


def _run_one(executor: _Executor, action: Action, failed: threading.Event, progress: Progress) -> Outcome:
    if failed.is_set():
        outcome = Outcome.of(action, "not_attempted", message="stopped after an earlier failure")
    else:
        try:
            outcome = executor.run(action)
        except (_WriteFailed, ReconcilerError) as exc:
            failed.set()
            outcome = Outcome.of(action, "failed", message=str(exc))
    progress.step(failed=outcome.status not in ("applied", "repaired"))
    return outcome


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
            live = self.writer.create(action.body)
            note = ""
        except ServerError as exc:
            if exc.status != 409:
                raise
            live = self._read(action)
            note = "it already existed (an earlier attempt landed)"
        _verify(intended, live)
        return Outcome.of(action, "applied", version=live.version, message=note)

    def _update(self, action: Update) -> Outcome:
        live = self._write_once(action, action.body, action.expected)
        return Outcome.of(action, "applied", version=live.version)

    def _write_once(self, action: Action, body: dict[str, Any], before: Expected) -> LiveAssistant:
        """PATCH ``body`` over the row ``before`` (what the stale check or the previous write saw); after a
        transient failure re-read first, so that a retry never writes a second version when the first
        attempt landed. Returns the stored row, verified against ``body``."""
        for attempt in range(UPDATE_ATTEMPTS):
            try:
                return _verify(body, self.writer.update(action.assistant_id, body))
            except ServerError as exc:
                if not _is_transient(exc):
                    raise
                now = self._read(action)
                if now.version != before.version:
                    if same_content(body, now.content()):
                        return now  # the attempt that seemed to fail had landed
                    raise _WriteFailed(
                        f"{exc}; the server is now at version {now.version}, and these fields differ from "
                        f"what was sent: {_differing(body, now)}"
                    ) from exc
                untouched = now.updated_at == before.updated_at
                if not untouched or attempt == UPDATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")

    def _set_latest(self, action: SetLatest) -> Outcome:
        live = self.writer.set_latest(action.assistant_id, action.version)
        if live.version == action.version and same_content(action.content, live.content()):
            return Outcome.of(action, "applied", version=live.version)
        left_behind = _differing(action.content, live)
        if action.reason == "rollback":
            repaired = self._write_once(action, action.content, _seen(live))
            return Outcome.of(
                action,
                "repaired",
                version=repaired.version,
                message=(
                    f"the server's set_latest left these fields at the newer values: {left_behind}; wrote "
                    f"version {repaired.version} with version {action.version}'s content instead"
                ),
            )
        return self._honour_pin(action, live, left_behind)

    def _honour_pin(self, action: SetLatest, live: LiveAssistant, left_behind: str) -> Outcome:
        # The in-memory runtime's set_latest copies config/metadata/name/description but not context or
        # graph_id; writing the pinned content first and then re-pinning makes the active row whole.
        self._write_once(action, action.content, _seen(live))
        live = self.writer.set_latest(action.assistant_id, action.version)
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


def _verify(intended: dict[str, Any], live: LiveAssistant) -> LiveAssistant:
    """``live`` (a write's response, or a read after it) if it holds what was intended."""
    if not same_content(intended, live.content()):
        raise _WriteFailed(f"the server stored something else than was sent; these fields differ: "
                           f"{_differing(intended, live)}")
    return live


def _seen(live: LiveAssistant) -> Expected:
    return Expected(exists=True, version=live.version, updated_at=live.updated_at)


def _is_transient(error: ServerError) -> bool:
    return isinstance(error, ServerUnreachableError) or is_transient_status(error.status)


def _differing(intended: dict[str, Any], live: LiveAssistant) -> str:
    return ", ".join(format_path(path) for path, _, _ in differing_paths(intended, live.content()))
