from __future__ import annotations

import json
from typing import Any

from reconciler.render import json as json_render
from tests.render.factories import UPDATED_AT, assistant_id, make_plan, sample_plan


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_output_is_pure_json_with_the_plan_file_shape() -> None:
    rendered = json_render.render(sample_plan())
    data = json.loads(rendered)
    assert rendered.endswith("}\n") and rendered.startswith('{\n  "format_version": 2,')
    assert (data["format_version"], data["server"], data["owner"]) == (2, "http://127.0.0.1:2124", "default")
    assert data["summary"] == {"create": 1, "update": 2, "set_latest": 2, "delete": 1, "unchanged": 4}
    assert [a["action"] for a in data["actions"]] == [
        "create",
        "update",
        "update",
        "set_latest",
        "set_latest",
        "delete",
    ]
    assert data["unchanged"] == ["billing", "faq", "sales", "summarizer"]
    assert data["warnings"] == ["graph 'legacy' has no context schema; context is not validated"]


def test_bodies_and_contents_are_never_in_the_output() -> None:
    data = json.loads(json_render.render(sample_plan()))
    assert "body" not in _keys(data) and "content" not in _keys(data)


def test_actions_keep_their_identity_and_expectations() -> None:
    data = json.loads(json_render.render(sample_plan()))
    assert data["actions"][3] == {
        "id": "pinned",
        "assistant_id": assistant_id("pinned"),
        "graph_id": "agent",
        "expected": {"exists": True, "version": 5, "updated_at": UPDATED_AT},
        "changes": [{"path": "name", "before": "Pinned v5", "after": "Pinned", "sensitive": False}],
        "action": "set_latest",
        "version": 3,
        "reason": "pin",
        "cause": None,
        "repairs": [{"action": "update", "version": 6}, {"action": "set_latest", "version": 3}],
    }
    assert data["actions"][5]["name"] == "Old bot" and data["actions"][5]["changes"] == []


def test_sensitive_changes_are_masked_on_both_sides() -> None:
    data = json.loads(json_render.render(sample_plan()))
    assert data["actions"][1]["changes"][0] == {
        "path": "context.api_key",
        "before": "(sensitive)",
        "after": "(sensitive)",
        "sensitive": True,
    }


def test_no_changes_has_empty_actions() -> None:
    data = json.loads(json_render.render(make_plan(unchanged=("a",))))
    assert data["actions"] == [] and data["summary"]["unchanged"] == 1


def test_smoke_cases_are_counted_and_their_inputs_never_shown() -> None:
    rendered = json_render.render(sample_plan())
    data = json.loads(rendered)
    assert [a.get("smoke") for a in data["actions"]] == [2, 1, None, None, None, None]
    assert "smoke_cases" not in _keys(data) and "sk-not-shown" not in rendered and "my invoice" not in rendered


def test_the_planned_smoke_rollback_is_listed_like_repairs() -> None:
    data = json.loads(json_render.render(sample_plan()))
    assert [a.get("rollback") for a in data["actions"]] == [
        [{"action": "delete", "version": None, "repair": False}],
        [
            {"action": "set_latest", "version": 2, "repair": False},
            {"action": "update", "version": 4, "repair": True},
            {"action": "set_latest", "version": 2, "repair": True},
        ],
        None,
        None,
        None,
        None,
    ]


def test_a_delete_carries_its_impact() -> None:
    (delete,) = [a for a in json.loads(json_render.render(sample_plan()))["actions"] if a["action"] == "delete"]
    assert delete["impact"] == {"crons": ["cron-7f3a", "cron-9b21"], "threads": 12}


def test_an_unknown_thread_count_is_null_in_json_and_said_in_words() -> None:
    from reconciler.planning.plan import Impact
    from reconciler.render.checks import impact_line
    from tests.render.factories import make_delete

    delete = make_delete("old-bot", impact=Impact(crons=(), threads=None))

    (action,) = json.loads(json_render.render(make_plan(delete)))["actions"]
    assert action["impact"] == {"crons": [], "threads": None}
    assert impact_line(delete) == (
        "impact: no crons; thread impact unknown (the server cannot count threads) (kept: threads are never deleted)"
    )
