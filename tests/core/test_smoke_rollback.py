"""The smoke rollback is part of the plan: planned per action with cases, kept in the plan file, and the only
writes apply makes when a case fails; the report names the ones it made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.report import SmokeOutcome
from reconciler.applying.smoke import RunResult
from reconciler.applying.smoke_apply import run_smoke
from reconciler.desired.spec import AssistantSpec
from reconciler.errors import PlanFileError
from reconciler.planning.plan import Plan, RollbackStep, SetLatest, Update, read_plan_file, write_plan_file
from reconciler.planning.planner import build_plan
from tests.core.factories import OWNER, make_request, make_server, make_spec
from tests.core.memory import MemoryServer, SetLatestMode

PING = {"input": {"text": "ping"}, "timeout": 5}
SWITCH_BACK_TO_1 = (
    RollbackStep(action="set_latest", version=1),
    RollbackStep(action="update", version=3, repair=True),
    RollbackStep(action="set_latest", version=1, repair=True),
)


def bot(model: str = "openai", **fields: Any) -> AssistantSpec:
    return make_spec("bot", **{"context": {"model_name": model}, "smoke": [PING], **fields})


def fails_for(model: str) -> Any:
    def run(active: dict[str, Any], input: dict[str, Any]) -> RunResult:
        if active["context"].get("model_name") == model:
            return RunResult(status="error", error="RuntimeError: broken context")
        return RunResult(status="success", values={"reply": "ok"})

    return run


def planned(server: MemoryServer, spec: AssistantSpec) -> Plan:
    the_plan = build_plan(make_request(spec), server)
    server.reset_calls()
    return the_plan


def at_version_1(mode: SetLatestMode = "correct") -> MemoryServer:
    """``bot`` (openai) applied once: version 1 active, managed; runs fail for anthropic."""
    server = make_server(set_latest_mode=mode)
    server.seed(bot().resolved_assistant_id, bot().content(OWNER))
    server.runner = fails_for("anthropic")
    return server


# --- planning -----------------------------------------------------------------------------------------


def test_a_create_with_cases_plans_its_delete() -> None:
    (create,) = planned(make_server(), bot()).actions
    assert create.rollback == (RollbackStep(action="delete"),)  # type: ignore[union-attr]


def test_an_update_with_cases_plans_the_switch_back_as_a_pin_to_the_version_before() -> None:
    (update,) = planned(at_version_1(), bot("anthropic")).actions
    assert isinstance(update, Update)
    assert update.rollback == SWITCH_BACK_TO_1  # the update makes version 2; a repair would make 3


def test_a_set_latest_with_cases_numbers_its_repair_after_its_own_repair() -> None:
    server = make_server()
    server.seed(bot().resolved_assistant_id, bot().content(OWNER), bot("anthropic").content(OWNER))
    (rollback,) = planned(server, bot()).actions  # version 2 active, version 1 = the files
    assert isinstance(rollback, SetLatest) and [r.version for r in rollback.repairs] == [3]
    assert rollback.rollback == (
        RollbackStep(action="set_latest", version=2),
        RollbackStep(action="update", version=4, repair=True),
        RollbackStep(action="set_latest", version=2, repair=True),
    )


def test_no_cases_no_rollback_and_no_rollback_key() -> None:
    the_plan = planned(at_version_1(), make_spec("bot", context={"model_name": "anthropic"}))
    assert the_plan.actions[0].rollback == ()  # type: ignore[union-attr]
    assert "rollback" not in the_plan.to_json(include_bodies=True)["actions"][0]


def test_the_stdout_json_shows_the_rollback(tmp_path: Path) -> None:
    data = planned(at_version_1(), bot("anthropic")).to_json(include_bodies=False)
    assert data["actions"][0]["rollback"] == [
        {"action": "set_latest", "version": 1, "repair": False},
        {"action": "update", "version": 3, "repair": True},
        {"action": "set_latest", "version": 1, "repair": True},
    ]


# --- the plan file ------------------------------------------------------------------------------------


def test_the_plan_file_keeps_the_rollback(tmp_path: Path) -> None:
    the_plan = planned(at_version_1(), bot("anthropic"))
    write_plan_file(the_plan, tmp_path / "plan.json")
    assert read_plan_file(tmp_path / "plan.json") == the_plan


def test_a_plan_file_with_cases_but_no_rollback_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan_file(planned(at_version_1(), bot("anthropic")), path)
    data = json.loads(path.read_text())
    del data["actions"][0]["rollback"]
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(path)
    assert str(caught.value) == (
        f"{path}: bot: this plan file lists smoke cases but not the writes that switch the assistant back when "
        "one fails (an older reconciler made it); plan again"
    )


# --- apply makes the planned writes, and only those ---------------------------------------------------


def smoke_after(server: MemoryServer, the_plan: Plan) -> SmokeOutcome:
    report = apply_plan(the_plan, server)
    server.reset_calls()
    report = run_smoke(the_plan, report, server)
    (smoke,) = report.smoke
    assert json.loads(report.render_json())["smoke"][0]["rollback_writes"] == list(smoke.rollback_writes)
    return smoke


def test_a_correct_server_needs_only_the_set_latest() -> None:
    server = at_version_1("correct")
    smoke = smoke_after(server, planned(server, bot("anthropic")))
    assert smoke.status == "rolled_back"
    assert smoke.rollback_writes == ("set_latest → version 1",)
    assert server.log == [("set_latest", bot().resolved_assistant_id)]
    assert smoke.line().endswith("\n    planned rollback writes made (1 of 3): set_latest → version 1")


def test_a_server_that_leaves_context_behind_gets_the_planned_repair() -> None:
    server = at_version_1("keeps_context")
    smoke = smoke_after(server, planned(server, bot("anthropic")))
    assert smoke.status == "rolled_back"
    assert smoke.rollback_writes == (
        "set_latest → version 1",
        "update → new version 3 with version 1's content",
        "set_latest → version 1 again",
    )
    assert [method for method, _ in server.log] == ["set_latest", "update", "set_latest"]
    live = server.get(bot().resolved_assistant_id)
    assert live is not None and (live.version, live.context) == (1, {"model_name": "openai"})


def test_no_repair_is_made_that_the_plan_does_not_list() -> None:
    server = at_version_1("keeps_context")
    the_plan = planned(server, bot("anthropic"))
    trimmed = the_plan.model_copy(
        update={"actions": (the_plan.actions[0].model_copy(update={"rollback": SWITCH_BACK_TO_1[:1]}),)}
    )
    smoke = smoke_after(server, trimmed)
    assert smoke.status == "rollback_failed"
    assert smoke.rollback.startswith(
        "rollback failed: set_latest(1) left context.model_name behind; the plan lists no repair"
    )
    assert server.log == [("set_latest", bot().resolved_assistant_id)]


def test_no_rollback_is_made_that_the_plan_does_not_list() -> None:
    server = at_version_1()
    the_plan = planned(server, bot("anthropic"))
    bare = the_plan.model_copy(update={"actions": (the_plan.actions[0].model_copy(update={"rollback": ()}),)})
    smoke = smoke_after(server, bare)
    assert smoke.status == "rollback_failed"
    assert smoke.rollback.startswith("rollback failed: the plan lists no rollback, so none was made")
    assert server.log == []


def test_a_failed_create_is_deleted_as_planned() -> None:
    server = make_server()
    server.runner = fails_for("openai")
    smoke = smoke_after(server, planned(server, bot()))
    assert (smoke.status, smoke.rollback_writes) == ("rolled_back", ("delete (the assistant this apply created)",))
    assert server.get(bot().resolved_assistant_id) is None
