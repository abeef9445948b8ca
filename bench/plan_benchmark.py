"""Benchmark: how long a no-op ``reconciler plan`` takes against N assistants, and how many HTTP requests it makes.

Run from the repository root: ``make bench`` (= ``.venv/bin/python bench/plan_benchmark.py``), or
``.venv/bin/python bench/plan_benchmark.py --n 1000 --repeat 5``.

It starts a real in-memory ``langgraph dev`` from ``langgraph.json``, writes a temporary GitOps repo with N specs
over the graphs ``agent``, ``typed`` and ``legacy`` (50 documents per YAML file), seeds the server with
``reconciler apply`` itself, then times a plan that has nothing to do, three ways: reconciler in-process,
the reconciler CLI end to end (interpreter start-up included), and the naive langgraph-sdk loop
(``assistants.get`` + ``assistants.get_versions`` per spec). It prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml  # noqa: E402
from langgraph_sdk import get_sync_client  # noqa: E402

from reconciler.apply import apply_plan  # noqa: E402
from reconciler.client import LangGraphClient  # noqa: E402
from reconciler.commands.base import PlanOptions, make_plan  # noqa: E402
from reconciler.devserver import dev_server  # noqa: E402
from reconciler.diff import same_content  # noqa: E402
from reconciler.loading import load_desired_state  # noqa: E402
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
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    (root / "reconciler.yaml").write_text(f"owner: {OWNER}\n", encoding="utf-8")
    specs_dir = root / "assistants.d"
    specs_dir.mkdir()
    for start in range(0, n, PER_FILE):
        docs = [spec(i) for i in range(start, min(start + PER_FILE, n))]
        text = yaml.safe_dump_all(docs, sort_keys=False, explicit_start=False)
        (specs_dir / f"bench-{start // PER_FILE:04d}.yaml").write_text(text, encoding="utf-8")


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median wall time of ``repeat`` runs, and the request count of the last run (they are all equal)."""
    times, requests = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        requests = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), requests


def reconciler_in_process(settings: Settings, url: str) -> int:
    with LangGraphClient(url) as client:
        plan = make_plan(settings, PlanOptions(url=url), client)
        assert not plan.actions, f"expected a no-op plan, got {len(plan.actions)} action(s)"
        return client.request_count


def reconciler_cli(root: Path, url: str) -> int:
    python = str(PYTHON if PYTHON.exists() else Path(sys.executable))
    env = {**os.environ, "RECONCILER_URL": url}
    cmd = [python, "-m", "reconciler", "plan", "--detailed-exitcode"]
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return 0


def naive_sdk(root: Path, url: str) -> int:
    """What one would write with langgraph-sdk: per spec, get + get_versions, compare the active content."""
    client = get_sync_client(url=url, api_key=None)
    count = [0]

    def on_request(_request: Any) -> None:
        count[0] += 1

    client.http.client.event_hooks["request"].append(on_request)
    try:
        for s in load_desired_state(root / "assistants.d").desired.specs:
            live = client.assistants.get(s.resolved_assistant_id)
            versions = client.assistants.get_versions(s.resolved_assistant_id)
            active: dict[str, Any] = dict(next(v for v in versions if v["version"] == live["version"]))
            content = {k: active.get(k) for k in ("graph_id", "name", "description", "context", "metadata")}
            content["config"] = {k: v for k, v in (active.get("config") or {}).items() if k != "configurable"}
            assert same_content(s.content(OWNER), content), f"{s.id} differs"
    finally:
        client.http.client.close()
    return count[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="number of assistant specs (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per method; the median is reported (default 5)")
    args = parser.parse_args()
    n, repeat = args.n, args.repeat
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reconciler-bench-") as tmp, dev_server(REPO_ROOT / LANGGRAPH_JSON) as srv:
        root = Path(tmp)
        write_repo(root, n)
        settings = load_settings(root)
        with LangGraphClient(srv.url) as client:
            start = time.perf_counter()
            plan = make_plan(settings, PlanOptions(url=srv.url), client)
            planned = time.perf_counter() - start
            assert len(plan.actions) == n, f"expected {n} creates, got {len(plan.actions)}"
            report = apply_plan(plan, client, parallelism=8)
            applied = time.perf_counter() - start - planned
            assert report.ok, report.summary()
        print(f"initial plan of {n} creates: {planned:.2f} s; initial apply of {n} creates (parallelism 8): "
              f"{applied:.2f} s, {client.request_count} requests in all", flush=True)
        methods: list[tuple[str, Callable[[], int]]] = [
            ("reconciler plan, in-process (`make_plan`)", lambda: reconciler_in_process(settings, srv.url)),
            ("reconciler plan, CLI end to end (`python -m reconciler plan`)", lambda: reconciler_cli(root, srv.url)),
            ("naive langgraph-sdk: `get` + `get_versions` per assistant", lambda: naive_sdk(root, srv.url)),
        ]
        rows = [(label, *timed(fn, repeat)) for label, fn in methods]
    in_process_requests = rows[0][2]
    print()
    print("| method | N | requests | median wall time |")
    print("|---|---:|---:|---:|")
    for label, seconds, requests in rows:
        shown = requests if requests else f"{in_process_requests} (same as in-process)"
        print(f"| {label} | {n} | {shown} | {seconds:.3f} s |")
    print()
    print(f"No-op plan (nothing to change), median of {repeat} runs; loopback, in-memory `langgraph dev --no-reload`. "
          f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"langgraph-api {version('langgraph-api')}, langgraph-runtime-inmem {version('langgraph-runtime-inmem')}, "
          f"langgraph-sdk {version('langgraph-sdk')}."
          " Requests: `LangGraphClient.request_count` for reconciler (the CLI "
          "runs the same code, so the same count); an httpx request hook on the SDK's client for the naive loop. "
          "Every method reads and parses the YAML; reconciler also validates each context against its graph's schema "
          "and checks the schemas for drift.")
    print(f"\nTotal benchmark run time: {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
