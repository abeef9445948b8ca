"""The client under rate limiting and a set of assistants that changes during a scan: answers a real server cannot be
made to give on cue, so httpx.MockTransport stands in (the batches themselves run against the real server in
tests/integration/test_request_counts.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from reconciler.server.client import LangGraphClient
from reconciler.server.http import retry_after

ROW = {"graph_id": "agent", "version": 1, "metadata": {}, "name": "a"}


def _client(handler: httpx.MockTransport, parallelism: int = 4) -> LangGraphClient:
    return LangGraphClient("http://lg.test", backoff=0, transport=handler, parallelism=parallelism)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []
    monkeypatch.setattr("reconciler.server.http.time.sleep", delays.append)
    return delays


def test_a_429_waits_as_retry_after_says_then_sends_the_patch_again(sleeps: list[float]) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        if len(sent) == 1:
            return httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "slow down"})
        return httpx.Response(200, json={"assistant_id": "a", **ROW, "version": 2})

    live = _client(httpx.MockTransport(handler)).update("a", {"name": "x"})

    assert live.version == 2
    assert sent == ["PATCH", "PATCH"]  # a 429 was not processed: sending the PATCH again writes one version
    assert len(sleeps) == 1 and 1.9 < sleeps[0] <= 2.0


def test_retry_after_reads_seconds_and_dates_and_is_capped() -> None:
    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value} if value else {})

    in_five = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    assert retry_after(answer("3"), default=0.5) == 3.0
    assert 3.5 < retry_after(answer(in_five), default=0.5) <= 5.0
    assert retry_after(answer("86400"), default=0.5) == 60.0
    assert retry_after(answer("soon"), default=0.5) == 0.5
    assert retry_after(answer(""), default=0.5) == 0.5


def _scanning_server(ids_on_server: list[str], counts: list[int], log: list[str], hidden: frozenset[str] = frozenset()
                     ) -> httpx.MockTransport:
    """``hidden``: ids among ``ids_on_server`` that GET does not show (their graph is not served)."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        log.append(f"{request.method} {path}")
        if path.endswith("/versions"):
            assistant_id = path.split("/")[-2]
            if assistant_id in ids_on_server:
                return httpx.Response(200, json=[{"assistant_id": assistant_id, **ROW, "graph_id": "gone"}])
            return httpx.Response(404, json={"detail": f"Assistant {assistant_id} not found"})
        if path == "/assistants/count":
            return httpx.Response(200, json=counts.pop(0))
        if path == "/assistants/search":
            body = json.loads(request.content)
            assert body["select"] == ["assistant_id"] and body["limit"] == 1000
            page = sorted(ids_on_server)[body["offset"] : body["offset"] + 1000]
            return httpx.Response(200, json=[{"assistant_id": i} for i in page])
        assistant_id = path.rsplit("/", 1)[-1]
        if assistant_id in ids_on_server and assistant_id not in hidden:
            return httpx.Response(200, json={"assistant_id": assistant_id, **ROW})
        return httpx.Response(404, json={"detail": "Not Found"})

    return httpx.MockTransport(handler)


def test_many_ids_are_found_by_listing_ids_and_reading_only_those_found() -> None:
    on_server = [f"id-{i:04d}" for i in range(2500)]
    log: list[str] = []
    client = _client(_scanning_server(on_server, [2500, 2500], log))
    wanted = ["id-0001", "id-2400", *(f"new-{i}" for i in range(30))]

    found = client.find(wanted)

    assert sorted(found) == ["id-0001", "id-2400"]
    assert sorted(log) == sorted(
        ["POST /assistants/count"] * 2 + ["POST /assistants/search"] * 3
        + ["GET /assistants/id-0001", "GET /assistants/id-2400"]
    )


def test_a_set_that_changed_during_the_scan_is_read_id_by_id() -> None:
    on_server = [f"id-{i:04d}" for i in range(10)]
    log: list[str] = []
    client = _client(_scanning_server(on_server, [10, 11], log))
    wanted = [*on_server[:3], *(f"new-{i}" for i in range(10))]

    found = client.find(wanted)

    assert sorted(found) == on_server[:3]
    assert sum(entry.startswith("GET") for entry in log) == len(wanted)


def test_a_few_ids_are_read_directly_without_counting() -> None:
    log: list[str] = []
    client = _client(_scanning_server(["id-1"], [], log))
    assert list(client.find(["id-1", "new"])) == ["id-1"]
    assert sorted(log) == ["GET /assistants/id-1", "GET /assistants/new"]


def test_hidden_ones_are_asked_for_only_among_the_ids_the_listing_showed() -> None:
    """A plan of many creates: the id listing already shows which ids are free; only an id it lists but GET
    does not show costs a version read."""
    on_server = [f"id-{i:04d}" for i in range(20)]
    log: list[str] = []
    client = _client(_scanning_server(on_server, [20, 20], log, hidden=frozenset({"id-0003"})))
    wanted = ["id-0001", "id-0003", *(f"new-{i}" for i in range(30))]
    found = client.find(wanted)
    log.clear()

    hidden = client.hidden([i for i in wanted if i not in found])

    assert [(h.assistant_id, h.graph_id) for h in hidden.values()] == [("id-0003", "gone")]
    assert log == ["POST /assistants/id-0003/versions"]
    log.clear()
    client.hidden(["new-1"])  # a listing answers one call: later, the id may have been taken
    assert log == ["POST /assistants/new-1/versions"]


def test_without_a_listing_each_id_costs_one_version_read() -> None:
    log: list[str] = []
    client = _client(_scanning_server(["hid"], [], log, hidden=frozenset({"hid"})))
    assert client.find(["hid", "new"]) == {}
    log.clear()
    assert list(client.hidden(["hid", "new"])) == ["hid"]
    assert sorted(log) == ["POST /assistants/hid/versions", "POST /assistants/new/versions"]
