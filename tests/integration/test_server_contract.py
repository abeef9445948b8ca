"""The fake server of the unit tests (tests/core/memory.py) against the real ones: one scenario of creates,
PATCHes of every shape, set_latest and deletes, run through the LiveWriter protocol on a real server and on
``MemoryServer.like(<that runtime>)``; every answer (stored fields, versions, error statuses) must agree.
A difference means the fake no longer models the server, and the unit tests built on it prove nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.errors import ServerError
from reconciler.server.client import LangGraphClient
from reconciler.server.live import LiveAssistant, LiveWriter
from tests.core.factories import SCHEMAS
from tests.core.memory import MemoryServer

pytestmark = pytest.mark.integration

A = "00000000-0000-4000-8000-00000000000a"
FIELDS = {"graph_id", "name", "description", "context", "config", "metadata", "version"}
FULL = {"graph_id": "agent", "name": "n", "description": "d", "if_exists": "raise"}


def _observed(result: object) -> object:
    if isinstance(result, LiveAssistant):
        return result.model_dump(include=FIELDS)
    if isinstance(result, list):
        return [v.version for v in result]
    return result


def scenario(server: LiveWriter) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def step(name: str, call: Callable[[], object]) -> None:
        try:
            result = _observed(call())
        except ServerError as exc:
            result = ("error", exc.status)
        seen.append((name, result))

    def patch(body: dict[str, Any]) -> Callable[[], object]:
        return lambda: server.update(A, body)

    step("create", lambda: server.create({
        **FULL, "assistant_id": A, "context": {"model_name": "openai"}, "config": {"tags": ["a"], "recursion_limit": 5},
        "metadata": {"team": "x", "env": "prod"},
    }))
    step("create the same id", lambda: server.create({**FULL, "assistant_id": A}))
    step("create for an unknown graph", lambda: server.create({**FULL, "graph_id": "ghost"}))
    step("create with context and configurable",
         lambda: server.create({**FULL, "context": {"a": 1}, "config": {"configurable": {"a": 1}}}))
    step("full-state PATCH", patch({
        "graph_id": "agent", "name": "n2", "description": "", "config": {"tags": ["b"]},
        "context": {"model_name": "anthropic", "temperature": 0.5}, "metadata": {"team": "y", "env": None},
    }))
    step("metadata-only PATCH", patch({"metadata": {"extra": 1}}))
    step("name-only PATCH", patch({"name": "n3"}))
    step("context-only PATCH", patch({"context": {"model_name": "openai"}}))
    step("config-only PATCH", patch({"config": {"tags": ["c"], "recursion_limit": 7}}))
    step("full-state PATCH, empty context", patch(
        {"graph_id": "agent", "name": "n4", "description": "d", "context": {}, "config": {}, "metadata": {}}
    ))
    step("empty context, tags sent empty", patch({"context": {}, "config": {"tags": []}}))
    step("graph change", patch({"graph_id": "typed", "context": {"system_prompt": "t"}, "config": {}}))
    step("null name", patch({"name": None}))
    step("set_latest 2", lambda: server.set_latest(A, 2))
    step("PATCH after set_latest", patch({"context": {"model_name": "openai"}, "config": {}}))
    step("versions", lambda: server.versions(A))
    step("set_latest a missing version", lambda: server.set_latest(A, 99))
    step("get", lambda: server.get(A))
    step("delete", lambda: server.delete(A))
    step("get deleted", lambda: server.get(A))
    step("PATCH deleted", patch({"name": "x"}))
    step("delete again", lambda: server.delete(A))
    return seen


def test_the_fake_answers_as_the_real_server_does(server_url: str, runtime: str) -> None:
    if runtime == "aegra":
        pytest.skip("the fake models the LangGraph runtimes; Aegra's PATCH differs (docs/server-behaviour.md §15)")
    if runtime == "js":
        pytest.skip("the in-memory fake models the Python servers only")
    with LangGraphClient(server_url, retries=0) as real:
        expected = scenario(real)

    observed = scenario(MemoryServer.like(runtime, dict(SCHEMAS)))

    for (step, want), (_, got) in zip(expected, observed, strict=True):
        assert got == want, f"{runtime}: {step}"
