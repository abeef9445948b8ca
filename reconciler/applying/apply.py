"""Executes a Plan through a LiveWriter: refuses a stale plan, writes in order, proves every write landed.

Before the first write every action's ``expected`` is checked against the server (one owner search, one
batch for the rest); if anything moved, nothing is written (StalePlanError). Phases run in order (creates,
updates, set_latests, deletes), ``parallelism`` writes at a time inside a phase; the first failure stops
further writes, and the report says what was applied and what was not, so that the next plan shows exactly
the remainder. An exception no write should raise (a bug) stops apply the same way: the writes in flight finish,
and ApplyInterruptedError (exit 1) carries the report; so does one in the verification pass (``verification``).

A write's response is the row the server stored: it is compared with what was intended, and read again only
where the response cannot show it (after a delete, after a 409 or a transient failure).

Apply makes only the writes the plan lists (a set_latest's repairs included), and never sends a PATCH again
whose outcome is unknown. A last verification pass re-reads everything written, so that a report without
failures means the server matched the plan when apply finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, assert_never

from reconciler.applying.conflicts import conflict_message, writes_between
from reconciler.applying.interruption import (
    describe_unexpected,
    interrupted_error,
    unexpected_error,
    verification_stopped_error,
)
from reconciler.applying.progress import NO_PROGRESS, Progress
from reconciler.applying.report import ApplyReport, Outcome
from reconciler.applying.verification import differing_fields, final_check
from reconciler.errors import (
    OutcomeUnknownError,
    ReconcilerError,
    ServerError,
    ServerUnreachableError,
    StalePlanError,
)
from reconciler.planning.admission import moved_since_plan
from reconciler.planning.diff import same_content
from reconciler.planning.plan import ACTION_ORDER, Action, Create, Delete, Expected, Plan, SetLatest, Update
from reconciler.server.live import DEFAULT_PARALLELISM, HiddenAssistant, LiveAssistant, LiveReader, LiveWriter
from reconciler.server.semantics import created_content, is_outcome_unknown_status, is_transient_status

UPDATE_ATTEMPTS = 3
DEFAULT_SETTLE = 30.0
"""Seconds apply waits for a write whose outcome is unknown to show (the CLI uses RECONCILER_TIMEOUT)."""
POLL_INTERVAL = 0.2


class _WriteFailed(Exception):
    pass


def read_targets(plan: Plan, reader: LiveReader) -> dict[str, LiveAssistant | None]:
    """The live assistant at every action's ``assistant_id``: one owner search, one batch for the rest."""
    owned = {a.assistant_id: a for a in reader.list_owned(plan.owner) if a.managed_by(plan.owner)}
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
    settle: float = DEFAULT_SETTLE,
) -> ApplyReport:
    """Check for staleness, write phase by phase, then verify everything written once more; never raises
    for a failed write (see the report). ``settle``: seconds to wait for a write whose outcome is unknown."""
    check_not_stale(plan, writer)
    executor = _Executor(writer, settle, plan.server)
    done: list[tuple[Action, Outcome]] = []
    failed = threading.Event()
    for phase in ACTION_ORDER:
        actions = [a for a in plan.actions if a.action == phase]
        if actions:
            outcomes = _run_phase(executor, phase, actions, failed, parallelism, on_outcome, progress)
            done.extend(zip(actions, outcomes, strict=True))
    if executor.interrupted is not None:
        raise interrupted_error(plan, done, executor.interrupted)
    try:
        verified = final_check(plan.owner, done, writer)
    except (Exception, KeyboardInterrupt) as exc:  # a bug or a signal in the pass: the writes stand, unverified
        raise verification_stopped_error(plan, [outcome for _, outcome in done], exc) from exc
    if executor.unexpected is not None:
        raise unexpected_error(plan, verified, executor.unexpected)
    return ApplyReport(server=plan.server, outcomes=verified)


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
            futures = [pool.submit(_run_one, executor, action, failed, progress) for action in actions]
            outcomes = []
            for future in futures:
                outcome = _result(future, failed, executor)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
            return outcomes
    finally:
        progress.end()


def _result(future: Future[Outcome], failed: threading.Event, executor: _Executor) -> Outcome:
    """The outcome of one write. SIGINT or SIGTERM while waiting stops every write not yet started, and waits
    for those in flight: a request already sent is not abandoned, so that the report can say how each ended."""
    try:
        return future.result()
    except KeyboardInterrupt as signal:
        executor.interrupted = executor.interrupted or signal
        failed.set()
        return future.result()


_PHASE_LABELS = {"create": "creating", "update": "updating", "set_latest": "re-activating", "delete": "deleting"}


def _run_one(executor: _Executor, action: Action, failed: threading.Event, progress: Progress) -> Outcome:
    if failed.is_set():
        why = "interrupted" if executor.interrupted else "stopped after an earlier failure"
        outcome = Outcome.of(action, "not_attempted", message=why)
    else:
        try:
            outcome = executor.run(action)
        except (_WriteFailed, ReconcilerError) as exc:
            failed.set()
            outcome = Outcome.of(action, "failed", message=str(exc))
        except Exception as exc:  # a bug: stop as after a failed write, so the report of what was written survives
            failed.set()
            executor.unexpected = executor.unexpected or exc
            outcome = Outcome.of(action, "failed", message=f"unexpected error: {describe_unexpected(exc)}")
    progress.step(failed=outcome.status not in ("applied", "repaired"))
    return outcome


# --- the writes -----------------------------------------------------------------------------------------


class _Executor:
    def __init__(self, writer: LiveWriter, settle: float, server: str) -> None:
        self.writer = writer
        self.settle = settle
        self.server = server
        self.interrupted: KeyboardInterrupt | None = None
        self.unexpected: Exception | None = None
        """The first exception a write raised that no write should (a bug in reconciler)."""

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
            live = self._read_after_conflict(action, exc)
            note = "it already existed (an earlier attempt landed)"
        _verify(intended, live)
        return Outcome.of(action, "applied", version=live.version, message=note)

    def _update(self, action: Update) -> Outcome:
        live = self._write_once(action, action.body, action.expected)
        return Outcome.of(action, "applied", version=live.version)

    def _write_once(self, action: Action, body: dict[str, Any], before: Expected) -> LiveAssistant:
        """PATCH ``body`` over the row ``before`` (what the stale check or the previous write saw) so that at
        most one version results. After an answered transient failure (5xx, 429, connection refused) a re-read
        decides: landed, or untouched and sent again. After a failure that may have reached the server
        unanswered (a timeout, a dropped connection, a 504) the outcome is unknown: the PATCH is never sent
        again; apply waits for it to show (``_await_outcome``). Returns the stored row, verified."""
        for attempt in range(UPDATE_ATTEMPTS):
            try:
                written = self.writer.update(action.assistant_id, body)
            except ServerError as exc:
                if _outcome_unknown(exc):
                    return self._await_outcome(action, body, before, exc)
                if not _is_transient(exc):
                    raise
                now = self._read(action)
                if _moved(now, before):
                    return _landed_or_diverged(body, now, exc)
                self._check_no_version_stranded(action, body, before, exc)
                if attempt == UPDATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.25 * 2**attempt)
                continue
            self._check_no_write_between(action, before, written)  # first: an edit between explains a mismatch
            return _verify(body, written)
        raise AssertionError("unreachable")

    def _read_after_conflict(self, action: Create, error: ServerError) -> LiveAssistant:
        """The assistant a create's 409 says exists. When GET cannot see it, its versions tell why: an assistant
        the server hides (its graph is not served) still shows them, and is named with its graph; nothing else is
        tried in its place. With no version either, the server refused the create for another reason than the id
        (Aegra keeps each graph's config unique: another assistant of the graph has the identical config and
        context), unless it hides the versions too."""
        live = self.writer.get(action.assistant_id)
        if live is not None:
            return live
        try:
            versions = self.writer.versions(action.assistant_id)
        except ServerError as exc:
            if exc.status != 404:
                raise
            versions = []
        if versions:
            raise _WriteFailed(HiddenAssistant(action.assistant_id, versions[0].graph_id).describe(self.server))
        raise _WriteFailed(
            f"{error}; yet the server shows neither assistant {action.assistant_id} nor a version of it. Either it "
            f"refused the create for another reason than the id: some servers (Aegra) allow one assistant per graph "
            f"and config, and another assistant of graph {action.body.get('graph_id')!r} has the identical config "
            "and context (make this one's context or config differ, then plan again); or "
            + HiddenAssistant(action.assistant_id, None).describe(self.server)
        )

    def _check_no_version_stranded(self, action: Action, body: dict[str, Any], before: Expected,
                                   error: ServerError) -> None:
        """After a PATCH answered with a server error and an assistant that did not move: whether the server
        stored the new version without activating it (its newest version holds what was sent; Aegra does so
        when the new config collides with another assistant's). Sending the PATCH again would strand one more
        version, so it is not sent again."""
        versions = self.writer.versions(action.assistant_id)
        newest = max(versions, key=lambda v: v.version, default=None)
        if newest is None or before.version is None or newest.version <= before.version:
            return
        if same_content(body, newest.content()):
            raise _WriteFailed(
                f"{error}; the server stored version {newest.version} with this content but did not activate it "
                f"(still version {before.version}), so the update was not sent again. Some servers (Aegra) fail "
                "this way when another assistant of the same graph has the identical config and context: make "
                f"them differ. `reconciler plan` shows what is left to do for {action.id}"
            )

    def _check_no_write_between(self, action: Action, before: Expected, written: LiveAssistant) -> None:
        """A PATCH makes version max+1: only when it is not ``before.version + 1`` can someone else have
        written in between, and only then are the versions read (``conflicts``)."""
        if before.version is None or written.version == before.version + 1:
            return
        between = writes_between(self.writer.versions(action.assistant_id), before, written.version)
        if between:
            raise _WriteFailed(conflict_message(action.id, before, written.version, between))

    def _await_outcome(self, action: Action, body: dict[str, Any], before: Expected, error: ServerError
                       ) -> LiveAssistant:
        """Re-read until the unanswered PATCH shows, or ``settle`` seconds have passed: then fail honestly."""
        deadline = time.monotonic() + self.settle
        while True:
            now = self._read_quietly(action)
            if now is not None and _moved(now, before):
                return _landed_or_diverged(body, now, error)
            if time.monotonic() >= deadline:
                raise _WriteFailed(
                    f"{error}; outcome unknown: the update may have reached the server and may still land. It was "
                    f"not sent again; after {self.settle:g}s it has not shown (still version {before.version}). "
                    f"`reconciler plan` shows whether it landed (no change for {action.id}) or not (the update again)"
                )
            time.sleep(min(POLL_INTERVAL, self.settle))

    def _set_latest(self, action: SetLatest) -> Outcome:
        live = self.writer.set_latest(action.assistant_id, action.version)
        if _is_active(action, live):
            return Outcome.of(action, "applied", version=live.version)
        left_behind = differing_fields(action.content, live) or f"the active version ({live.version})"
        if not action.repairs:
            raise _WriteFailed(
                f"set_latest left these fields behind: {left_behind}; the plan lists no repair, so none was made"
            )
        return self._repair(action, live, left_behind)

    def _repair(self, action: SetLatest, live: LiveAssistant, left_behind: str) -> Outcome:
        """The repair writes the plan lists (``SetLatest.repairs``), in order; nothing else."""
        done = []
        for repair in action.repairs:
            if repair.action == "update":
                live = self._write_once(action, action.content, _seen(live))
                planned = "" if live.version == repair.version else f" (planned as version {repair.version})"
                done.append(f"wrote version {live.version}{planned} with version {action.version}'s content")
            else:
                live = self.writer.set_latest(action.assistant_id, repair.version)
                done.append(f"re-activated version {repair.version}")
        final = action.repairs[-1]
        if final.action == "set_latest" and live.version != final.version:
            raise _WriteFailed(f"the server does not honour pin {action.version}: active version is {live.version}")
        if not same_content(action.content, live.content()):
            raise _WriteFailed(
                f"the server does not honour {action.reason} {action.version}: these fields differ from version "
                f"{action.version}'s: {differing_fields(action.content, live)}"
            )
        message = f"set_latest left these fields behind: {left_behind}; repaired as planned: {'; '.join(done)}"
        return Outcome.of(action, "repaired", version=live.version, message=message)

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

    def _read_quietly(self, action: Action) -> LiveAssistant | None:
        """A read while waiting for an outcome: a failed read is one more reason to keep waiting."""
        try:
            return self._read(action)
        except ReconcilerError:
            return None


def _verify(intended: dict[str, Any], live: LiveAssistant) -> LiveAssistant:
    """``live`` (a write's response, or a read after it) if it holds what was intended."""
    if not same_content(intended, live.content()):
        raise _WriteFailed(f"the server stored something else than was sent; these fields differ: "
                           f"{differing_fields(intended, live)}")
    return live


def _seen(live: LiveAssistant) -> Expected:
    return Expected(exists=True, version=live.version, updated_at=live.updated_at)


def _landed_or_diverged(body: dict[str, Any], now: LiveAssistant, error: ServerError) -> LiveAssistant:
    if same_content(body, now.content()):
        return now  # the attempt that seemed to fail had landed
    raise _WriteFailed(
        f"{error}; the server is now at version {now.version}, and these fields differ from what was sent: "
        f"{differing_fields(body, now)}"
    )


def _is_active(action: SetLatest, live: LiveAssistant) -> bool:
    return live.version == action.version and same_content(action.content, live.content())


def _moved(now: LiveAssistant, before: Expected) -> bool:
    return now.version != before.version or now.updated_at != before.updated_at


def _outcome_unknown(error: ServerError) -> bool:
    return isinstance(error, OutcomeUnknownError) or is_outcome_unknown_status(error.status)


def _is_transient(error: ServerError) -> bool:
    return isinstance(error, ServerUnreachableError) or is_transient_status(error.status)

