"""What SIGINT, SIGTERM or an unexpected exception (a bug) in the middle of an apply leaves: the report of every
action, and the error that names the writes finished or in flight and what the next plan shows."""

from __future__ import annotations

from reconciler.applying.report import ApplyReport, Outcome
from reconciler.errors import ApplyInterruptedError, Interrupted
from reconciler.planning.plan import Action, Plan


def interrupted_error(
    plan: Plan, done: list[tuple[Action, Outcome]], signal: KeyboardInterrupt
) -> ApplyInterruptedError:
    """What SIGINT or SIGTERM left: the writes that were in flight (finished, each with its outcome), and those
    never started; the next plan shows the latter again."""
    name = "SIGTERM" if isinstance(signal, Interrupted) else "SIGINT"
    seen = {id(action) for action, _ in done}
    outcomes = [outcome for _, outcome in done]
    outcomes += [Outcome.of(a, "not_attempted", message="interrupted") for a in plan.actions if id(a) not in seen]
    report = ApplyReport(server=plan.server, outcomes=tuple(outcomes))
    message = f"interrupted by {name}: no further writes were started. {_written_and_remainder(outcomes)}"
    exit_code = Interrupted.exit_code if isinstance(signal, Interrupted) else 130
    return ApplyInterruptedError(message, report=report, exit_code=exit_code)


def unexpected_error(plan: Plan, outcomes: tuple[Outcome, ...], error: Exception) -> ApplyInterruptedError:
    """What a write that raised an unexpected exception left: every other write finished or was never started
    (``outcomes``, verified); exit 1, with the exception as the cause (``RECONCILER_DEBUG=1`` shows where)."""
    report = ApplyReport(server=plan.server, outcomes=outcomes)
    message = (
        f"apply stopped by an unexpected error ({describe_unexpected(error)}; this is a bug in reconciler, please "
        f"report it): no further writes were started. {_written_and_remainder(list(outcomes))}"
    )
    stopped = ApplyInterruptedError(message, report=report, exit_code=1)
    stopped.__cause__ = error
    return stopped


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
