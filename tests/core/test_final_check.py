"""Apply's verification pass after the last write: a deleted assistant that is back (a create that landed
late, another writer) turns the delete's outcome into a failure."""

from __future__ import annotations

from reconciler.applying.report import Outcome
from reconciler.applying.verification import final_check
from reconciler.errors import ServerError
from reconciler.planning.plan import Delete, Plan
from reconciler.planning.planner import build_plan
from tests.core.factories import OWNER, aid, make_request, make_server, owned
from tests.core.memory import URL


def planned_delete() -> tuple[Delete, Outcome]:
    server = make_server()
    server.seed(aid("gone"), {"name": "Gone", "metadata": owned("gone")})
    plan: Plan = build_plan(make_request(prune=True, max_deletes=1, allowed_deletes=1), server)
    (delete,) = plan.actions
    assert isinstance(delete, Delete)
    return delete, Outcome.of(delete, "applied")


def test_a_deleted_assistant_that_is_back_fails_the_delete() -> None:
    delete, outcome = planned_delete()
    server = make_server()
    server.seed(aid("gone"), {"name": "Gone", "metadata": owned("gone")})  # resurrected after the delete
    (checked,) = final_check(OWNER, [(delete, outcome)], server)
    assert (checked.status, checked.message) == (
        "failed",
        "verified when written, but at the end of the apply the assistant is back (a request that had timed out "
        "may have landed late); run `reconciler plan` to see the server as it is now",
    )


def test_a_deleted_assistant_that_stays_gone_keeps_its_outcome() -> None:
    delete, outcome = planned_delete()
    (checked,) = final_check(OWNER, [(delete, outcome)], make_server())
    assert checked == outcome


def test_an_owner_search_that_fails_leaves_unwritten_outcomes_as_they_were() -> None:
    delete, outcome = planned_delete()
    server = make_server()
    server.fail_next("list_owned", ServerError("HTTP 500: down", url=URL, status=500))
    not_attempted = Outcome.of(delete, "not_attempted", message="stopped after an earlier failure")
    checked = final_check(OWNER, [(delete, outcome), (delete, not_attempted)], server)
    assert [(o.status, o.message[:40]) for o in checked] == [
        ("failed", "verified when written, but at the end of"),
        ("not_attempted", "stopped after an earlier failure"),
    ]
