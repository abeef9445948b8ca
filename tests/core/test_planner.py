from __future__ import annotations

import copy
from typing import Any

import pytest

from reconciler.desired.spec import DIGEST_KEY, ID_KEY, OWNER_KEY, AssistantSpec
from reconciler.errors import PlanError
from reconciler.planning.plan import Change, Create, Delete, Expected, Impact, Plan, Repair, SetLatest, Update
from reconciler.planning.planner import build_plan
from reconciler.planning.request import desired_digest
from reconciler.planning.spec_planner import NUMERIC_PIN_HINT
from reconciler.server.live import LiveAssistant
from reconciler.server.semantics import content_digest, with_provenance
from reconciler.server.semantics import full_state_body as update_body
from reconciler.validation.schema import GraphSchema
from tests.core.factories import OWNER, SCHEMAS, SERVER, aid, make_request, make_server, make_spec, owned
from tests.core.memory import MemoryServer

SYSTEM_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"


def plan(server: MemoryServer, *specs: AssistantSpec, **kwargs: Any) -> Plan:
    return build_plan(make_request(*specs, **kwargs), server)


def plan_problems(server: MemoryServer, *specs: AssistantSpec, **kwargs: Any) -> list[str]:
    with pytest.raises(PlanError) as caught:
        plan(server, *specs, **kwargs)
    assert str(caught.value) == f"cannot plan: {len(caught.value.problems)} problem(s)"
    return caught.value.report().splitlines()


def digest(*specs: AssistantSpec) -> str:
    return desired_digest(make_request(*specs))


def seen(live: LiveAssistant) -> Expected:
    return Expected(exists=True, version=live.version, updated_at=live.updated_at)


def support_spec(**fields: Any) -> AssistantSpec:
    defaults: dict[str, Any] = {"name": "Support", "context": {"model_name": "openai"}, "metadata": {"team": "s"}}
    return make_spec("support-bot", **{**defaults, **fields})


def seed_spec(server: MemoryServer, spec: AssistantSpec, *older: dict[str, Any]) -> LiveAssistant:
    """The spec's assistant, managed and matching (after the ``older`` versions)."""
    return server.seed(spec.resolved_assistant_id, *older, spec.content(OWNER))


# --- create / unchanged / update --------------------------------------------------------------------


def test_missing_assistant_is_created_with_the_fixed_id_and_ownership() -> None:
    server = make_server()
    spec = support_spec(config={"recursion_limit": 25})
    body: dict[str, Any] = {
        "assistant_id": aid("support-bot"),
        "graph_id": "agent",
        "name": "Support",
        "context": {"model_name": "openai"},  # no description: left out, not null (the JS server refuses null)
        "config": {"recursion_limit": 25},
        "metadata": {
            "team": "s",
            ID_KEY: "support-bot",
            OWNER_KEY: OWNER,
            DIGEST_KEY: content_digest(spec.content(OWNER)),
        },
        "if_exists": "raise",
    }
    changes = (
        Change(path="config.recursion_limit", after=25),
        Change(path="context.model_name", after="openai"),
        Change(path="graph_id", after="agent"),
        Change(path="metadata.reconciler/id", after="support-bot"),
        Change(path="metadata.reconciler/owner", after=OWNER),
        Change(path="metadata.team", after="s"),
        Change(path="name", after="Support"),
    )
    create = Create(
        id="support-bot",
        assistant_id=aid("support-bot"),
        graph_id="agent",
        expected=Expected(exists=False),
        changes=changes,
        body=body,
    )
    assert plan(server, spec) == Plan(server=SERVER, owner=OWNER, actions=(create,), desired_digest=digest(spec))
    assert server.calls == {"graph_schema": 1, "list_owned": 1, "get": 1, "hidden": 1}


def test_name_defaults_to_the_id() -> None:
    (create,) = plan(make_server(), make_spec("faq")).actions
    assert isinstance(create, Create)
    assert create.body["name"] == "faq"


def test_matching_assistant_is_unchanged_without_any_further_call() -> None:
    server = make_server()
    spec = support_spec()
    seed_spec(server, spec)
    expected = Plan(server=SERVER, owner=OWNER, unchanged=("support-bot",), desired_digest=digest(spec))
    assert plan(server, spec) == expected
    assert server.calls == {"graph_schema": 1, "list_owned": 1}


def test_unchanged_despite_server_only_differences() -> None:
    server = make_server()
    spec = support_spec(config={"tags": ["a"]})
    live_content = {
        **spec.content(OWNER),
        "description": "",
        "config": {"tags": ["a"], "configurable": {"model_name": "openai"}},
        "metadata": {**spec.content(OWNER)["metadata"], "dropped": None},
    }
    server.seed(aid("support-bot"), live_content)
    assert plan(server, spec).unchanged == ("support-bot",)
    assert server.calls == {"graph_schema": 1, "list_owned": 1}


def test_update_body_is_the_full_state_with_dropped_keys_null_and_description_empty() -> None:
    server = make_server()
    live = server.seed(
        aid("support-bot"),
        {
            "name": "Support",
            "description": "old text",
            "context": {"model_name": "anthropic", "temperature": 0.5},
            "config": {"tags": ["x"], "configurable": {"model_name": "anthropic", "temperature": 0.5}},
            "metadata": owned("support-bot", team="s", retired="yes"),
        },
    )
    update = Update(
        id="support-bot",
        assistant_id=aid("support-bot"),
        graph_id="agent",
        expected=seen(live),
        changes=(
            Change(path="config.tags", before=["x"], after=None),
            Change(path="context.model_name", before="anthropic", after="openai"),
            Change(path="context.temperature", before=0.5, after=None),
            Change(path="description", before="old text", after=""),
            Change(path="metadata.retired", before="yes", after=None),
        ),
        body={
            "graph_id": "agent",
            "name": "Support",
            "description": "",
            "context": {"model_name": "openai"},
            "config": {},
            "metadata": {
                "team": "s",
                ID_KEY: "support-bot",
                OWNER_KEY: OWNER,
                DIGEST_KEY: content_digest(support_spec().content(OWNER)),
                "retired": None,
            },
        },
        cause="outside",
    )
    expected = Plan(server=SERVER, owner=OWNER, actions=(update,), desired_digest=digest(support_spec()))
    assert plan(server, support_spec()) == expected
    assert server.calls == {"graph_schema": 1, "list_owned": 1, "versions": 1}


def test_update_body_never_carries_configurable() -> None:
    body = update_body(
        {"graph_id": "agent", "name": None, "config": {"tags": [], "configurable": {"a": 1}}},
        {"metadata": {"gone": 1, "already_null": None}},
    )
    assert body == {
        "graph_id": "agent",
        "name": "",
        "description": "",
        "context": {},
        "config": {"tags": []},
        "metadata": {"gone": None},
    }


def test_update_of_unowned_assistant_is_an_adoption() -> None:
    server = make_server()
    spec = support_spec()
    content = spec.content(OWNER)
    live = server.seed(aid("support-bot"), {**content, "metadata": {"team": "s"}})
    (update,) = plan(server, spec).actions
    assert update == Update(
        id="support-bot",
        assistant_id=aid("support-bot"),
        graph_id="agent",
        expected=seen(live),
        changes=(
            Change(path="metadata.reconciler/id", after="support-bot"),
            Change(path="metadata.reconciler/owner", after=OWNER),
        ),
        body={**content, "description": "", "metadata": {**content["metadata"], DIGEST_KEY: content_digest(content)}},
        adopt=True,
        cause="outside",
    )
    assert server.calls == {"graph_schema": 1, "list_owned": 1, "get": 1, "versions": 1}


def test_adoption_through_an_explicit_assistant_id() -> None:
    server = make_server()
    explicit = "11111111-1111-4111-8111-111111111111"
    spec = make_spec("legacy-bot", assistant_id=explicit.upper().replace("-", ""))
    server.seed(explicit, {"name": "legacy-bot"})
    (update,) = plan(server, spec).actions
    assert isinstance(update, Update)
    assert (update.assistant_id, update.adopt) == (explicit, True)


def test_cause_is_files_when_the_live_version_is_the_reconcilers_own_and_outside_after_an_edit() -> None:
    server = make_server()
    written = with_provenance(support_spec(name="Old").content(OWNER), "ab" * 20)
    server.seed(aid("support-bot"), written)
    (update,) = plan(server, support_spec()).actions
    assert isinstance(update, Update) and update.cause == "files"

    edited = make_server()
    edited.seed(aid("support-bot"), written, {**written, "context": {"model_name": "anthropic"}})
    (update,) = plan(edited, support_spec(name="Old", context={"model_name": "openai", "temperature": 1})).actions
    assert isinstance(update, Update) and (update.cause, update.expected.version) == ("outside", 2)


# --- rollback and pin -------------------------------------------------------------------------------


def test_desired_content_of_an_older_version_reactivates_it() -> None:
    server = make_server()
    spec = support_spec()
    wanted = spec.content(OWNER)
    newer = {**wanted, "context": {"model_name": "anthropic"}}
    server.seed(aid("support-bot"), wanted, {**wanted, "name": "Mid"})
    live = server.seed(aid("support-bot"), wanted, {**wanted, "name": "Mid"}, newer)
    set_latest = SetLatest(
        id="support-bot",
        assistant_id=aid("support-bot"),
        graph_id="agent",
        expected=seen(live),
        changes=(Change(path="context.model_name", before="anthropic", after="openai"),),
        version=1,
        reason="rollback",
        content={**wanted, "description": ""},
        cause="outside",
        repairs=(Repair(action="update", version=4),),
    )
    assert plan(server, spec) == Plan(server=SERVER, owner=OWNER, actions=(set_latest,), desired_digest=digest(spec))


def test_rollback_picks_the_newest_matching_version() -> None:
    server = make_server()
    spec = support_spec()
    wanted = spec.content(OWNER)
    server.seed(aid("support-bot"), wanted, {**wanted, "name": "B"}, wanted, {**wanted, "name": "D"})
    (action,) = plan(server, spec).actions
    assert isinstance(action, SetLatest)
    assert (action.version, action.reason) == (3, "rollback")


def pinned_server(*, active: int = 3) -> tuple[MemoryServer, list[dict[str, Any]]]:
    server = make_server()
    base = support_spec().content(OWNER)
    versions = [
        {**base, "context": {"model_name": "openai", "system_prompt": f"v{n}"}, "name": f"Support v{n}"}
        for n in (1, 2, 3)
    ]
    server.seed(aid("support-bot"), *versions, active=active)
    return server, versions


def test_pin_reactivates_the_pinned_version() -> None:
    server, versions = pinned_server()
    live = server.get(aid("support-bot"))
    assert live is not None
    server.reset_calls()
    action = plan(server, make_spec("support-bot", pin=2)).actions
    assert action == (
        SetLatest(
            id="support-bot",
            assistant_id=aid("support-bot"),
            graph_id="agent",
            expected=seen(live),
            changes=(
                Change(path="context.system_prompt", before="v3", after="v2"),
                Change(path="name", before="Support v3", after="Support v2"),
            ),
            version=2,
            reason="pin",
            content={**versions[1], "description": ""},
            cause="outside",
            repairs=(Repair(action="update", version=4), Repair(action="set_latest", version=2)),
        ),
    )
    assert server.calls == {"graph_schema": 1, "list_owned": 1, "versions": 1}


def test_pin_equal_to_the_active_version_is_unchanged() -> None:
    server, _ = pinned_server(active=2)
    assert plan(server, make_spec("support-bot", pin=2)).unchanged == ("support-bot",)


def test_pin_whose_declared_fields_match_is_allowed() -> None:
    server, _ = pinned_server()
    spec = make_spec("support-bot", pin=1, name="Support v1", metadata={"team": "s"}, description="")
    (action,) = plan(server, spec).actions
    assert isinstance(action, SetLatest)
    assert (action.version, action.reason) == (1, "pin")


def test_pin_on_the_active_version_whose_row_diverged_is_set_again() -> None:
    server, versions = pinned_server()
    server.set_latest_mode = "keeps_context"
    server.set_latest(aid("support-bot"), 2)  # active: version 2, but context of version 3
    (action,) = plan(server, make_spec("support-bot", pin=2)).actions
    assert isinstance(action, SetLatest)
    assert action.version == 2
    assert action.changes == (Change(path="context.system_prompt", before="v3", after="v2"),)


def test_pin_of_a_missing_version_is_an_error() -> None:
    server, _ = pinned_server()
    assert plan_problems(server, make_spec("support-bot", pin=7)) == [
        "assistants.d/support-bot.yaml:3:6: support-bot: pin: version 7 does not exist on http://memory.test "
        "(active version is 3); " + NUMERIC_PIN_HINT
    ]


def test_pin_with_declared_fields_that_differ_names_them() -> None:
    server, _ = pinned_server()
    spec = make_spec("support-bot", pin=1, name="Other", context={"model_name": "openai"}, config={"tags": []})
    assert plan_problems(server, spec) == [
        "assistants.d/support-bot.yaml:6:6: support-bot: pin: the file's name, context differ from version 1's; "
        "remove them or make them equal"
    ]


def test_pin_on_an_assistant_that_does_not_exist_yet() -> None:
    assert plan_problems(make_server(), make_spec("new-bot", pin=2)) == [
        "assistants.d/new-bot.yaml:3:6: new-bot: pin: pins version 2 but the assistant does not exist on "
        "http://memory.test yet; " + NUMERIC_PIN_HINT
    ]
    (create,) = plan(make_server(), make_spec("new-bot", pin=1)).actions
    assert isinstance(create, Create)


# --- refusals -----------------------------------------------------------------------------------------


def test_assistant_owned_by_another_owner_is_not_taken_over() -> None:
    server = make_server()
    server.seed(aid("support-bot"), {"metadata": owned("support-bot", owner="billing")})
    assert plan_problems(server, support_spec()) == [
        f"assistants.d/support-bot.yaml:1:1: support-bot: assistant_id: assistant {aid('support-bot')} is owned "
        "by 'billing', not 'default'; not taking it over. If another environment or repository manages it on "
        "this server, give this one its own `owner` or `id_namespace` in reconciler.yaml, or set a distinct "
        "`assistant_id`"
    ]


def test_system_assistant_is_never_managed() -> None:
    server = make_server()
    server.seed(SYSTEM_ID, {"name": "agent", "metadata": {"created_by": "system"}})
    spec = make_spec("agent-default", assistant_id=SYSTEM_ID)
    assert plan_problems(server, spec) == [
        "assistants.d/agent-default.yaml:3:15: agent-default: assistant_id: is a system assistant "
        "(created_by: system); never managed"
    ]


def test_graph_problems_are_all_reported() -> None:
    server = make_server()
    server.graphs["typed"] = GraphSchema("typed", {"type": "object", "properties": {}}, None)
    specs = (
        make_spec("a", graph_id="nope"),
        make_spec("b", graph_id="typed", context={"system_prompt": "hi"}),
        make_spec("c", graph_id="typed"),
    )
    assert plan_problems(server, *specs) == [
        "assistants.d/a.yaml:2:11: a: graph_id: graph 'nope' is not served by http://memory.test",
        "assistants.d/b.yaml:3:1: b: context.system_prompt: the graph served by http://memory.test would not "
        "accept it: unknown context key: graph 'typed' declares no context schema; the server would drop it silently",
    ]
    assert server.calls["graph_schema"] == 2


def test_a_key_added_on_the_server_only_warns_with_a_key_level_summary() -> None:
    server = make_server()
    added = {"type": "object", "properties": {"system_prompt": {"type": "string"}, "tone": {"type": "string"}}}
    server.graphs["typed"] = GraphSchema("typed", added, None)
    result = plan(server, make_spec("b", graph_id="typed", context={"system_prompt": "hi"}))
    assert result.warnings == (
        "schemas/graphs/typed.json differs from the schema of graph 'typed' on http://memory.test (context keys "
        "on the server: added tone); every context is valid against both",
    )


# --- prune, --only, order -----------------------------------------------------------------------------


def leftovers_server() -> tuple[MemoryServer, LiveAssistant]:
    server = make_server()
    old = server.seed(aid("old-bot"), {"name": "Old bot", "metadata": owned("old-bot")})
    server.seed(aid("stray"), {"name": "stray"})
    server.seed(aid("theirs"), {"metadata": owned("theirs", owner="billing")})
    server.seed(SYSTEM_ID, {"name": "agent", "metadata": {"created_by": "system", OWNER_KEY: OWNER}})
    return server, old


def test_prune_deletes_only_owned_leftovers() -> None:
    server, old = leftovers_server()
    result = plan(server, make_spec("faq"), prune=True, allowed_deletes=1)
    assert [a.action for a in result.actions] == ["create", "delete"]
    assert result.actions[1] == Delete(
        id="old-bot",
        assistant_id=aid("old-bot"),
        graph_id="agent",
        expected=seen(old),
        name="Old bot",
        impact=Impact(crons=(), threads=0),
    )
    assert result.warnings == ()


def test_delete_shows_its_impact_read_only_for_deletes() -> None:
    server, _ = leftovers_server()
    server.threads[aid("old-bot")] = 7
    server.crons[aid("old-bot")] = ["cron-b", "cron-a"]
    result = plan(server, make_spec("faq"), prune=True, allow_delete_with_crons=True, allowed_deletes=1)
    delete = result.actions[1]
    assert isinstance(delete, Delete)
    assert delete.impact == Impact(crons=("cron-a", "cron-b"), threads=7)
    assert server.calls["crons_using"] == 1 and server.calls["threads_count"] == 1


def test_no_impact_calls_without_a_delete() -> None:
    server, _ = leftovers_server()
    plan(server, make_spec("faq"))
    assert server.calls["crons_using"] == 0 and server.calls["threads_count"] == 0


def test_deleting_an_assistant_that_crons_use_is_a_plan_error() -> None:
    server, _ = leftovers_server()
    server.crons[aid("old-bot")] = ["cron-1"]
    assert plan_problems(server, make_spec("faq"), prune=True, allowed_deletes=1) == [
        f"--prune:1:1: old-bot: assistant {aid('old-bot')} is used by 1 cron(s): cron-1; deleting it would "
        "delete them too. Delete or move the crons first, or pass --allow-delete-with-crons"
    ]


def test_leftovers_without_prune_are_a_warning() -> None:
    server, _ = leftovers_server()
    server.seed(aid("older"), {"metadata": owned("older")})
    result = plan(server, make_spec("faq"))
    assert [a.action for a in result.actions] == ["create"]
    assert result.warnings == ("2 managed assistant(s) no longer in the files (kept; --prune deletes): old-bot, older",)


def test_only_plans_the_matching_specs_and_nothing_else() -> None:
    server, _ = leftovers_server()
    specs = (make_spec("support-bot"), make_spec("support-faq"), make_spec("billing", graph_id="typed"))
    result = plan(server, *specs, prune=True, only=("support-*", "nomatch"))
    assert [(a.action, a.id) for a in result.actions] == [("create", "support-bot"), ("create", "support-faq")]
    assert result.warnings == ()
    assert server.calls == {"graph_schema": 1, "list_owned": 1, "get": 2, "hidden": 2}


def test_only_matching_nothing_is_an_error() -> None:
    assert plan_problems(make_server(), make_spec("faq"), only=("support-*", "x")) == [
        "--only:1:1: no assistant id matches support-*, x"
    ]


def test_actions_are_ordered_create_update_set_latest_delete() -> None:
    server = make_server()
    server.seed(aid("zz-gone"), {"metadata": owned("zz-gone")})
    rolled = make_spec("b-rolled", name="R")
    server.seed(aid("b-rolled"), rolled.content(OWNER), {**rolled.content(OWNER), "name": "R2"})
    updated = make_spec("c-updated", name="U")
    server.seed(aid("c-updated"), {**updated.content(OWNER), "name": "U0"})
    same = make_spec("a-same")
    seed_spec(server, same)
    result = plan(server, make_spec("z-new"), rolled, updated, same, make_spec("a-new"), prune=True)
    assert [(a.action, a.id) for a in result.actions] == [
        ("create", "a-new"),
        ("create", "z-new"),
        ("update", "c-updated"),
        ("set_latest", "b-rolled"),
        ("delete", "zz-gone"),
    ]
    assert result.summary() == {"create": 2, "update": 1, "set_latest": 1, "delete": 1, "unchanged": 1}
    assert result.unchanged == ("a-same",)


# --- sensitive values ---------------------------------------------------------------------------------


def test_sensitive_changes_are_flagged_by_schema_and_by_name() -> None:
    server = make_server()
    spec = make_spec(
        "vault",
        context={"endpoint": "https://internal", "openai_api_key": "sk-1", "model_name": "openai"},
        metadata={"webhook_secret": "w", "max_tokens_note": "n"},
    )
    (create,) = plan(server, spec).actions
    assert {c.path: c.sensitive for c in create.changes} == {
        "context.endpoint": True,
        "context.model_name": False,
        "context.openai_api_key": True,
        "graph_id": False,
        "metadata.max_tokens_note": False,
        "metadata.reconciler/id": False,
        "metadata.reconciler/owner": False,
        "metadata.webhook_secret": True,
        "name": False,
    }


def test_sensitive_flag_on_updates_and_rollbacks() -> None:
    server = make_server()
    spec = make_spec("vault", context={"endpoint": "new"})
    server.seed(aid("vault"), {**spec.content(OWNER), "context": {"endpoint": "old"}})
    (update,) = plan(server, spec).actions
    assert update.changes == (Change(path="context.endpoint", before="old", after="new", sensitive=True),)


def test_update_body_clears_tags_explicitly_when_the_context_empties() -> None:
    desired = {"graph_id": "agent", "name": "n", "context": {}, "config": {}}
    live = {"config": {"tags": ["a"], "recursion_limit": 3}}
    assert update_body(desired, live)["config"] == {"tags": []}
    assert update_body({**desired, "context": {"a": 1}}, live)["config"] == {}
    assert update_body({**desired, "config": {"tags": ["b"]}}, live)["config"] == {"tags": ["b"]}


def test_pin_to_a_version_without_ownership_metadata_warns() -> None:
    server = make_server()
    server.seed(aid("old"), {"metadata": {"team": "a"}}, {"metadata": owned("old")})
    spec = make_spec("old", pin=1)
    planned = build_plan(make_request(spec), server)
    assert [a.action for a in planned.actions] == ["set_latest"]
    assert planned.warnings == (
        "old: version 1 does not carry the ownership metadata (written before reconciler managed it): "
        "while it is active, --prune and the owner search do not see this assistant",
    )


# --- prune safety -------------------------------------------------------------------------------------


def many_leftovers(count: int) -> MemoryServer:
    server = make_server()
    for n in range(count):
        server.seed(aid(f"old-{n:02d}"), {"metadata": owned(f"old-{n:02d}")})
    return server


def test_more_deletes_than_max_deletes_are_refused() -> None:
    server = many_leftovers(4)
    seed_spec(server, make_spec("keep"))
    assert plan_problems(server, make_spec("keep"), prune=True, max_deletes=3) == [
        "--prune:1:1: the plan would delete 4 assistant(s), more than max_deletes (3): old-00, old-01, old-02, "
        "old-03; pass --max-deletes 4 to plan and apply if that is intended"
    ]
    allowed = plan(server, make_spec("keep"), prune=True, max_deletes=3, allowed_deletes=4)
    assert [a.action for a in allowed.actions] == ["delete"] * 4


def test_deleting_every_managed_assistant_needs_max_deletes() -> None:
    server = many_leftovers(2)
    assert plan_problems(server, prune=True) == [
        "--prune:1:1: the plan would delete 2 assistant(s), every assistant this owner manages (is assistants.d "
        "empty or the wrong folder?): old-00, old-01; pass --max-deletes 2 to plan and apply if that is intended"
    ]
    assert len(plan(server, prune=True, allowed_deletes=2).actions) == 2
    assert plan_problems(server, prune=True, allowed_deletes=1)[0].startswith(
        "--prune:1:1: the plan would delete 2 assistant(s), more than max_deletes (1)"
    )


def test_deletes_within_the_limit_need_no_flag() -> None:
    server = many_leftovers(3)
    seed_spec(server, make_spec("keep"))
    assert [a.action for a in plan(server, make_spec("keep"), prune=True).actions] == ["delete"] * 3


# --- never the same update twice ----------------------------------------------------------------------


def test_a_version_written_from_these_files_that_reads_back_differently_is_a_plan_error() -> None:
    server = make_server()
    spec = make_spec("nul", metadata={"note": "a\x00b"})
    desired = with_provenance(spec.content(OWNER), None)
    stored = {**desired, "metadata": {**desired["metadata"], "note": "a\ufffdb"}}
    server.seed(aid("nul"), stored)
    assert plan_problems(server, spec) == [
        "assistants.d/nul.yaml:3:11: nul: metadata.note: the server stores something else than was sent for "
        "metadata.note: version 1 was written from exactly these files and reads back differently (a server "
        "changes some values as it stores them, e.g. a NUL character becomes U+FFFD); writing it again would "
        "never converge: change the value in the file"
    ]


def test_a_version_written_from_other_files_is_updated() -> None:
    server = make_server()
    before = with_provenance(make_spec("bot", metadata={"note": "old"}).content(OWNER), None)
    server.seed(aid("bot"), before)
    (action,) = plan(server, make_spec("bot", metadata={"note": "new"})).actions
    assert action.action == "update"


def test_an_outside_edit_that_kept_the_digest_is_rolled_back_not_refused() -> None:
    server = make_server()
    spec = make_spec("bot", metadata={"note": "mine"})
    desired = with_provenance(spec.content(OWNER), None)
    server.seed(aid("bot"), desired, {**desired, "name": "renamed in Studio"})  # metadata merged: digest kept
    (action,) = plan(server, spec).actions
    assert (action.action, getattr(action, "version", None)) == ("set_latest", 1)


def test_a_create_resembling_a_leftover_is_flagged_as_a_likely_rename_and_an_unlike_one_is_not() -> None:
    server = make_server()
    old = support_spec()
    server.seed(aid("support-bot"), old.content(OWNER))
    renamed = make_spec("help-bot", name="Support", context={"model_name": "openai"}, metadata={"team": "s"})
    unlike = make_spec("other", name="Other", context={"model_name": "anthropic"}, metadata={"team": "x"})

    (hint, leftover) = plan(server, renamed, unlike).warnings

    assert hint.startswith(f"help-bot looks like a rename of support-bot (assistant {aid('support-bot')}")
    assert f"add `assistant_id: {aid('support-bot')}` to assistants.d/help-bot.yaml" in hint
    assert leftover.startswith("1 managed assistant(s) no longer in the files")
    assert plan(server, unlike).warnings == (leftover,)


def test_desired_digest_changes_with_the_files_and_the_owner_but_not_with_file_order() -> None:
    first, second = make_spec(id="a"), make_spec(id="b", context={"model_name": "openai"})
    assert digest(first, second) == digest(second, first)
    assert digest(first, second) != digest(first, make_spec(id="b", context={"model_name": "anthropic"}))
    assert digest(first, second) != digest(first)
    assert desired_digest(make_request(first, owner="other")) != digest(first)
    assert desired_digest(make_request(first, prune=True)) != digest(first)


class _IgnoresOwnerFilter(MemoryServer):
    """A server whose owner search returns every row: the filter is the server's word, not proof."""

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        return [LiveAssistant.model_validate(copy.deepcopy(row)) for row in self._active.values()]


def test_prune_rechecks_every_row_the_owner_search_returns() -> None:
    server = _IgnoresOwnerFilter(dict(SCHEMAS))
    server.seed(aid("old-bot"), {"name": "Old bot", "metadata": owned("old-bot")})
    server.seed(aid("stray"), {"name": "stray"})
    server.seed(aid("theirs"), {"metadata": owned("theirs", owner="billing")})
    server.seed(aid("no-id"), {"metadata": {OWNER_KEY: OWNER}})
    server.seed(aid("lock"), {"metadata": {OWNER_KEY: OWNER, ID_KEY: "lock", "reconciler/lock": OWNER}})
    server.seed(SYSTEM_ID, {"name": "agent", "metadata": {"created_by": "system", **owned("agent")}})

    result = plan(server, make_spec("faq"), prune=True, allowed_deletes=5)

    assert [(a.action, a.id) for a in result.actions] == [("create", "faq"), ("delete", "old-bot")]
