"""Smoke cases: what a run must show for an assistant to count as working, judged without I/O.

A case (``spec.SmokeCaseSpec``) is an input, a timeout and optionally ``expect_contains``. The server's answer
to a stateless run (``RunResult``, produced by a ``SmokeRunner`` such as ``client.LangGraphClient``) is judged
by ``verdict``: a case fails when the run ended in an error (an error status, or the graph raised), when it did
not finish within the timeout, or when ``expect_contains`` does not occur in ``output_text(values)``.

The matcher, documented for users: the run's final values are serialised as JSON with
``json.dumps(values, ensure_ascii=False)`` (``", "`` and ``": "`` separators, keys in the graph's order,
strings JSON-escaped: a quote is ``\\"``, a newline ``\\n``), and ``expect_contains`` must occur in that text,
case-sensitively. No code, no regular expressions.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from reconciler.desired.spec import SmokeCaseSpec
from reconciler.redact import mask

EXCERPT_CHARS = 200
"""How much of a run's output or error a report shows."""

RunStatus = Literal["success", "error", "timeout"]


class RunResult(BaseModel):
    """How a stateless run ended, as the server reported it."""

    model_config = ConfigDict(frozen=True)

    status: RunStatus
    values: Any = None
    """The run's final values (``success`` only)."""
    error: str = ""
    """Why it did not succeed: the HTTP status and detail, the graph's exception, or the time waited."""
    seconds: float = 0.0


class SmokeRunner(Protocol):
    """What running smoke cases needs from a server."""

    def run_wait(self, assistant_id: str, input: dict[str, Any], timeout: float) -> RunResult:
        """A stateless run of the assistant's active version with ``input``, waited for at most ``timeout``
        seconds; never retried (a run may cost money). Never raises for a failed run: see ``RunResult``."""
        ...


def output_text(values: Any) -> str:
    """The text ``expect_contains`` is searched in."""
    return json.dumps(values, ensure_ascii=False, default=str)


def verdict(case: SmokeCaseSpec, result: RunResult) -> str | None:
    """None when the case passed, else the reason it failed (redacted, clipped)."""
    match result.status:
        case "timeout":
            return f"no result within {_seconds(case.timeout)}"
        case "error":
            return f"the run failed: {clip(result.error)}"
        case "success":
            if case.expect_contains is None or case.expect_contains in output_text(result.values):
                return None
            shown = clip(output_text(mask(result.values)))
            return f"the output does not contain {json.dumps(case.expect_contains, ensure_ascii=False)}: {shown}"


def describe_case(case: SmokeCaseSpec) -> str:
    """One line for a plan rendering: the input's keys (never its values), the timeout, the expectation."""
    keys = ", ".join(case.input) or "empty"
    expect = f", expects {json.dumps(case.expect_contains, ensure_ascii=False)}" if case.expect_contains else ""
    return f"input ({keys}), timeout {_seconds(case.timeout)}{expect}"


def clip(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else f"{text[:EXCERPT_CHARS]}…"


def _seconds(value: float) -> str:
    return f"{value:g}s"
