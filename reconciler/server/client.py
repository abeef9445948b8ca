"""The httpx implementation of LiveReader / LiveWriter for the LangGraph assistants API.

The only module that imports httpx, and the one boundary every answer of the server crosses: each response is
checked here (status, redirect, JSON, shape, every row's fields) and anything else becomes a one-line
ServerError naming the request and what to check. Nothing past this module sees raw server data.

Not langgraph-sdk: its ``update`` drops empty metadata, name and description, so it cannot send the full-state
PATCH the reconciler relies on. Calls that are safe to repeat (reads, create with a fixed id, set_latest,
delete) are retried with backoff on connection errors, timeouts and 5xx; PATCH never is (apply re-reads
before it decides to write again). A 429 means the server did not process the request: every call waits as
long as ``Retry-After`` says (all threads together) and sends again.

Batches (``find``, ``versions_of``, ``graph_schemas``) run ``parallelism`` requests at a time over a
connection pool of that size; ``find`` for many ids lists the ids on the server, 1,000 per page, instead of
asking for each.
"""

from __future__ import annotations

import base64
import json as jsonlib
import math
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from reconciler.applying.progress import NO_PROGRESS, Progress
from reconciler.applying.smoke import RunResult
from reconciler.desired.spec import OWNER_KEY
from reconciler.errors import OutcomeUnknownError, ServerError, ServerUnreachableError, SettingsError
from reconciler.redact import mask_url, scrub
from reconciler.server.live import DEFAULT_PARALLELISM, MAX_PARALLELISM, GraphUnavailable, LiveAssistant, LiveVersion
from reconciler.server.semantics import SYSTEM_CREATOR
from reconciler.settings import check_url
from reconciler.validation.schema import GraphSchema

PAGE_SIZE = 1000
TRANSIENT = (httpx.TransportError,)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
"""Failures before the request left: the server cannot have acted on it. After any other transport failure
(a read timeout, a dropped connection) the request may have reached the server: its outcome is unknown."""
DETAIL_LIMIT = 200
NOT_THE_API = "check that the URL points at a LangGraph API server (not a proxy, login page or other service)"

MAX_RETRY_AFTER = 60.0
"""Longest wait a 429's ``Retry-After`` is honoured for (seconds); a longer one is cut to this."""
RATE_LIMIT_ATTEMPTS = 5

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
R = TypeVar("R")


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
        parallelism: int = DEFAULT_PARALLELISM,
    ) -> None:
        self.url = check_url(url)
        self.display_url = mask_url(self.url)
        """The URL as it may be printed: its password masked."""
        key = api_key.get_secret_value() if api_key else ""
        if not all(" " < c < "\x7f" for c in key):
            raise SettingsError(
                "the API key (LANGGRAPH_API_KEY / LANGSMITH_API_KEY) holds spaces, control or non-ASCII "
                "characters, which cannot be sent in a header: check the variable's value"
            )
        headers = {"x-api-key": key} if key else {}
        self.retries = retries
        self.backoff = backoff
        self.parallelism = max(1, min(parallelism, MAX_PARALLELISM))
        self.progress: Progress = NO_PROGRESS
        self.request_count = 0
        self._lock = threading.Lock()
        self._not_before = 0.0
        """Monotonic time before which no request is sent (a 429's Retry-After, shared by every thread)."""
        limits = httpx.Limits(max_connections=self.parallelism, max_keepalive_connections=self.parallelism)
        try:
            self._http = httpx.Client(
                base_url=self.url,
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=5.0),
                transport=transport,
                limits=limits,
            )
        except (httpx.InvalidURL, ValueError) as exc:
            raise SettingsError(f"invalid server URL {self.display_url!r}: {mask_url(str(exc))}") from None
        self._secrets = _secrets_of(key, self._http.base_url)
        self._ahead: _SearchAhead | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LangGraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- LiveReader ---------------------------------------------------------------------------------

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.owner == owner:
            return ahead.result()
        return self._search_owned(owner)

    @contextmanager
    def owner_search_ahead(self, owner: str) -> Iterator[None]:
        """Inside the block, the first ``list_owned(owner)`` answers with a search sent on entering it, from a
        thread: its round trips and the server's work overlap with what the caller does meanwhile (reading
        its files). A failure of that search is raised by ``list_owned``, as if it had been sent then; a search
        nobody asked for is dropped."""
        ahead = _SearchAhead(owner)
        thread = threading.Thread(target=ahead.run, args=(self._search_owned,), name="owner-search", daemon=True)
        self._ahead = ahead
        thread.start()
        try:
            yield
        finally:
            self._ahead = None

    def _search_owned(self, owner: str) -> list[LiveAssistant]:
        return self._paged("/assistants/search", {"metadata": {OWNER_KEY: owner}}, LiveAssistant, "assistants")

    def get(self, assistant_id: str) -> LiveAssistant | None:
        response = self._request("GET", f"/assistants/{assistant_id}", retry=True, allow=(404,))
        if response.status_code == 404:
            return None
        return self._model(response, self._json(response), LiveAssistant, "an assistant")

    def versions(self, assistant_id: str) -> list[LiveVersion]:
        rows = self._paged(f"/assistants/{assistant_id}/versions", {}, LiveVersion, "versions")
        return sorted(rows, key=lambda v: -v.version)

    def graph_schema(self, graph_id: str) -> GraphSchema | GraphUnavailable:
        """Read through the graph's system assistant (its config is empty), else through any assistant of
        the graph: the schema is the graph's, and a deleted system assistant only returns on restart."""
        system = self._one_assistant_of(graph_id, {"metadata": {"created_by": SYSTEM_CREATOR}})
        if system is None:
            return GraphUnavailable(graph_id, served=False)
        source = system or self._one_assistant_of(graph_id, {})
        if not source:
            return GraphUnavailable(graph_id, served=True)
        response = self._request("GET", f"/assistants/{source[0]}/schemas", retry=True)
        schemas = self._model(response, self._json(response), _Schemas, "the graph's schemas")
        return GraphSchema(graph_id, schemas.context_schema, schemas.config_schema)

    def graph_ids(self) -> list[str]:
        """Every graph that has an assistant on the server (each served graph has its system assistant
        unless someone deleted it)."""
        return sorted({assistant.graph_id for assistant in self.list_all()})

    def list_all(self, graph_id: str | None = None) -> list[LiveAssistant]:
        return self._paged("/assistants/search", {"graph_id": graph_id} if graph_id else {}, LiveAssistant,
                           "assistants")

    def _one_assistant_of(self, graph_id: str, search: dict[str, Any]) -> list[str] | None:
        """The id of one assistant of the graph matching ``search`` (an empty list when there is none), or
        None when the server does not serve the graph: search answers 404 for an unknown graph_id."""
        body = {**search, "graph_id": graph_id, "limit": 1}
        response = self._request("POST", "/assistants/search", json=body, retry=True, allow=(404,))
        if response.status_code == 404:
            return None
        return [row.assistant_id for row in self._rows(response, LiveAssistant, "assistants")]

    def find(self, assistant_ids: Collection[str]) -> dict[str, LiveAssistant]:
        """The assistants among ``assistant_ids`` that exist. A GET per id, concurrently, when that takes
        fewer requests than listing every id on the server (one count, then pages of 1,000 ids)."""
        wanted = list(dict.fromkeys(assistant_ids))
        if len(wanted) > self.parallelism:
            existing = self._scan_ids_if_cheaper(len(wanted))
            if existing is not None:
                wanted = [assistant_id for assistant_id in wanted if assistant_id in existing]
        found = self._concurrently("reading assistants", self.get, wanted)
        return {assistant_id: live for assistant_id, live in zip(wanted, found, strict=True) if live is not None}

    def versions_of(self, assistant_ids: Collection[str]) -> dict[str, list[LiveVersion]]:
        wanted = list(dict.fromkeys(assistant_ids))
        return dict(zip(wanted, self._concurrently("reading versions", self.versions, wanted), strict=True))

    def graph_schemas(self, graph_ids: Collection[str]) -> dict[str, GraphSchema | GraphUnavailable]:
        wanted = list(dict.fromkeys(graph_ids))
        return dict(zip(wanted, self._concurrently("reading graph schemas", self.graph_schema, wanted), strict=True))

    def count(self) -> int:
        """How many assistants the server holds (all owners, system assistants included)."""
        response = self._request("POST", "/assistants/count", json={}, retry=True)
        total = self._json(response)
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise self._unexpected(response, f"expected a count, got {_shape(total)}")
        return total

    # --- LiveWriter ---------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> LiveAssistant:
        response = self._request("POST", "/assistants", json=body, retry=True)
        return self._model(response, self._json(response), LiveAssistant, "the created assistant")

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        response = self._request("PATCH", f"/assistants/{assistant_id}", json=body, retry=False)
        return self._model(response, self._json(response), LiveAssistant, "the updated assistant")

    def set_latest(self, assistant_id: str, version: int) -> LiveAssistant:
        body = {"version": version}
        response = self._request("POST", f"/assistants/{assistant_id}/latest", json=body, retry=True)
        return self._model(response, self._json(response), LiveAssistant, "the assistant")

    def delete(self, assistant_id: str) -> None:
        self._request("DELETE", f"/assistants/{assistant_id}", retry=True)

    # --- batches ----------------------------------------------------------------------------------------

    def _scan_ids_if_cheaper(self, wanted: int) -> set[str] | None:
        """Every assistant id on the server, when listing them costs fewer requests than ``wanted`` GETs;
        None when it does not, or when the number of assistants changed during the scan (offset pages over
        a changing set can skip rows: the caller then asks for each id instead)."""
        total = self.count()
        pages = math.ceil(total / PAGE_SIZE)
        if 1 + pages + 1 >= wanted:
            return None
        offsets = [page * PAGE_SIZE for page in range(pages)]
        chunks = self._concurrently("listing assistant ids", self._id_page, offsets)
        if self.count() != total:
            return None
        return {row.assistant_id for chunk in chunks for row in chunk}

    def _id_page(self, offset: int) -> list[_Id]:
        body = {"select": ["assistant_id"], "limit": PAGE_SIZE, "offset": offset, "sort_by": "assistant_id",
                "sort_order": "asc"}
        return self._rows(self._request("POST", "/assistants/search", json=body, retry=True), _Id, "assistant ids")

    def _concurrently(self, phase: str, call: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``call`` on every item, ``parallelism`` at a time, results in the order of ``items``."""
        items = list(items)
        if not items:
            return []
        self.progress.begin(phase, len(items))

        def one(item: T) -> R:
            result = call(item)
            self.progress.step()
            return result

        try:
            if len(items) == 1 or self.parallelism == 1:
                return [one(item) for item in items]
            with ThreadPoolExecutor(max_workers=min(self.parallelism, len(items))) as pool:
                return list(pool.map(one, items))
        finally:
            self.progress.end()

    # --- impact of a delete ----------------------------------------------------------------------------

    def crons_using(self, assistant_id: str) -> list[str]:
        """Ids of the crons scheduled on the assistant (``POST /runs/crons/search``, all pages)."""
        body = {"assistant_id": assistant_id, "select": ["cron_id"]}
        rows = self._paged("/runs/crons/search", body, _CronRow, "crons")
        return sorted(row.cron_id for row in rows)

    def threads_count(self, assistant_id: str) -> int:
        """Threads that ran the assistant: the server stamps ``metadata.assistant_id`` on a thread's runs."""
        body = {"metadata": {"assistant_id": assistant_id}}
        response = self._request("POST", "/threads/count", json=body, retry=True)
        count = self._json(response)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise self._unexpected(response, f"expected a count of threads, got {_shape(count)}")
        return count

    # --- smoke runs -----------------------------------------------------------------------------------

    def run_wait(self, assistant_id: str, input: dict[str, Any], timeout: float) -> RunResult:
        """``POST /runs/wait`` (stateless), bounded by ``timeout``. The server keeps the connection alive
        with a newline every 5 s while the run works, so the deadline is checked on every chunk (a run is
        abandoned at most ~5 s after its timeout), and ``on_disconnect: cancel`` stops it when we leave.
        Never retried: a run can cost money."""
        body = {"assistant_id": assistant_id, "input": input, "on_disconnect": "cancel"}
        started = time.monotonic()
        deadline = started + timeout
        self.request_count += 1
        try:
            with self._http.stream(
                "POST", "/runs/wait", json=body, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0))
            ) as response:
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        waited = time.monotonic() - started
                        return RunResult(status="timeout", error=f"waited {waited:.1f}s", seconds=waited)
                text = b"".join(chunks).decode("utf-8", errors="replace")
        except httpx.TimeoutException:
            return RunResult(status="timeout", error=f"waited {timeout:g}s", seconds=time.monotonic() - started)
        except (httpx.HTTPError, httpx.StreamError) as exc:
            return RunResult(status="error", error=self._clean(f"{type(exc).__name__}: {exc or 'no response'}"))
        result = _run_result(response.status_code, text, time.monotonic() - started)
        return result.model_copy(update={"error": self._clean(result.error)}) if result.error else result

    # --- the boundary: answers checked -----------------------------------------------------------------

    def _paged(self, path: str, body: dict[str, Any], model: type[M], what: str) -> list[M]:
        self.progress.begin(f"reading {what}", None)
        try:
            return self._all_pages(path, body, model, what)
        finally:
            self.progress.end()

    def _all_pages(self, path: str, body: dict[str, Any], model: type[M], what: str) -> list[M]:
        rows: list[M] = []
        offset = 0
        previous: list[M] | None = None
        while True:
            page_body = {**body, "limit": PAGE_SIZE, "offset": offset}
            response = self._request("POST", path, json=page_body, retry=True)
            page = self._rows(response, model, what, first_index=len(rows))
            self.progress.step()
            if previous is not None and page and page == previous:
                raise self._unexpected(response, f"the page at offset {offset} repeats the previous one")
            rows.extend(page)
            next_offset = self._next_offset(response, offset)
            if next_offset is not None and page:
                offset = next_offset
            elif len(page) == PAGE_SIZE and next_offset is None and "x-pagination-total" not in response.headers:
                offset += PAGE_SIZE
            else:
                return rows
            previous = page

    def _next_offset(self, response: httpx.Response, offset: int) -> int | None:
        header = response.headers.get("x-pagination-next")
        if header is None:
            return None
        if not header.strip().isdigit() or int(header) <= offset:
            raise self._unexpected(response, f"header x-pagination-next {header[:20]!r} is not an offset past {offset}")
        return int(header)

    def _json(self, response: httpx.Response) -> Any:
        content = response.content
        if not content.strip():
            raise self._unexpected(response, "an empty body instead of JSON")
        try:
            return jsonlib.loads(content)
        except RecursionError:
            raise self._unexpected(response, "JSON nested too deeply to read") from None
        except ValueError as exc:
            if _looks_like_html(response):
                raise self._unexpected(response, f"{_html_page(response)} instead of JSON") from None
            reason = f"invalid JSON ({exc})" if isinstance(exc, jsonlib.JSONDecodeError) else "invalid JSON"
            raise self._unexpected(response, f"{reason}; the answer may be cut off") from None

    def _rows(self, response: httpx.Response, model: type[M], what: str, *, first_index: int = 0) -> list[M]:
        data = self._json(response)
        if not isinstance(data, list):
            raise self._unexpected(response, f"expected a list of {what}, got {_shape(data)}")
        return [self._model(response, row, model, f"{what} (row {first_index + i})") for i, row in enumerate(data)]

    def _model(self, response: httpx.Response, data: Any, model: type[M], what: str) -> M:
        if not isinstance(data, dict):
            raise self._unexpected(response, f"expected {what} as an object, got {_shape(data)}")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # Messages and field paths only: the input values can be secrets from a context.
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "(top level)"
            more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            raise self._unexpected(response, f"{what}: {field}: {error['msg']}{more}") from None
        except RecursionError:
            raise self._unexpected(response, f"{what}: nested too deeply to read") from None

    def _unexpected(self, response: httpx.Response, problem: str) -> ServerError:
        where = f"{response.request.method} {mask_url(str(response.request.url))} -> {response.status_code}"
        problem = self._clean(problem)
        return ServerError(f"{where}: unexpected answer: {problem}; {NOT_THE_API}", url=self.display_url,
                           status=response.status_code)

    def _clean(self, text: str) -> str:
        """One line, no secrets, no more than DETAIL_LIMIT characters of anything the server sent."""
        return mask_url(scrub(" ".join(text.split()), self._secrets))

    # --- transport ------------------------------------------------------------------------------------

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
        where = f"{method} {self.display_url}{mask_url(path)}"
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send_when_allowed(method, path, json)
            except TRANSIENT as exc:
                if last:
                    unknown = not isinstance(exc, NOT_SENT)
                    raise (OutcomeUnknownError if unknown else ServerUnreachableError)(
                        f"{where} failed: {type(exc).__name__}: {self._clean(str(exc)) or 'no response'}; "
                        "check --url / RECONCILER_URL and that the server is up",
                        url=self.display_url,
                    ) from exc
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, UnicodeError) as exc:
                raise ServerError(
                    f"{where} failed: {type(exc).__name__}: {self._clean(str(exc))[:DETAIL_LIMIT]}; "
                    "check --url / RECONCILER_URL",
                    url=self.display_url,
                ) from exc
            else:
                if response.status_code < 500 or last:
                    return self._checked(response, allow)
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _send_when_allowed(self, method: str, path: str, json: Any) -> httpx.Response:
        """One request, sent again after each 429 (the server did not process it, so even a PATCH is safe to
        send again), waiting as long as its ``Retry-After`` asks; every thread waits with it."""
        for attempt in range(RATE_LIMIT_ATTEMPTS):
            self._wait_turn()
            with self._lock:
                self.request_count += 1
            response = self._http.request(method, path, json=json)
            if response.status_code != 429 or attempt == RATE_LIMIT_ATTEMPTS - 1:
                return response
            self._hold_off(retry_after(response, default=self.backoff * 2**attempt))
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        delay = self._not_before - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _hold_off(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _checked(self, response: httpx.Response, allow: tuple[int, ...]) -> httpx.Response:
        status = response.status_code
        if status in allow or 200 <= status < 300:
            return response
        where = f"{response.request.method} {mask_url(str(response.request.url))}"
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            target = f" to {self._clean(location)[:DETAIL_LIMIT]}" if location else ""
            raise ServerError(
                f"{where} -> {status}: redirected{target}; reconciler does not follow redirects: "
                f"use the API server's own URL ({NOT_THE_API})",
                url=self.display_url,
                status=status,
            )
        hint = {
            401: "the server refused the credentials: set LANGGRAPH_API_KEY or LANGSMITH_API_KEY",
            403: "the API key is not allowed to do this: check its permissions",
            404: "not found: check the URL points at a LangGraph API server and the ids exist",
            409: "conflict with the server's current state",
            422: "the server refused the request",
        }.get(status, "server error" if status >= 500 else "request refused")
        raise ServerError(f"{where} -> {status}: {hint}: {self._detail(response)}", url=self.display_url,
                          status=status)

    def _detail(self, response: httpx.Response) -> str:
        """The server's reason, on one line. A schema validation error quotes the offending request value
        (first line and ``On instance[...]:`` block), which can be a secret from the body: only where it failed
        is kept. Secrets the server echoes back (the API key, the URL's password) are scrubbed."""
        if _looks_like_html(response):
            return self._clean(_html_page(response))
        try:
            data = jsonlib.loads(response.content)
        except (ValueError, RecursionError):
            return self._clean(response.text)[:DETAIL_LIMIT] or "(empty body)"
        text = str(data["detail"]) if isinstance(data, dict) and "detail" in data else str(data)
        if "\n\nFailed validating" in text:
            parts = text.split("\n\n")
            where = [p.splitlines()[0].rstrip(":") for p in parts if p.startswith(("Failed validating", "On instance"))]
            text = "; ".join(where) + " (value not shown)"
        return self._clean(text)[:DETAIL_LIMIT] or "(empty detail)"


class _Id(BaseModel):
    """A search row with ``select: ["assistant_id"]``."""

    assistant_id: str


class _SearchAhead:
    """The owner search of ``owner_search_ahead``: its answer or its failure, once the thread is done."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._done = threading.Event()
        self._rows: list[LiveAssistant] = []
        self._error: BaseException | None = None

    def run(self, search: Callable[[str], list[LiveAssistant]]) -> None:
        try:
            self._rows = search(self.owner)
        except BaseException as exc:  # handed to the thread that asks (a thread must not die with a traceback)
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> list[LiveAssistant]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._rows


def retry_after(response: httpx.Response, *, default: float) -> float:
    """Seconds to wait before sending again: the ``Retry-After`` header (seconds or an HTTP date), capped at
    MAX_RETRY_AFTER; ``default`` when the header is absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return default
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class _CronRow(BaseModel):
    """A row of ``POST /runs/crons/search`` with ``select: [cron_id]``."""

    cron_id: str


class _Schemas(BaseModel):
    """``GET /assistants/{id}/schemas``: the parts the reconciler reads."""

    context_schema: dict[str, Any] | None = None
    config_schema: dict[str, Any] | None = None


def _secrets_of(api_key: str, base_url: httpx.URL) -> list[str]:
    """Values no message may contain: the API key, the URL's password and the Basic header made of it."""
    secrets = [api_key]
    if base_url.password:
        pair = f"{base_url.username}:{base_url.password}".encode()
        secrets += [base_url.password, base64.b64encode(pair).decode()]
    return [secret for secret in secrets if secret]


def _shape(data: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(data), "a number"
    )


def _looks_like_html(response: httpx.Response) -> bool:
    return "html" in response.headers.get("content-type", "") or response.content.lstrip()[:1] == b"<"


def _html_page(response: httpx.Response) -> str:
    title = re.search(r"<title[^>]*>(.*?)</title>", response.text[:5000], re.IGNORECASE | re.DOTALL)
    named = f" ({' '.join(title.group(1).split())[:80]!r})" if title and title.group(1).strip() else ""
    return f"an HTML page{named}"


def _run_result(status: int, text: str, seconds: float) -> RunResult:
    """A finished ``/runs/wait`` answer: an HTTP error, a run that raised (``__error__``), or its values."""
    try:
        data = jsonlib.loads(text)
    except (ValueError, RecursionError):
        return RunResult(status="error", error=f"HTTP {status}: not JSON: {text.strip()[:200]}", seconds=seconds)
    if status >= 400:
        detail = data.get("detail") if isinstance(data, dict) else data
        return RunResult(status="error", error=f"HTTP {status}: {detail}", seconds=seconds)
    if isinstance(data, dict) and isinstance(data.get("__error__"), dict):
        error = data["__error__"]
        return RunResult(status="error", error=f"{error.get('error')}: {error.get('message')}", seconds=seconds)
    return RunResult(status="success", values=data, seconds=seconds)
