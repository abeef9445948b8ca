"""Benchmark: how long a no-op ``reconciler plan`` takes against N assistants, and how many HTTP requests it makes.

Run from the repository root: ``make bench`` (= ``.venv/bin/python bench/plan_benchmark.py``, N = 1,000 and
10,000), or ``.venv/bin/python bench/plan_benchmark.py --n 1000 --repeat 5``.

For each N it starts a fresh in-memory ``langgraph dev`` from ``langgraph.json``, writes a temporary GitOps repo
with N specs over the graphs ``agent``, ``typed`` and ``legacy`` (50 documents per YAML file), seeds the server
with reconciler's own plan + apply (parallelism 8), then times a plan that has nothing to do, three ways:
reconciler in-process, the reconciler CLI as a process (interpreter start-up and imports included, byte-compiled
as an installed package is), and the naive langgraph-sdk loop (``assistants.get`` + ``assistants.get_versions``
per spec). Above ``--naive-sample`` assistants the naive loop runs over an even sample of the specs and its time is
extrapolated to N (the output says so). It prints a Markdown table for docs/speed.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml  # noqa: E402
from langgraph_sdk import get_sync_client  # noqa: E402
from timing import timed  # noqa: E402

from reconciler.applying.apply import apply_plan  # noqa: E402
from reconciler.commands.base import PlanOptions, make_plan  # noqa: E402
from reconciler.desired.loading import load_desired_state  # noqa: E402
from reconciler.planning.diff import same_content  # noqa: E402
from reconciler.server.client import LangGraphClient  # noqa: E402
from reconciler.server.devserver import dev_server  # noqa: E402
from reconciler.settings import Settings, load_settings  # noqa: E402

OWNER = "bench"
PER_FILE = 50
LANGGRAPH_JSON = "langgraph.json"
GRAPHS = ("agent", "typed", "legacy")
PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


def spec(i: int) -> dict[str, Any]:
    """A valid spec for one of the three graphs (legacy requires ``system_prompt``)."""
    graph = GRAPHS[i % len(GRAPHS)]
    prompt = f"You are assistant number {i}. Answer briefly."
    context: dict[str, Any] = {"system_prompt": prompt, "temperature": round((i % 10) / 10, 1)}
    if graph == "agent":
        context |= {"model_name": "openai" if i % 2 else "anthropic", "max_tokens": 256 + i % 7}
    elif graph == "typed":
        context |= {"model_name": "anthropic"}
    else:
        context |= {"max_retries": i % 5}
    return {
        "id": f"bench-{i:05d}",
        "graph_id": graph,
        "name": f"Bench assistant {i}",
        "description": f"Benchmark assistant {i} on graph {graph}.",
        "context": context,
        "config": {"tags": ["bench", graph], "recursion_limit": 25},
        "metadata": {"team": f"team-{i % 13}", "tier": i % 3},
    }


def write_repo(root: Path, n: int) -> None:
    """``reconciler.yaml`` (owner ``bench``), the committed graph schemas and ``n`` specs in files of 50."""
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    (root / "reconciler.yaml").write_text(f"owner: {OWNER}\n", encoding="utf-8")
    specs_dir = root / "assistants.d"
    specs_dir.mkdir()
    for start in range(0, n, PER_FILE):
        docs = [spec(i) for i in range(start, min(start + PER_FILE, n))]
        text = yaml.safe_dump_all(docs, sort_keys=False, explicit_start=False)
        (specs_dir / f"bench-{start // PER_FILE:04d}.yaml").write_text(text, encoding="utf-8")


def reconciler_in_process(settings: Settings, url: str) -> int:
    with LangGraphClient(url) as client:
        plan = make_plan(settings, PlanOptions(url=url), client)
        assert not plan.actions, f"expected a no-op plan, got {len(plan.actions)} action(s)"
        return client.request_count


def cli_environment(url: str) -> dict[str, str]:
    """The environment of a CLI run: this checkout's code, byte-compiled once into a cache outside the repository
    (an installed package is byte-compiled; ``PYTHONDONTWRITEBYTECODE`` would make every run compile the source)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cache = Path(tempfile.gettempdir()) / "reconciler-bench-pycache"
    return {**env, "RECONCILER_URL": url, "PYTHONPATH": str(REPO_ROOT), "PYTHONPYCACHEPREFIX": str(cache)}


def reconciler_cli(root: Path, url: str) -> int:
    python = str(PYTHON if PYTHON.exists() else Path(sys.executable))
    cmd = [python, "-m", "reconciler", "plan", "--detailed-exitcode"]
    done = subprocess.run(cmd, cwd=root, env=cli_environment(url), capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return 0


def naive_sdk(root: Path, url: str, sample: int | None = None) -> int:
    """What one would write with langgraph-sdk: per spec, get + get_versions, compare the active content.
    ``sample``: only that many specs, evenly spread."""
    client = get_sync_client(url=url, api_key=None)
    count = [0]

    def on_request(_request: Any) -> None:
        count[0] += 1

    client.http.client.event_hooks["request"].append(on_request)
    specs = load_desired_state(root / "assistants.d").desired.specs
    if sample is not None and sample < len(specs):
        specs = specs[:: len(specs) // sample][:sample]
    try:
        for s in specs:
            live = client.assistants.get(s.resolved_assistant_id)
            versions = client.assistants.get_versions(s.resolved_assistant_id)
            active: dict[str, Any] = dict(next(v for v in versions if v["version"] == live["version"]))
            content = {k: active.get(k) for k in ("graph_id", "name", "description", "context", "metadata")}
            content["config"] = {k: v for k, v in (active.get("config") or {}).items() if k != "configurable"}
            assert same_content(s.content(OWNER), content), f"{s.id} differs"
    finally:
        client.http.client.close()
    return count[0]


@dataclass(frozen=True)
class Row:
    label: str
    n: int
    requests: int | str
    seconds: float

    def markdown(self) -> str:
        requests = f"{self.requests:,}" if isinstance(self.requests, int) else self.requests
        return f"| {self.label} | {self.n:,} | {requests} | {self.seconds:.3f} s |"


def measure_size(n: int, repeat: int, naive_sample: int) -> list[Row]:
    """Seed a fresh server with ``n`` assistants, then time the no-op plan three ways."""
    with tempfile.TemporaryDirectory(prefix="reconciler-bench-") as tmp, dev_server(REPO_ROOT / LANGGRAPH_JSON) as srv:
        root = Path(tmp)
        write_repo(root, n)
        settings = load_settings(root)
        with LangGraphClient(srv.url, parallelism=8) as client:
            start = time.perf_counter()
            plan = make_plan(settings, PlanOptions(url=srv.url), client)
            planned = time.perf_counter() - start
            assert len(plan.actions) == n, f"expected {n} creates, got {len(plan.actions)}"
            report = apply_plan(plan, client, parallelism=8)
            applied = time.perf_counter() - start - planned
            assert report.ok, report.summary()
        print(f"N = {n:,}: initial plan of {n:,} creates {planned:.2f} s; initial apply (parallelism 8) "
              f"{applied:.2f} s, {client.request_count:,} requests in all", flush=True)
        reconciler_cli(root, srv.url)  # byte-compiles the package into the cache, untimed
        in_process = timed(lambda: reconciler_in_process(settings, srv.url), repeat)
        rows = [
            Row("reconciler plan, in-process (`make_plan`)", n, in_process[1], in_process[0]),
            Row("reconciler plan, CLI process (`python -m reconciler plan`, incl. start-up)", n,
                f"{in_process[1]:,} (same code)", timed(lambda: reconciler_cli(root, srv.url), repeat)[0]),
        ]
        sample = naive_sample if n > naive_sample else None
        seconds, requests = timed(lambda: naive_sdk(root, srv.url, sample), min(repeat, 3) if sample else repeat)
        label = "naive langgraph-sdk: `get` + `get_versions` per assistant"
        if sample is not None:
            factor = n / sample
            rows.append(Row(f"{label} (run on {sample:,} of them, extrapolated ×{factor:g})", n,
                            f"{round(requests * factor):,} (extrapolated)", seconds * factor))
        else:
            rows.append(Row(label, n, requests, seconds))
        for row in rows:
            print(row.markdown(), flush=True)
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, action="append", help="number of assistant specs, repeatable "
                        "(default: 1000 and 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per method; the median is reported (default 5)")
    parser.add_argument("--naive-sample", type=int, default=1000,
                        help="above this many assistants the naive loop runs on a sample and is extrapolated")
    args = parser.parse_args()
    sizes, repeat = args.n or [1000, 10000], args.repeat
    began = time.perf_counter()
    rows = [row for n in sizes for row in measure_size(n, repeat, args.naive_sample)]
    print()
    print("| method (no-op plan) | N | requests | median wall time |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(row.markdown())
    print()
    print(f"No-op plan (nothing to change), median of {repeat} runs (the extrapolated naive loop: of "
          f"{min(repeat, 3)}); loopback, a fresh in-memory `langgraph dev --no-reload` per N. "
          f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"langgraph-api {version('langgraph-api')}, langgraph-runtime-inmem {version('langgraph-runtime-inmem')}, "
          f"langgraph-sdk {version('langgraph-sdk')}."
          " Requests: `LangGraphClient.request_count` for reconciler (the CLI runs the same code, so the same "
          "count); an httpx request hook on the SDK's client for the naive loop. Every method reads and parses the "
          "YAML; reconciler also validates each document and context and checks the schemas for drift.")
    print(f"\nTotal benchmark run time: {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
