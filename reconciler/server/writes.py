"""The writes of the LangGraph assistants API, and smoke runs.

Not langgraph-sdk: its ``update`` drops empty metadata, name and description, so it cannot send the full-state
PATCH the reconciler relies on. Create (with a fixed id), set_latest and delete are safe to repeat and retried;
PATCH never is (apply re-reads before it decides to write again); neither is a run (it can cost money).

Context reaches graphs that read ``config.configurable`` on every server: the Python servers and Aegra mirror
``context`` into ``configurable`` themselves and refuse a body with both (400, nothing stored); the LangGraph.js
server stores what it is sent. Before the first write with a non-empty context, requests with no effect ask which
(:meth:`AssistantWrites._refuses_both`); a server that does not refuse gets ``configurable`` set to the context as
well (:func:`with_configurable`), and should it still answer such a write with a 400, the planned body goes
instead and is sent from then on. The server's answers decide, never its name.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from reconciler.applying.smoke import RunResult
from reconciler.errors import ServerError
from reconciler.server.http import HttpSession
from reconciler.server.live import LiveAssistant


class MirrorStance:
    """What the server answered about ``context`` with ``config.configurable``: unknown (None) until asked."""

    def __init__(self) -> None:
        self.refuses: bool | None = None
        self.lock = threading.Lock()


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
        if mirrored is None or self._refuses_both(str(body.get("graph_id"))):
            return self._assistant(method, path, body, retry=retry, what=what)
        response = self._session.request(method, path, json=mirrored, retry=retry, allow=(400,))
        if response.status_code == 400:  # a 400 stores nothing: the planned body goes instead, and answers for itself
            if _refuses_the_pair(response.status_code, response.text):
                self._mirroring.refuses = True
            return self._assistant(method, path, body, retry=retry, what=what)
        answers = self._session.answers
        return answers.model(response, answers.json(response), LiveAssistant, what)

    def _refuses_both(self, graph_id: str) -> bool:
        """Whether the server refuses ``context`` together with ``config.configurable``, asked once, by requests
        that cannot run or store anything: a stateless run of an assistant that does not exist (the Python
        servers check the pair first: 400), then, where that said nothing (404), a create with an id that is no
        UUID, of the graph being written (Aegra checks the pair first: 400, unless the graph is unknown; the
        LangGraph.js server refuses the id, not the pair). A server that cannot be asked is taken to refuse (the
        planned body is right on every server but the JS one)."""
        with self._mirroring.lock:
            if self._mirroring.refuses is None:
                self._mirroring.refuses = self._probe_refuses_both(graph_id)
            return self._mirroring.refuses

    def _probe_refuses_both(self, graph_id: str) -> bool:
        pair = {"context": {"probe": 1}, "config": {"configurable": {"probe": 1}}}
        probes = (
            ("/runs/wait", {"assistant_id": str(uuid.uuid4()), "input": {}, **pair}),
            ("/assistants", {"graph_id": graph_id, "assistant_id": "not-a-uuid", **pair}),
        )
        for path, body in probes:
            try:
                response = self._session.request("POST", path, json=body, retry=True, allow=tuple(range(400, 600)))
            except ServerError:
                return True
            if _refuses_the_pair(response.status_code, response.text):
                return True
            if response.status_code not in (400, 404, 422):
                return True  # an answer that says nothing either way: the planned body, right on all but one server
        return False

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


def _refuses_the_pair(status: int, text: str) -> bool:
    """A 400 that says the body may not hold both ``context`` and ``config.configurable``."""
    return status == 400 and "configurable" in text[:500] and "context" in text[:500]
