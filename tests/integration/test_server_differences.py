"""What some servers do differently from the LangGraph runtimes, and how plan and apply cope, on every runtime.

Aegra keeps an assistant's config unique per graph (and user): a create with another assistant's config answers
409, an update into it answers 500 after storing a version it never activates. It refuses search pages over 100.
The expectations differ per runtime only where the servers do; the product detects each case from the answers.
"""

from __future__ import annotations

import httpx
import pytest

from reconciler.server.client import LangGraphClient
from reconciler.server.reads import PAGE_SIZE
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration

TWINS = "assistants.d/twins.yaml"


def twins(second_prompt: str) -> str:
    return (
        "id: twin-a\ngraph_id: agent\ncontext:\n  system_prompt: Same words.\n---\n"
        f"id: twin-b\ngraph_id: agent\ncontext:\n  system_prompt: {second_prompt}\n"
    )


class CountingTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.limits: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/assistants/search":
            self.limits.append(int(httpx.Response(200, content=request.content).json()["limit"]))
        return self.real.handle_request(request)


def test_a_refused_page_size_costs_one_request_once(server_url: str, runtime: str) -> None:
    counting = CountingTransport()
    with LangGraphClient(server_url, transport=counting) as client:
        first = client.list_all()
        second = client.list_all()

    assert {a.graph_id for a in first} == {"agent", "typed", "legacy", "nested", "flaky"}
    assert second == first
    if runtime == "aegra":  # a 422 names the limit (at most 100): the read is sent again by 100, and stays so
        assert counting.limits == [PAGE_SIZE, 100, 100]
    else:
        assert counting.limits == [PAGE_SIZE, PAGE_SIZE]


def test_every_owned_assistant_is_read_whatever_page_size_the_server_accepts(api: httpx.Client, server_url: str,
                                                                            runtime: str) -> None:
    for i in range(105):  # more than one page of 100
        api.post("/assistants", json={"graph_id": "agent", "context": {"system_prompt": f"p{i}"},
                                      "metadata": {"reconciler/owner": "many"}}).raise_for_status()
    counting = CountingTransport()
    with LangGraphClient(server_url, transport=counting) as client:
        owned = client.list_owned("many")

    assert len({a.assistant_id for a in owned}) == 105
    assert counting.limits == ([PAGE_SIZE, 100, 100] if runtime == "aegra" else [PAGE_SIZE])


def test_two_assistants_with_one_config_are_refused_with_the_reason_where_the_server_keeps_configs_unique(
    repo: Repo, runtime: str
) -> None:
    repo.write(TWINS, twins("Same words."))

    result = repo.cli("apply", "--auto-approve", "--only", "twin-a", "--only", "twin-b")

    if runtime == "aegra":
        assert result.returncode != 0
        assert "yet the server shows neither assistant" in result.stdout + result.stderr
        assert "another assistant of graph 'agent' has the identical config and context" in (
            result.stdout + result.stderr
        )
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert set(repo.managed()) >= {"twin-a", "twin-b"}


def test_an_update_the_server_fails_half_way_is_not_sent_again(repo: Repo, runtime: str) -> None:
    repo.write(TWINS, twins("Other words."))
    first = repo.cli("apply", "--auto-approve", "--only", "twin-a", "--only", "twin-b")
    assert first.returncode == 0, first.stdout + first.stderr
    repo.write(TWINS, twins("Same words."))

    result = repo.cli("apply", "--auto-approve", "--only", "twin-b")

    twin_b = repo.managed()["twin-b"]
    versions = sorted(v["version"] for v in repo.versions(twin_b["assistant_id"]))
    if runtime == "aegra":
        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert "the server stored version 2 with this content but did not activate it (still version 1)" in output
        assert "the update was not sent again" in output
        assert (twin_b["version"], versions) == (1, [1, 2])  # one stranded version: sent once
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert (twin_b["version"], versions) == (2, [1, 2])
