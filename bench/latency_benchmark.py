"""Benchmark at cloud latency: plan and apply through a loopback proxy that adds a fixed round-trip time per request.

Run from the repository root: ``make bench`` (after the loopback benchmark), or
``.venv/bin/python bench/latency_benchmark.py --n 1000 --updates 100 --delay 0.02``.

It starts a real in-memory ``langgraph dev`` from ``langgraph.json`` and ``bench/latency_proxy.py`` in front of it
(a separate process, so that its event loop does not share the benchmark's interpreter), writes a temporary GitOps
repo with N specs, and measures, through the proxy, side by side:
- reconciler: plan + apply of N creates, plan + apply of ``--updates`` updates, a no-op plan (in-process and as a
  process, interpreter start-up included);
- the naive langgraph-sdk loop over a second set of N specs: per spec ``get``, then ``create`` when missing or
  ``update`` when it differs; and its no-op check (``get`` + ``get_versions`` per spec).
For each: wall time, HTTP requests (counted by the proxy), requests per assistant, and the most requests in flight.
It prints a Markdown table for docs/speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
for folder in (REPO_ROOT, Path(__file__).resolve().parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from langgraph_sdk import get_sync_client  # noqa: E402
from plan_benchmark import OWNER, PYTHON, reconciler_cli, spec, write_repo  # noqa: E402

from reconciler.applying.apply import apply_plan  # noqa: E402
from reconciler.commands.base import PlanOptions, make_plan  # noqa: E402
from reconciler.desired.spec import AssistantSpec  # noqa: E402
from reconciler.planning.diff import same_content  # noqa: E402
from reconciler.server.client import LangGraphClient  # noqa: E402
from reconciler.server.devserver import dev_server, free_port  # noqa: E402
from reconciler.settings import Settings, load_settings  # noqa: E402


@dataclass(frozen=True)
class Proxy:
    url: str
    stats_port: int

    def take(self) -> dict[str, int]:
        """Requests and most in flight since the last call."""
        with socket.create_connection(("127.0.0.1", self.stats_port)) as control:
            data = b""
            while chunk := control.recv(4096):
                data += chunk
        figures: dict[str, int] = json.loads(data)
        return figures


@contextmanager
def latency_proxy(upstream: str, delay: float) -> Iterator[Proxy]:
    port, stats_port = free_port(), free_port()
    host_port = upstream.removeprefix("http://")
    python = str(PYTHON if PYTHON.exists() else Path(sys.executable))
    cmd = [python, str(Path(__file__).with_name("latency_proxy.py")), "--upstream", host_port,
           "--port", str(port), "--stats-port", str(stats_port), "--delay", str(delay)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "listening" in proc.stdout.readline()
        yield Proxy(f"http://127.0.0.1:{port}", stats_port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass(frozen=True)
class Row:
    label: str
    assistants: int
    seconds: float
    requests: int
    max_in_flight: int

    def markdown(self) -> str:
        per = f"{self.requests / self.assistants:.2f}" if self.assistants else "–"
        return (f"| {self.label} | {self.assistants:,} | {self.seconds:.2f} s | {self.requests:,} | {per} | "
                f"{self.max_in_flight} |")


def measure(proxy: Proxy, label: str, assistants: int, fn: Callable[[], object], repeat: int = 1) -> Row:
    """Wall time of ``fn`` (the median of ``repeat`` runs), with the requests of one run as the proxy counted them."""
    times = []
    for _ in range(repeat):
        proxy.take()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        figures = proxy.take()
    row = Row(label, assistants, statistics.median(times), figures["requests"], figures["max_in_flight"])
    print(row.markdown(), flush=True)
    return row


def reconcile(settings: Settings, url: str, expected: int) -> None:
    """Plan and apply in-process, as ``reconciler apply --auto-approve`` does (with its default parallelism)."""
    with LangGraphClient(url) as client:
        plan = make_plan(settings, PlanOptions(url=url), client)
        assert len(plan.actions) == expected, f"expected {expected} actions, got {len(plan.actions)}"
        report = apply_plan(plan, client)
        assert report.ok, report.summary()


def no_op_plan(settings: Settings, url: str) -> None:
    with LangGraphClient(url) as client:
        plan = make_plan(settings, PlanOptions(url=url), client)
        assert not plan.actions, f"expected a no-op plan, got {len(plan.actions)} action(s)"


def edit_specs(root: Path, n: int, updates: int) -> None:
    """Change the system prompt of the first ``updates`` specs (they sit in the first files)."""
    for path in sorted((root / "assistants.d").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for i in range(updates):
            text = text.replace(f"You are assistant number {i}. ", f"You are assistant number {i}, edited. ")
        path.write_text(text, encoding="utf-8")


def naive_specs(n: int, owner: str, edited: int = 0) -> list[dict[str, Any]]:
    specs = []
    for i in range(n):
        raw = spec(i)
        raw["id"] = raw["id"].replace("bench-", "naive-")
        if i < edited:
            raw["context"]["system_prompt"] += " Edited."
        model = AssistantSpec.model_validate(raw)
        specs.append({"assistant_id": model.resolved_assistant_id, **model.content(owner)})
    return specs


def naive_reconcile(url: str, specs: list[dict[str, Any]]) -> None:
    """What one would write with langgraph-sdk: per spec, get; create when missing, update when different."""
    client = get_sync_client(url=url, api_key=None)
    try:
        for wanted in specs:
            assistant_id, content = wanted["assistant_id"], {k: v for k, v in wanted.items() if k != "assistant_id"}
            try:
                live = client.assistants.get(assistant_id)
            except Exception:  # langgraph_sdk raises NotFoundError (an httpx.HTTPStatusError) for a 404
                client.assistants.create(if_exists="raise", assistant_id=assistant_id, **content)
                continue
            if not same_content(content, _live_content(live)):
                client.assistants.update(assistant_id, **content)
    finally:
        client.http.client.close()


def naive_no_op(url: str, specs: list[dict[str, Any]]) -> None:
    """The naive no-op check: per spec get + get_versions, compare the active content."""
    client = get_sync_client(url=url, api_key=None)
    try:
        for wanted in specs:
            live = client.assistants.get(wanted["assistant_id"])
            versions = client.assistants.get_versions(wanted["assistant_id"])
            active = next(v for v in versions if v["version"] == live["version"])
            content = {k: v for k, v in wanted.items() if k != "assistant_id"}
            assert same_content(content, _live_content(active)), f"{wanted['assistant_id']} differs"
    finally:
        client.http.client.close()


def _live_content(row: Any) -> dict[str, Any]:
    content = {k: row.get(k) for k in ("graph_id", "name", "description", "context", "metadata")}
    content["config"] = {k: v for k, v in (row.get("config") or {}).items() if k != "configurable"}
    return content


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="assistants to create (default 1000)")
    parser.add_argument("--updates", type=int, default=100, help="assistants to update afterwards (default 100)")
    parser.add_argument("--delay", type=float, default=0.02, help="added round-trip time, seconds (default 0.02)")
    parser.add_argument("--skip-naive", action="store_true", help="measure reconciler only")
    args = parser.parse_args()
    n, updates, delay = args.n, args.updates, args.delay
    began = time.perf_counter()
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="reconciler-latency-") as tmp,
        dev_server(REPO_ROOT / "langgraph.json") as srv,
        latency_proxy(srv.url, delay) as proxy,
    ):
        root = Path(tmp)
        write_repo(root, n)
        settings = load_settings(root)
        url = proxy.url
        print("| run | assistants | wall | requests | per assistant | most in flight |")
        print("|---|---:|---:|---:|---:|---:|")
        rows.append(measure(proxy, "reconciler: plan + apply, creates", n, lambda: reconcile(settings, url, n)))
        rows.append(measure(proxy, "reconciler: no-op plan, in-process (median of 5)", n,
                            lambda: no_op_plan(settings, url), repeat=5))
        reconciler_cli(root, url)  # byte-compiles the package into the cache, untimed
        rows.append(measure(proxy, "reconciler: no-op plan, CLI process (median of 5)", n,
                            lambda: reconciler_cli(root, url), repeat=5))
        edit_specs(root, n, updates)
        rows.append(measure(proxy, "reconciler: plan + apply, updates", updates,
                            lambda: reconcile(settings, url, updates)))
        if not args.skip_naive:
            specs = naive_specs(n, OWNER + "-naive")
            rows.append(measure(proxy, "naive SDK loop: get + create", n, lambda: naive_reconcile(url, specs)))
            rows.append(measure(proxy, "naive SDK loop: no-op (get + get_versions)", n,
                                lambda: naive_no_op(url, specs)))
            edited = naive_specs(n, OWNER + "-naive", edited=updates)[:updates]
            rows.append(measure(proxy, "naive SDK loop: get + update", updates,
                                lambda: naive_reconcile(url, edited)))
    print()
    print(f"Through bench/latency_proxy.py adding {delay * 1000:.0f} ms per round trip, in front of an in-memory "
          f"`langgraph dev --no-reload` on loopback. Machine: {os.cpu_count()} cores, {platform.machine()}, "
          f"Python {platform.python_version()}. Requests and most in flight counted by the proxy.")
    print(f"\nTotal benchmark run time: {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
