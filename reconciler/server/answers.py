"""The checks every answer of the server passes before anything past the client sees it: JSON, shape, every
row's fields, the pagination headers. A failed check becomes a one-line ServerError naming the request.

Typed against a small structural ``Response`` so that only the transport module imports httpx.
"""

from __future__ import annotations

import json as jsonlib
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.applying.smoke import RunResult
from reconciler.errors import ServerError
from reconciler.redact import mask_url

DETAIL_LIMIT = 200
NOT_THE_API = "check that the URL points at a LangGraph API server (not a proxy, login page or other service)"

M = TypeVar("M", bound=BaseModel)


class Request(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def url(self) -> object: ...


class Response(Protocol):
    """What the checks read of an HTTP answer (an ``httpx.Response`` is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def request(self) -> Request: ...


class Answers:
    """The checks, with the one-line, secret-free ``clean`` of the client that received the answers."""

    def __init__(self, display_url: str, clean: Callable[[str], str]) -> None:
        self.display_url = display_url
        self.clean = clean

    def json(self, response: Response) -> Any:
        content = response.content
        if not content.strip():
            raise self.unexpected(response, "an empty body instead of JSON")
        try:
            return jsonlib.loads(content)
        except RecursionError:
            raise self.unexpected(response, "JSON nested too deeply to read") from None
        except ValueError as exc:
            if looks_like_html(response):
                raise self.unexpected(response, f"{html_page(response)} instead of JSON") from None
            reason = f"invalid JSON ({exc})" if isinstance(exc, jsonlib.JSONDecodeError) else "invalid JSON"
            raise self.unexpected(response, f"{reason}; the answer may be cut off") from None

    def rows(self, response: Response, model: type[M], what: str, *, first_index: int = 0) -> list[M]:
        data = self.json(response)
        if not isinstance(data, list):
            raise self.unexpected(response, f"expected a list of {what}, got {shape(data)}")
        return [self.model(response, row, model, f"{what} (row {first_index + i})") for i, row in enumerate(data)]

    def model(self, response: Response, data: Any, model: type[M], what: str) -> M:
        if not isinstance(data, dict):
            raise self.unexpected(response, f"expected {what} as an object, got {shape(data)}")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # Messages and field paths only: the input values can be secrets from a context.
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "(top level)"
            more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            raise self.unexpected(response, f"{what}: {field}: {error['msg']}{more}") from None
        except RecursionError:
            raise self.unexpected(response, f"{what}: nested too deeply to read") from None

    def count(self, response: Response, what: str) -> int:
        total = self.json(response)
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise self.unexpected(response, f"expected {what}, got {shape(total)}")
        return total

    def accepted_limit(self, response: Response, fallback: int) -> int | None:
        """The page size a 422 says the server accepts, when the refusal names the ``limit`` field: the bound it
        states (pydantic's ``ctx.le``), else ``fallback``; None when the 422 is about something else."""
        try:
            data = jsonlib.loads(response.content)
        except (ValueError, RecursionError):
            return None
        errors = data.get("detail") if isinstance(data, dict) else None
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, dict) and isinstance(error.get("loc"), list) and "limit" in error["loc"]:
                ctx = error.get("ctx")
                bound = ctx.get("le") if isinstance(ctx, dict) else None
                return bound if isinstance(bound, int) and not isinstance(bound, bool) and bound > 0 else fallback
        return fallback if "limit" in response.text.lower() else None

    def next_offset(self, response: Response, offset: int) -> int | None:
        header = response.headers.get("x-pagination-next")
        if header is None:
            return None
        if not header.strip().isdigit() or int(header) <= offset:
            raise self.unexpected(response, f"header x-pagination-next {header[:20]!r} is not an offset past {offset}")
        return int(header)

    def more_by_total(self, response: Response, offset: int, rows: int) -> bool:
        """Without ``x-pagination-next``: whether ``x-pagination-total`` counts rows past this page. The
        LangGraph.js server sends the real total and no next header; the Python servers send a next header
        while there are more rows, and on the last page a total equal to ``offset + rows``."""
        header = response.headers.get("x-pagination-total", "").strip()
        return rows > 0 and header.isdigit() and int(header) > offset + rows

    def unexpected(self, response: Response, problem: str) -> ServerError:
        where = f"{response.request.method} {mask_url(str(response.request.url))} -> {response.status_code}"
        problem = self.clean(problem)
        return ServerError(f"{where}: unexpected answer: {problem}; {NOT_THE_API}", url=self.display_url,
                           status=response.status_code)

    def detail(self, response: Response) -> str:
        """The server's reason, on one line. A schema validation error quotes the offending request value
        (first line and ``On instance[...]:`` block), which can be a secret from the body: only where it failed
        is kept. Secrets the server echoes back (the API key, the URL's password) are scrubbed."""
        if looks_like_html(response):
            return self.clean(html_page(response))
        try:
            data = jsonlib.loads(response.content)
        except (ValueError, RecursionError):
            return self.clean(response.text)[:DETAIL_LIMIT] or "(empty body)"
        if isinstance(data, dict) and "detail" in data:
            text = str(data["detail"])
        elif isinstance(data, dict) and isinstance(data.get("message"), str):  # {"error", "message"} (Aegra)
            text = data["message"]
        else:
            text = str(data)
        if "\n\nFailed validating" in text:
            parts = text.split("\n\n")
            where = [p.splitlines()[0].rstrip(":") for p in parts if p.startswith(("Failed validating", "On instance"))]
            text = "; ".join(where) + " (value not shown)"
        return self.clean(text)[:DETAIL_LIMIT] or "(empty detail)"


def shape(data: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(data), "a number"
    )


def looks_like_html(response: Response) -> bool:
    return "html" in response.headers.get("content-type", "") or response.content.lstrip()[:1] == b"<"


def html_page(response: Response) -> str:
    title = re.search(r"<title[^>]*>(.*?)</title>", response.text[:5000], re.IGNORECASE | re.DOTALL)
    named = f" ({' '.join(title.group(1).split())[:80]!r})" if title and title.group(1).strip() else ""
    return f"an HTML page{named}"


def run_result(status: int, text: str, seconds: float) -> RunResult:
    """A finished ``/runs/wait`` answer: an HTTP error, a run that raised (``__error__``), or its values."""
    try:
        data = jsonlib.loads(text)
    except (ValueError, RecursionError):
        return RunResult(status="error", error=f"HTTP {status}: not JSON: {text.strip()[:200]}", seconds=seconds)
    if status >= 400:
        detail = data.get("detail") if isinstance(data, dict) else data
        return RunResult(status="error", error=f"HTTP {status}: {detail}", seconds=seconds)
    if isinstance(data, dict) and isinstance(data.get("__error__"), dict):
        error = _innermost_error(data["__error__"])
        return RunResult(status="error", error=f"{error.get('error')}: {error.get('message')}", seconds=seconds)
    return RunResult(status="success", values=data, seconds=seconds)


def _innermost_error(error: dict[str, Any]) -> dict[str, Any]:
    """The LangGraph.js server wraps the graph's error as JSON in the message of its own:
    ``{"error": "Error", "message": "{\"error\":\"Error\",\"message\":\"...\"}"}``."""
    message = error.get("message")
    if not isinstance(message, str) or not message.startswith("{"):
        return error
    try:
        inner = jsonlib.loads(message)
    except (ValueError, RecursionError):
        return error
    return inner if isinstance(inner, dict) and "message" in inner else error
