"""What SIGINT or SIGTERM in the middle of an apply leaves: the report of every action, and the error that
names the writes finished or in flight and what the next plan shows."""

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
    finished = [f"{o.id} ({o.status})" for o in outcomes if o.status != "not_attempted"]
    missing = [o.id for o in outcomes if o.status not in ("applied", "repaired")]
    message = (
        f"interrupted by {name}: no further writes were started; writes finished or in flight when it came: "
        f"{', '.join(finished) or 'none'}. `reconciler plan` shows the remainder: "
        f"{', '.join(sorted(set(missing))) or 'nothing'}"
    )
    exit_code = Interrupted.exit_code if isinstance(signal, Interrupted) else 130
    return ApplyInterruptedError(message, report=report, exit_code=exit_code)
