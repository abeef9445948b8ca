"""A tiny real HTTP server on 127.0.0.1 (stdlib ``http.server`` in a thread) for answers no LangGraph server
gives: HTML, redirects, cut-off JSON, wrong shapes. With ``upstream`` it is a proxy in front of a real server
that passes everything through except the requests its ``answer`` function chooses to spoil."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


AnswerFunction = Callable[[Request], Answer | None]
"""The answer to one request, or None to pass it through to the upstream server (proxy mode)."""


@dataclass
class JunkServer:
    url: str
    answer: AnswerFunction
    """What the server answers from now on (tests sharing one server set it per case)."""
    requests: list[Request] = field(default_factory=list)


@contextmanager
def junk_server(answer: AnswerFunction, *, upstream: str | None = None) -> Iterator[JunkServer]:
    state = JunkServer("", answer)
    lock = threading.Lock()
    forward = httpx.Client(base_url=upstream, timeout=30) if upstream else None

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Request(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
            with lock:
                state.requests.append(request)
                reply = state.answer(request)
            if reply is None:
                reply = _forwarded(forward, request)
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        state.url = f"http://127.0.0.1:{server.server_address[1]}"
        yield state
    finally:
        server.shutdown()
        server.server_close()
        if forward is not None:
            forward.close()


def _forwarded(client: httpx.Client | None, request: Request) -> Answer:
    if client is None:
        raise AssertionError(f"no answer for {request.method} {request.path} and no upstream")
    headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "x-api-key")}
    response = client.request(request.method, request.path, content=request.body, headers=headers)
    passed = {k: v for k, v in response.headers.items() if k.lower().startswith("x-pagination")}
    return Answer(response.status_code, response.content, response.headers.get("content-type", ""), passed)
