"""Smoke cases: the pure verdicts, and the smoke phase of apply (run, switch back) on the in-memory model."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.report import ApplyReport
from reconciler.applying.smoke import RunResult, describe_case, output_text, verdict
from reconciler.applying.smoke_apply import run_smoke, skip_smoke
from reconciler.desired.spec import AssistantSpec, SmokeCaseSpec
from reconciler.planning.plan import Plan
from reconciler.planning.planner import build_plan
from tests.core.factories import make_request, make_server, make_spec
from tests.core.memory import MemoryServer, SetLatestMode

PING = {"input": {"text": "ping"}, "timeout": 5, "expect_contains": "openai"}


def case(**fields: Any) -> SmokeCaseSpec:
    return SmokeCaseSpec.model_validate({"input": {"text": "ping"}, **fields})


# --- verdicts -----------------------------------------------------------------------------------------


def test_a_successful_run_passes_without_expectation() -> None:
    assert verdict(case(), RunResult(status="success", values={})) is None


def test_expect_contains_searches_the_values_serialised_as_json() -> None:
    values = {"reply": 'say "hi"\nthen é'}
    assert output_text(values) == '{"reply": "say \\"hi\\"\\nthen é"}'
    assert verdict(case(expect_contains='"reply": "say'), RunResult(status="success", values=values)) is None
    assert verdict(case(expect_contains="then é"), RunResult(status="success", values=values)) is None
    assert verdict(case(expect_contains="Reply"), RunResult(status="success", values=values)) == (
        'the output does not contain "Reply": {"reply": "say \\"hi\\"\\nthen é"}'
    )


def test_a_failed_expectation_masks_secret_looking_values_and_clips() -> None:
    values = {"api_key": "sk-123", "reply": "x" * 500}
    reason = verdict(case(expect_contains="pong"), RunResult(status="success", values=values))
    assert reason is not None and "sk-123" not in reason and '"api_key": "(sensitive)"' in reason
    assert reason.endswith("…") and len(reason) < 300


def test_errors_and_timeouts_fail() -> None:
    failed = RunResult(status="error", error="RuntimeError: boom")
    assert verdict(case(), failed) == "the run failed: RuntimeError: boom"
    assert verdict(case(timeout=2.5), RunResult(status="timeout", error="waited 2.5s")) == "no result within 2.5s"


def test_a_case_is_described_by_its_input_keys_never_its_values() -> None:
    assert describe_case(case(input={"text": "secret", "n": 1}, timeout=60, expect_contains="pong")) == (
        'input (text, n), timeout 60s, expects "pong"'
    )


# --- the smoke phase of apply -------------------------------------------------------------------------


def fails_for(model: str) -> Any:
    """A graph that raises when its context has this model_name (like graphs/flaky.py)."""

    def run(active: dict[str, Any], input: dict[str, Any]) -> RunResult:
        if active["context"].get("model_name") == model:
            return RunResult(status="error", error="RuntimeError: broken context")
        return RunResult(status="success", values={"reply": f"{active['context'].get('model_name')}: {input}"})

    return run


def bot(**fields: Any) -> AssistantSpec:
    return make_spec("bot", **{"context": {"model_name": "openai"}, "smoke": [PING], **fields})


def apply_and_smoke(server: MemoryServer, spec: AssistantSpec) -> tuple[Plan, ApplyReport]:
    the_plan = build_plan(make_request(spec), server)
    report = apply_plan(the_plan, server)
    assert report.ok, report.render_text()
    return the_plan, run_smoke(the_plan, report, server)


def test_passing_cases_leave_the_new_version_active() -> None:
    server = make_server()
    server.runner = fails_for("anthropic")
    _, report = apply_and_smoke(server, bot())
    assert report.ok
    assert [s.line() for s in report.smoke] == ["✓ smoke bot: 1 smoke case(s) passed on version 1"]
    assert server.runs == [(bot().resolved_assistant_id, {"text": "ping"})]


@pytest.mark.parametrize("mode", ["correct", "keeps_context"])
def test_failing_case_switches_an_update_back_to_the_previous_version(mode: SetLatestMode) -> None:
    server = make_server(set_latest_mode=mode)
    server.runner = fails_for("anthropic")
    apply_and_smoke(server, bot())
    _, report = apply_and_smoke(server, bot(context={"model_name": "anthropic"}))
    assert not report.ok
    (smoke,) = report.smoke
    assert (smoke.status, smoke.version, smoke.reason) == (
        "rolled_back",
        2,
        "case 1: the run failed: RuntimeError: broken context",
    )
    live = server.get(bot().resolved_assistant_id)
    assert live is not None and live.version == 1 and live.context == {"model_name": "openai"}
    if mode == "keeps_context":
        assert smoke.rollback == (
            "version 1 is active again (verified; the server's set_latest left context.model_name behind, "
            "so its content was written first)"
        )
        assert server.version_numbers(live.assistant_id) == [1, 2, 3]
    else:
        assert smoke.rollback == "version 1 is active again (verified)"
    assert "Apply failed smoke tests" in report.summary()


def test_failing_case_deletes_the_assistant_this_apply_created() -> None:
    server = make_server()
    server.runner = fails_for("openai")
    _, report = apply_and_smoke(server, bot())
    (smoke,) = report.smoke
    assert smoke.status == "rolled_back"
    assert smoke.rollback == "deleted the assistant this apply created (it did not exist before)"
    assert server.get(bot().resolved_assistant_id) is None


def test_cases_stop_at_the_first_failure() -> None:
    server = make_server()
    server.runner = fails_for("openai")
    _, report = apply_and_smoke(server, bot(smoke=[PING, PING]))
    assert report.smoke[0].cases == 1 and len(server.runs) == 1


def test_no_rollback_when_the_server_moved_on_since_the_write() -> None:
    server = make_server()
    server.runner = fails_for("anthropic")
    apply_and_smoke(server, bot())
    the_plan = build_plan(make_request(bot(context={"model_name": "anthropic"})), server)
    report = apply_plan(the_plan, server)
    server.update(bot().resolved_assistant_id, {"name": "someone else"})
    (smoke,) = run_smoke(the_plan, report, server).smoke
    assert smoke.status == "rollback_failed"
    assert smoke.rollback == (
        "rollback failed: the server moved on to version 3 since apply wrote version 2; not touching it; "
        "the server has version 3 active; the smoke cases failed on version 2"
    )


def test_a_rollback_whose_set_latest_fails_is_reported_with_the_server_state() -> None:
    server = make_server(set_latest_mode="ignored")
    server.runner = fails_for("anthropic")
    apply_and_smoke(server, bot())
    _, report = apply_and_smoke(server, bot(context={"model_name": "anthropic"}))
    (smoke,) = report.smoke
    assert smoke.status == "rollback_failed"
    assert smoke.rollback.startswith("rollback failed: after set_latest(1) the active version is 3")
    assert smoke.rollback.endswith("the server has version 3 active; the smoke cases failed on version 2")
    assert "ROLLBACK FAILED" in report.render_text()


def test_only_written_actions_with_cases_are_smoked_and_no_smoke_counts_them() -> None:
    server = make_server()
    plain = make_spec("plain", context={"model_name": "openai"})
    the_plan = build_plan(make_request(bot(smoke=[PING, PING]), plain), server)
    report = apply_plan(the_plan, server)
    skipped = skip_smoke(the_plan, report)
    assert skipped.smoke_skipped == 2 and skipped.ok and server.runs == []
    assert "· smoke: 2 case(s) not run (--no-smoke)" in skipped.render_text()
    assert [s.id for s in run_smoke(the_plan, report, server).smoke] == ["bot"]
