"""Benchmark: how long checking N contexts against their graph's schema takes, three ways side by side.

Run from the repository root: ``.venv/bin/python bench/validation_benchmark.py`` (N = 1,000 and 10,000, median of
5), or ``--n 1000 --repeat 3``. The contexts are spread over the committed ``schemas/graphs/*.json`` (a context per
spec, as a no-op ``plan`` checks them: every one valid, multi-line prompts, nested objects and lists), and each way
must find no problem:

- ``jsonschema``: Python jsonschema alone (Draft 2020-12, the format checker ``validation/schema.py`` uses);
- ``quickcheck``: the hand-written pure-Python pre-check that came before, read from git history (the row is left
  out where the history is not at hand), then jsonschema where it could not tell;
- ``fastpath``: ``reconciler/validation/fastpath.py`` (jsonschema-rs), then jsonschema where it cannot tell.

A second set of contexts uses a schema of the kind pydantic generates for ``date``/``UUID`` fields and a
``pattern`` (``Field(pattern=...)``), keywords the old quickcheck left to jsonschema. Building the validators (once
per graph) is timed apart. It prints a Markdown table for docs/speed.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
import types
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from timing import timed  # noqa: E402

from reconciler.validation.schema import GraphSchema, read_schema  # noqa: E402

QUICKCHECK = "reconciler/validation/quickcheck.py"
Check = Callable[[Any], bool]


def load_schemas() -> dict[str, GraphSchema]:
    return {path.stem: read_schema(path) for path in sorted((REPO_ROOT / "schemas" / "graphs").glob("*.json"))}


def context(graph_id: str, i: int) -> dict[str, Any]:
    """A valid context of the kind a spec of ``graph_id`` carries."""
    prompt = f"You are assistant number {i}.\nAnswer briefly and cite the article you used.\n"
    if graph_id == "agent":
        return {"model_name": "openai" if i % 2 else "anthropic", "temperature": (i % 10) / 10,
                "system_prompt": prompt, "max_tokens": None if i % 3 else 256 + i % 7}
    if graph_id == "legacy":
        return {"system_prompt": prompt, "max_retries": i % 5, "temperature": 0.5, "model_name": "openai"}
    if graph_id == "nested":
        return {"system_prompt": prompt, "retrieval": {"index": f"kb-{i % 4}", "top_k": 1 + i % 50},
                "fallback": None if i % 2 else {"index": "faq", "top_k": 3}, "labels": {"team": f"team-{i % 13}"},
                "tools": [{"name": "search", "enabled": True}, {"name": f"tool-{i % 5}"}]}
    if graph_id == "flaky":
        return {"behaviour": "echo", "greeting": f"hello {i}", "sleep_seconds": 0.5}
    return {"model_name": "anthropic", "system_prompt": prompt, "temperature": 0.2}


PATTERNED = GraphSchema("patterned", {
    "type": "object",
    "properties": {
        "system_prompt": {"type": "string", "title": "System Prompt"},
        "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "starts": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": None},
        "request_id": {"type": "string", "format": "uuid"},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
    },
    "required": ["slug"],
}, None)


def patterned_context(i: int) -> dict[str, Any]:
    return {"system_prompt": f"You are assistant number {i}.\n", "slug": f"bot-{i}", "temperature": 0.5,
            "starts": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "request_id": f"12345678-1234-5678-1234-{i:012d}"}


def old_quickcheck() -> Callable[[Any, frozenset[str]], Check] | None:
    """``compile_check`` of the quickcheck module as it was before it was deleted (None without git history)."""
    try:
        deleted_in = subprocess.run(["git", "rev-list", "-n", "1", "HEAD", "--", QUICKCHECK], cwd=REPO_ROOT,
                                    capture_output=True, text=True, check=True).stdout.strip()
        source = subprocess.run(["git", "show", f"{deleted_in}^:{QUICKCHECK}"], cwd=REPO_ROOT,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("quickcheck")
    exec(compile(source, QUICKCHECK, "exec"), module.__dict__)
    compiled: Callable[[Any, frozenset[str]], Check] = module.compile_check
    return compiled


def validate_all(items: list[tuple[GraphSchema, dict[str, Any]]], checks: dict[str, Check] | None) -> int:
    """Problems found over every context: each through its check first (if any), jsonschema where that says no."""
    problems = 0
    for schema, value in items:
        if checks is not None and checks[schema.graph_id](value):
            continue
        problems += sum(1 for _ in schema.validator.iter_errors(value))
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="number of contexts (repeatable)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    schemas = load_schemas() | {PATTERNED.graph_id: PATTERNED}
    start = time.perf_counter()
    fast = {graph_id: s.surely_valid for graph_id, s in schemas.items()}  # the fast path as validation builds it
    fast_build = time.perf_counter() - start
    quick_compile = old_quickcheck()
    quick = None if quick_compile is None else {
        graph_id: quick_compile(s.effective, frozenset(s.validator.format_checker.checkers))
        for graph_id, s in schemas.items()}
    ways: dict[str, dict[str, Check] | None] = {"jsonschema": None, "quickcheck then jsonschema": quick,
                                                "fastpath (jsonschema-rs) then jsonschema": fast}
    if quick is None:
        del ways["quickcheck then jsonschema"]

    print(f"Python {platform.python_version()}, jsonschema {version('jsonschema')}, "
          f"jsonschema-rs {version('jsonschema-rs')}, {platform.machine()}; graphs: {', '.join(schemas)}; "
          f"fast path built for all {len(schemas)} graphs in {fast_build * 1000:.1f} ms\n")
    print("| contexts | way | N | time | per context | taken by the pre-check |")
    print("|---|---|---:|---:|---:|---:|")
    for n in args.n or [1_000, 10_000]:
        for label, items in corpora(n, schemas).items():
            json.dumps([value for _, value in items])  # plain JSON, as read from YAML
            for name, checks in ways.items():
                seconds, problems = timed(partial(validate_all, items, checks), args.repeat)
                assert problems == 0, f"{name}: {problems} problems in valid contexts"
                taken = "" if checks is None else f"{sum(checks[s.graph_id](v) for s, v in items) / n:.0%}"
                print(f"| {label} | {name} | {n:,} | {seconds * 1000:.1f} ms | {seconds / n * 1e6:.1f} µs | {taken} |")


def corpora(n: int, schemas: dict[str, GraphSchema]) -> dict[str, list[tuple[GraphSchema, dict[str, Any]]]]:
    """``n`` contexts spread over the committed graphs, and ``n`` of the format + pattern schema."""
    graph_ids = sorted(set(schemas) - {PATTERNED.graph_id})
    committed = [(schemas[graph_ids[i % len(graph_ids)]], context(graph_ids[i % len(graph_ids)], i)) for i in range(n)]
    return {"committed graphs": committed, "format + pattern": [(PATTERNED, patterned_context(i)) for i in range(n)]}


if __name__ == "__main__":
    main()
