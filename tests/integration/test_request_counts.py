"""What plan and apply cost in requests against the real server, counted by a transport wrapped around the real
one: creates and updates cost about one request each beyond the O(N/1000) reads, whatever N. Speed itself is
shown by ``make bench`` (no timed tests); these counts are what makes it fast at cloud latency."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.applying.apply import apply_plan
from reconciler.commands.base import PlanOptions, make_plan
from reconciler.planning.plan import Plan
from reconciler.server.client import LangGraphClient
from reconciler.settings import load_settings
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration

N = 100


class CountingTransport(httpx.BaseTransport):
    """Forwards to the real server; counts requests by ``METHOD /path`` kind and the most in flight at once."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self.real.handle_request(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def reset(self) -> None:
        self.requests = self.max_in_flight = 0


def write_specs(repo: Repo, prompt: str) -> None:
    docs = [
        f"id: many-{i:03d}\ngraph_id: agent\ncontext:\n  model_name: openai\n  system_prompt: {prompt} {i}\n"
        for i in range(N)
    ]
    repo.write("assistants.d/many.yaml", "---\n".join(docs))


def plan_and_apply(repo: Repo, client: LangGraphClient) -> Plan:
    the_plan = make_plan(load_settings(repo.root), PlanOptions(url=repo.url), client)
    report = apply_plan(the_plan, client, parallelism=client.parallelism)
    assert report.ok, report.render_text()
    return the_plan


def test_creates_and_updates_cost_about_one_request_each(repo: Repo, runtime: str) -> None:
    counting = CountingTransport()
    with LangGraphClient(repo.url, transport=counting) as client:
        write_specs(repo, "Hello")
        created = plan_and_apply(repo, client)
        creates = counting.requests
        counting.reset()

        write_specs(repo, "Hello again")
        updated = plan_and_apply(repo, client)
        updates = counting.requests

    assert created.summary()["create"] == N + 3  # the example's three assistants too
    assert creates <= 1.2 * (N + 3), creates
    assert [a.action for a in updated.actions] == ["update"] * N
    # per update: the versions read (rollback by content) and the PATCH; Aegra's pages of 100 take 2 more reads
    assert updates <= 2.2 * N + (2 if runtime == "aegra" else 0), updates
    assert counting.max_in_flight > 1  # the writes and the version reads ran concurrently
    assert len(repo.managed()) == N + 3


def test_parallelism_one_sends_one_request_at_a_time(repo: Repo) -> None:
    counting = CountingTransport()
    with LangGraphClient(repo.url, transport=counting, parallelism=1) as client:
        write_specs(repo, "Hello")
        plan_and_apply(repo, client)
    assert counting.max_in_flight == 1


class SearchWatchingTransport(CountingTransport):
    """Also notes when the owner search (a search by ``reconciler/owner`` metadata) has been sent."""

    def __init__(self) -> None:
        super().__init__()
        self.owner_search_sent = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/assistants/search" and b"reconciler/owner" in request.content:
            self.owner_search_sent.set()
        return super().handle_request(request)


def test_the_owner_search_is_sent_before_the_files_are_read(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its round trips and the server's work overlap with reading and checking the files; the plan is the same."""
    write_specs(repo, "Hello")
    watching = SearchWatchingTransport()
    with LangGraphClient(repo.url, transport=watching) as client:
        plan_and_apply(repo, client)
    from reconciler.desired.documents import read_all_documents as read

    seen_while_reading: list[bool] = []

    def read_after_the_search_left(directory: Path) -> Any:
        seen_while_reading.append(watching.owner_search_sent.wait(timeout=10))
        return read(directory)

    monkeypatch.setattr("reconciler.desired.loading.read_all_documents", read_after_the_search_left)
    watching = SearchWatchingTransport()
    with LangGraphClient(repo.url, transport=watching) as client:
        plan = make_plan(load_settings(repo.root), PlanOptions(url=repo.url), client)
    assert seen_while_reading == [True]
    assert not plan.actions and {f"many-{i:03d}" for i in range(N)} <= set(plan.unchanged)
