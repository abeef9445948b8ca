"""``reconciler validate``: every assistant file checked offline, nothing sent anywhere."""

from __future__ import annotations

from pathlib import Path

from reconciler.commands.base import load_and_check, say
from reconciler.settings import Settings


def run(settings: Settings, assistants_dir: Path | None, schemas_dir: Path | None) -> int:
    checked = load_and_check(settings, assistants_dir, schemas_dir)
    count = len(checked.desired.specs)
    files = len({source.file for source in checked.desired.sources.values()})
    say(f"OK: {count} assistant(s) in {files} file(s) valid against {len(checked.schemas)} graph schema(s)")
    return 0
