"""Validation problems for machines: ``json`` for tools, ``github`` as workflow commands that GitHub shows as
annotations on the pull request's diff lines (``::error file=…,line=…,col=…::message``).

The text form is ``str(problem)`` (``path:line:col: id: field: message``) and needs nothing here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict

from reconciler.errors import Problem
from reconciler.render.neutralise import for_output


def render_json(problems: Sequence[Problem], *, assistants: int = 0, files: int = 0) -> str:
    """``{"ok": bool, "problems": [{file, line, col, assistant, field, message}], ...}``; counts only when ok."""
    data: dict[str, object] = {"ok": not problems, "problems": [asdict(p) for p in problems]}
    if not problems:
        data.update(assistants=assistants, files=files)
    return json.dumps(data, indent=2) + "\n"


def render_github(problems: Sequence[Problem], *, workspace: str | None) -> str:
    """One ``::error`` workflow command per problem. ``file`` is made relative to ``workspace`` (the
    repository's root, ``$GITHUB_WORKSPACE``), which is where GitHub looks for it."""
    return "".join(_command(problem, workspace) + "\n" for problem in problems)


def _command(problem: Problem, workspace: str | None) -> str:
    file = problem.file
    if workspace:
        file = os.path.relpath(os.path.abspath(file), os.path.abspath(workspace)).replace(os.sep, "/")
    message = ": ".join(part for part in (problem.assistant, problem.field, problem.message) if part)
    properties = {"file": file, "line": str(problem.line), "col": str(problem.col), "title": "reconciler validate"}
    rendered = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    return f"::error {rendered}::{_escape_data(message)}"


def _escape_data(value: str) -> str:
    # Neutralised first (no ``##[`` and no invisible character in an annotation), then the escapes GitHub's
    # runner undoes (actions/toolkit, command.ts): with CR and LF escaped the command stays one line.
    return for_output(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")
