"""The apply report: one outcome per planned action, rendered for humans (text, markdown for a CI job summary)
or machines (json).

Outcomes carry ids, versions and field names, never values, so nothing here needs redaction.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from reconciler.redact import mask_url

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


SmokeStatus = Literal["passed", "rolled_back", "rollback_failed", "stopped", "not_run"]
"""``stopped``: a case raised (the smoke phase ends there, nothing switched back); ``not_run``: the phase ended
before this assistant's cases."""


class SmokeOutcome(BaseModel):
    """The smoke cases of one written assistant, and what happened when one failed."""

    model_config = ConfigDict(frozen=True)

    id: str
    assistant_id: str
    status: SmokeStatus
    version: int | None = None
    """The version the cases ran against (the one apply wrote)."""
    cases: int = 0
    """How many cases ran (they stop at the first failure)."""
    reason: str = ""
    """Why a case failed."""
    rollback: str = ""
    """What the rollback did, or why it failed and what the server has now."""
    rollback_writes: tuple[str, ...] = ()
    """The planned rollback writes that were made, in order (the conditional ones only where needed)."""
    rollback_planned: int = 0
    """How many rollback writes the plan listed for this assistant."""

    def line(self) -> str:
        ran = f"{self.cases} smoke case(s)"
        if self.status == "passed":
            return f"✓ smoke {self.id}: {ran} passed on version {self.version}"
        if self.status == "not_run":
            return f"· smoke {self.id}: not run (the smoke phase stopped before it); version {self.version} is active"
        if self.status == "stopped":
            return f"✗ smoke {self.id} STOPPED: {self.reason}\n    {self.rollback}"
        head = "rolled back" if self.status == "rolled_back" else "ROLLBACK FAILED"
        made = "; ".join(self.rollback_writes) or "none"
        writes = f"planned rollback writes made ({len(self.rollback_writes)} of {self.rollback_planned}): {made}"
        return f"✗ smoke {self.id} {head}: {self.reason}\n    {self.rollback}\n    {writes}"


class ApplyReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    server: str
    outcomes: tuple[Outcome, ...] = ()
    smoke: tuple[SmokeOutcome, ...] = ()
    smoke_skipped: int = 0
    """Smoke cases not run because of ``--no-smoke``."""

    @property
    def ok(self) -> bool:
        written = all(o.status in ("applied", "repaired") for o in self.outcomes)
        return written and all(s.status == "passed" for s in self.smoke)

    def counts(self) -> dict[str, int]:
        counts = {"applied": 0, "repaired": 0, "failed": 0, "not_attempted": 0}
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    def summary(self) -> str:
        counts = self.counts()
        if not self.outcomes:
            return "Apply complete: nothing to do."
        failed_smoke = [s for s in self.smoke if s.status != "passed"]
        untested = [s for s in self.smoke if s.status in ("stopped", "not_run")]
        if untested and all(o.status in ("applied", "repaired") for o in self.outcomes):
            return (
                f"Apply stopped in the smoke phase: {len(untested)} assistant(s) not tested to the end keep the "
                "version written; any other is switched back or left as stated above."
            )
        if failed_smoke and all(o.status in ("applied", "repaired") for o in self.outcomes):
            return (
                f"Apply failed smoke tests: {len(failed_smoke)} assistant(s) switched back or left as stated above. "
                "Fix the files (or the graph); `reconciler plan` shows them as pending."
            )
        if self.ok:
            repaired = f" ({counts['repaired']} repaired after readback)" if counts["repaired"] else ""
            return f"Apply complete: {len(self.outcomes)} change(s) applied and verified{repaired}."
        done = counts["applied"] + counts["repaired"]
        return (
            f"Apply stopped: {done} applied, {counts['failed']} failed, {counts['not_attempted']} not attempted. "
            "Run `reconciler plan` to see the remainder; `reconciler apply` finishes it."
        )

    def smoke_lines(self) -> list[str]:
        lines = [s.line() for s in self.smoke]
        if self.smoke_skipped:
            lines.append(f"· smoke: {self.smoke_skipped} case(s) not run (--no-smoke)")
        return lines

    def render_text(self) -> str:
        smoke = self.smoke_lines()
        lines = [*(o.line() for o in self.outcomes), *([""] + smoke if smoke else []), "", self.summary()]
        return "\n".join(lines) + "\n"

    def render_markdown(self) -> str:
        """A heading with the summary and a table of outcomes: for a GitHub job summary or a comment."""
        lines = [f"### {'✅' if self.ok else '❌'} {self.summary()}", "", f"Server: `{mask_url(self.server)}`"]
        if self.outcomes:
            lines += ["", "| | action | assistant | result |", "| --- | --- | --- | --- |"]
            lines += [_markdown_row(o) for o in self.outcomes]
        smoke = self.smoke_lines()
        if smoke:
            lines += ["", "**Smoke cases**", "", *(f"- {line.replace(chr(10), ' ')}" for line in smoke)]
        return "\n".join(lines) + "\n"

    def render_json(self) -> str:
        data = {
            "server": mask_url(self.server),
            "ok": self.ok,
            "counts": self.counts(),
            "outcomes": [o.model_dump() for o in self.outcomes],
            "smoke": [s.model_dump() for s in self.smoke],
            "smoke_skipped": self.smoke_skipped,
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
