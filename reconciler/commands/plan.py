"""``reconciler plan``: the calls that would make the server match the files, rendered and optionally saved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.commands.base import PlanOptions, make_plan, open_client, say, warn
from reconciler.settings import Settings, colour_wanted

if TYPE_CHECKING:
    from reconciler.render import Format


def run(settings: Settings, options: PlanOptions, *, out: Path | None, fmt: Format, detailed_exitcode: bool) -> int:
    from reconciler.applying.progress_display import close, progress_for_terminal
    from reconciler.planning.plan import write_plan_file
    from reconciler.render import render

    progress = progress_for_terminal()
    try:
        with open_client(settings, options.url) as client:
            client.progress = progress
            the_plan = make_plan(settings, options, client)
    finally:
        close(progress)
    if out is not None:
        write_plan_file(the_plan, out)
        warn(f"Plan saved to {out} (holds real values; mode 0600). Apply it with `reconciler apply {out}`.")
    say(render(the_plan, fmt, color=fmt == "text" and colour_wanted(sys.stdout)))
    return 2 if detailed_exitcode and the_plan.has_changes else 0
