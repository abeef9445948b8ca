"""Hidden assistants: the server holds them (id taken, versions stored) but GET answers 404, because their
graph is no longer served. A create is never planned or retried over one; every message names the graph."""

from __future__ import annotations

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.errors import PlanError, ServerError
from reconciler.planning.planner import build_plan
from reconciler.server.live import HiddenAssistant
from reconciler.server.semantics import graph_not_found
from tests.core.factories import OWNER, SERVER, aid, make_request, make_server, make_spec, owned
from tests.core.memory import URL, MemoryServer


def hidden_message(assistant_id: str, graph: str) -> str:
    return HiddenAssistant(assistant_id, graph).describe(SERVER)


def test_the_message_names_the_graph_and_the_ways_out() -> None:
    assert hidden_message("a1", "typed") == (
        f"assistant a1 exists on {SERVER} but its graph 'typed' is not served by this deployment, so the server "
        "hides it (reads answer 404, a create with this id is refused as a duplicate); serve graph 'typed' again "
        "(langgraph.json `graphs`), or delete the assistant (`DELETE /assistants/a1` works on a hidden "
        "assistant), or give this assistant another `assistant_id`"
    )
    assert "its graph is not served" in HiddenAssistant("a1", None).describe(SERVER)


@pytest.mark.parametrize(
    ("metadata", "from_search"),
    [
        pytest.param(owned("bot"), True, id="managed, and the owner search hides it too"),
        pytest.param({"team": "x"}, False, id="never managed (an adoption by assistant_id)"),
    ],
)
def test_a_hidden_assistant_is_a_plan_error_naming_its_graph_never_a_create(
    metadata: dict[str, str], from_search: bool
) -> None:
    server = make_server()
    server.seed(aid("bot"), {"graph_id": "typed", "metadata": metadata})
    server.stop_serving("typed", from_search=from_search)
    with pytest.raises(PlanError) as caught:
        build_plan(make_request(make_spec("bot"), make_spec("other")), server)
    message = hidden_message(aid("bot"), "typed")
    assert caught.value.report() == f"assistants.d/bot.yaml:1:1: bot: assistant_id: {message}"
    assert server.calls["hidden"] == 2  # asked for the two specs nothing was found for, and only for them


def test_nothing_is_asked_about_hidden_assistants_when_every_spec_was_found() -> None:
    server = make_server()
    spec = make_spec("bot", name="Bot")
    server.seed(spec.resolved_assistant_id, spec.content(OWNER))
    assert build_plan(make_request(spec), server).actions == ()
    assert server.calls["hidden"] == 0


def test_a_managed_hidden_assistant_the_owner_search_still_lists_is_planned_from_its_row() -> None:
    """The in-memory runtime today: search lists it, PATCH works on it; moving it to a served graph is an update."""
    server = make_server()
    server.seed(aid("bot"), {"graph_id": "typed", "metadata": owned("bot")})
    server.stop_serving("typed")
    (update,) = build_plan(make_request(make_spec("bot")), server).actions
    assert (update.action, update.assistant_id) == ("update", aid("bot"))
    assert server.calls["hidden"] == 0


def test_a_create_refused_as_a_duplicate_of_a_hidden_assistant_fails_naming_its_graph() -> None:
    """Between plan and apply the id was taken on a graph that is no longer served: the 409 is explained, and
    nothing else is written in place of the create."""
    server: MemoryServer = make_server()
    planned = build_plan(make_request(make_spec("bot")), server)
    server.seed(aid("bot"), {"graph_id": "typed", "metadata": owned("bot")})
    server.stop_serving("typed", from_search=True)
    server.reset_calls()
    (outcome,) = apply_plan(planned, server).outcomes
    assert (outcome.status, outcome.message) == ("failed", hidden_message(aid("bot"), "typed"))
    assert server.log == []
    assert server.calls["create"] == 1


def test_a_duplicate_whose_versions_are_hidden_too_names_both_possible_causes() -> None:
    """No assistant and no version to read: hidden with its versions, or refused for its config (Aegra keeps one
    assistant per graph and config): the message names both, and nothing is written in place of the create."""
    server: MemoryServer = make_server()
    planned = build_plan(make_request(make_spec("bot")), server)
    server.seed(aid("bot"), {"graph_id": "typed", "metadata": owned("bot")})
    server.stop_serving("typed", from_search=True)
    server.fail_next("versions", ServerError(f"POST {URL}/assistants/x/versions -> 404: gone", url=URL, status=404))
    (outcome,) = apply_plan(planned, server).outcomes
    assert outcome.status == "failed"
    assert outcome.message is not None
    assert "another assistant of graph 'agent' has the identical config and context" in outcome.message
    assert outcome.message.endswith("; or " + HiddenAssistant(aid("bot"), None).describe(SERVER))
    assert server.log == []


@pytest.mark.parametrize(
    ("reason", "graph", "missing"),
    [
        pytest.param("Failed to extract schemas: Graph not found: typed", "typed", True, id="Aegra's 400"),
        pytest.param("Graph 'typed' not found. Expected one of: ['agent']", "typed", True, id="LangGraph's 404"),
        pytest.param("Graph not found: typed-v2", "typed", False, id="another graph"),
        pytest.param("Assistant '3f0c-typed' not found", "typed", False, id="the assistant is gone"),
        pytest.param("Failed to extract schemas: typed raised ValueError", "typed", False, id="a broken graph"),
    ],
)
def test_a_schema_read_refused_because_the_graph_is_not_found_says_the_graph_is_not_served(
    reason: str, graph: str, missing: bool
) -> None:
    """Aegra lists the assistants of a graph it no longer serves, even on a search filtered on that graph; only
    the schema read of one says the graph is gone, and that answer is what makes it "not served"."""
    assert graph_not_found(reason, graph) is missing
