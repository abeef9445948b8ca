"""Every error reconciler raises, and the exit code each one maps to.

    ReconcilerError                      exit 1 unless stated
    ├── InvalidSpecError                 files or overlays break the format or their graph's schema (problems)
    ├── SettingsError                    reconciler.yaml, flags or environment are wrong
    ├── PlanError                        desired state cannot be planned against this server (problems)
    ├── ServerError                      the server answered with an error or could not be reached
    │   └── ServerUnreachableError       connection refused, DNS, timeout (after retries)
    │       └── OutcomeUnknownError      no answer after the request may have reached the server
    ├── PlanFileError                    a plan file that cannot be read or has another format_version
    ├── StalePlanError                   exit 3: the server moved since the plan was made; nothing was written
    ├── PlanRefusedError                 exit 3: a plan file that is not what the files and server give now
    ├── DevServerError                   the ephemeral local server could not be started
    ├── LockHeldError                    another apply holds this owner's lock on the server
    ├── OlderCommitError                 exit 3: the server runs a newer (or unknown) commit than the plan's
    └── ApplyInterruptedError            exit 130 (SIGINT), 143 (SIGTERM) or 1 (an unexpected exception in a
                                         write, the verification pass or the smoke phase): apply stopped, the
                                         report of every write (and smoke case, rollback write) kept

    Interrupted (a KeyboardInterrupt)    SIGTERM, raised where SIGINT raises KeyboardInterrupt

A failed write during apply is not an exception: apply stops and returns a report saying what was and was
not done (exit 1).

Foreign exceptions (httpx, yaml, jsonschema, pydantic) are translated at the module that meets them, with
``raise ... from exc``; nothing above the boundary sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in one file, printed as ``file:line:col: id: field: message``."""

    file: str
    line: int
    col: int
    assistant: str | None = None
    field: str | None = None
    message: str = ""

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}:{self.col}"]
        if self.assistant is not None:
            parts.append(printable(self.assistant))
        if self.field:
            parts.append(printable(self.field))
        parts.append(self.message)
        return ": ".join(parts)


def printable(text: str) -> str:
    """An id or field path as written in a file, safe to print: control characters escaped, a long one cut."""
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:FIELD_LIMIT + 1])
    return escaped if len(text) <= FIELD_LIMIT else f"{escaped[:FIELD_LIMIT]}…({len(text)} characters)"


FIELD_LIMIT = 80


class ReconcilerError(Exception):
    """Base of every error reconciler raises on purpose."""

    exit_code = 1


class ProblemsError(ReconcilerError):
    """An error that carries every Problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem], *, headline: str) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__(f"{headline}: {len(self.problems)} problem(s)")

    def report(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class InvalidSpecError(ProblemsError):
    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, headline="invalid desired state")


class PlanError(ProblemsError):
    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, headline="cannot plan")


class SettingsError(ReconcilerError):
    pass


class ServerError(ReconcilerError):
    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class ServerUnreachableError(ServerError):
    pass


class OutcomeUnknownError(ServerUnreachableError):
    """A timeout or dropped connection after the request was sent: the server may have acted on it, or may
    still act on it later. Never a reason to send it again blindly."""


class PlanFileError(ReconcilerError):
    pass


class StalePlanError(ReconcilerError):
    exit_code = 3

    def __init__(self, moved: Iterable[str]) -> None:
        self.moved = tuple(moved)
        super().__init__(
            "the server changed since this plan was made; nothing was written. Plan again.\n"
            + "\n".join(f"  {line}" for line in self.moved)
        )


class PlanRefusedError(ReconcilerError):
    exit_code = 3

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(
            "this plan file is not what the files and the server give now; nothing was written. "
            "Plan again, review, and apply the new plan.\n" + "\n".join(f"  {line}" for line in self.reasons)
        )


class DevServerError(ReconcilerError):
    pass


class LockHeldError(ReconcilerError):
    """Another apply holds this owner's lock on the server; nothing was written."""


class OlderCommitError(ReconcilerError):
    """exit 3: the server already runs a newer commit (or one this repository does not know) than the plan's."""

    exit_code = 3


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised like SIGINT's KeyboardInterrupt so that every ``finally`` (the lock's release) runs."""

    exit_code = 143


class ApplyInterruptedError(ReconcilerError):
    """An apply stopped by SIGINT, SIGTERM or an unexpected exception (in a write, the verification pass or the
    smoke phase), after the writes in flight finished; carries the report."""

    def __init__(self, message: str, *, report: object, exit_code: int) -> None:
        self.report = report
        self.exit_code = exit_code
        super().__init__(message)
