"""An exception no write should raise (a bug) stops apply like a failed write: the writes in flight finish,
none is started after it, and the error carries the verified report of every action."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.interruption import signal_name
from reconciler.applying.report import ApplyReport
from reconciler.errors import ApplyInterruptedError, Interrupted, ServerError
from reconciler.planning.plan import Plan
from reconciler.planning.planner import build_plan
from reconciler.server.live import LiveAssistant
from tests.core.factories import SCHEMAS, aid, make_request, make_spec, owned
from tests.core.memory import URL, MemoryServer


class BuggyServer(MemoryServer):
    """Raises KeyError on the update of ``broken``, once ``first`` has started its own update (so that one
    write is in flight when the bug strikes)."""

    def __init__(self, broken: str, first: str) -> None:
        super().__init__(dict(SCHEMAS))
        self.broken, self.first = broken, first
        self.first_started = threading.Event()
        self.bug_raised = threading.Event()

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        if assistant_id == self.broken:
            assert self.first_started.wait(5)
            self.bug_raised.set()
            raise KeyError("configurable")
        if assistant_id == self.first:
            self.first_started.set()
            assert self.bug_raised.wait(5)  # still in flight when the other write raised
        return super().update(assistant_id, body)


def scenario() -> tuple[BuggyServer, Plan]:
    """A create, two updates (one hits the bug while the other is in flight) and a delete."""
    server = BuggyServer(broken=aid("b-broken"), first=aid("a-first"))
    for spec_id in ("a-first", "b-broken", "gone"):
        server.seed(aid(spec_id), {"name": "old", "metadata": owned(spec_id)})
    specs = [make_spec(spec_id, name="new") for spec_id in ("a-first", "b-broken", "c-new")]
    plan = build_plan(make_request(*specs, prune=True), server)
    server.reset_calls()
    return server, plan


def stopped(server: MemoryServer, plan: Plan) -> ApplyInterruptedError:
    try:
        apply_plan(plan, server, parallelism=2)
    except ApplyInterruptedError as error:
        return error
    except KeyboardInterrupt as signal:  # a failure of this test, not the end of the test run
        pytest.fail(f"{signal!r} escaped apply without the report")
    pytest.fail("apply finished")


def test_the_report_of_what_was_written_survives_a_bug_in_a_write() -> None:
    server, plan = scenario()
    error = stopped(server, plan)
    report = error.report
    assert isinstance(report, ApplyReport)
    assert [(o.action, o.id, o.status, o.message) for o in report.outcomes] == [
        ("create", "c-new", "applied", ""),
        ("update", "a-first", "applied", ""),
        ("update", "b-broken", "failed", "unexpected error: KeyError: 'configurable'"),
        ("delete", "gone", "not_attempted", "stopped after an earlier failure"),
    ]
    assert server.log == [("create", aid("c-new")), ("update", aid("a-first"))]
    assert server.get(aid("gone")) is not None


def test_the_error_says_what_was_written_and_what_the_next_plan_shows() -> None:
    server, plan = scenario()
    error = stopped(server, plan)
    assert error.exit_code == 1
    assert str(error) == (
        "apply stopped by an unexpected error (KeyError: 'configurable'; this is a bug in reconciler, please "
        "report it): no further writes were started. Writes finished or in flight: c-new (applied), a-first "
        "(applied), b-broken (failed). `reconciler plan` shows the remainder: b-broken, gone"
    )
    assert isinstance(error.__cause__, KeyError)
    remainder = build_plan(make_request(*(make_spec(i, name="new") for i in ("a-first", "b-broken", "c-new")),
                                        prune=True), server)
    assert sorted(a.id for a in remainder.actions) == ["b-broken", "gone"]


def test_the_writes_are_verified_before_the_report() -> None:
    server, plan = scenario()
    original = server.update

    def update_then_undone(assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        written = original(assistant_id, body)
        if assistant_id == aid("a-first"):  # a late request lands over it: the final pass must notice
            MemoryServer.update(server, assistant_id, {"name": "late"})
        return written

    server.update = update_then_undone  # type: ignore[method-assign]
    outcomes = stopped(server, plan).report.outcomes  # type: ignore[attr-defined]
    assert (outcomes[1].id, outcomes[1].status) == ("a-first", "failed")
    assert "at the end of the apply these fields differ from what was written: name" in outcomes[1].message


# --- a bug in the verification pass ---------------------------------------------------------------------


class BuggyVerification(MemoryServer):
    """The owner search raises ``error`` once a write has been made: only the verification pass meets it."""

    def __init__(self, error: BaseException | None = None) -> None:
        super().__init__(dict(SCHEMAS))
        self.error = error or KeyError("owner")

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        if self.log:
            raise self.error
        return super().list_owned(owner)


def test_a_bug_in_the_verification_pass_keeps_the_report_of_every_write() -> None:
    server = BuggyVerification()
    server.seed(aid("a-first"), {"name": "old", "metadata": owned("a-first")})
    server.seed(aid("gone"), {"name": "old", "metadata": owned("gone")})
    plan = build_plan(make_request(make_spec("a-first", name="new"), make_spec("c-new"), prune=True), server)
    error = stopped(server, plan)
    assert server.log == [("create", aid("c-new")), ("update", aid("a-first")), ("delete", aid("gone"))]
    report = error.report
    assert isinstance(report, ApplyReport)
    not_verified = (
        "written and verified when written, but not verified again at the end of the apply (the verification "
        "pass stopped); run `reconciler plan` to see the server as it is now"
    )
    assert [(o.id, o.status, o.message, o.version) for o in report.outcomes] == [
        ("c-new", "failed", not_verified, 1),
        ("a-first", "failed", not_verified, 2),
        ("gone", "failed", not_verified, None),
    ]
    assert error.exit_code == 1 and isinstance(error.__cause__, KeyError)
    assert str(error) == (
        "the verification pass after the writes stopped by an unexpected error (KeyError: 'owner'; this is a bug "
        "in reconciler, please report it). Written and verified when written, not verified again: c-new (create), "
        "a-first (update), gone (delete). `reconciler plan` shows what the server still lacks"
    )


def test_a_bug_in_the_verification_pass_leaves_failed_writes_as_they_were() -> None:
    server = BuggyVerification()
    server.seed(aid("a-first"), {"name": "old", "metadata": owned("a-first")})
    plan = build_plan(make_request(make_spec("a-first", name="new"), make_spec("c-new")), server)
    server.fail_next("update", ServerError("HTTP 422: invalid", url=URL, status=422))
    report = stopped(server, plan).report
    assert isinstance(report, ApplyReport)
    assert [(o.id, o.status, o.message[:17]) for o in report.outcomes] == [
        ("c-new", "failed", "written and verif"),
        ("a-first", "failed", "HTTP 422: invalid"),
    ]


@pytest.mark.parametrize(("signal", "code"), [(KeyboardInterrupt(), 130), (Interrupted(), 143)])
def test_a_signal_in_the_verification_pass_keeps_the_report_and_its_exit_code(
    signal: KeyboardInterrupt, code: int
) -> None:
    server = BuggyVerification(signal)
    plan = build_plan(make_request(make_spec("c-new")), server)
    error = stopped(server, plan)
    assert error.exit_code == code and error.__cause__ is signal
    assert str(error).startswith(f"the verification pass after the writes stopped by {signal_name(signal)}. Written")
    assert [o.status for o in error.report.outcomes] == ["failed"]  # type: ignore[attr-defined]
