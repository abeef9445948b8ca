"""The apply report: one outcome per planned action, rendered for humans (text, markdown for a CI job summary)
or machines (json).

Outcomes carry ids, versions and field names, never values, so nothing here needs redaction.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["applied", "repaired", "failed", "not_attempted"]
_VERBS = {"create": "created", "update": "updated", "set_latest": "re-activated", "delete": "deleted"}
_SYMBOLS = {"applied": "✓", "repaired": "✓", "failed": "✗", "not_attempted": "·"}


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    id: str
    assistant_id: str
    status: Status
    version: int | None = None
    """The active version after the write (none for a delete or a write that did not happen)."""
    message: str = ""

    @classmethod
    def of(cls, action: Any, status: Status, *, version: int | None = None, message: str = "") -> Outcome:
        return cls(
            action=action.action,
            id=action.id,
            assistant_id=action.assistant_id,
            status=status,
            version=version,
            message=message,
        )

    def line(self) -> str:
        if self.status == "failed":
            text = f"{_SYMBOLS['failed']} {self.action} {self.id} FAILED: {self.message}"
        elif self.status == "not_attempted":
            text = f"{_SYMBOLS['not_attempted']} {self.action} {self.id}: not attempted"
        else:
            where = f" (version {self.version})" if self.version is not None else ""
            text = f"{_SYMBOLS[self.status]} {_VERBS[self.action]} {self.id}{where}"
            if self.message:
                text += f"\n    note: {self.message}"
        return text


class ApplyReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    server: str
    outcomes: tuple[Outcome, ...] = ()

    @property
    def ok(self) -> bool:
        return all(o.status in ("applied", "repaired") for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        counts = {"applied": 0, "repaired": 0, "failed": 0, "not_attempted": 0}
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    def summary(self) -> str:
        counts = self.counts()
        if not self.outcomes:
            return "Apply complete: nothing to do."
        if self.ok:
            repaired = f" ({counts['repaired']} repaired after readback)" if counts["repaired"] else ""
            return f"Apply complete: {len(self.outcomes)} change(s) applied and verified{repaired}."
        done = counts["applied"] + counts["repaired"]
        return (
            f"Apply stopped: {done} applied, {counts['failed']} failed, {counts['not_attempted']} not attempted. "
            "Run `reconciler plan` to see the remainder; `reconciler apply` finishes it."
        )

    def render_text(self) -> str:
        return "\n".join([*(o.line() for o in self.outcomes), "", self.summary()]) + "\n"

    def render_markdown(self) -> str:
        """A heading with the summary and a table of outcomes: for a GitHub job summary or a comment."""
        lines = [f"### {'✅' if self.ok else '❌'} {self.summary()}", "", f"Server: `{self.server}`"]
        if self.outcomes:
            lines += ["", "| | action | assistant | result |", "| --- | --- | --- | --- |"]
            lines += [_markdown_row(o) for o in self.outcomes]
        return "\n".join(lines) + "\n"

    def render_json(self) -> str:
        data = {
            "server": self.server,
            "ok": self.ok,
            "counts": self.counts(),
            "outcomes": [o.model_dump() for o in self.outcomes],
        }
        return json.dumps(data, indent=2) + "\n"


def _markdown_row(outcome: Outcome) -> str:
    if outcome.status == "failed":
        result = f"FAILED: {outcome.message}"
    elif outcome.status == "not_attempted":
        result = "not attempted"
    else:
        result = _VERBS[outcome.action] + (f" (version {outcome.version})" if outcome.version is not None else "")
        if outcome.message:
            result += f"; note: {outcome.message}"
    cells = [_SYMBOLS[outcome.status], outcome.action, f"`{outcome.id}`", result]
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"
