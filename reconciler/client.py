"""The httpx implementation of LiveReader / LiveWriter for the LangGraph assistants API.

The only module that imports httpx. Not langgraph-sdk: its ``update`` drops empty metadata, name and
description, so it cannot send the full-state PATCH the reconciler relies on. Calls that are safe to repeat
(reads, create with a fixed id, set_latest, delete) are retried with backoff on connection errors, timeouts
and 5xx; PATCH never is (apply re-reads before it decides to write again).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from pydantic import SecretStr

from reconciler.errors import ServerError, ServerUnreachableError
from reconciler.live import GraphUnavailable, LiveAssistant, LiveVersion
from reconciler.schema import GraphSchema
from reconciler.semantics import SYSTEM_CREATOR
from reconciler.spec import OWNER_KEY

PAGE_SIZE = 1000
TRANSIENT = (httpx.TransportError,)


class LangGraphClient:
    def __init__(
        self,
        url: str,
        *,
        api_key: SecretStr | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"x-api-key": api_key.get_secret_value()} if api_key else {}
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.request_count = 0
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=httpx.Timeout(timeout, connect=5.0), transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LangGraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- LiveReader ---------------------------------------------------------------------------------

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        rows = self._paged("/assistants/search", {"metadata": {OWNER_KEY: owner}})
        return [LiveAssistant.model_validate(row) for row in rows]

    def get(self, assistant_id: str) -> LiveAssistant | None:
        response = self._request("GET", f"/assistants/{assistant_id}", retry=True, allow=(404,))
        return None if response.status_code == 404 else LiveAssistant.model_validate(response.json())

    def versions(self, assistant_id: str) -> list[LiveVersion]:
        rows = self._paged(f"/assistants/{assistant_id}/versions", {})
        return sorted((LiveVersion.model_validate(row) for row in rows), key=lambda v: -v.version)

    def graph_schema(self, graph_id: str) -> GraphSchema | GraphUnavailable:
        """Read through the graph's system assistant (its config is empty), else through any assistant of
        the graph: the schema is the graph's, and a deleted system assistant only returns on restart."""
        system = self._one_assistant_of(graph_id, {"metadata": {"created_by": SYSTEM_CREATOR}})
        if system is None:
            return GraphUnavailable(graph_id, served=False)
        source = system or self._one_assistant_of(graph_id, {})
        if not source:
            return GraphUnavailable(graph_id, served=True)
        schemas = self._request("GET", f"/assistants/{source[0]}/schemas", retry=True).json()
        return GraphSchema(graph_id, schemas.get("context_schema"), schemas.get("config_schema"))

    def graph_ids(self) -> list[str]:
        """Every graph that has an assistant on the server (each served graph has its system assistant
        unless someone deleted it)."""
        return sorted({assistant.graph_id for assistant in self.list_all()})

    def list_all(self, graph_id: str | None = None) -> list[LiveAssistant]:
        rows = self._paged("/assistants/search", {"graph_id": graph_id} if graph_id else {})
        return [LiveAssistant.model_validate(row) for row in rows]

    def _one_assistant_of(self, graph_id: str, search: dict[str, Any]) -> list[str] | None:
        """The id of one assistant of the graph matching ``search`` (an empty list when there is none), or
        None when the server does not serve the graph: search answers 404 for an unknown graph_id."""
        body = {**search, "graph_id": graph_id, "limit": 1}
        response = self._request("POST", "/assistants/search", json=body, retry=True, allow=(404,))
        if response.status_code == 404:
            return None
        return [str(row["assistant_id"]) for row in response.json()]

    # --- LiveWriter ---------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> LiveAssistant:
        return LiveAssistant.model_validate(self._request("POST", "/assistants", json=body, retry=True).json())

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        response = self._request("PATCH", f"/assistants/{assistant_id}", json=body, retry=False)
        return LiveAssistant.model_validate(response.json())

    def set_latest(self, assistant_id: str, version: int) -> LiveAssistant:
        body = {"version": version}
        response = self._request("POST", f"/assistants/{assistant_id}/latest", json=body, retry=True)
        return LiveAssistant.model_validate(response.json())

    def delete(self, assistant_id: str) -> None:
        self._request("DELETE", f"/assistants/{assistant_id}", retry=True)

    # --- transport ------------------------------------------------------------------------------------

    def _paged(self, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            page_body = {**body, "limit": PAGE_SIZE, "offset": offset}
            response = self._request("POST", path, json=page_body, retry=True)
            page = response.json()
            rows.extend(page)
            next_offset = response.headers.get("x-pagination-next")
            if next_offset is not None and page:
                offset = int(next_offset)
            elif len(page) == PAGE_SIZE and next_offset is None and "x-pagination-total" not in response.headers:
                offset += PAGE_SIZE
            else:
                return rows

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        retry: bool,
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            self.request_count += 1
            try:
                response = self._http.request(method, path, json=json)
            except TRANSIENT as exc:
                if last:
                    raise ServerUnreachableError(
                        f"{method} {self.url}{path} failed: {type(exc).__name__}: {exc or 'no response'}; "
                        "check --url / RECONCILER_URL and that the server is up",
                        url=self.url,
                    ) from exc
            else:
                if response.status_code < 500 or last:
                    return self._checked(response, allow)
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _checked(self, response: httpx.Response, allow: tuple[int, ...]) -> httpx.Response:
        status = response.status_code
        if status < 400 or status in allow:
            return response
        request = response.request
        where = f"{request.method} {request.url}"
        detail = _detail(response)
        hint = {
            401: "the server refused the credentials: set LANGGRAPH_API_KEY or LANGSMITH_API_KEY",
            403: "the API key is not allowed to do this: check its permissions",
            404: "not found: check the URL points at a LangGraph API server and the ids exist",
            409: "conflict with the server's current state",
            422: "the server refused the request",
        }.get(status, "server error" if status >= 500 else "request refused")
        raise ServerError(f"{where} -> {status}: {hint}: {detail}", url=self.url, status=status)


def _detail(response: httpx.Response) -> str:
    """The server's reason. A schema validation error quotes the offending request value (first line and
    ``On instance[...]:`` block), which can be a secret from the body: only where it failed is kept."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or "(empty body)"
    text = str(data["detail"]) if isinstance(data, dict) and "detail" in data else str(data)
    if "\n\nFailed validating" in text:
        parts = text.split("\n\n")
        where = [p.splitlines()[0].rstrip(":") for p in parts if p.startswith(("Failed validating", "On instance"))]
        text = "; ".join(where) + " (value not shown)"
    return text.strip()[:300]
