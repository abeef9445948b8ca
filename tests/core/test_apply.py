from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.report import ApplyReport, Outcome
from reconciler.desired.spec import AssistantSpec
from reconciler.errors import OutcomeUnknownError, ServerError, ServerUnreachableError, StalePlanError
from reconciler.planning.plan import Plan, Update
from reconciler.planning.planner import build_plan
from reconciler.server.live import LiveAssistant
from tests.core.factories import OWNER, SCHEMAS, SERVER, aid, make_request, make_server, make_spec, owned
from tests.core.memory import URL, MemoryServer, SetLatestMode

PROMPTS = ("v1", "v2", "v3")


def plan(server: MemoryServer, *specs: AssistantSpec, prune: bool = False) -> Plan:
    result = build_plan(make_request(*specs, prune=prune), server)
    server.reset_calls()
    return result


def statuses(report: ApplyReport) -> list[tuple[str, str, str]]:
    return [(o.action, o.id, o.status) for o in report.outcomes]


def refused(status: int = 422) -> ServerError:
    return ServerError(
        f"PATCH {URL}/assistants/x -> {status}: the server refused the request: bad", url=URL, status=status
    )


def bot(spec_id: str, **fields: Any) -> AssistantSpec:
    return make_spec(spec_id, **{"context": {"model_name": "openai"}, **fields})


def seeded(server: MemoryServer, spec: AssistantSpec, **changed: Any) -> None:
    server.seed(spec.resolved_assistant_id, {**spec.content(OWNER), **changed})


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []
    monkeypatch.setattr("reconciler.applying.apply.time.sleep", delays.append)
    return delays


# --- stale plans --------------------------------------------------------------------------------------


def stale_message(*lines: str) -> str:
    return "the server changed since this plan was made; nothing was written. Plan again.\n" + "\n".join(
        f"  {line}" for line in lines
    )






def test_version_moved_since_the_plan_nothing_is_written() -> None:
    server = make_server()
    specs = [bot("a-moved"), bot("b-touched"), bot("c-new"), bot("d-fine")]
    for spec in specs[:2] + specs[3:]:
        seeded(server, spec, name="old")
    planned = plan(server, *specs)
    server.update(aid("a-moved"), {"name": "someone else"})
    server.set_latest(aid("b-touched"), 1)  # same version, but updated_at moves
    server.reset_calls()
    with pytest.raises(StalePlanError) as caught:
        apply_plan(planned, server)
    assert str(caught.value) == stale_message(
        "a-moved: planned against version 1 (updated 2025-01-01T00:00:00.000001+00:00), "
        "server now at version 2 (updated 2025-01-01T00:00:00.000004+00:00)",
        "b-touched: planned against version 1 (updated 2025-01-01T00:00:00.000002+00:00), "
        "server now at version 1 (updated 2025-01-01T00:00:00.000005+00:00)",
    )
    assert server.log == []
    assert server.calls == {"list_owned": 1, "get": 1}


# --- phases and failures ------------------------------------------------------------------------------


def mixed_plan(server: MemoryServer) -> Plan:
    """One action of each kind: create new, update upd, roll back rb to version 1, delete gone."""
    upd, rb = bot("upd"), bot("rb")
    seeded(server, upd, name="old name")
    server.seed(aid("rb"), rb.content(OWNER), {**rb.content(OWNER), "name": "rb v2"})
    server.seed(aid("gone"), {"metadata": owned("gone")})
    return plan(server, rb, bot("new"), upd, prune=True)


def test_phases_run_in_order_and_every_write_is_verified() -> None:
    server = make_server()
    planned = mixed_plan(server)
    seen: list[Outcome] = []
    report = apply_plan(planned, server, parallelism=1, on_outcome=seen.append)
    assert server.log == [
        ("create", aid("new")),
        ("update", aid("upd")),
        ("set_latest", aid("rb")),
        ("delete", aid("gone")),
    ]
    assert [(o.action, o.id, o.status, o.version, o.message) for o in report.outcomes] == [
        ("create", "new", "applied", 1, ""),
        ("update", "upd", "applied", 2, ""),
        ("set_latest", "rb", "applied", 1, ""),
        ("delete", "gone", "applied", None, ""),
    ]
    assert list(report.outcomes) == seen
    assert report.ok
    # a write's response is the stored row: reads for the stale check of the create, after the delete, and
    # the verification pass (one owner search)
    assert server.calls == {"list_owned": 2, "get": 2, "create": 1, "update": 1, "set_latest": 1, "delete": 1}
    assert build_plan(make_request(bot("rb"), bot("new"), bot("upd"), prune=True), server).actions == ()


def test_failure_stops_later_phases() -> None:
    server = make_server()
    planned = mixed_plan(server)
    server.fail_next("update", refused())
    report = apply_plan(planned, server)
    assert [(o.action, o.id, o.status, o.message) for o in report.outcomes] == [
        ("create", "new", "applied", ""),
        ("update", "upd", "failed", f"PATCH {URL}/assistants/x -> 422: the server refused the request: bad"),
        ("set_latest", "rb", "not_attempted", "stopped after an earlier failure"),
        ("delete", "gone", "not_attempted", "stopped after an earlier failure"),
    ]
    assert server.log == [("create", aid("new"))]
    assert server.calls["update"] == 1
    assert not report.ok


def test_failure_stops_the_rest_of_its_phase() -> None:
    server = make_server()
    planned = plan(server, bot("a"), bot("b"), bot("c"))
    server.fail_next("create", ServerError("POST -> 404: graph gone", url=URL, status=404))
    report = apply_plan(planned, server, parallelism=1)
    assert statuses(report) == [
        ("create", "a", "failed"),
        ("create", "b", "not_attempted"),
        ("create", "c", "not_attempted"),
    ]
    assert server.log == []


def test_create_that_already_landed_is_accepted() -> None:
    server = make_server()
    planned = plan(server, bot("new"))
    server.fail_next("create", ServerError("POST -> 409: conflict", url=URL, status=409), landed=True)
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.version, outcome.message) == (
        "applied",
        1,
        "it already existed (an earlier attempt landed)",
    )
    assert server.calls["create"] == 1


def test_delete_that_already_landed_is_accepted() -> None:
    server = make_server()
    server.seed(aid("gone"), {"metadata": owned("gone")})
    seeded(server, bot("keep"), name="old")
    planned = plan(server, bot("keep"), prune=True)
    server.fail_next("delete", ServerError("DELETE -> 404: not found", url=URL, status=404), landed=True)
    report = apply_plan(planned, server)
    assert statuses(report) == [("update", "keep", "applied"), ("delete", "gone", "applied")]


@pytest.mark.parametrize("config", [{"recursion_limit": 5}, {"tags": ["a"]}, {"tags": ["a"], "recursion_limit": 5}])
def test_emptying_context_and_config_clears_every_config_key(config: dict[str, Any]) -> None:
    server = make_server()
    spec = make_spec("bare")
    seeded(server, spec, context={"model_name": "openai"}, config=config)

    planned = plan(server, spec)
    report = apply_plan(planned, server)

    (update,) = planned.actions
    assert isinstance(update, Update) and update.body["config"] == {"tags": []}
    assert statuses(report) == [("update", "bare", "applied")]
    live = server.get(aid("bare"))
    assert live is not None and live.config == {"tags": []} and live.context == {}


# --- readback -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["create", "update"])
def test_a_write_that_lands_differently_from_what_was_sent_fails_naming_the_fields(method: str) -> None:
    server = make_server()
    spec = bot("rb", name="wanted", description="d")
    if method == "update":
        seeded(server, spec, name="old name")
    server.land_next_differently("create" if method == "create" else "update", name="mangled", description="")

    report = apply_plan(plan(server, spec), server)

    (outcome,) = report.outcomes
    assert (outcome.action, outcome.status) == (method, "failed")
    assert outcome.message == "the server stored something else than was sent; these fields differ: description, name"
    # the write's response was compared, not a read (a GET only in the stale check of the planned create)
    assert server.calls.get("get", 0) == (1 if method == "create" else 0)


# --- update retries -----------------------------------------------------------------------------------


def update_plan(server: MemoryServer) -> Plan:
    spec = bot("upd")
    seeded(server, spec, name="old name")
    return plan(server, spec)


@pytest.mark.parametrize("error", [ServerError("503", url=URL, status=503), ServerUnreachableError("t", url=URL)])
def test_transient_error_after_the_write_landed_is_not_written_again(error: ServerError, sleeps: list[float]) -> None:
    server = make_server()
    planned = update_plan(server)
    server.fail_next("update", error, landed=True)
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.version) == ("applied", 2)
    assert server.calls["update"] == 1
    assert server.version_numbers(aid("upd")) == [1, 2]
    assert sleeps == []


def test_transient_error_before_the_write_is_retried_once(sleeps: list[float]) -> None:
    server = make_server()
    planned = update_plan(server)
    server.fail_next("update")
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.version) == ("applied", 2)
    assert server.calls["update"] == 2
    assert server.version_numbers(aid("upd")) == [1, 2]
    assert sleeps == [0.25]


def test_transient_errors_give_up_after_three_attempts(sleeps: list[float]) -> None:
    server = make_server()
    planned = update_plan(server)
    for _ in range(3):
        server.fail_next("update", ServerError("PATCH -> 502: server error", url=URL, status=502))
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.message) == ("failed", "PATCH -> 502: server error")
    assert server.calls["update"] == 3
    assert sleeps == [0.25, 0.5]
    assert server.version_numbers(aid("upd")) == [1]


def test_refused_update_is_not_retried(sleeps: list[float]) -> None:
    server = make_server()
    planned = update_plan(server)
    server.fail_next("update", refused(400))
    (outcome,) = apply_plan(planned, server).outcomes
    assert outcome.status == "failed"
    assert server.calls["update"] == 1
    assert sleeps == []


# --- set_latest of servers no real one reproduces (the real runtimes: tests/integration) -------------------


def versioned(mode: SetLatestMode) -> MemoryServer:
    server = make_server(set_latest_mode=mode)
    base = bot("rb").content(OWNER)
    server.seed(aid("rb"), *({**base, "context": {"model_name": "openai", "system_prompt": p}} for p in PROMPTS))
    return server










def test_pin_the_server_never_honours_fails_naming_the_fields() -> None:
    server = versioned("loses_context")
    planned = plan(server, make_spec("rb", pin=1))
    report = apply_plan(planned, server)
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.message) == (
        "failed",
        "the server does not honour pin 1: these fields differ from version 1's: context.model_name, "
        "context.system_prompt",
    )
    assert not report.ok


def test_pin_on_a_server_that_ignores_set_latest() -> None:
    server = versioned("ignored")
    planned = plan(server, make_spec("rb", pin=1))
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.message) == (
        "failed",
        "the server does not honour pin 1: active version is 4",
    )


# --- report -------------------------------------------------------------------------------------------


def test_report_text_and_json_after_a_partial_apply() -> None:
    server = versioned("keeps_context")
    rb = bot("rb", context={"model_name": "openai", "system_prompt": "v1"})
    server.seed(aid("gone"), {"metadata": owned("gone")})
    seeded(server, bot("upd"), name="old")
    planned = plan(server, rb, bot("new"), bot("upd"), prune=True)
    server.fail_next("update", refused())
    report = apply_plan(planned, server)
    assert report.render_text() == (
        "✓ created new (version 1)\n"
        f"✗ update upd FAILED: PATCH {URL}/assistants/x -> 422: the server refused the request: bad\n"
        "· set_latest rb: not attempted\n"
        "· delete gone: not attempted\n"
        "\n"
        "Apply stopped: 1 applied, 1 failed, 2 not attempted. "
        "Run `reconciler plan` to see the remainder; `reconciler apply` finishes it.\n"
    )
    data = json.loads(report.render_json())
    assert data["server"] == SERVER
    assert data["ok"] is False
    assert data["counts"] == {"applied": 1, "repaired": 0, "failed": 1, "not_attempted": 2}
    assert data["outcomes"][0] == {
        "action": "create",
        "id": "new",
        "assistant_id": aid("new"),
        "status": "applied",
        "version": 1,
        "message": "",
    }


def test_report_text_when_everything_landed() -> None:
    server = versioned("keeps_context")
    planned = plan(server, bot("rb", context={"model_name": "openai", "system_prompt": "v1"}), bot("new"))
    assert apply_plan(planned, server).render_text() == (
        "✓ created new (version 1)\n"
        "✓ re-activated rb (version 4)\n"
        "    note: set_latest left these fields behind: context.system_prompt; "
        "repaired as planned: wrote version 4 with version 1's content\n"
        "\n"
        "Apply complete: 2 change(s) applied and verified (1 repaired after readback).\n"
    )


def test_empty_apply() -> None:
    server = make_server()
    report = apply_plan(Plan(server=SERVER, owner=OWNER), server)
    assert report.render_text() == "\nApply complete: nothing to do.\n"
    assert json.loads(report.render_json()) == {
        "server": SERVER,
        "ok": True,
        "counts": {"applied": 0, "repaired": 0, "failed": 0, "not_attempted": 0},
        "outcomes": [],
        "smoke": [],
        "smoke_skipped": 0,
    }
    assert server.calls == {"list_owned": 1}


# --- every other write-failure branch -----------------------------------------------------------------


def unknown_outcome() -> OutcomeUnknownError:
    return OutcomeUnknownError(f"PATCH {URL}/assistants/x failed: ReadTimeout: timed out", url=URL)


def test_a_409_create_whose_existing_assistant_differs_fails_the_readback(monkeypatch: pytest.MonkeyPatch) -> None:
    server = make_server()
    planned = plan(server, bot("new"))
    # Someone else's assistant appears at the id between the stale check and the create.
    monkeypatch.setattr("reconciler.applying.apply.check_not_stale", lambda plan, reader: None)
    server.seed(aid("new"), {**bot("new").content(OWNER), "name": "someone else's"})
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.message) == (
        "failed",
        "the server stored something else than was sent; these fields differ: name",
    )


def test_an_update_whose_retry_finds_other_content_fails_as_diverged(sleeps: list[float]) -> None:
    server = make_server()
    planned = update_plan(server)
    server.land_next_differently("update", name="someone else")
    server.fail_next("update", landed=True)
    (outcome,) = apply_plan(planned, server).outcomes
    assert outcome.status == "failed"
    assert outcome.message.endswith("the server is now at version 2, and these fields differ from what was sent: name")
    assert server.calls["update"] == 1


def test_an_update_with_an_unknown_outcome_that_landed_is_not_sent_again() -> None:
    server = make_server()
    planned = update_plan(server)
    server.fail_next("update", unknown_outcome(), landed=True)
    (outcome,) = apply_plan(planned, server, settle=5).outcomes
    assert (outcome.status, outcome.version) == ("applied", 2)
    assert server.calls["update"] == 1


def test_an_update_with_an_unknown_outcome_that_never_shows_fails_without_sending_it_again() -> None:
    server = make_server()
    planned = update_plan(server)
    server.fail_next("update", unknown_outcome())
    (outcome,) = apply_plan(planned, server, settle=0.05).outcomes
    assert outcome.status == "failed"
    assert outcome.message == (
        f"PATCH {URL}/assistants/x failed: ReadTimeout: timed out; outcome unknown: the update may have reached the "
        "server and may still land. It was not sent again; after 0.05s it has not shown (still version 1). "
        "`reconciler plan` shows whether it landed (no change for upd) or not (the update again)"
    )
    assert server.calls["update"] == 1
    assert server.version_numbers(aid("upd")) == [1]


def test_a_gateway_timeout_is_an_unknown_outcome_too() -> None:
    server = make_server()
    planned = update_plan(server)
    server.fail_next("update", ServerError("PATCH -> 504: gateway timeout", url=URL, status=504), landed=True)
    (outcome,) = apply_plan(planned, server, settle=5).outcomes
    assert outcome.status == "applied"
    assert server.calls["update"] == 1


def test_a_set_latest_left_behind_without_planned_repairs_writes_nothing_more() -> None:
    server = versioned("keeps_context")
    planned = plan(server, bot("rb", context={"model_name": "openai", "system_prompt": "v1"}))
    (action,) = planned.actions
    unrepaired = planned.model_copy(update={"actions": (action.model_copy(update={"repairs": ()}),)})
    (outcome,) = apply_plan(unrepaired, server).outcomes
    assert (outcome.status, outcome.message) == (
        "failed",
        "set_latest left these fields behind: context.system_prompt; the plan lists no repair, so none was made",
    )
    assert [m for m, _ in server.log] == ["set_latest"]


class DeleteIgnored(MemoryServer):
    """A server that answers a delete without deleting (no real server does; it is the branch under test)."""

    def delete(self, assistant_id: str) -> None:
        self.calls["delete"] += 1


def test_a_delete_that_leaves_the_assistant_there_fails() -> None:
    server = DeleteIgnored(dict(SCHEMAS))
    server.seed(aid("gone"), {"metadata": owned("gone")})
    seeded(server, bot("keep"), name="old")
    (_, outcome) = apply_plan(plan(server, bot("keep"), prune=True), server).outcomes
    assert (outcome.action, outcome.status, outcome.message) == (
        "delete",
        "failed",
        "the assistant is still there after the delete",
    )


class LateLanding(MemoryServer):
    """Delivers a copy of the first PATCH once more when set_latest is called: a request that reached the server
    after its client had given up, landing during a later phase of the same apply."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_patch: tuple[str, dict[str, Any]] | None = None

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        self.first_patch = self.first_patch or (assistant_id, body)
        return super().update(assistant_id, body)

    def set_latest(self, assistant_id: str, version: int) -> LiveAssistant:
        if self.first_patch is not None:
            super().update(*self.first_patch)
        return super().set_latest(assistant_id, version)


def test_the_verification_pass_fails_a_write_that_a_late_request_undid() -> None:
    server = LateLanding(dict(SCHEMAS))
    upd, rb = bot("upd"), bot("rb")
    seeded(server, upd, name="old name")
    server.seed(aid("rb"), rb.content(OWNER), {**rb.content(OWNER), "name": "rb v2"})
    report = apply_plan(plan(server, upd, rb), server, parallelism=1)
    assert [(o.id, o.status) for o in report.outcomes] == [("upd", "failed"), ("rb", "applied")]
    assert report.outcomes[0].message == (
        "verified when written, but at the end of the apply the active version is now 3, not 2 (a request that "
        "had timed out may have landed late); run `reconciler plan` to see the server as it is now"
    )
    assert not report.ok
