"""What SIGINT, SIGTERM or an unexpected exception (a bug) in the middle of an apply leaves: the report of every
action, and the error that names the writes finished or in flight and what the next plan shows. A bug or a
signal in the verification pass or in the smoke phase (cases, rollback writes) keeps the report the same way."""

from __future__ import annotations

from reconciler.applying.report import ApplyReport, Outcome
from reconciler.errors import ApplyInterruptedError, Interrupted, ReconcilerError
from reconciler.planning.plan import Action, Plan

Stop = Exception | KeyboardInterrupt
"""What ends a phase of apply early: SIGINT or SIGTERM (KeyboardInterrupt), a failed request, or a bug."""


def interrupted_error(
    plan: Plan, done: list[tuple[Action, Outcome]], signal: KeyboardInterrupt
) -> ApplyInterruptedError:
    """What SIGINT or SIGTERM left: the writes that were in flight (finished, each with its outcome), and those
    never started; the next plan shows the latter again."""
    name = signal_name(signal)
    seen = {id(action) for action, _ in done}
    outcomes = [outcome for _, outcome in done]
    outcomes += [Outcome.of(a, "not_attempted", message="interrupted") for a in plan.actions if id(a) not in seen]
    report = ApplyReport(server=plan.server, outcomes=tuple(outcomes))
    message = f"interrupted by {name}: no further writes were started. {_written_and_remainder(outcomes)}"
    return ApplyInterruptedError(message, report=report, exit_code=_exit_code(signal))


def unexpected_error(plan: Plan, outcomes: tuple[Outcome, ...], error: Exception) -> ApplyInterruptedError:
    """What a write that raised an unexpected exception left: every other write finished or was never started
    (``outcomes``, verified); exit 1, with the exception as the cause (``RECONCILER_DEBUG=1`` shows where)."""
    report = ApplyReport(server=plan.server, outcomes=outcomes)
    message = (
        f"apply stopped by an unexpected error ({describe_unexpected(error)}; this is a bug in reconciler, please "
        f"report it): no further writes were started. {_written_and_remainder(list(outcomes))}"
    )
    return _stopped(report, message, error)


def verification_stopped_error(plan: Plan, outcomes: list[Outcome], error: Stop) -> ApplyInterruptedError:
    """What a bug, SIGINT or SIGTERM in the verification pass left: every write was made and checked when
    written, but not read again at the end, so none counts as verified (as when the pass cannot read the
    server)."""
    checked = tuple(
        outcome.model_copy(update={"status": "failed", "message": _NOT_VERIFIED}) if _written(outcome) else outcome
        for outcome in outcomes
    )
    finished = [f"{o.id} ({o.action})" for o in outcomes if _written(o)]
    message = (
        f"the verification pass after the writes stopped by {_cause(error)}. Written and verified when written, "
        f"not verified again: {', '.join(finished) or 'none'}. `reconciler plan` shows what the server still lacks"
    )
    return _stopped(ApplyReport(server=plan.server, outcomes=checked), message, error)


def smoke_stopped_error(report: ApplyReport, error: Stop) -> ApplyInterruptedError:
    """What ended the smoke phase early (SIGINT, SIGTERM, a bug, or a request that failed while a case ran)
    left: the writes' report, the smoke cases run (the assistant where it stopped, and those never run), the
    rollback writes made. No further case ran and no further rollback write was made."""
    smoked = [f"{s.id}: {s.cases} case(s) run, {s.status.replace('_', ' ')}" for s in report.smoke]
    made = [f"{s.id}: {'; '.join(s.rollback_writes)}" for s in report.smoke if s.rollback_writes]
    written = [f"{o.id} ({o.status})" for o in report.outcomes if o.status != "not_attempted"]
    message = (
        f"the smoke phase stopped by {_cause(error)}: no further case was run and no further rollback write made. "
        f"Writes: {', '.join(written) or 'none'}. Smoke: {'; '.join(smoked)}. Rollback writes made: "
        f"{'; '.join(made) or 'none'}. `reconciler plan` shows what the server differs from the files"
    )
    return _stopped(report, message, error)


def signal_name(signal: KeyboardInterrupt) -> str:
    return "SIGTERM" if isinstance(signal, Interrupted) else "SIGINT"


def _cause(error: Stop) -> str:
    if isinstance(error, KeyboardInterrupt):
        return signal_name(error)
    if isinstance(error, ReconcilerError):
        return f"an error ({error})"
    return f"an unexpected error ({describe_unexpected(error)}; this is a bug in reconciler, please report it)"


def _exit_code(error: Stop) -> int:
    """130 for SIGINT, 143 for SIGTERM (as a shell reports them), else 1."""
    if isinstance(error, KeyboardInterrupt):
        return Interrupted.exit_code if isinstance(error, Interrupted) else 130
    return 1


def _stopped(report: ApplyReport, message: str, error: Stop) -> ApplyInterruptedError:
    stopped = ApplyInterruptedError(message, report=report, exit_code=_exit_code(error))
    stopped.__cause__ = error
    return stopped


_NOT_VERIFIED = (
    "written and verified when written, but not verified again at the end of the apply (the verification pass "
    "stopped); run `reconciler plan` to see the server as it is now"
)


def _written(outcome: Outcome) -> bool:
    return outcome.status in ("applied", "repaired")


def describe_unexpected(error: Exception) -> str:
    """The class and the first 300 characters of the message, on one line."""
    return f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"


def _written_and_remainder(outcomes: list[Outcome]) -> str:
    finished = [f"{o.id} ({o.status})" for o in outcomes if o.status != "not_attempted"]
    missing = [o.id for o in outcomes if o.status not in ("applied", "repaired")]
    return (
        f"Writes finished or in flight: {', '.join(finished) or 'none'}. `reconciler plan` shows the remainder: "
        f"{', '.join(sorted(set(missing))) or 'nothing'}"
    )
