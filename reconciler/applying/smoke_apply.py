"""The smoke phase of apply: after the writes, run each written assistant's declared cases against it, and
switch it back when one fails.

Only cases the plan carries are run (a run can cost money), only for actions whose write landed, in plan
order, stopping at an assistant's first failing case. Switching back makes only the writes the action's
``rollback`` lists (planned and shown like a set_latest's repairs), and the report names each one made:
- after an update or a set_latest: the version active before this apply is made active again with
  ``set_latest`` and read back; only where the server's set_latest leaves fields behind (the in-memory runtime
  keeps ``context``), the planned repair writes that version's content and repeats set_latest, so that the
  version AND its content are the old ones;
- after a create: there was no previous version, so the assistant this apply created is deleted (the plan
  saw no assistant at that id, and it still carries this owner and the version that was tested).
Nothing is switched back when the server moved on since the write (another writer): the report says so.
A rollback that fails is reported with what the server has now; either way apply exits 1.
An exception in a case or a rollback that is not a verdict (a bug, a request that failed while a case ran,
SIGINT or SIGTERM) ends the phase there: no further case runs and no further rollback write is made, and
ApplyInterruptedError (exit 1, or 130/143 for a signal) carries the report with the cases run and the rollback
writes made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from reconciler.applying.interruption import Stop, describe_unexpected, signal_name, smoke_stopped_error
from reconciler.applying.report import ApplyReport, SmokeOutcome
from reconciler.applying.smoke import SmokeRunner, verdict
from reconciler.desired.locations import format_path
from reconciler.errors import ReconcilerError, ServerError
from reconciler.planning.diff import differing_paths, same_content
from reconciler.planning.plan import Create, Plan, RollbackStep, SetLatest, Update, describe_rollback_step
from reconciler.server.live import LiveAssistant, LiveWriter
from reconciler.server.semantics import full_state_body

Written = Create | Update | SetLatest


class _RollbackFailed(Exception):
    pass


class _SmokeStopped(Exception):
    """An exception that ends the smoke phase, with the outcome of the assistant it struck."""

    def __init__(self, outcome: SmokeOutcome, cause: Stop) -> None:
        super().__init__(str(cause))
        self.outcome = outcome
        self.cause = cause


def smoke_cases_written(plan: Plan, report: ApplyReport) -> list[tuple[Written, int]]:
    """The actions with smoke cases whose write landed, each with the version it made active."""
    landed = {
        (o.action, o.assistant_id): o.version for o in report.outcomes if o.status in ("applied", "repaired")
    }
    found = []
    for action in plan.actions:
        if isinstance(action, Create | Update | SetLatest) and action.smoke_cases:
            version = landed.get((action.action, action.assistant_id))
            if version is not None:
                found.append((action, version))
    return found


def skip_smoke(plan: Plan, report: ApplyReport) -> ApplyReport:
    """``--no-smoke``: the report counts the cases it did not run."""
    skipped = sum(len(action.smoke_cases) for action, _ in smoke_cases_written(plan, report))
    return report.model_copy(update={"smoke_skipped": skipped})


def run_smoke(
    plan: Plan,
    report: ApplyReport,
    client: SmokeClient,
    *,
    on_outcome: Callable[[SmokeOutcome], None] | None = None,
) -> ApplyReport:
    """The report with one SmokeOutcome per written assistant that declares cases; ApplyInterruptedError
    (carrying that report) when an exception ended the phase."""
    results: list[SmokeOutcome] = []
    written = smoke_cases_written(plan, report)
    for position, (action, version) in enumerate(written):
        try:
            outcome = _Smoke(client, plan.owner).run(action, version)
        except _SmokeStopped as stopped:
            results.append(stopped.outcome)
            results += [_outcome(later, "not_run", later_version, 0) for later, later_version in written[position + 1:]]
            if on_outcome is not None:
                on_outcome(stopped.outcome)
            so_far = report.model_copy(update={"smoke": tuple(results)})
            raise smoke_stopped_error(so_far, stopped.cause) from stopped.cause
        results.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return report.model_copy(update={"smoke": tuple(results)})


class SmokeClient(LiveWriter, SmokeRunner, Protocol):
    """A writer that can also run assistants (``client.LangGraphClient``)."""


class _Smoke:
    def __init__(self, client: SmokeClient, owner: str) -> None:
        self.client = client
        self.owner = owner

    def run(self, action: Written, version: int) -> SmokeOutcome:
        for index, case in enumerate(action.smoke_cases, 1):
            try:
                reason = verdict(case, self.client.run_wait(action.assistant_id, dict(case.input), case.timeout))
            except (Exception, KeyboardInterrupt) as exc:  # not a verdict: the phase ends here, the report survives
                left = f"not switched back: version {version} stays active"
                outcome = _outcome(action, "stopped", version, index, f"case {index}: {_describe(exc)}", left)
                raise _SmokeStopped(outcome, exc) from exc
            if reason is not None:
                return self._switch_back(action, version, index, f"case {index}: {reason}")
        return _outcome(action, "passed", version, len(action.smoke_cases))

    def _switch_back(self, action: Written, version: int, cases: int, reason: str) -> SmokeOutcome:
        made: list[str] = []
        try:
            done = self._roll_back(action, version, made)
        except (_RollbackFailed, ReconcilerError) as exc:
            state = self._state(action, version)
            return _outcome(action, "rollback_failed", version, cases, reason, f"rollback failed: {exc}; {state}",
                            made)
        except (Exception, KeyboardInterrupt) as exc:  # a bug or a signal: no further rollback write
            stopped = f"rollback stopped after the writes listed: {_describe(exc)}; {self._state(action, version)}"
            outcome = _outcome(action, "rollback_failed", version, cases, reason, stopped, made)
            raise _SmokeStopped(outcome, exc) from exc
        return _outcome(action, "rolled_back", version, cases, reason, done, made)

    def _roll_back(self, action: Written, version: int, made: list[str]) -> str:
        """The rollback writes the plan lists (``rollback``), in order; nothing else. Each write made is added
        to ``made``."""
        live = self.client.get(action.assistant_id)
        if live is None:
            raise _RollbackFailed("the assistant is no longer on the server")
        if live.version != version:
            raise _RollbackFailed(
                f"the server moved on to version {live.version} since apply wrote version {version}; not touching it"
            )
        if not action.rollback:
            raise _RollbackFailed("the plan lists no rollback, so none was made")
        first, *repairs = action.rollback
        if first.action == "delete":
            return self._delete_created(action, live, made)
        if first.action != "set_latest" or first.version is None:
            raise _RollbackFailed(f"the plan's rollback starts with {first.action}, not set_latest")
        return self._reactivate(action, first.version, repairs, made)

    def _delete_created(self, action: Written, live: LiveAssistant, made: list[str]) -> str:
        if live.owner != self.owner:
            raise _RollbackFailed(f"it is owned by {live.owner!r}, not {self.owner!r}; not deleting it")
        try:
            self.client.delete(action.assistant_id)
        except ServerError as exc:
            if exc.status != 404:
                raise
        made.append(describe_rollback_step(RollbackStep(action="delete"), None))
        if self.client.get(action.assistant_id) is not None:
            raise _RollbackFailed("the assistant is still there after the delete")
        return "deleted the assistant this apply created (it did not exist before)"

    def _reactivate(self, action: Written, previous: int, repairs: list[RollbackStep], made: list[str]) -> str:
        target = next((v for v in self.client.versions(action.assistant_id) if v.version == previous), None)
        if target is None:
            raise _RollbackFailed(f"version {previous} no longer exists")
        wanted = target.content()
        self.client.set_latest(action.assistant_id, previous)
        made.append(describe_rollback_step(RollbackStep(action="set_latest", version=previous), previous))
        live = self._read(action)
        if live.version == previous and same_content(wanted, live.content()):
            return f"version {previous} is active again (verified)"
        left_behind = _differing(wanted, live)
        if not repairs:
            raise _RollbackFailed(f"set_latest({previous}) left {left_behind} behind; the plan lists no repair")
        # The in-memory runtime's set_latest keeps the newer context: the planned repair writes the old content,
        # then re-activates.
        for step in repairs:
            if step.action == "update":
                written = self.client.update(action.assistant_id, full_state_body(wanted, live.content()))
                planned = "" if written.version == step.version else f" (planned as version {step.version})"
                made.append(f"update → new version {written.version}{planned} with version {previous}'s content")
            elif step.action == "set_latest" and step.version is not None:
                self.client.set_latest(action.assistant_id, step.version)
                made.append(describe_rollback_step(step, previous))
            else:
                raise _RollbackFailed(f"the plan's rollback repair {step.action} is not one apply makes")
        live = self._read(action)
        if live.version == previous and same_content(wanted, live.content()):
            return (
                f"version {previous} is active again (verified; the server's set_latest left {left_behind} "
                "behind, so its content was written first)"
            )
        raise _RollbackFailed(
            f"after set_latest({previous}) the active version is {live.version} and these fields differ from "
            f"version {previous}'s: {_differing(wanted, live) or 'none'}"
        )

    def _read(self, action: Written) -> LiveAssistant:
        live = self.client.get(action.assistant_id)
        if live is None:
            raise _RollbackFailed("the assistant is no longer on the server")
        return live

    def _state(self, action: Written, tested: int) -> str:
        """What the server has now, for a rollback that failed."""
        try:
            live = self.client.get(action.assistant_id)
        except Exception as exc:  # whatever the read raises, the report of the rollback must survive
            detail = str(exc) if isinstance(exc, ReconcilerError) else describe_unexpected(exc)
            return f"the server's state is unknown ({detail})"
        if live is None:
            return "the server has no assistant at that id"
        return f"the server has version {live.version} active; the smoke cases failed on version {tested}"


def _outcome(
    action: Written,
    status: str,
    version: int,
    cases: int,
    reason: str = "",
    rollback: str = "",
    made: list[str] | None = None,
) -> SmokeOutcome:
    return SmokeOutcome.model_validate(
        {
            "id": action.id,
            "assistant_id": action.assistant_id,
            "status": status,
            "version": version,
            "cases": cases,
            "reason": reason,
            "rollback": rollback,
            "rollback_writes": tuple(made or ()),
            "rollback_planned": len(action.rollback) if status in ("rolled_back", "rollback_failed") else 0,
        }
    )


def _describe(error: Stop) -> str:
    if isinstance(error, KeyboardInterrupt):
        return f"interrupted by {signal_name(error)}"
    if isinstance(error, ReconcilerError):
        return str(error)
    return f"an unexpected error ({describe_unexpected(error)})"


def _differing(intended: dict[str, object], live: LiveAssistant) -> str:
    return ", ".join(format_path(path) for path, _, _ in differing_paths(intended, live.content()))
