from __future__ import annotations

import pytest

from reconciler.render import Format, markdown, render, text
from reconciler.render import json as json_render
from tests.render.factories import sample_plan


def test_dispatches_on_the_format() -> None:
    plan = sample_plan()
    assert render(plan, "text") == text.render(plan)
    assert render(plan, "text", color=True) == text.render(plan, color=True)
    assert render(plan, "markdown") == markdown.render(plan)
    assert render(plan, "markdown", color=True) == markdown.render(plan)
    assert render(plan, "json", color=True) == json_render.render(plan)


def test_an_unknown_format_is_an_error() -> None:
    fmt: Format = "yaml"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="unknown format 'yaml': expected one of text, markdown, json"):
        render(sample_plan(), fmt)
