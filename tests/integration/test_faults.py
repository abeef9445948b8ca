"""Faults a real server cannot be made to produce (503, a connection dropped after the server acted),
injected with an httpx transport wrapped around the real one, in front of the real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.applying.apply import apply_plan
from reconciler.commands.base import PlanOptions, make_plan
from reconciler.planning.plan import Plan
from reconciler.server.client import LangGraphClient
from reconciler.settings import load_settings
from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

WRITES = ("POST /assistants", "PATCH", "/latest", "DELETE")


class FaultyTransport(httpx.BaseTransport):
    """Forwards to the real server; the ``fail_at``-th write (1-based) fails as ``mode`` says."""

    def __init__(self, fail_at: int, mode: str, times: int = 1) -> None:
        self.real = httpx.HTTPTransport()
        self.fail_at = fail_at
        self.mode = mode
        self.times = times
        self.writes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        label = f"{request.method} {request.url.path}"
        is_write = request.method in ("PATCH", "DELETE") or (
            request.method == "POST" and (request.url.path == "/assistants" or label.endswith("/latest"))
        )
        if not is_write:
            return self.real.handle_request(request)
        self.writes += 1
        failing = self.fail_at <= self.writes < self.fail_at + self.times
        if failing and self.mode == "503":
            return httpx.Response(503, json={"detail": "injected outage"}, request=request)
        response = self.real.handle_request(request)
        if failing and self.mode == "drop-after":
            response.close()
            raise httpx.ReadError("injected: connection dropped after the server acted", request=request)
        return response


def _plan(root: Path, client: LangGraphClient, url: str) -> Plan:
    return make_plan(load_settings(root), PlanOptions(url=url), client)


def _client(url: str, transport: httpx.BaseTransport, retries: int = 3) -> LangGraphClient:
    return LangGraphClient(url, transport=transport, retries=retries, backoff=0.01)


def test_503_on_second_create_is_reported_and_rerun_converges(repo: Repo) -> None:
    with _client(repo.url, FaultyTransport(fail_at=2, mode="503", times=10), retries=1) as faulty:
        report = apply_plan(_plan(repo.root, faulty, repo.url), faulty, parallelism=1)

    assert not report.ok
    assert [(o.id, o.status) for o in report.outcomes] == [
        ("summariser", "applied"),
        ("support-bot", "failed"),
        ("triage", "not_attempted"),
    ]
    assert "503" in report.outcomes[1].message and "injected outage" in report.outcomes[1].message

    with _client(repo.url, httpx.HTTPTransport()) as healthy:
        remainder = _plan(repo.root, healthy, repo.url)
        assert [(a.action, a.id) for a in remainder.actions] == [("create", "support-bot"), ("create", "triage")]
        assert apply_plan(remainder, healthy).ok
        assert not _plan(repo.root, healthy, repo.url).has_changes
    assert {k: v["version"] for k, v in repo.managed().items()} == {"summariser": 1, "support-bot": 1, "triage": 1}


def test_create_whose_response_was_dropped_is_retried_without_duplicate(repo: Repo) -> None:
    with _client(repo.url, FaultyTransport(fail_at=1, mode="drop-after")) as faulty:
        report = apply_plan(_plan(repo.root, faulty, repo.url), faulty, parallelism=1)

    assert report.ok, report.render_text()
    assert report.outcomes[0].message == "it already existed (an earlier attempt landed)"
    rows = repo.api.post("/assistants/search", json={"limit": 100, "metadata": {"reconciler/owner": "example"}}).json()
    assert len(rows) == 3


def test_update_whose_response_was_dropped_is_not_written_twice(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.3")
    assistant_id = applied.managed()["support-bot"]["assistant_id"]

    with _client(applied.url, FaultyTransport(fail_at=1, mode="drop-after")) as faulty:
        report = apply_plan(_plan(applied.root, faulty, applied.url), faulty)

    assert report.ok, report.render_text()
    assert [v["version"] for v in applied.versions(assistant_id)] == [2, 1]
    assert applied.managed()["support-bot"]["context"]["temperature"] == 0.3


def test_503_on_update_then_rerun_writes_exactly_one_new_version(applied: Repo) -> None:
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    assistant_id = applied.managed()["support-bot"]["assistant_id"]

    with _client(applied.url, FaultyTransport(fail_at=1, mode="503", times=10)) as faulty:
        failed = apply_plan(_plan(applied.root, faulty, applied.url), faulty)
    with _client(applied.url, httpx.HTTPTransport()) as healthy:
        rerun = apply_plan(_plan(applied.root, healthy, applied.url), healthy)

    assert [o.status for o in failed.outcomes] == ["failed"]
    assert rerun.ok
    assert [v["version"] for v in applied.versions(assistant_id)] == [2, 1]
