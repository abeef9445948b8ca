"""Drift attribution in every rendering: why each update and set_latest differs from the live version."""

from __future__ import annotations

import json

from reconciler.planning.plan import Plan
from reconciler.render import render
from tests.render.factories import UPDATED_AT, change, make_plan, make_set_latest, make_update


def attributed_plan() -> Plan:
    return make_plan(
        make_update("triage", version=2, changes=(change("name", "a", "b"),)).model_copy(update={"cause": "files"}),
        make_set_latest("router", version=1, active=4).model_copy(update={"cause": "outside"}),
    )


def test_text_says_files_changed_or_edited_outside_git_with_version_and_time() -> None:
    text = render(attributed_plan(), "text")
    assert "~ update triage  (graph agent, version 2 → new version; files changed)" in text
    assert (
        "↺ set_latest router → version 1  (rollback: the files equal version 1; active is version 4; "
        f"edited outside git: version 4, written {UPDATED_AT})"
    ) in text


def test_markdown_leads_with_the_edits_made_outside_git() -> None:
    markdown = render(attributed_plan(), "markdown")
    title, banner = markdown.split("\n\n")[:2]
    assert title.startswith("### reconciler plan for")
    assert banner.startswith("> [!WARNING]\n> Edited outside git: <code>router</code> (version 4, ")
    assert "Cause: files changed." in markdown
    assert "Cause: edited outside git: version 4, written " in markdown


def test_json_carries_the_cause_of_each_action() -> None:
    data = json.loads(render(attributed_plan(), "json"))
    assert [(a["id"], a["cause"]) for a in data["actions"]] == [("triage", "files"), ("router", "outside")]
