"""The writes of the LangGraph assistants API, and smoke runs.

Not langgraph-sdk: its ``update`` drops empty metadata, name and description, so it cannot send the full-state
PATCH the reconciler relies on. Create (with a fixed id), set_latest and delete are safe to repeat and retried;
PATCH never is (apply re-reads before it decides to write again); neither is a run (it can cost money).

Context reaches graphs that read ``config.configurable`` on every server: the Python servers mirror ``context``
into ``configurable`` themselves and refuse a body with both (400, nothing stored); the LangGraph.js server
stores what it is sent. So a write with a non-empty context first goes with ``configurable`` set to the context
(:func:`with_configurable`); a 400 sends the planned body itself, and once a server refused both, every later
write of this client goes plain. The server's answer decides, never its name; the first such write goes alone
(:class:`MirrorStance`), so that concurrent writes cost one refused request at most, not one each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reconciler.applying.smoke import RunResult
from reconciler.server.http import HttpSession
from reconciler.server.live import LiveAssistant


class MirrorStance:
    """Whether the server refuses ``context`` together with ``config.configurable``: unknown until a write tells.
    While it is unknown, writes take turns (the first answer decides for the others); then they run freely."""

    def __init__(self) -> None:
        self.known = False
        self.refused = False
        self._first = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[MirrorStance]:
        """Alone while the stance is unknown (a writer that waited finds it known and goes on at once)."""
        if not self.known:
            with self._first:
                if not self.known:
                    yield self
                    return
        yield self


class AssistantWrites:
    """The LiveWriter half of the client."""

    _session: HttpSession
    _mirroring: MirrorStance

    def create(self, body: dict[str, Any]) -> LiveAssistant:
        return self._content_write("POST", "/assistants", body, retry=True, what="the created assistant")

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        return self._content_write("PATCH", f"/assistants/{assistant_id}", body, retry=False,
                                   what="the updated assistant")

    def set_latest(self, assistant_id: str, version: int) -> LiveAssistant:
        return self._assistant("POST", f"/assistants/{assistant_id}/latest", {"version": version}, retry=True,
                               what="the assistant")

    def delete(self, assistant_id: str) -> None:
        self._session.request("DELETE", f"/assistants/{assistant_id}", retry=True)

    def run_wait(self, assistant_id: str, input: dict[str, Any], timeout: float) -> RunResult:
        """``POST /runs/wait`` (stateless), bounded by ``timeout``; ``on_disconnect: cancel`` stops the run
        when we leave."""
        body = {"assistant_id": assistant_id, "input": input, "on_disconnect": "cancel"}
        return self._session.run_wait(body, timeout)

    def _content_write(self, method: str, path: str, body: dict[str, Any], *, retry: bool, what: str
                       ) -> LiveAssistant:
        mirrored = with_configurable(body)
        if mirrored is None:
            return self._assistant(method, path, body, retry=retry, what=what)
        with self._mirroring.turn() as stance:
            if stance.refused:
                return self._assistant(method, path, body, retry=retry, what=what)
            response = self._session.request(method, path, json=mirrored, retry=retry, allow=(400,))
            if response.status_code != 400:
                stance.known = True
                answers = self._session.answers
                return answers.model(response, answers.json(response), LiveAssistant, what)
            # A 400 stores nothing: the planned body goes instead, and answers for itself.
            if "configurable" in response.text:
                stance.known = stance.refused = True
        return self._assistant(method, path, body, retry=retry, what=what)

    def _assistant(self, method: str, path: str, body: dict[str, Any], *, retry: bool, what: str) -> LiveAssistant:
        response = self._session.request(method, path, json=body, retry=retry)
        answers = self._session.answers
        return answers.model(response, answers.json(response), LiveAssistant, what)


def with_configurable(body: dict[str, Any]) -> dict[str, Any] | None:
    """``body`` with ``config.configurable`` equal to its context, for a server that does not mirror it; None
    when the context is empty (nothing to mirror)."""
    context = body.get("context")
    if not isinstance(context, dict) or not context:
        return None
    return {**body, "config": {**(body.get("config") or {}), "configurable": context}}
