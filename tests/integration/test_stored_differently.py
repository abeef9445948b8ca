"""A value the real server stores differently from what was sent: the in-memory runtime stores a NUL character
as U+FFFD; the Postgres-backed runtime refuses it (500) and stores nothing. Offline validation refuses it in files;
built here in Python, it shows that the readback catches the difference and that the next plan says so instead of
planning the same write again, and that on a server that refuses it nothing is written at all."""

from __future__ import annotations

import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.report import ApplyReport
from reconciler.desired.spec import AssistantSpec
from reconciler.errors import PlanError
from reconciler.planning.plan import Plan
from reconciler.planning.planner import build_plan
from reconciler.planning.request import PlanRequest
from reconciler.server.client import LangGraphClient
from reconciler.validation.schema import load_schemas
from tests.core.factories import make_desired
from tests.helpers import REPO_ROOT
from tests.integration.conftest import OWNER, Repo

pytestmark = pytest.mark.integration


def nul_bot(note: str) -> AssistantSpec:
    return AssistantSpec.model_validate(
        {"id": "nul-bot", "graph_id": "agent", "context": {"model_name": "openai"}, "metadata": {"note": note}}
    )


def plan_for(client: LangGraphClient, url: str, spec: AssistantSpec) -> Plan:
    schemas, _ = load_schemas(REPO_ROOT / "schemas", ["agent"])
    request = PlanRequest(desired=make_desired(spec), schemas=schemas, owner=OWNER, server=url)
    return build_plan(request, client)


def write_a_nul(client: LangGraphClient, url: str, first: str) -> ApplyReport:
    """Apply the NUL-holding spec, as a create or (after a plain version) as an update."""
    if first == "update":
        assert apply_plan(plan_for(client, url, nul_bot("plain")), client).ok
    return apply_plan(plan_for(client, url, nul_bot("a\x00b")), client)


@pytest.mark.parametrize("first", ["create", "update"])
def test_a_value_stored_differently_fails_the_readback_and_the_next_plan_names_it(
    repo: Repo, first: str, runtime: str
) -> None:
    if runtime in ("pg", "js"):
        pytest.skip("the Postgres-backed runtime refuses NUL, the LangGraph.js server keeps it: see the tests below")
    with LangGraphClient(repo.url) as client:
        report = write_a_nul(client, repo.url, first)
        with pytest.raises(PlanError) as again:
            plan_for(client, repo.url, nul_bot("a\x00b"))

    (outcome,) = report.outcomes
    assert (outcome.action, outcome.status) == (first, "failed")
    if runtime == "aegra" and first == "update":  # Aegra's PATCH answers with what was sent, not what it stored
        assert outcome.message.startswith(
            "verified when written, but at the end of the apply these fields differ from what was written: "
            "metadata.note"
        )
    else:
        assert outcome.message == "the server stored something else than was sent; these fields differ: metadata.note"
    (problem,) = again.value.problems
    assert (problem.assistant, problem.field) == ("nul-bot", "metadata.note")
    assert problem.message.startswith(
        "the server stores something else than was sent for metadata.note: version "
        f"{1 if first == 'create' else 2} was written from exactly these files and reads back differently"
    )
    assert len(repo.versions(repo.managed()["nul-bot"]["assistant_id"])) == (1 if first == "create" else 2)


@pytest.mark.parametrize("first", ["create", "update"])
def test_a_value_the_server_refuses_fails_the_write_and_stores_nothing(repo: Repo, first: str, runtime: str) -> None:
    if runtime != "pg":
        pytest.skip("the in-memory runtime stores NUL as U+FFFD: see the test above")
    with LangGraphClient(repo.url) as client:
        report = write_a_nul(client, repo.url, first)
        again = plan_for(client, repo.url, nul_bot("a\x00b"))

    (outcome,) = report.outcomes
    assert (outcome.action, outcome.status) == (first, "failed")
    assert "-> 500" in outcome.message
    assert [(action.action, action.id) for action in again.actions] == [(first, "nul-bot")]
    managed = repo.managed()
    if first == "create":
        assert "nul-bot" not in managed
    else:
        assert len(repo.versions(managed["nul-bot"]["assistant_id"])) == 1


@pytest.mark.parametrize("first", ["create", "update"])
def test_a_value_stored_as_sent_applies_and_plans_nothing_more(repo: Repo, first: str, runtime: str) -> None:
    if runtime != "js":
        pytest.skip("only the LangGraph.js server stores a NUL character as sent")
    with LangGraphClient(repo.url) as client:
        report = write_a_nul(client, repo.url, first)
        again = plan_for(client, repo.url, nul_bot("a\x00b"))

    assert [(outcome.action, outcome.status) for outcome in report.outcomes] == [(first, "applied")]
    assert again.actions == ()
    assert repo.managed()["nul-bot"]["metadata"]["note"] == "a\x00b"
