"""An exception in the smoke phase that is not a verdict (a bug in a case or in a rollback write, a request
that fails while a case runs, SIGINT or SIGTERM) ends the phase: no further case runs, no further rollback write
is made, and the error carries the report of the writes, the cases run and the rollback writes made."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.report import ApplyReport, SmokeOutcome
from reconciler.applying.smoke import RunResult
from reconciler.applying.smoke_apply import run_smoke
from reconciler.errors import ApplyInterruptedError, Interrupted, ServerUnreachableError
from reconciler.planning.plan import Plan
from reconciler.planning.planner import build_plan
from reconciler.server.live import LiveAssistant
from tests.core.factories import OWNER, aid, make_request, make_server, make_spec
from tests.core.memory import URL, MemoryServer

PING = {"input": {"text": "ping"}, "timeout": 5}


def smoked(spec_id: str, model: str = "openai") -> Any:
    return make_spec(spec_id, context={"model_name": model}, smoke=[PING, PING])


def written(server: MemoryServer, *specs: Any) -> tuple[Plan, ApplyReport]:
    the_plan = build_plan(make_request(*specs), server)
    report = apply_plan(the_plan, server)
    assert report.ok, report.render_text()
    server.reset_calls()
    return the_plan, report


def smoke_stopped(the_plan: Plan, report: ApplyReport, server: MemoryServer) -> tuple[ApplyInterruptedError,
                                                                                       list[SmokeOutcome]]:
    seen: list[SmokeOutcome] = []
    try:
        run_smoke(the_plan, report, server, on_outcome=seen.append)
    except ApplyInterruptedError as error:
        return error, seen
    except KeyboardInterrupt as signal:  # a failure of this test, not the end of the test run
        pytest.fail(f"{signal!r} escaped the smoke phase without the report")
    pytest.fail("the smoke phase finished")


def raises_on_second_run(error: BaseException) -> Any:
    runs: list[int] = []

    def run(active: dict[str, Any], input: dict[str, Any]) -> RunResult:
        runs.append(1)
        if len(runs) == 2:
            raise error
        return RunResult(status="success", values={"reply": "ok"})

    return run


def test_a_bug_in_a_case_stops_the_phase_and_keeps_the_report() -> None:
    server = make_server()
    the_plan, report = written(server, smoked("a-bot"), smoked("b-bot"))
    server.runner = raises_on_second_run(KeyError("values"))
    error, seen = smoke_stopped(the_plan, report, server)
    assert error.exit_code == 1 and isinstance(error.__cause__, KeyError)
    assert [r[0] for r in server.runs] == [aid("a-bot"), aid("a-bot")]  # b-bot's cases never ran
    assert server.log == []  # nothing switched back
    kept = error.report
    assert isinstance(kept, ApplyReport)
    assert [o.status for o in kept.outcomes] == ["applied", "applied"]
    assert [(s.id, s.status, s.cases, s.reason, s.rollback) for s in kept.smoke] == [
        ("a-bot", "stopped", 2, "case 2: an unexpected error (KeyError: 'values')",
         "not switched back: version 1 stays active"),
        ("b-bot", "not_run", 0, "", ""),
    ]
    assert seen == [kept.smoke[0]]
    assert kept.render_text().splitlines()[3:5] == [
        "✗ smoke a-bot STOPPED: case 2: an unexpected error (KeyError: 'values')",
        "    not switched back: version 1 stays active",
    ]
    assert "· smoke b-bot: not run (the smoke phase stopped before it); version 1 is active" in kept.render_text()
    assert kept.summary() == (
        "Apply stopped in the smoke phase: 2 assistant(s) not tested to the end keep the version written; any "
        "other is switched back or left as stated above."
    )
    assert str(error) == (
        "the smoke phase stopped by an unexpected error (KeyError: 'values'; this is a bug in reconciler, please "
        "report it): no further case was run and no further rollback write made. Writes: a-bot (applied), b-bot "
        "(applied). Smoke: a-bot: 2 case(s) run, stopped; b-bot: 0 case(s) run, not run. Rollback writes made: "
        "none. `reconciler plan` shows what the server differs from the files"
    )


def test_a_request_that_fails_while_a_case_runs_is_not_called_a_bug() -> None:
    server = make_server()
    the_plan, report = written(server, smoked("a-bot"))
    server.runner = raises_on_second_run(ServerUnreachableError("cannot reach http://memory.test", url=URL))
    error, _ = smoke_stopped(the_plan, report, server)
    assert str(error).startswith("the smoke phase stopped by an error (cannot reach http://memory.test): no further")
    assert error.exit_code == 1
    (stopped,) = error.report.smoke  # type: ignore[attr-defined]
    assert stopped.reason == "case 2: cannot reach http://memory.test"


@pytest.mark.parametrize(
    ("signal", "name", "code"), [(KeyboardInterrupt(), "SIGINT", 130), (Interrupted(), "SIGTERM", 143)]
)
def test_a_signal_while_a_case_runs_keeps_the_report_and_its_exit_code(
    signal: KeyboardInterrupt, name: str, code: int
) -> None:
    server = make_server()
    the_plan, report = written(server, smoked("a-bot"), smoked("b-bot"))
    server.runner = raises_on_second_run(signal)
    error, _ = smoke_stopped(the_plan, report, server)
    assert error.exit_code == code and error.__cause__ is signal
    assert str(error).startswith(f"the smoke phase stopped by {name}: no further case was run")
    assert [(s.status, s.reason) for s in error.report.smoke] == [  # type: ignore[attr-defined]
        ("stopped", f"case 2: interrupted by {name}"),
        ("not_run", ""),
    ]


class BuggyRepair(MemoryServer):
    """The in-memory runtime (its set_latest keeps the newer context), whose rollback repair (an update made
    after the rollback's set_latest) raises KeyError."""

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        if self.log and self.log[-1][0] == "set_latest":
            raise KeyError("context")
        return super().update(assistant_id, body)


def test_a_bug_in_a_rollback_write_keeps_the_writes_made_and_makes_no_more() -> None:
    server = BuggyRepair.like("inmem", make_server().graphs)
    bot = smoked("bot").resolved_assistant_id
    server.seed(bot, smoked("bot").content(OWNER))
    server.seed(aid("other"), smoked("other").content(OWNER))
    the_plan, report = written(server, smoked("bot", "anthropic"), smoked("other", "anthropic"))
    server.runner = lambda active, input: RunResult(status="error", error="RuntimeError: broken context")
    error, seen = smoke_stopped(the_plan, report, server)
    assert server.log == [("set_latest", bot)]  # the repair raised; its set_latest was never made
    kept = error.report
    assert isinstance(kept, ApplyReport)
    bot_smoke, other_smoke = kept.smoke
    assert (bot_smoke.status, bot_smoke.cases, bot_smoke.rollback_writes) == (
        "rollback_failed", 1, ("set_latest → version 1",)
    )
    assert bot_smoke.rollback == (
        "rollback stopped after the writes listed: an unexpected error (KeyError: 'context'); the server has "
        "version 1 active; the smoke cases failed on version 2"
    )
    assert other_smoke.status == "not_run" and [r[0] for r in server.runs] == [bot]
    assert seen == [bot_smoke]
    assert "planned rollback writes made (1 of 3): set_latest → version 1" in kept.render_text()
    assert "Rollback writes made: bot: set_latest → version 1. " in str(error)
