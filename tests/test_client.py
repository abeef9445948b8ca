"""The httpx client's retry and error behaviour, with httpx.MockTransport for faults a real server cannot
be made to produce (5xx, dropped connections); everything else is covered against the real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from reconciler.commands.base import PlanOptions, make_plan
from reconciler.errors import InvalidSpecError, ServerError, ServerUnreachableError
from reconciler.server.client import LangGraphClient
from reconciler.server.devserver import free_port
from reconciler.settings import load_settings
from tests.helpers import write_tree

ASSISTANT = {"assistant_id": "a", "graph_id": "agent", "version": 1, "metadata": {}, "name": "a"}


def _client(handler: httpx.MockTransport, retries: int = 2) -> LangGraphClient:
    return LangGraphClient(
        "http://lg.test", api_key=SecretStr("sk-test-KEY"), retries=retries, backoff=0, transport=handler
    )


def test_reads_are_retried_on_5xx_and_connection_errors() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers["x-api-key"])
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            return httpx.Response(503, json={"detail": "busy"})
        return httpx.Response(200, json=ASSISTANT)

    live = _client(httpx.MockTransport(handler)).get("a")

    assert live is not None and live.version == 1
    assert calls == ["sk-test-KEY"] * 3


def test_patch_is_never_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, json={"detail": "busy"})

    with pytest.raises(ServerError) as raised:
        _client(httpx.MockTransport(handler)).update("a", {"name": "x"})

    assert calls == 1
    assert raised.value.status == 503
    assert str(raised.value) == "PATCH http://lg.test/assistants/a -> 503: server error: busy"


def test_unreachable_after_retries_names_the_url_and_what_to_check() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with pytest.raises(ServerUnreachableError) as raised:
        _client(httpx.MockTransport(handler)).list_owned("team")

    assert str(raised.value) == (
        "POST http://lg.test/assistants/search failed: ConnectError: Connection refused; "
        "check --url / RECONCILER_URL and that the server is up"
    )


def test_401_says_which_variables_hold_the_key_and_never_prints_it() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(401, json={"detail": "Unauthorized"}))

    with pytest.raises(ServerError) as raised:
        _client(transport).get("a")

    assert str(raised.value) == (
        "GET http://lg.test/assistants/a -> 401: the server refused the credentials: "
        "set LANGGRAPH_API_KEY or LANGSMITH_API_KEY: Unauthorized"
    )
    assert "sk-test-KEY" not in str(raised.value)


def test_validation_error_detail_does_not_echo_the_request_values() -> None:
    detail = (
        '"sk-live-SECRET" is not of type "integer"\n\nFailed validating "type" in schema["properties"]["name"]'
        '\n\nOn instance["name"]:\n    "sk-live-SECRET"'
    )
    transport = httpx.MockTransport(lambda request: httpx.Response(422, json={"detail": detail}))

    with pytest.raises(ServerError) as raised:
        _client(transport).create({"assistant_id": "a"})

    assert str(raised.value) == (
        'POST http://lg.test/assistants -> 422: the server refused the request: Failed validating "type" in '
        'schema["properties"]["name"]; On instance["name"] (value not shown)'
    )


def test_search_follows_pagination_headers() -> None:
    offsets: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        import json

        offset = json.loads(request.content)["offset"]
        offsets.append(offset)
        headers = {"x-pagination-next": "1000"} if offset == 0 else {}
        return httpx.Response(200, json=[{**ASSISTANT, "assistant_id": f"a{offset}"}], headers=headers)

    rows = _client(httpx.MockTransport(handler)).list_owned("team")

    assert offsets == [0, 1000]
    assert [row.assistant_id for row in rows] == ["a0", "a1000"]


def test_a_search_sent_ahead_fails_where_its_answer_is_asked_for() -> None:
    """Nothing listens on the port: entering the block does not raise; asking for the answer does, as the search
    would have had it been sent then."""
    client = LangGraphClient(f"http://127.0.0.1:{free_port()}", retries=0, backoff=0)
    with client, client.owner_search_ahead("team"):
        with pytest.raises(ServerUnreachableError):
            client.list_owned("team")


def test_file_problems_win_over_an_unreachable_server_the_search_was_sent_to(tmp_path: Path) -> None:
    files = {"reconciler.yaml": "owner: team\n", "assistants.d/a.yaml": "id: a\ngraph_id: agent\nnme: x\n"}
    write_tree(tmp_path, files)
    with LangGraphClient(f"http://127.0.0.1:{free_port()}", retries=0, backoff=0) as client:
        with pytest.raises(InvalidSpecError) as raised:
            make_plan(load_settings(tmp_path), PlanOptions(), client)
    assert "assistants.d/a.yaml:3:1" in raised.value.report()


def test_a_plain_http_server_loads_no_ca_bundle_and_the_context_trusts_no_tls_peer() -> None:
    import ssl

    from reconciler.server.http import tls_verification

    plain = tls_verification("http://127.0.0.1:2124")
    assert isinstance(plain, ssl.SSLContext)
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert tls_verification("HTTPS://api.example.com") is True  # httpx's default: the CA bundle, verified
