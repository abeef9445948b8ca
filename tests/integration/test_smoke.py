"""Smoke cases and delete impact against the real server, with graph ``flaky`` (graphs/flaky.py): it echoes
``<greeting>: <text>``, raises for ``behaviour: fail`` and sleeps for ``behaviour: sleep``."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.applying.apply import apply_plan
from reconciler.applying.smoke_apply import run_smoke
from reconciler.commands.base import PlanOptions, make_plan
from reconciler.desired.spec import default_assistant_id
from reconciler.server.client import LangGraphClient
from reconciler.settings import load_settings
from tests.helpers import REPO_ROOT
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration

ECHO = default_assistant_id("echo-bot")
FILE = "assistants.d/echo.yaml"


def echo_file(*, context: str = "greeting: pong", timeout: int = 20, expect: str = "pong: ping") -> str:
    return (
        "id: echo-bot\ngraph_id: flaky\ncontext:\n"
        + "".join(f"  {line}\n" for line in context.split("; "))
        + f"smoke:\n  - input: {{text: ping}}\n    timeout: {timeout}\n    expect_contains: \"{expect}\"\n"
    )


def reply(repo: Repo) -> str:
    response = repo.api.post("/runs/wait", json={"assistant_id": ECHO, "input": {"text": "ping"}}, timeout=30)
    response.raise_for_status()
    return str(response.json()["reply"])


def active_version(repo: Repo) -> int:
    return int(repo.api.get(f"/assistants/{ECHO}").json()["version"])


@pytest.fixture
def echo(repo: Repo) -> Repo:
    """echo-bot applied at version 1 (its smoke case passed)."""
    repo.write(FILE, echo_file())
    result = repo.cli("apply", "--auto-approve", "--only", "echo-bot")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ smoke echo-bot: 1 smoke case(s) passed on version 1" in result.stdout
    return repo


def test_plan_shows_the_smoke_cases(repo: Repo) -> None:
    repo.write(FILE, echo_file())
    result = repo.cli("plan", "--only", "echo-bot")
    assert "      smoke: 1 case(s) run after apply; a failing one switches the assistant back\n" in result.stdout
    assert '        case 1: input (text), timeout 20s, expects "pong: ping"\n' in result.stdout
    assert (
        "        if a case fails, apply switches it back with:\n"
        "          delete (the assistant this apply created)\n"
    ) in result.stdout
    (action,) = repo.plan_json("--only", "echo-bot")["actions"]
    assert action["smoke"] == 1 and "smoke_cases" not in action
    assert action["rollback"] == [{"action": "delete", "version": None, "repair": False}]
    markdown = repo.cli("plan", "--only", "echo-bot", "--format", "markdown").stdout
    assert "**Smoke-tested:** 1 case(s) run after apply" in markdown


def test_passing_case_keeps_the_new_version(echo: Repo) -> None:
    echo.write(FILE, echo_file(context="greeting: hello", expect="hello: ping"))
    result = echo.cli("apply", "--auto-approve", "--only", "echo-bot")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ smoke echo-bot: 1 smoke case(s) passed on version 2" in result.stdout
    assert active_version(echo) == 2 and reply(echo) == "hello: ping"


def test_failing_case_rolls_back_to_the_previous_version(echo: Repo, runtime: str) -> None:
    echo.write(FILE, echo_file(context="greeting: pong; behaviour: fail"))
    (planned,) = echo.plan_json("--only", "echo-bot")["actions"]
    assert planned["rollback"] == [
        {"action": "set_latest", "version": 1, "repair": False},
        {"action": "update", "version": 3, "repair": True},
        {"action": "set_latest", "version": 1, "repair": True},
    ]
    result = echo.cli("apply", "--auto-approve", "--only", "echo-bot")
    assert result.returncode == 1, result.stdout + result.stderr
    error = "Error" if runtime == "aegra" else "RuntimeError"  # Aegra names every exception a graph raises Error
    assert (
        f"✗ smoke echo-bot rolled back: case 1: the run failed: {error}: flaky: this context is configured "
        "to fail\n    version 1 is active again (verified" in result.stdout
    )
    # Only the planned writes: the in-memory runtime's set_latest keeps the newer context (the repair runs),
    # the Postgres-backed one restores it (set_latest alone).
    made = result.stdout.split("planned rollback writes made (")[1].split("\n")[0]
    assert made in (
        "3 of 3): set_latest → version 1; update → new version 3 with version 1's content; "
        "set_latest → version 1 again",
        "1 of 3): set_latest → version 1",
    )
    assert active_version(echo) == 1 and reply(echo) == "pong: ping"
    live = echo.api.get(f"/assistants/{ECHO}").json()
    assert live["context"] == {"greeting": "pong"}
    (pending,) = echo.plan_json("--only", "echo-bot")["actions"]
    assert (pending["action"], pending["id"], pending["smoke"]) in {
        ("set_latest", "echo-bot", 1),
        ("update", "echo-bot", 1),
    }


def test_failing_expectation_rolls_back(echo: Repo) -> None:
    echo.write(FILE, echo_file(context="greeting: bonjour", expect="pong: ping"))
    result = echo.cli("apply", "--auto-approve", "--only", "echo-bot", "--format", "json")
    assert result.returncode == 1
    (smoke,) = json.loads(result.stdout)["smoke"]
    assert smoke["status"] == "rolled_back"
    assert smoke["reason"] == (
        'case 1: the output does not contain "pong: ping": {"text": "ping", "reply": "bonjour: ping"}'
    )
    assert active_version(echo) == 1 and reply(echo) == "pong: ping"


def test_timeout_rolls_back(echo: Repo) -> None:
    echo.write(FILE, echo_file(context="behaviour: sleep; sleep_seconds: 30", timeout=2))
    result = echo.cli("apply", "--auto-approve", "--only", "echo-bot")
    assert result.returncode == 1
    assert "✗ smoke echo-bot rolled back: case 1: no result within 2s" in result.stdout
    assert active_version(echo) == 1 and reply(echo) == "pong: ping"


def test_failing_create_is_deleted_and_planned_again(repo: Repo) -> None:
    repo.write(FILE, echo_file(context="behaviour: fail"))
    result = repo.cli("apply", "--auto-approve", "--only", "echo-bot")
    assert result.returncode == 1
    assert "deleted the assistant this apply created (it did not exist before)" in result.stdout
    assert "planned rollback writes made (1 of 1): delete (the assistant this apply created)" in result.stdout
    assert repo.api.get(f"/assistants/{ECHO}").status_code == 404
    assert [a["action"] for a in repo.plan_json("--only", "echo-bot")["actions"]] == ["create"]


def test_no_smoke_skips_the_cases_and_says_so(echo: Repo) -> None:
    echo.write(FILE, echo_file(context="greeting: pong; behaviour: fail"))
    result = echo.cli("apply", "--auto-approve", "--only", "echo-bot", "--no-smoke")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "· smoke: 1 case(s) not run (--no-smoke)" in result.stdout
    assert active_version(echo) == 2


class FailingSetLatest(httpx.BaseTransport):
    """The real server, except that every ``POST /assistants/{id}/latest`` answers 503."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/latest"):
            return httpx.Response(503, json={"detail": "injected outage"}, request=request)
        return self.real.handle_request(request)


def test_a_rollback_that_fails_is_reported_with_the_server_state(echo: Repo) -> None:
    echo.write(FILE, echo_file(context="greeting: pong; behaviour: fail"))
    settings = load_settings(echo.root)
    with LangGraphClient(echo.url, transport=FailingSetLatest(), retries=1, backoff=0.01) as client:
        plan = make_plan(settings, PlanOptions(url=echo.url, only=("echo-bot",)), client)
        report = run_smoke(plan, apply_plan(plan, client), client)
    (smoke,) = report.smoke
    assert not report.ok and smoke.status == "rollback_failed"
    assert smoke.rollback.startswith("rollback failed: POST ")
    assert "-> 503" in smoke.rollback and "injected outage" in smoke.rollback
    assert smoke.rollback.endswith("the server has version 2 active; the smoke cases failed on version 2")
    assert "✗ smoke echo-bot ROLLBACK FAILED" in report.render_text()
    assert active_version(echo) == 2


def test_dry_run_runs_the_smoke_cases_locally(repo: Repo) -> None:
    repo.write(FILE, echo_file(context="behaviour: fail"))
    for other in ("support.yaml", "routing.yaml"):
        (repo.root / "assistants.d" / other).unlink()
    result = repo.cli("dry-run", "--config", str(REPO_ROOT / "langgraph.json"))
    assert result.returncode == 1
    assert "✗ smoke echo-bot rolled back: case 1: the run failed" in result.stdout
    assert "error: smoke cases failed on the local server" in result.stderr


# --- impact of a delete -------------------------------------------------------------------------------


def test_delete_impact_crons_block_unless_allowed_and_threads_are_kept(echo: Repo, runtime: str) -> None:
    if runtime == "js":
        pytest.skip("the LangGraph.js dev server has no crons: see the test below")
    api = echo.api
    # Aegra has no POST /threads/count: how many threads ran the assistant is unknown there, which is no error.
    threads, threads_text = (None, "thread impact unknown") if runtime == "aegra" else (1, "1 thread(s) ran it")
    cron = api.post("/runs/crons", json={"assistant_id": ECHO, "schedule": "0 0 1 1 *", "input": {"text": "x"}})
    cron.raise_for_status()
    # Aegra answers with the cron's first run rather than the cron: its id comes from a search on every runtime.
    (row,) = api.post("/runs/crons/search", json={"assistant_id": ECHO, "limit": 10}).json()
    cron_id = row["cron_id"]
    thread_id = api.post("/threads", json={}).json()["thread_id"]
    run = api.post(f"/threads/{thread_id}/runs/wait", json={"assistant_id": ECHO, "input": {"text": "x"}}, timeout=30)
    run.raise_for_status()
    (echo.root / FILE).unlink()

    refused = echo.cli("plan", "--prune", "--max-deletes", "1")
    assert refused.returncode == 1
    assert f"echo-bot: assistant {ECHO} is used by 1 cron(s): {cron_id}; deleting it would delete them too" in (
        refused.stderr
    )

    plan = echo.plan_json("--prune", "--max-deletes", "1", "--allow-delete-with-crons")
    (delete,) = [a for a in plan["actions"] if a["action"] == "delete"]
    assert delete["impact"] == {"crons": [cron_id], "threads": threads}
    text = echo.cli("plan", "--prune", "--max-deletes", "1", "--allow-delete-with-crons").stdout
    assert f"impact: used by 1 cron(s), deleted with it: {cron_id}; {threads_text}" in text

    shown = json.loads(echo.cli("show", "echo-bot", "--format", "json").stdout)
    assert (shown["version"], shown["graph_id"], shown["owner"], shown["crons"], shown["threads"]) == (
        1,
        "flaky",
        "example",
        [cron_id],
        threads,
    )

    applied = echo.cli("apply", "--auto-approve", "--prune", "--max-deletes", "1", "--allow-delete-with-crons")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert api.get(f"/assistants/{ECHO}").status_code == 404
    assert api.get(f"/threads/{thread_id}").status_code == 200


def test_delete_impact_on_a_server_without_crons_lists_none_and_counts_threads(echo: Repo, runtime: str) -> None:
    if runtime != "js":
        pytest.skip("only the LangGraph.js dev server answers the cron search with 'Not implemented'")
    api = echo.api
    assert api.post("/runs/crons/search", json={"assistant_id": ECHO}).text == "Not implemented"
    # Threads outlive the assistants the fixtures delete (earlier tests ran this id too): count the new one.
    before = api.post("/threads/count", json={"metadata": {"assistant_id": ECHO}}).json()
    thread_id = api.post("/threads", json={}).json()["thread_id"]
    run = api.post(f"/threads/{thread_id}/runs/wait", json={"assistant_id": ECHO, "input": {"text": "x"}}, timeout=30)
    run.raise_for_status()
    (echo.root / FILE).unlink()

    plan = echo.plan_json("--prune", "--max-deletes", "1")
    shown = json.loads(echo.cli("show", "echo-bot", "--format", "json").stdout)
    applied = echo.cli("apply", "--auto-approve", "--prune", "--max-deletes", "1")

    (delete,) = [a for a in plan["actions"] if a["action"] == "delete"]
    assert delete["impact"] == {"crons": [], "threads": before + 1}
    assert (shown["crons"], shown["threads"]) == ([], before + 1)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert api.get(f"/assistants/{ECHO}").status_code == 404
