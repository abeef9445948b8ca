"""Renderings of a plan: ``text`` for a terminal, ``markdown`` for a pull-request comment, ``json`` for tools.

Each is a pure function of the plan that returns the whole text (ending in a newline) and never prints;
every value shown goes through ``reconciler.redact`` first, and request bodies are never shown.
"""

from __future__ import annotations

from typing import Literal

from reconciler.planning.plan import Plan
from reconciler.render import json, markdown, text

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")


def render(plan: Plan, fmt: Format, *, color: bool = False) -> str:
    """``plan`` as ``fmt``; ``color`` (ANSI) applies to text only."""
    match fmt:
        case "text":
            return text.render(plan, color=color)
        case "markdown":
            return markdown.render(plan)
        case "json":
            return json.render(plan)
        case _:
            raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Format", "render"]
