"""What each CLI command does, as functions of plain values that return an exit code.

``cli`` parses arguments with typer and calls these; they print data to stdout and diagnostics to stderr.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from reconciler.desired import DesiredState
from reconciler.errors import InvalidSpecError, ReconcilerError
from reconciler.schema import GraphSchema
from reconciler.settings import Settings


def say(text: str) -> None:
    """Data, on stdout."""
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def warn(text: str) -> None:
    """Diagnostics, on stderr."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def report_error(error: ReconcilerError) -> int:
    details = error.report() if hasattr(error, "report") else ""
    warn(f"error: {error}")
    if details:
        warn(details)
    return error.exit_code


@dataclass(frozen=True)
class CheckedDesiredState:
    desired: DesiredState
    schemas: dict[str, GraphSchema]


def load_and_check(settings: Settings, assistants_dir: Path | None = None, schemas_dir: Path | None = None
                   ) -> CheckedDesiredState:
    """Offline validation: the file format, then every context against its graph's schema."""
    from reconciler.loading import load_desired_state
    from reconciler.schema import check_contexts

    loaded = load_desired_state(assistants_dir or settings.assistants_dir)
    schemas, context_problems = check_contexts(loaded.context_targets, schemas_dir or settings.schemas_dir)
    if loaded.problems or context_problems:
        raise InvalidSpecError([*loaded.problems, *context_problems])
    return CheckedDesiredState(loaded.desired, schemas)


def validate(settings: Settings, assistants_dir: Path | None, schemas_dir: Path | None) -> int:
    checked = load_and_check(settings, assistants_dir, schemas_dir)
    count = len(checked.desired.specs)
    files = len({source.file for source in checked.desired.sources.values()})
    say(f"OK: {count} assistant(s) in {files} file(s) valid against {len(checked.schemas)} graph schema(s)")
    return 0
