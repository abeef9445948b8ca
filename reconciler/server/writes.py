"""The writes of the LangGraph assistants API, and smoke runs.

Not langgraph-sdk: its ``update`` drops empty metadata, name and description, so it cannot send the full-state
PATCH the reconciler relies on. Create (with a fixed id), set_latest and delete are safe to repeat and retried;
PATCH never is (apply re-reads before it decides to write again); neither is a run (it can cost money).
"""

from __future__ import annotations

from typing import Any

from reconciler.applying.smoke import RunResult
from reconciler.server.http import HttpSession
from reconciler.server.live import LiveAssistant


class AssistantWrites:
    """The LiveWriter half of the client."""

    _session: HttpSession

    def create(self, body: dict[str, Any]) -> LiveAssistant:
        return self._assistant("POST", "/assistants", body, retry=True, what="the created assistant")

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        return self._assistant("PATCH", f"/assistants/{assistant_id}", body, retry=False,
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

    def _assistant(self, method: str, path: str, body: dict[str, Any], *, retry: bool, what: str) -> LiveAssistant:
        response = self._session.request(method, path, json=body, retry=retry)
        answers = self._session.answers
        return answers.model(response, answers.json(response), LiveAssistant, what)
