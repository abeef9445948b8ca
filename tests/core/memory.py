"""An in-memory LiveReader / LiveWriter that follows docs/server-behaviour.md §3-§9, with call counts and faults.

Modelled, as observed on the real server:
- create: 409 when the id exists (``if_exists: raise``), 404 for an unknown graph, 400 for context together
  with ``config.configurable``; ``context`` is mirrored into ``config.configurable``.
- PATCH: every call makes version max+1 from the CURRENT row; metadata merges shallowly (null is stored,
  keys are never removed); ``context`` replaces and, when non-empty, config becomes ``body config +
  configurable`` (``context`` alone drops tags); with an EMPTY context, an empty ``config`` changes nothing
  and any other replaces config; ``config`` alone replaces config; omitted fields are kept; null
  name/description/metadata is a 422.
- set_latest: makes no version, switches the active row to version N and bumps ``updated_at``.
  ``set_latest_mode`` reproduces broken servers: ``keeps_context`` is the in-memory runtime's bug (context
  and graph_id are NOT restored); ``loses_context`` and ``ignored`` model servers that never honour a pin.
- ``partial_patch_mode="resets_context"`` is the Postgres-backed runtime: a PATCH without a non-empty
  ``context`` sets context to ``{}`` and leaves ``config.configurable`` as it was.
- ``land_next_differently`` makes the next create or PATCH store other values than were sent (no real server
  does this on purpose; it is what apply's readback exists to catch).
- ``stop_serving(graph)`` is a restart that no longer serves a graph: the in-memory runtime then hides that
  graph's assistants from GET (404) while their ids stay taken (create: 409) and their versions, PATCH,
  set_latest and DELETE still work; the owner search still lists them unless ``from_search=True``.
``MemoryServer.like("inmem" | "pg")`` behaves as that real server does; tests/integration/test_server_contract.py
runs the same scenario on both and on the real servers and compares every answer.
Not modelled: reserved-key stripping, name/graph filters of search, pagination, system assistants.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from reconciler.applying.smoke import RunResult
from reconciler.desired.spec import OWNER_KEY
from reconciler.errors import ServerError, ServerUnreachableError
from reconciler.server.live import GraphUnavailable, HiddenAssistant, LiveAssistant, LiveVersion
from reconciler.validation.schema import GraphSchema

URL = "http://memory.test"
SetLatestMode = Literal["correct", "keeps_context", "loses_context", "ignored"]
PartialPatchMode = Literal["keeps_context", "resets_context"]
Method = Literal[
    "list_owned",
    "get",
    "hidden",
    "versions",
    "graph_schema",
    "crons_using",
    "threads_count",
    "run_wait",
    "create",
    "update",
    "set_latest",
    "delete",
]
T = TypeVar("T")

_DEFAULTS: dict[str, Any] = {
    "graph_id": "agent",
    "name": "Untitled",
    "description": None,
    "context": {},
    "config": {},
    "metadata": {},
}


@dataclass(frozen=True)
class Fault:
    error: ServerError
    landed: bool
    """The call takes effect before the error is raised (the response was lost)."""


def _echo_run(active: dict[str, Any], input: dict[str, Any]) -> RunResult:
    """The default run: succeeds and echoes the input and the context it used."""
    return RunResult(status="success", values={**input, "context": active["context"]})


def transient(*, status: int | None = 503) -> ServerError:
    if status is None:
        return ServerUnreachableError(f"PATCH {URL} failed: ReadTimeout: timed out", url=URL)
    return ServerError(f"{URL} -> {status}: server error: boom", url=URL, status=status)


class MemoryServer:
    """Thread-safe (apply writes with a thread pool). ``calls`` counts every call per protocol method."""

    def __init__(
        self,
        graphs: dict[str, GraphSchema] | None = None,
        *,
        set_latest_mode: SetLatestMode = "correct",
        partial_patch_mode: PartialPatchMode = "keeps_context",
    ) -> None:
        self.graphs: dict[str, GraphSchema] = dict(graphs or {})
        self.set_latest_mode: SetLatestMode = set_latest_mode
        self.partial_patch_mode: PartialPatchMode = partial_patch_mode
        self._landing: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []
        """``(method, assistant_id)`` of every write that took effect, in order."""
        self._active: dict[str, dict[str, Any]] = {}
        self._versions: dict[str, list[dict[str, Any]]] = {}
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._lock = threading.RLock()
        self._unserved: set[str] = set()
        self._hidden_from_search = False
        self._tick = 0
        self.crons: dict[str, list[str]] = {}
        """Cron ids per assistant id (``crons_using``)."""
        self.threads: dict[str, int] = {}
        """Thread counts per assistant id (``threads_count``)."""
        self.runner: Callable[[dict[str, Any], dict[str, Any]], RunResult] = _echo_run
        """``runner(active_row, input)`` answers ``run_wait``."""
        self.runs: list[tuple[str, dict[str, Any]]] = []
        """``(assistant_id, input)`` of every run."""

    @classmethod
    def like(cls, runtime: str, graphs: dict[str, GraphSchema] | None = None) -> MemoryServer:
        """A fake that answers as the real ``inmem`` or ``pg`` runtime does (checked by the contract test)."""
        if runtime == "inmem":
            return cls(graphs, set_latest_mode="keeps_context")
        if runtime == "pg":
            return cls(graphs, set_latest_mode="correct", partial_patch_mode="resets_context")
        raise ValueError(f"no such runtime: {runtime}")

    # --- test controls ----------------------------------------------------------------------------

    def seed(self, assistant_id: str, *contents: dict[str, Any], active: int | None = None) -> LiveAssistant:
        """Put an assistant with one version per ``contents`` (missing fields take server defaults), the
        last (or ``active``) one active. Not counted as calls."""
        with self._lock:
            rows = [self._row(assistant_id, number, {**_DEFAULTS, **c}) for number, c in enumerate(contents, 1)]
            self._versions[assistant_id] = rows
            chosen = rows[(active or len(rows)) - 1]
            self._active[assistant_id] = {**copy.deepcopy(chosen), "updated_at": chosen["created_at"]}
            return self._live(assistant_id)

    def stop_serving(self, graph_id: str, *, from_search: bool = False) -> None:
        """A restart whose config no longer serves ``graph_id`` (its assistants are hidden, not gone)."""
        self.graphs.pop(graph_id, None)
        self._unserved.add(graph_id)
        self._hidden_from_search = from_search

    def fail_next(self, method: Method, error: ServerError | None = None, *, landed: bool = False) -> None:
        """The next call of ``method`` raises ``error`` (default: a 503), after taking effect if ``landed``."""
        self._faults[method].append(Fault(error or transient(), landed))

    def land_next_differently(self, method: Literal["create", "update"], **stored: Any) -> None:
        """The next ``method`` call succeeds but stores these field values instead of what was sent."""
        self._landing[method].append(stored)

    def reset_calls(self) -> None:
        self.calls.clear()
        self.log.clear()

    def version_numbers(self, assistant_id: str) -> list[int]:
        return [row["version"] for row in self._versions.get(assistant_id, [])]

    # --- LiveReader -------------------------------------------------------------------------------

    def list_owned(self, owner: str) -> list[LiveAssistant]:
        def run() -> list[LiveAssistant]:
            rows = [a for a in self._active.values() if a["metadata"].get(OWNER_KEY) == owner
                    and not (self._hidden_from_search and self._is_hidden(a["assistant_id"]))]
            rows.sort(key=lambda a: a["created_at"], reverse=True)
            return [LiveAssistant.model_validate(copy.deepcopy(a)) for a in rows]

        return self._call("list_owned", "", run)

    def get(self, assistant_id: str) -> LiveAssistant | None:
        return self._call(
            "get", assistant_id, lambda: self._live(assistant_id) if self._is_visible(assistant_id) else None
        )

    def hidden(self, assistant_ids: Collection[str]) -> dict[str, HiddenAssistant]:
        found = {assistant_id: self._hidden_one(assistant_id) for assistant_id in assistant_ids}
        return {assistant_id: hidden for assistant_id, hidden in found.items() if hidden is not None}

    def _hidden_one(self, assistant_id: str) -> HiddenAssistant | None:
        def run() -> HiddenAssistant | None:
            if not self._is_hidden(assistant_id):
                return None
            newest = max(self._versions[assistant_id], key=lambda row: row["version"])
            return HiddenAssistant(assistant_id, newest["graph_id"])

        return self._call("hidden", assistant_id, run)

    def versions(self, assistant_id: str) -> list[LiveVersion]:
        def run() -> list[LiveVersion]:
            self._require(assistant_id, "POST", "/versions")
            rows = sorted(self._versions[assistant_id], key=lambda r: -r["version"])
            return [LiveVersion.model_validate(copy.deepcopy(r)) for r in rows]

        return self._call("versions", assistant_id, run)

    def graph_schema(self, graph_id: str) -> GraphSchema | GraphUnavailable:
        return self._call(
            "graph_schema", graph_id, lambda: self.graphs.get(graph_id) or GraphUnavailable(graph_id, served=False)
        )

    # batches: one call of the single method per item, so that ``calls`` counts what was asked for

    def find(self, assistant_ids: Collection[str]) -> dict[str, LiveAssistant]:
        found = {assistant_id: self.get(assistant_id) for assistant_id in assistant_ids}
        return {assistant_id: live for assistant_id, live in found.items() if live is not None}

    def versions_of(self, assistant_ids: Collection[str]) -> dict[str, list[LiveVersion]]:
        return {assistant_id: self.versions(assistant_id) for assistant_id in assistant_ids}

    def graph_schemas(self, graph_ids: Collection[str]) -> dict[str, GraphSchema | GraphUnavailable]:
        return {graph_id: self.graph_schema(graph_id) for graph_id in graph_ids}

    def crons_using(self, assistant_id: str) -> list[str]:
        return self._call("crons_using", assistant_id, lambda: sorted(self.crons.get(assistant_id, [])))

    def threads_count(self, assistant_id: str) -> int:
        return self._call("threads_count", assistant_id, lambda: self.threads.get(assistant_id, 0))

    # --- SmokeRunner ------------------------------------------------------------------------------

    def run_wait(self, assistant_id: str, input: dict[str, Any], timeout: float) -> RunResult:
        def run() -> RunResult:
            self.runs.append((assistant_id, input))
            if assistant_id not in self._active:
                return RunResult(status="error", error="HTTP 404: Thread or assistant not found.")
            return self.runner(copy.deepcopy(self._active[assistant_id]), input)

        return self._call("run_wait", assistant_id, run)

    # --- LiveWriter -------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> LiveAssistant:
        assistant_id = str(uuid.UUID(body["assistant_id"])) if body.get("assistant_id") else str(uuid.uuid4())

        def run() -> LiveAssistant:
            if assistant_id in self._active:
                if body.get("if_exists") == "do_nothing":
                    return self._live(assistant_id)
                raise _error("POST", "", 409, f"Assistant {assistant_id} already exists")
            self._require_graph(body.get("graph_id"), "POST")
            context = body.get("context")
            config = dict(body.get("config") or {})
            if context and config.get("configurable"):
                raise _error("POST", "", 400, "Cannot specify both configurable and context.")
            context = context or config.get("configurable") or {}
            if context:
                config["configurable"] = context
            content = {
                "graph_id": body["graph_id"],
                "name": body.get("name") or "Untitled",
                "description": body.get("description"),
                "context": context,
                "config": config,
                "metadata": dict(body.get("metadata") or {}),
            }
            row = self._row(assistant_id, 1, self._landed("create", content))
            self._versions[assistant_id] = [row]
            self._active[assistant_id] = {**copy.deepcopy(row), "updated_at": row["created_at"]}
            self.log.append(("create", assistant_id))
            return self._live(assistant_id)

        return self._call("create", assistant_id, run)

    def update(self, assistant_id: str, body: dict[str, Any]) -> LiveAssistant:
        def run() -> LiveAssistant:
            self._require(assistant_id, "PATCH", "")
            for key in ("name", "description", "metadata"):
                if key in body and body[key] is None:
                    raise _error("PATCH", assistant_id, 422, f"None is not of type 'string' ({key})")
            if "graph_id" in body:
                self._require_graph(body["graph_id"], "PATCH")
            current = copy.deepcopy(self._active[assistant_id])
            content = {key: current[key] for key in _DEFAULTS}
            content.update({key: body[key] for key in ("graph_id", "name", "description") if key in body})
            content["metadata"] = {**current["metadata"], **(body.get("metadata") or {})}
            content["context"], content["config"] = _context_and_config(current, body)
            if self.partial_patch_mode == "resets_context" and not body.get("context"):
                content["context"] = {}
            number = max(r["version"] for r in self._versions[assistant_id]) + 1
            row = self._row(assistant_id, number, self._landed("update", content))
            self._versions[assistant_id].append(row)
            self._active[assistant_id] = {**copy.deepcopy(row), "updated_at": row["created_at"]}
            self.log.append(("update", assistant_id))
            return self._live(assistant_id)

        return self._call("update", assistant_id, run)

    def set_latest(self, assistant_id: str, version: int) -> LiveAssistant:
        def run() -> LiveAssistant:
            self._require(assistant_id, "POST", "/latest")
            row = next((r for r in self._versions[assistant_id] if r["version"] == version), None)
            if row is None:
                raise _error("POST", assistant_id, 404, f"Version {version} not found for assistant {assistant_id}")
            active = self._active[assistant_id]
            if self.set_latest_mode != "ignored":
                kept = {"context": active["context"], "graph_id": active["graph_id"]}
                active.update(copy.deepcopy(row))
                if self.set_latest_mode == "keeps_context":
                    active.update(kept)
                elif self.set_latest_mode == "loses_context":
                    active["context"] = {}
            active["updated_at"] = self._now()
            self.log.append(("set_latest", assistant_id))
            return self._live(assistant_id)

        return self._call("set_latest", assistant_id, run)

    def delete(self, assistant_id: str) -> None:
        def run() -> None:
            if assistant_id not in self._active:
                raise _error("DELETE", assistant_id, 404, f"Assistant with ID {assistant_id} not found")
            del self._active[assistant_id]
            del self._versions[assistant_id]
            self.log.append(("delete", assistant_id))

        self._call("delete", assistant_id, run)

    # --- internals --------------------------------------------------------------------------------

    def _call(self, method: Method, assistant_id: str, run: Callable[[], T]) -> T:
        with self._lock:
            self.calls[method] += 1
            fault = self._faults[method].pop(0) if self._faults[method] else None
            if fault is not None and not fault.landed:
                raise fault.error
            result = run()
            if fault is not None:
                raise fault.error
            return result

    def _landed(self, method: str, content: dict[str, Any]) -> dict[str, Any]:
        return {**content, **self._landing[method].pop(0)} if self._landing[method] else content

    def _row(self, assistant_id: str, number: int, content: dict[str, Any]) -> dict[str, Any]:
        return {"assistant_id": assistant_id, "version": number, **copy.deepcopy(content), "created_at": self._now()}

    def _now(self) -> str:
        self._tick += 1
        return f"2025-01-01T00:00:00.{self._tick:06d}+00:00"

    def _is_hidden(self, assistant_id: str) -> bool:
        return assistant_id in self._active and self._active[assistant_id]["graph_id"] in self._unserved

    def _is_visible(self, assistant_id: str) -> bool:
        return assistant_id in self._active and not self._is_hidden(assistant_id)

    def _live(self, assistant_id: str) -> LiveAssistant:
        return LiveAssistant.model_validate(copy.deepcopy(self._active[assistant_id]))

    def _require(self, assistant_id: str, method: str, suffix: str) -> None:
        if assistant_id not in self._active:
            raise _error(method, assistant_id + suffix, 404, f"Assistant {assistant_id} not found")

    def _require_graph(self, graph_id: object, method: str) -> None:
        if graph_id not in self.graphs:
            raise _error(method, "", 404, f"Graph {graph_id!r} not found. Expected one of: {sorted(self.graphs)}")


def _context_and_config(current: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    context, config = current["context"], current["config"]
    sent_config = body.get("config")
    if "context" in body:
        if body["context"] and (sent_config or {}).get("configurable"):
            raise _error("PATCH", current["assistant_id"], 400, "Cannot specify both configurable and context.")
        context = dict(body["context"] or {})
        if context:
            config = {**(sent_config or {}), "configurable": context}
        elif sent_config:
            config = dict(sent_config)
    elif sent_config:
        config = dict(sent_config)
    return copy.deepcopy(context), copy.deepcopy(config)


def _error(method: str, path: str, status: int, detail: str) -> ServerError:
    return ServerError(f"{method} {URL}/assistants/{path} -> {status}: {detail}", url=URL, status=status)
