"""Reading more assistants than one page holds (1,000): every server's pages are followed to the end, whether it
says there are more with ``X-Pagination-Next`` (the Python servers) or only with ``X-Pagination-Total`` (the
LangGraph.js server)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from reconciler.server.client import LangGraphClient

pytestmark = pytest.mark.integration

MORE_THAN_A_PAGE = 1005


def test_every_page_of_assistants_is_read(server_url: str, api: httpx.Client) -> None:
    def create(index: int) -> None:
        # a context of its own: Aegra keeps one assistant per graph and config (server-behaviour.md §15)
        body = {"graph_id": "typed", "name": f"many-{index}", "metadata": {"paging": "yes"},
                "context": {"system_prompt": f"many-{index}"}}
        api.post("/assistants", json=body).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, range(MORE_THAN_A_PAGE)))

    with LangGraphClient(server_url) as client:
        rows = client.list_all("typed")
        total = client.count()

    assert len(rows) == len({row.assistant_id for row in rows})
    assert sum(1 for row in rows if row.metadata.get("paging") == "yes") == MORE_THAN_A_PAGE
    assert len(rows) == total - 4  # the other graphs' system assistants
