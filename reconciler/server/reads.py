"""The reads of the LangGraph assistants API: paged searches, single assistants, versions, graph schemas,
the batches of them a plan needs, and what a delete would touch (crons, threads).

``find`` for many ids lists the ids on the server, 1,000 per page, when that takes fewer requests than a GET
per id. Every read is safe to repeat, so every read is retried. A server that refuses pages of 1,000 (a 422
naming ``limit``: Aegra accepts at most 100 assistants a page) gets the same read again with the page size it
accepts, which the client keeps for the rest of its session: one extra request, once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel

from reconciler.applying.progress import Progress
from reconciler.desired.spec import OWNER_KEY
from reconciler.server.batches import SearchAhead, concurrently
from reconciler.server.http import HttpResponse, HttpSession
from reconciler.server.live import GraphUnavailable, HiddenAssistant, LiveAssistant, LiveVersion
from reconciler.server.semantics import SYSTEM_CREATOR, graph_not_found
from reconciler.validation.schema import GraphSchema

PAGE_SIZE = 1000
"""Rows asked per page, until the server says it accepts fewer."""
SMALL_PAGE_SIZE = 100
"""The page size after a 422 that names ``limit`` without stating the bound."""
_SERVER_FAILURES = tuple(range(500, 600))
_NO_SUCH_GRAPH = "reconciler-probe-no-such-graph"

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
R = TypeVar("R")


class AssistantReads:
    """The LiveReader half of the client (and the reads of ``impact``)."""

    _session: HttpSession
    parallelism: int
    progress: Progress
    _ahead: SearchAhead[LiveAssistant] | None = None
    _listed_ids: frozenset[str] | None = None
    """Every assistant id on the server, when the last ``find`` listed them (the search shows hidden ones too);
    kept for the next ``hidden`` call only."""
    page_size: int = PAGE_SIZE
    """Rows per page this server accepts (PAGE_SIZE until a 422 says less)."""
    _crons_not_implemented: bool = False
    """Set once the server answered the cron search with "Not implemented" (the LangGraph.js dev server)."""

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.key == owner:
            return ahead.result()
        return self._search_owned(owner)

    @contextmanager
    def owner_search_ahead(self, owner: str) -> Iterator[None]:
        """Inside the block, the first ``list_owned(owner)`` answers with a search sent on entering it, from a
        thread: its round trips and the server's work overlap with what the caller does meanwhile (reading
        its files). A failure of that search is raised by ``list_owned``, as if it had been sent then; a search
        nobody asked for is dropped. With a parallelism of 1 it is sent when asked for: one request at a time."""
        if self.parallelism <= 1:
            yield
            return
        ahead: SearchAhead[LiveAssistant] = SearchAhead(owner)
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
        response = self._session.request("GET", f"/assistants/{assistant_id}", retry=True, allow=(404,))
        if response.status_code == 404:
            return None
        answers = self._session.answers
        return answers.model(response, answers.json(response), LiveAssistant, "an assistant")

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
            return GraphUnavailable(graph_id, served=True if self._searches_check_graphs() else None)
        schemas = self._schemas(source[0], graph_id)
        if schemas is None:
            return GraphUnavailable(graph_id, served=False)
        return GraphSchema(graph_id, schemas.context_schema, schemas.config_schema)

    def _schemas(self, assistant_id: str, graph_id: str) -> _Schemas | None:
        """The graph's schemas, read through one of its assistants; None when the server answers that it does
        not have the graph. Some servers list the assistants of a graph they do not serve, even on a search
        filtered on that graph, and only this read, which needs the graph itself, says so: the LangGraph.js
        server with a 404, Aegra with a 400 whose reason is that the graph was not found."""
        response = self._session.request("GET", f"/assistants/{assistant_id}/schemas", retry=True,
                                         allow=(400, 404))
        answers = self._session.answers
        if response.status_code == 404 or (response.status_code == 400
                                           and graph_not_found(answers.detail(response), graph_id)):
            return None
        if response.status_code == 400:
            raise self._session.refused(response)
        return answers.model(response, answers.json(response), _Schemas, "the graph's schemas")

    def _searches_check_graphs(self) -> bool:
        """Whether a search for a graph the server does not serve answers 404 (the Python servers) rather than
        an empty list (the LangGraph.js server, which also stores assistants of any graph_id). Where it does, a
        graph whose search found nothing is served; where it does not, nobody can tell."""
        return self._one_assistant_of(_NO_SUCH_GRAPH, {}) is None

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
        response = self._session.request("POST", "/assistants/search", json=body, retry=True, allow=(404,))
        if response.status_code == 404:
            return None
        return [row.assistant_id for row in self._session.answers.rows(response, LiveAssistant, "assistants")]

    def find(self, assistant_ids: Collection[str]) -> dict[str, LiveAssistant]:
        """The assistants among ``assistant_ids`` that exist. A GET per id, concurrently, when that takes
        fewer requests than listing every id on the server (one count, then pages of 1,000 ids)."""
        wanted = list(dict.fromkeys(assistant_ids))
        self._listed_ids = None
        if len(wanted) > self.parallelism:
            existing = self._scan_ids_if_cheaper(len(wanted))
            self._listed_ids = None if existing is None else frozenset(existing)
            if existing is not None:
                wanted = [assistant_id for assistant_id in wanted if assistant_id in existing]
        found = self._concurrently("reading assistants", self.get, wanted)
        return {assistant_id: live for assistant_id, live in zip(wanted, found, strict=True) if live is not None}

    def hidden(self, assistant_ids: Collection[str]) -> dict[str, HiddenAssistant]:
        """One version read per id (a hidden assistant still shows its versions; an absent one is a 404), but
        none for an id that the id listing of the ``find`` just before showed absent: a plan of many creates
        stays at about one request per create. A listing answers one such call only (it gets old)."""
        listed, self._listed_ids = self._listed_ids, None
        wanted = [i for i in dict.fromkeys(assistant_ids) if listed is None or i in listed]
        found = self._concurrently("looking for hidden assistants", self._hidden_one, wanted)
        return {assistant_id: hidden for assistant_id, hidden in zip(wanted, found, strict=True) if hidden}

    def _hidden_one(self, assistant_id: str) -> HiddenAssistant | None:
        response = self._session.request("POST", f"/assistants/{assistant_id}/versions", json={"limit": 1},
                                         retry=True, allow=(404,))
        if response.status_code == 404:
            return None
        rows = self._session.answers.rows(response, LiveVersion, "versions")
        return HiddenAssistant(assistant_id, rows[0].graph_id) if rows else None

    def graph_served(self, graph_id: str) -> bool:
        """Whether the server serves the graph: a search filtered on an unknown graph answers 404, or (on a
        server that lists the assistants of a graph it no longer serves) the schema read of one of them says
        the graph was not found. One request more than the search, only where the search lists an assistant."""
        source = self._one_assistant_of(graph_id, {})
        if source is None:
            return False
        return not source or self._schemas(source[0], graph_id) is not None

    def versions_of(self, assistant_ids: Collection[str]) -> dict[str, list[LiveVersion]]:
        wanted = list(dict.fromkeys(assistant_ids))
        return dict(zip(wanted, self._concurrently("reading versions", self.versions, wanted), strict=True))

    def graph_schemas(self, graph_ids: Collection[str]) -> dict[str, GraphSchema | GraphUnavailable]:
        wanted = list(dict.fromkeys(graph_ids))
        return dict(zip(wanted, self._concurrently("reading graph schemas", self.graph_schema, wanted), strict=True))

    def count(self) -> int:
        """How many assistants the server holds (all owners, system assistants included)."""
        response = self._session.request("POST", "/assistants/count", json={}, retry=True)
        return self._session.answers.count(response, "a count")

    # --- impact of a delete ----------------------------------------------------------------------------

    def crons_using(self, assistant_id: str) -> list[str]:
        """Ids of the crons scheduled on the assistant (``POST /runs/crons/search``, all pages).
        A server without crons says so ("Not implemented", the LangGraph.js dev server): then none use it."""
        if self._crons_not_implemented:
            return []
        body = {"assistant_id": assistant_id, "select": ["cron_id"]}
        first: tuple[HttpResponse, int] | None = self._page(
            "/runs/crons/search", {**body, "offset": 0}, retry=False, allow=_SERVER_FAILURES)
        if first is not None and first[0].status_code in _SERVER_FAILURES:
            if "not implemented" in first[0].text[:200].lower():
                self._crons_not_implemented = True
                return []
            first = None  # any other failure: asked again, with the retries of every read
        rows = self._paged("/runs/crons/search", body, _CronRow, "crons", first=first)
        return sorted(row.cron_id for row in rows)

    def threads_count(self, assistant_id: str) -> int | None:
        """Threads that ran the assistant: the server stamps ``metadata.assistant_id`` on a thread's runs. None
        when the server has no ``/threads/count`` (404 or 405: Aegra): the number is unknown, not an error."""
        body = {"metadata": {"assistant_id": assistant_id}}
        response = self._session.request("POST", "/threads/count", json=body, retry=True, allow=(404, 405))
        if response.status_code in (404, 405):
            return None
        return self._session.answers.count(response, "a count of threads")

    # --- batches and pages ------------------------------------------------------------------------------

    def _scan_ids_if_cheaper(self, wanted: int) -> set[str] | None:
        """Every assistant id on the server, when listing them costs fewer requests than ``wanted`` GETs;
        None when it does not, or when the number of assistants changed during the scan (offset pages over
        a changing set can skip rows: the caller then asks for each id instead)."""
        total = self.count()
        span = self.page_size
        pages = math.ceil(total / span)
        if 1 + pages + 1 >= wanted:
            return None
        offsets = [page * span for page in range(pages)]
        chunks = self._concurrently("listing assistant ids", lambda offset: self._id_span(offset, span), offsets)
        if self.count() != total:
            return None
        return {row.assistant_id for chunk in chunks for row in chunk}

    def _id_span(self, start: int, span: int) -> list[_Id]:
        """The ids at offsets ``start`` to ``start + span``: one page, or several when the server turned out to
        accept fewer rows per page meanwhile."""
        body = {"select": ["assistant_id"], "sort_by": "assistant_id", "sort_order": "asc"}
        rows: list[_Id] = []
        end = start + span
        while start < end:
            response, limit = self._page("/assistants/search", {**body, "offset": start}, most=end - start)
            page = self._session.answers.rows(response, _Id, "assistant ids")
            rows.extend(page)
            if len(page) < limit:
                break
            start += limit
        return rows

    def _page(self, path: str, body: dict[str, Any], *, most: int | None = None, retry: bool = True,
              allow: tuple[int, ...] = ()) -> tuple[HttpResponse, int]:
        """One page of a search, of ``page_size`` rows (at most ``most``), and the limit it was asked with. A
        422 that names the limit is answered by sending it again with the page size the server accepts,
        which this client keeps. ``allow``: other statuses handed back to the caller."""
        while True:
            limit = min(self.page_size, most or self.page_size)
            response = self._session.request("POST", path, json={**body, "limit": limit}, retry=retry,
                                             allow=(422, *allow))
            if response.status_code != 422:
                return response, limit
            accepted = self._session.answers.accepted_limit(response, SMALL_PAGE_SIZE)
            if accepted is None or accepted >= limit:
                raise self._session.refused(response)
            self.page_size = min(self.page_size, accepted)

    def _concurrently(self, phase: str, call: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return concurrently(self.progress, self.parallelism, phase, call, items)

    def _paged(self, path: str, body: dict[str, Any], model: type[M], what: str,
               first: tuple[HttpResponse, int] | None = None) -> list[M]:
        self.progress.begin(f"reading {what}", None)
        try:
            return self._all_pages(path, body, model, what, first)
        finally:
            self.progress.end()

    def _all_pages(self, path: str, body: dict[str, Any], model: type[M], what: str,
                   first: tuple[HttpResponse, int] | None = None) -> list[M]:
        """Every row, page by page; ``first`` is the answer for offset 0 (and its limit) when the caller already
        has it."""
        answers = self._session.answers
        rows: list[M] = []
        offset = 0
        previous: list[M] | None = None
        while True:
            if first is not None and offset == 0:
                response, limit = first
            else:
                response, limit = self._page(path, {**body, "offset": offset})
            page = answers.rows(response, model, what, first_index=len(rows))
            self.progress.step()
            if previous is not None and page and page == previous:
                raise answers.unexpected(response, f"the page at offset {offset} repeats the previous one")
            rows.extend(page)
            next_offset = answers.next_offset(response, offset)
            if next_offset is not None and page:
                offset = next_offset
            elif next_offset is None and answers.more_by_total(response, offset, len(page)):
                offset += len(page)
            elif len(page) == limit and next_offset is None and "x-pagination-total" not in response.headers:
                offset += limit
            else:  # a short page, or a longer one than asked for (the server ignores the limit): all rows read
                return rows
            previous = page


class _Id(BaseModel):
    """A search row with ``select: ["assistant_id"]``."""

    assistant_id: str


class _CronRow(BaseModel):
    """A row of ``POST /runs/crons/search`` with ``select: [cron_id]``."""

    cron_id: str


class _Schemas(BaseModel):
    """``GET /assistants/{id}/schemas``: the parts the reconciler reads."""

    context_schema: dict[str, Any] | None = None
    config_schema: dict[str, Any] | None = None
