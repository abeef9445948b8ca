"""A loopback TCP proxy that makes a local server look far away: every byte is delivered ``--delay`` seconds
late (half on the way in, half on the way out), so each HTTP request costs one extra round trip of ``--delay``,
as it would against a server in the cloud. Bandwidth is not limited; concurrency is not limited either, so
requests made in parallel overlap their delays exactly as they would on a real network.

It also counts, for the benchmark: HTTP/1.1 requests (a connection that sends after it has been answered
starts a new request; no pipelining, as httpx never pipelines) and the most requests in flight at once.
Connecting to ``--stats-port`` returns those figures as JSON and resets them.

Run by the benchmark (``bench/latency_benchmark.py``); stand-alone:
``python bench/latency_proxy.py --upstream 127.0.0.1:2124 --port 2125 --stats-port 2126 --delay 0.02``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass

CHUNK = 65536


@dataclass
class Stats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    def request_started(self) -> None:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def request_answered(self) -> None:
        self.in_flight -= 1

    def take(self) -> dict[str, int]:
        """The figures since the last call, then start counting afresh (requests in flight stay counted)."""
        figures = {"requests": self.requests, "max_in_flight": self.max_in_flight}
        self.requests, self.max_in_flight = 0, self.in_flight
        return figures


class Connection:
    """One client connection and its upstream connection; ``awaiting`` is true while a request is unanswered."""

    def __init__(self, stats: Stats, delay: float) -> None:
        self.stats = stats
        self.half_delay = delay / 2
        self.awaiting = False

    async def pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, to_server: bool) -> None:
        """Copy ``reader`` to ``writer``, each chunk delivered ``half_delay`` after it arrived (order kept)."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver = asyncio.create_task(self._deliver(queue, writer))
        try:
            while data := await reader.read(CHUNK):
                self._observe(to_server)
                queue.put_nowait((time.monotonic() + self.half_delay, data))
        except ConnectionError:
            pass
        finally:
            queue.put_nowait((0.0, b""))
            await deliver

    def _observe(self, to_server: bool) -> None:
        if to_server and not self.awaiting:
            self.awaiting = True
            self.stats.request_started()
        elif not to_server and self.awaiting:
            self.awaiting = False
            self.stats.request_answered()

    async def _deliver(self, queue: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


async def serve(upstream: tuple[str, int], port: int, stats_port: int, delay: float) -> None:
    stats = Stats()

    async def proxy(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*upstream)
        connection = Connection(stats, delay)
        await asyncio.gather(
            connection.pump(client_reader, server_writer, to_server=True),
            connection.pump(server_reader, client_writer, to_server=False),
        )
        if connection.awaiting:
            stats.request_answered()

    async def report(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(json.dumps(stats.take()).encode())
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(proxy, "127.0.0.1", port, backlog=512)
    control = await asyncio.start_server(report, "127.0.0.1", stats_port)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    async with listener, control:
        await asyncio.gather(listener.serve_forever(), control.serve_forever())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--upstream", required=True, help="host:port of the real server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats-port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.02, help="added round-trip time in seconds (default 0.02)")
    args = parser.parse_args()
    host, _, upstream_port = args.upstream.rpartition(":")
    asyncio.run(serve((host, int(upstream_port)), args.port, args.stats_port, args.delay))


if __name__ == "__main__":
    main()
