"""A loopback HTTP/1.1 proxy in front of a real server that slows chosen requests down, or rewrites their body:
to make two applies overlap, to give a test time to act between a stale check and a write, or to play a server
that ignores a search filter. Every answer is the real server's."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import urlsplit

Rewrite = Callable[[bytes, bytes], bytes]
"""``rewrite(request_line, body) -> body``."""


class LoopbackProxy:
    """Relays HTTP/1.1 between clients on a free loopback port (``url``) and ``upstream``, one thread per
    connection; subclasses say in ``_serve`` what happens to each request. Set a subclass's own attributes
    before calling ``__init__``: the first connection may be accepted at once."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        raise NotImplementedError


class SlowProxy(LoopbackProxy):
    """Requests whose first line starts with one of ``slow`` wait ``delay`` seconds before they are relayed;
    ``seen`` is set when the first of them arrives (it is being held)."""

    def __init__(self, upstream: str, *, slow: tuple[bytes, ...] = (), delay: float = 0.0,
                 rewrite: Rewrite | None = None) -> None:
        self.slow = slow
        self.delay = delay
        self.rewrite = rewrite
        self.seen = threading.Event()
        super().__init__(upstream)

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream)
        threading.Thread(target=_relay, args=(upstream, client), daemon=True).start()
        reader = client.makefile("rb")
        try:
            while (request := read_request(reader)) is not None:
                head, body = request
                line = head.split(b"\r\n", 1)[0]
                if any(line.startswith(prefix) for prefix in self.slow):
                    self.seen.set()
                    time.sleep(self.delay)
                if self.rewrite is not None:
                    body = self.rewrite(line, body)
                upstream.sendall(_with_length(head, len(body)) + body)
        except OSError:
            pass
        finally:
            reader.close()


def _relay(upstream: socket.socket, client: socket.socket) -> None:
    try:
        while data := upstream.recv(65536):
            client.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (client, upstream):
            try:
                sock.close()
            except OSError:
                pass


def read_request(reader: BinaryIO) -> tuple[bytes, bytes] | None:
    """One whole request as (head, Content-Length body), or None at the end of the stream."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline()
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return head, reader.read(length) if length else b""


def _with_length(head: bytes, length: int) -> bytes:
    lines = [line for line in head.split(b"\r\n") if line and not line.lower().startswith(b"content-length:")]
    if length or any(line.startswith((b"POST", b"PATCH", b"PUT")) for line in lines[:1]):
        lines.append(b"content-length: %d" % length)
    return b"\r\n".join(lines) + b"\r\n\r\n"
