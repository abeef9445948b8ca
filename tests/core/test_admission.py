"""``admission``: every check a plan file passes before ``apply PLANFILE`` writes, one test per check.

The plans are the planner's own (against the in-memory server), then edited the way a plan file can be edited
on its way between CI jobs."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.desired.spec import DIGEST_KEY, ID_KEY, OWNER_KEY, AssistantSpec
from reconciler.errors import PlanRefusedError
from reconciler.planning.admission import Live, check_plan_file, differences, invariant_violations
from reconciler.planning.plan import Action, Create, Delete, Plan, RollbackStep, SetLatest, Update
from reconciler.planning.planner import build_plan
from reconciler.server.semantics import content_digest
from tests.core.factories import OWNER, SCHEMAS, aid, make_request, make_server, make_spec, owned
from tests.core.memory import MemoryServer

ADOPTED = "11111111-1111-4111-8111-111111111111"
STRANGER = "22222222-2222-4222-8222-222222222222"
SYSTEM = "33333333-3333-4333-8333-333333333333"
EDITED = " (the plan file was edited)"


def specs() -> tuple[AssistantSpec, ...]:
    return (
        make_spec("new-bot", name="New", context={"model_name": "openai"}),
        make_spec("upd-bot", name="Updated", context={"temperature": 0.5}),
        make_spec("pin-bot", name="Pinned", pin=1),
        make_spec("legacy-bot", name="Legacy", assistant_id=ADOPTED),
    )


def seeded() -> MemoryServer:
    """Everything the four specs and a prune act on, plus two assistants no file names."""
    server = make_server()
    server.seed(aid("upd-bot"), {"name": "Updated", "metadata": owned("upd-bot")})
    server.seed(aid("pin-bot"), {"name": "Pinned", "metadata": owned("pin-bot")},
                {"name": "Pinned", "context": {"temperature": 1.0}, "metadata": owned("pin-bot")})
    server.seed(ADOPTED, {"name": "Legacy"})
    server.seed(aid("gone-bot"), {"name": "Gone", "metadata": owned("gone-bot")})
    server.seed(STRANGER, {"name": "Stranger"})
    server.seed(SYSTEM, {"name": "agent", "metadata": {"created_by": "system"}})
    return server


@pytest.fixture
def server() -> MemoryServer:
    return seeded()


@pytest.fixture
def planned(server: MemoryServer) -> Plan:
    return build_plan(make_request(*specs(), prune=True), server)


def live_of(server: MemoryServer, plan: Plan) -> Live:
    return {action.assistant_id: server.get(action.assistant_id) for action in plan.actions}


NAMED = frozenset(spec.resolved_assistant_id for spec in specs())


def violations(server: MemoryServer, plan: Plan, named: frozenset[str] = NAMED) -> list[str]:
    return invariant_violations(plan, live_of(server, plan), SCHEMAS, named)


def action(plan: Plan, spec_id: str) -> Action:
    return next(a for a in plan.actions if a.id == spec_id)


def edited(plan: Plan, spec_id: str, **fields: Any) -> Plan:
    """``plan`` with the action of ``spec_id`` replaced by a copy with ``fields``."""
    actions = tuple(a.model_copy(update=fields) if a.id == spec_id else a for a in plan.actions)
    return plan.model_copy(update={"actions": actions})


def with_body(plan: Plan, spec_id: str, **changes: Any) -> Plan:
    """``plan`` with keys of the action's body (or a set_latest's content) replaced; a value of ... drops it."""
    found = action(plan, spec_id)
    field = "content" if isinstance(found, SetLatest) else "body"
    body = {**getattr(found, field), **changes}
    return edited(plan, spec_id, **{field: {k: v for k, v in body.items() if v is not ...}})


def with_metadata(plan: Plan, spec_id: str, **changes: Any) -> Plan:
    found = action(plan, spec_id)
    assert isinstance(found, Create | Update)
    metadata = {**found.body["metadata"], **changes}
    return with_body(plan, spec_id, metadata=metadata)


def redigested(plan: Plan, spec_id: str) -> Plan:
    """The body's digest made right again, so that only the edit under test is wrong."""
    found = action(plan, spec_id)
    assert isinstance(found, Create | Update)
    return with_metadata(plan, spec_id, **{DIGEST_KEY: content_digest(found.body)})


def delete_of(assistant_id: str, spec_id: str, server: MemoryServer) -> Delete:
    live = server.get(assistant_id)
    assert live is not None
    expected = {"exists": True, "version": live.version, "updated_at": live.updated_at}
    return Delete.model_validate(
        {"id": spec_id, "assistant_id": assistant_id, "graph_id": "agent", "expected": expected}
    )


def adding(plan: Plan, *extra: Action) -> Plan:
    return plan.model_copy(update={"actions": (*plan.actions, *extra)})


# --- the planner's plan passes ----------------------------------------------------------------------


def test_the_planners_own_plan_is_admitted(server: MemoryServer, planned: Plan) -> None:
    kinds = sorted((a.action, a.id) for a in planned.actions)
    assert kinds == [
        ("create", "new-bot"),
        ("delete", "gone-bot"),
        ("set_latest", "pin-bot"),
        ("update", "legacy-bot"),
        ("update", "upd-bot"),
    ]
    check_plan_file(planned, planned, live_of(server, planned), SCHEMAS, NAMED)


# --- which assistants may be touched ---------------------------------------------------------------


def test_adopting_an_unmanaged_assistant_no_file_names_is_refused(server: MemoryServer, planned: Plan) -> None:
    legacy = action(planned, "legacy-bot")
    assert isinstance(legacy, Update) and legacy.adopt
    assert violations(server, planned) == []
    assert violations(server, planned, named=NAMED - {ADOPTED}) == [
        f"legacy-bot: updates assistant {ADOPTED}, which is not managed by reconciler; only assistants owned "
        f"by {OWNER!r} are changed{EDITED}"
    ]


def test_an_update_of_an_unmanaged_assistant_not_marked_as_adoption_is_refused(
    server: MemoryServer, planned: Plan
) -> None:
    assert violations(server, edited(planned, "legacy-bot", adopt=False)) == [
        f"legacy-bot: updates assistant {ADOPTED}, which is not managed by reconciler; only assistants owned "
        f"by {OWNER!r} are changed{EDITED}"
    ]


def test_a_delete_of_an_unmanaged_assistant_is_refused_even_when_a_file_names_it(
    server: MemoryServer, planned: Plan
) -> None:
    plan = adding(planned, delete_of(STRANGER, "stranger", server))
    assert violations(server, plan, named=NAMED | {STRANGER}) == [
        f"stranger: deletes assistant {STRANGER}, which is not managed by reconciler; only assistants owned "
        f"by {OWNER!r} are changed{EDITED}"
    ]


def test_another_owners_assistant_is_never_touched(server: MemoryServer, planned: Plan) -> None:
    other = aid("theirs")
    server.seed(other, {"name": "Theirs", "metadata": owned("theirs", owner="team-b")})
    plan = adding(planned, delete_of(other, "theirs", server))
    assert violations(server, plan, named=NAMED | {other}) == [
        f"theirs: deletes assistant {other}, which is owned by 'team-b'; only assistants owned by {OWNER!r} "
        f"are changed{EDITED}"
    ]


def test_a_system_assistant_is_never_touched(server: MemoryServer, planned: Plan) -> None:
    deleted = adding(planned, delete_of(SYSTEM, "agent", server))
    assert violations(server, deleted, named=NAMED | {SYSTEM}) == [
        f"agent: deletes assistant {SYSTEM}, a system assistant (created_by: system), which is never touched{EDITED}"
    ]
    repinned = edited(planned, "pin-bot", assistant_id=SYSTEM)
    assert violations(server, repinned, named=NAMED | {SYSTEM}) == [
        f"pin-bot: set latests assistant {SYSTEM}, a system assistant (created_by: system), which is never "
        f"touched{EDITED}"
    ]


def test_a_set_latest_of_an_unmanaged_assistant_is_refused_unless_a_file_names_it(
    server: MemoryServer, planned: Plan
) -> None:
    plan = edited(planned, "pin-bot", assistant_id=STRANGER)
    assert violations(server, plan, named=NAMED | {STRANGER}) == []
    assert violations(server, plan) == [
        f"pin-bot: set latests assistant {STRANGER}, which is not managed by reconciler; only assistants owned "
        f"by {OWNER!r} are changed{EDITED}"
    ]


def test_one_action_per_assistant(server: MemoryServer, planned: Plan) -> None:
    """A second action on an assistant would hide from the comparison with a fresh plan (one per assistant):
    an update of ``gone-bot`` slipped in after its delete ran as creates/updates first, then the delete."""
    gone = action(planned, "gone-bot")
    update = action(planned, "upd-bot").model_copy(update={"assistant_id": gone.assistant_id})
    plan = adding(planned, update)
    assert violations(server, plan) == [
        f"upd-bot: a second action (update) on assistant {gone.assistant_id}, after the delete of gone-bot; a "
        f"plan has one action per assistant{EDITED}"
    ]
    with pytest.raises(PlanRefusedError):
        check_plan_file(plan, planned, live_of(server, plan), SCHEMAS, NAMED)


# --- create requests --------------------------------------------------------------------------------


def test_a_create_body_aimed_at_another_assistant_is_refused(server: MemoryServer, planned: Plan) -> None:
    plan = with_body(planned, "new-bot", assistant_id=STRANGER)
    assert violations(server, plan) == [f"new-bot: body.assistant_id is not the action's assistant_id{EDITED}"]


def test_a_create_that_would_not_raise_on_an_existing_assistant_is_refused(
    server: MemoryServer, planned: Plan
) -> None:
    plan = with_body(planned, "new-bot", if_exists="do_nothing")
    assert violations(server, plan) == [f'new-bot: body.if_exists must be "raise"{EDITED}']


# --- bodies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec_id", ["new-bot", "upd-bot"])
def test_an_owner_mismatch_in_the_body_metadata_is_refused(
    server: MemoryServer, planned: Plan, spec_id: str
) -> None:
    plan = redigested(with_metadata(planned, spec_id, **{OWNER_KEY: "team-b"}), spec_id)
    assert violations(server, plan) == [
        f"{spec_id}: body.metadata.{OWNER_KEY} is not the plan's owner {OWNER!r}{EDITED}"
    ]


def test_an_id_mismatch_in_the_body_metadata_is_refused(server: MemoryServer, planned: Plan) -> None:
    plan = redigested(with_metadata(planned, "upd-bot", **{ID_KEY: "other-bot"}), "upd-bot")
    assert violations(server, plan) == [f"upd-bot: body.metadata.{ID_KEY} is not the action's id 'upd-bot'{EDITED}"]


def test_a_body_whose_digest_does_not_match_its_content_is_refused(server: MemoryServer, planned: Plan) -> None:
    plan = with_body(planned, "upd-bot", name="Renamed")
    assert violations(server, plan) == [
        f"upd-bot: body.metadata.{DIGEST_KEY} is not the digest of the body's content{EDITED}"
    ]


@pytest.mark.parametrize(("spec_id", "name"), [("new-bot", "body"), ("upd-bot", "body"), ("pin-bot", "content")])
def test_extra_body_keys_are_refused(server: MemoryServer, planned: Plan, spec_id: str, name: str) -> None:
    plan = with_body(planned, spec_id, webhook="https://example.test", checkpointer={})
    assert violations(server, plan) == [
        f"{spec_id}: {name} has key(s) a plan never sends: checkpointer, webhook{EDITED}"
    ]


@pytest.mark.parametrize(("spec_id", "name", "key"), [
    ("new-bot", "body", "name"), ("upd-bot", "body", "description"), ("pin-bot", "content", "description"),
])
def test_missing_body_keys_are_refused(server: MemoryServer, planned: Plan, spec_id: str, name: str,
                                       key: str) -> None:
    plan = with_body(planned, spec_id, **{key: ...})
    found = [v for v in violations(server, plan) if "digest" not in v]
    assert found == [f"{spec_id}: {name} lacks key(s) every plan sends: {key}{EDITED}"]


def test_a_create_may_leave_a_null_description_out(server: MemoryServer, planned: Plan) -> None:
    """Some servers refuse ``description: null`` on a create (the LangGraph.js server): the planner leaves it out."""
    plan = with_body(planned, "new-bot", description=...)
    assert [v for v in violations(server, plan) if "digest" not in v] == []


def test_a_body_for_another_graph_is_refused(server: MemoryServer, planned: Plan) -> None:
    plan = with_body(with_body(planned, "pin-bot", graph_id="typed"), "new-bot", graph_id="typed")
    found = [v for v in violations(server, plan) if "digest" not in v]
    assert found == [
        f"new-bot: body.graph_id is not the action's graph_id 'agent'{EDITED}",
        f"pin-bot: content.graph_id is not the action's graph_id 'agent'{EDITED}",
    ]


def test_non_objects_where_objects_belong_are_refused(server: MemoryServer, planned: Plan) -> None:
    plan = with_body(planned, "pin-bot", context=[], config="x", metadata=None)
    assert violations(server, plan) == [
        f"pin-bot: content.{key} is not an object{EDITED}" for key in ("context", "config", "metadata")
    ]


def test_configurable_is_never_sent(server: MemoryServer, planned: Plan) -> None:
    plan = redigested(with_body(planned, "upd-bot", config={"configurable": {"x": 1}}), "upd-bot")
    assert violations(server, plan) == [
        f"upd-bot: body.config.configurable is never sent (the server mirrors context into it){EDITED}"
    ]


def test_a_name_that_is_not_a_string_is_refused(server: MemoryServer, planned: Plan) -> None:
    plan = with_body(planned, "pin-bot", name=7)
    assert violations(server, plan) == [f"pin-bot: content.name is not a string{EDITED}"]


def test_a_context_the_graph_schema_refuses_is_refused_naming_paths_only(
    server: MemoryServer, planned: Plan
) -> None:
    plan = redigested(
        with_body(planned, "upd-bot", context={"temperature": "sk-secret-hot", "model_name": "gpt"}), "upd-bot"
    )
    found = violations(server, plan)
    assert found == [
        "upd-bot: body.context.model_name, body.context.temperature: not valid for graph 'agent' "
        f"(schemas/graphs/agent.json){EDITED}"
    ]
    assert "sk-secret-hot" not in found[0]


def test_a_graph_without_a_committed_schema_is_refused(server: MemoryServer, planned: Plan) -> None:
    schemas = {"typed": SCHEMAS["typed"]}
    plan = Plan(server=planned.server, owner=OWNER, actions=(action(planned, "new-bot"),))
    assert invariant_violations(plan, live_of(server, plan), schemas, NAMED) == [
        f"new-bot: graph 'agent' has no committed schema (schemas/graphs/agent.json){EDITED}"
    ]


# --- the same plan again -----------------------------------------------------------------------------


def test_an_unedited_plan_has_no_differences(server: MemoryServer, planned: Plan) -> None:
    assert differences(planned, planned, live_of(server, planned)) == []


def test_a_plan_for_another_owner_or_commit_differs(server: MemoryServer, planned: Plan) -> None:
    reviewed = planned.model_copy(update={"owner": "team-b", "commit": "a" * 40, "desired_digest": "d"})
    fresh = planned.model_copy(update={"desired_digest": "d"})
    assert differences(reviewed, fresh, live_of(server, reviewed))[:2] == [
        f"planned for owner 'team-b', but the working tree's owner is {OWNER!r}",
        f"planned at commit {'a' * 40}, but the working tree is at commit (none)",
    ]


def test_an_edited_field_is_named_but_not_its_value(server: MemoryServer, planned: Plan) -> None:
    reviewed = redigested(with_body(planned, "upd-bot", name="sk-secret-name"), "upd-bot")
    found = differences(reviewed, planned, live_of(server, reviewed))
    assert found == [f"upd-bot: body.metadata, body.name differ from a fresh plan's{EDITED}"]


def test_an_action_the_fresh_plan_lacks_or_has_is_named(server: MemoryServer, planned: Plan) -> None:
    without_delete = planned.model_copy(update={"actions": planned.actions[:-1]})
    assert planned.actions[-1].id == "gone-bot"
    live = live_of(server, planned)
    assert differences(planned, without_delete, live) == [
        "gone-bot: the plan file has a delete that the files and the server no longer call for (the plan file "
        "was edited)"
    ]
    assert differences(without_delete, planned, live) == [
        f"gone-bot: the files and the server now call for a delete that the plan file does not have{EDITED}"
    ]


def test_another_kind_of_action_is_named(server: MemoryServer, planned: Plan) -> None:
    gone = action(planned, "gone-bot")
    update = action(planned, "upd-bot").model_copy(
        update={"id": "gone-bot", "assistant_id": gone.assistant_id, "expected": gone.expected}
    )
    reviewed = planned.model_copy(update={"actions": (*(a for a in planned.actions if a is not gone), update)})
    assert differences(reviewed, planned, live_of(server, reviewed)) == [
        f"gone-bot: planned as an update, a fresh plan makes it a delete{EDITED}"
    ]


def test_a_server_that_moved_is_told_apart_from_an_edit(server: MemoryServer, planned: Plan) -> None:
    upd = action(planned, "upd-bot")
    server.update(upd.assistant_id, {"name": "someone else"})
    fresh = build_plan(make_request(*specs(), prune=True), server)
    found = differences(planned, fresh, live_of(server, planned))
    assert [line for line in found if line.startswith("upd-bot")] == [
        f"upd-bot: planned against version 1 (updated {upd.expected.updated_at}), server now at version 2 "
        f"(updated {server.get(upd.assistant_id).updated_at}) (the server moved)"  # type: ignore[union-attr]
    ]


def test_files_that_changed_since_the_plan_are_told_apart_from_an_edit(server: MemoryServer, planned: Plan) -> None:
    reviewed = planned.model_copy(update={"desired_digest": "before"})
    fresh = build_plan(make_request(*specs()[1:], prune=True), server).model_copy(update={"desired_digest": "after"})
    found = differences(reviewed, fresh, live_of(server, reviewed))
    assert found == ["new-bot: the plan file has a create that the files and the server no longer call for (the "
                     "files changed since the plan)"]
    undigested = reviewed.model_copy(update={"desired_digest": None})
    assert differences(undigested, fresh, live_of(server, reviewed)) == [
        "new-bot: the plan file has a create that the files and the server no longer call for (the files "
        "changed or the plan file was edited)"
    ]


def test_an_assistant_the_plan_saw_unchanged_that_now_differs_is_the_server_moving(
    server: MemoryServer, planned: Plan
) -> None:
    reviewed = planned.model_copy(
        update={"actions": tuple(a for a in planned.actions if a.id != "upd-bot"), "unchanged": ("upd-bot",)}
    )
    found = differences(reviewed, planned, live_of(server, planned))
    assert found == [
        "upd-bot: the files and the server now call for an update that the plan file does not have (the server "
        "moved: the plan saw it unchanged)"
    ]


# --- the smoke rollback ------------------------------------------------------------------------------

PING = {"input": {"text": "ping"}}


@pytest.fixture
def smoked(server: MemoryServer) -> Plan:
    """new-bot and upd-bot with a smoke case each: a create and an update with their planned rollback."""
    with_cases = [make_spec(s.id, **{**s.model_dump(exclude_unset=True, exclude={"id"}), "smoke": [PING]})
                  for s in specs()[:2]]
    return build_plan(make_request(*with_cases), server)


def test_the_planned_rollbacks_are_admitted(server: MemoryServer, smoked: Plan) -> None:
    assert [len(a.rollback) for a in smoked.actions] == [1, 3]  # type: ignore[union-attr]
    assert violations(server, smoked) == []


def test_a_rollback_without_smoke_cases_is_refused(server: MemoryServer, smoked: Plan) -> None:
    plan = edited(smoked, "upd-bot", smoke_cases=())
    assert violations(server, plan) == [f"upd-bot: rollback is listed without smoke cases{EDITED}"]


@pytest.mark.parametrize(
    "rollback",
    [
        ({"action": "delete"},),
        ({"action": "set_latest", "version": 7},),
        ({"action": "set_latest", "version": 1}, {"action": "delete", "repair": True}),
        (),
    ],
    ids=["delete", "another version", "a delete as repair", "none"],
)
def test_an_update_rollback_only_switches_back_to_the_version_before(
    server: MemoryServer, smoked: Plan, rollback: tuple[dict[str, Any], ...]
) -> None:
    plan = edited(smoked, "upd-bot", rollback=tuple(RollbackStep.model_validate(step) for step in rollback))
    assert violations(server, plan) == [
        "upd-bot: rollback is not the switch back to version 1 (set_latest, then only if it leaves fields behind "
        f"the repair update and set_latest){EDITED}"
    ]


def test_a_create_rollback_is_only_its_delete(server: MemoryServer, smoked: Plan) -> None:
    plan = edited(smoked, "new-bot", rollback=(RollbackStep(action="set_latest", version=1),))
    assert violations(server, plan) == [
        f"new-bot: rollback of a create is the delete of the assistant it created, and nothing else{EDITED}"
    ]


def test_a_renumbered_rollback_repair_differs_from_a_fresh_plan(server: MemoryServer, smoked: Plan) -> None:
    update = action(smoked, "upd-bot")
    assert isinstance(update, Update)
    renumbered = tuple(s.model_copy(update={"version": 9}) if s.action == "update" else s for s in update.rollback)
    plan = edited(smoked, "upd-bot", rollback=renumbered)
    assert violations(server, plan) == []
    assert differences(plan, smoked, live_of(server, plan)) == [
        f"upd-bot: rollback differ from a fresh plan's{EDITED}"
    ]
