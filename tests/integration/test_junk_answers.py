"""An apply that meets an answer no LangGraph server gives (HTML, a redirect to a login page) half way:
the real CLI, through a proxy (tests/junkserver.py) in front of the real server that spoils one request.
It still prints its report of what was and was not written, on one error line, and the next plan shows
exactly the remainder."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Repo
from tests.junkserver import Answer, Request, junk_server

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

LOGIN_PAGE = Answer(200, b"<html><head><title>Sign in</title></head></html>", "text/html")
REDIRECT = Answer(302, b"", "text/html", {"location": "https://sso.example.com/login"})


@pytest.mark.parametrize("answer", [LOGIN_PAGE, REDIRECT], ids=["html", "redirect"])
def test_junk_on_the_second_create_still_reports_what_was_written(repo: Repo, answer: Answer) -> None:
    seen = [0]

    def spoil(request: Request) -> Answer | None:
        if (request.method, request.path) != ("POST", "/assistants"):
            return None
        seen[0] += 1
        return answer if seen[0] == 2 else None

    with junk_server(spoil, upstream=repo.url) as proxy:
        planned = repo.cli("plan", "--out", "plan.json", env={"RECONCILER_URL": proxy.url})
        assert planned.returncode == 0, planned.stderr
        result = repo.cli("apply", "plan.json", env={"RECONCILER_URL": proxy.url})

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    report = result.stdout.splitlines()
    failed = [line for line in report if "FAILED" in line]
    assert len(failed) == 1 and f"POST {proxy.url}/assistants -> " in failed[0], result.stdout
    created = [line.split()[2] for line in report if line.startswith("✓ created")]
    skipped = [line.split()[2].rstrip(":") for line in report if line.startswith("· create")]
    assert len(created) + len(skipped) == 2, result.stdout  # creates run in parallel: some may not start
    assert result.stderr.splitlines() == [
        f"error: Apply stopped: {len(created)} applied, 1 failed, {len(skipped)} not attempted. "
        "Run `reconciler plan` to see the remainder; `reconciler apply` finishes it."
    ]
    remainder = repo.plan_json()
    assert sorted(a["id"] for a in remainder["actions"] if a["action"] == "create") == sorted(
        [failed[0].split()[2], *skipped]
    )
    assert set(created) <= set(remainder["unchanged"])


def test_junk_instead_of_a_create_that_landed_fails_it_and_the_next_plan_sees_it(repo: Repo) -> None:
    """The proxy delivers the first create to the server and answers HTML instead of its response."""
    landed: list[str] = []

    def spoil(request: Request) -> Answer | None:
        if (request.method, request.path) != ("POST", "/assistants") or landed:
            return None
        if b'"reconciler/lock"' in request.body:  # the apply lock is created the same way: let it through
            return None
        response = repo.api.post("/assistants", content=request.body, headers={"content-type": "application/json"})
        landed.append(response.json()["metadata"]["reconciler/id"])
        return LOGIN_PAGE

    with junk_server(spoil, upstream=repo.url) as proxy:
        repo.cli("plan", "--out", "plan.json", env={"RECONCILER_URL": proxy.url})
        result = repo.cli("apply", "plan.json", env={"RECONCILER_URL": proxy.url})

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"✗ create {landed[0]} FAILED: POST {proxy.url}/assistants -> 200: unexpected answer: an HTML page " \
        "('Sign in') instead of JSON" in result.stdout
    assert result.stderr.startswith("error: Apply stopped: ") and len(result.stderr.splitlines()) == 1
    assert landed[0] in repo.plan_json()["unchanged"]
