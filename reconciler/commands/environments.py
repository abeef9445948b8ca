"""``reconciler environments``: the environments of reconciler.yaml, e.g. to feed a CI matrix."""

from __future__ import annotations

import json
from typing import Literal

from reconciler.commands.base import say
from reconciler.errors import SettingsError
from reconciler.redact import mask_url
from reconciler.settings import SETTINGS_FILE, Settings

EnvironmentsFormat = Literal["text", "json"]


def run(settings: Settings, names: tuple[str, ...], fmt: EnvironmentsFormat) -> int:
    """All environments in file order, or only ``names`` (each must exist). ``json`` is one line: a list of
    names, ready for ``$GITHUB_OUTPUT`` and ``fromJSON`` in a job matrix."""
    known = list(settings.project.environments)
    unknown = [name for name in names if name not in known]
    if unknown:
        listed = ", ".join(known) or "none defined"
        raise SettingsError(
            f"unknown environment(s) {', '.join(map(repr, unknown))} "
            f"(environments in {settings.root / SETTINGS_FILE}: {listed})"
        )
    chosen = list(dict.fromkeys(names)) or known
    if fmt == "json":
        say(json.dumps(chosen))
        return 0
    for name in chosen:
        entry = settings.project.environments[name]
        url = mask_url(entry.url) if entry.url else "url from RECONCILER_URL or reconciler.yaml"
        say(f"{name}\towner {entry.owner or settings.project.owner}\t{url}")
    if not chosen:
        say(f"No environments in {settings.root / SETTINGS_FILE}.")
    return 0
