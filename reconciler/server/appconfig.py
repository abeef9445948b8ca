"""A LangGraph app's ``langgraph.json`` served from another folder than its own: the paths in it moved.

Both dev servers resolve a graph's file path against their working directory, and reconciler starts each in a
fresh temporary one, so every path the config names must be rewritten: absolute for ``langgraph dev``,
relative to the new folder for the LangGraph.js server (which joins paths to its folder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def with_moved_targets(
    raw: dict[str, Any], move: Callable[[str], str], sections: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    """A copy of ``raw`` with ``move`` applied to every graph's target (``./path:attr``, or a spec's ``path``)
    and to ``section.key`` for each of ``sections`` (``("auth", "path")``)."""
    cfg = dict(raw)
    graphs = cfg.get("graphs")
    if isinstance(graphs, dict):
        cfg["graphs"] = {graph_id: _moved_spec(spec, move) for graph_id, spec in graphs.items()}
    for section, key in sections:
        conf = cfg.get(section)
        if isinstance(conf, dict) and isinstance(conf.get(key), str):
            cfg[section] = {**conf, key: move(conf[key])}
    return cfg


def _moved_spec(spec: Any, move: Callable[[str], str]) -> Any:
    if isinstance(spec, str):
        return move(spec)
    if isinstance(spec, dict) and isinstance(spec.get("path"), str):
        return {**spec, "path": move(spec["path"])}
    return spec
