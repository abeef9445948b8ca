"""``reconciler validate``: every assistant file checked offline, nothing sent anywhere.

``--format text`` prints problems to stderr (as every command does); ``json`` and ``github`` print them on stdout
as data, for tools and for GitHub's annotations on a pull request's diff lines.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from reconciler.commands.base import load_and_check, say, say_raw
from reconciler.errors import InvalidSpecError
from reconciler.settings import Settings

ValidateFormat = Literal["text", "json", "github"]


def run(settings: Settings, assistants_dir: Path | None, schemas_dir: Path | None, fmt: ValidateFormat = "text"
        ) -> int:
    from reconciler.render import problems as render_problems

    try:
        checked = load_and_check(settings, assistants_dir, schemas_dir)
    except InvalidSpecError as error:
        if fmt == "text":
            raise
        if fmt == "json":
            say(render_problems.render_json(error.problems))
        else:
            say_raw(render_problems.render_github(error.problems, workspace=os.environ.get("GITHUB_WORKSPACE")))
        return error.exit_code
    count = len(checked.desired.specs)
    files = len({source.file for source in checked.desired.sources.values()})
    if fmt == "json":
        say(render_problems.render_json((), assistants=count, files=files))
    else:
        say(f"OK: {count} assistant(s) in {files} file(s) valid against {len(checked.schemas)} graph schema(s)")
    return 0
