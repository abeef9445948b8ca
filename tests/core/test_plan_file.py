from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from reconciler.errors import PlanFileError
from reconciler.planning.plan import (
    Change,
    Create,
    Delete,
    Expected,
    Plan,
    SetLatest,
    Update,
    read_plan_file,
    write_plan_file,
)
from tests.core.factories import SERVER, UPDATED_AT, aid

SEEN = Expected(exists=True, version=2, updated_at=UPDATED_AT)
SECRET = "sk-live-REAL"


def full_plan() -> Plan:
    content = {"graph_id": "agent", "name": "r", "description": "", "context": {"t": 0.5}, "config": {}, "metadata": {}}
    return Plan(
        server=SERVER,
        owner="default",
        actions=(
            Create(
                id="new",
                assistant_id=aid("new"),
                graph_id="agent",
                expected=Expected(exists=False),
                changes=(Change(path="context.api_key", after=SECRET, sensitive=True),),
                body={"assistant_id": aid("new"), "graph_id": "agent", "context": {"api_key": SECRET}},
            ),
            Update(
                id="upd",
                assistant_id=aid("upd"),
                graph_id="agent",
                expected=SEEN,
                changes=(Change(path="config.tags", before=["a"], after=["a", "b"]),),
                body={"graph_id": "agent", "metadata": {"gone": None}, "config": {"recursion_limit": 1.5}},
                adopt=True,
            ),
            SetLatest(
                id="rb",
                assistant_id=aid("rb"),
                graph_id="agent",
                expected=SEEN,
                version=1,
                reason="rollback",
                content=content,
            ),
            Delete(id="old", assistant_id=aid("old"), graph_id="typed", expected=SEEN, name=None),
        ),
        unchanged=("same",),
        warnings=("a warning",),
    )


def test_plan_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("old, world-readable content")
    path.chmod(0o644)
    write_plan_file(full_plan(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_plan_file(path) == full_plan()
    assert SECRET in path.read_text()


def test_plan_file_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan_file(full_plan(), path)
    data = json.loads(path.read_text())
    assert data["format_version"] == 2
    assert data["summary"] == {"create": 1, "update": 1, "set_latest": 1, "delete": 1, "unchanged": 1}
    assert data["actions"][0]["expected"] == {"exists": False}
    assert data["actions"][1]["expected"] == {"exists": True, "version": 2, "updated_at": UPDATED_AT}
    assert data["actions"][2]["content"]["context"] == {"t": 0.5}


def test_to_json_without_bodies_has_no_body_or_content() -> None:
    data = full_plan().to_json(include_bodies=False)
    assert [sorted(action) for action in data["actions"]] == [
        ["action", "assistant_id", "changes", "expected", "graph_id", "id"],
        ["action", "adopt", "assistant_id", "cause", "changes", "expected", "graph_id", "id"],
        ["action", "assistant_id", "cause", "changes", "expected", "graph_id", "id", "reason", "repairs", "version"],
        ["action", "assistant_id", "changes", "expected", "graph_id", "id", "name"],
    ]
    assert "body" not in json.dumps(data) and "content" not in json.dumps(data)
    assert list(data) == [
        "format_version",
        "server",
        "owner",
        "commit",
        "prune",
        "only",
        "allow_delete_with_crons",
        "desired_digest",
        "actions",
        "unchanged",
        "warnings",
        "summary",
    ]


def test_empty_plan_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    plan = Plan(server=SERVER, owner="team-a")
    write_plan_file(plan, path)
    assert read_plan_file(path) == plan
    assert not plan.has_changes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"format_version": 1, "server": "x", "owner": "o"}',
            "{path}: format_version 1 is not supported (expected 2)",
        ),
        ('{"server": "x"}', "{path}: format_version None is not supported (expected 2)"),
        ('["format_version", 1]', "{path} is not a reconciler plan: expected a JSON object"),
        ('{"format_version": "1"}', "{path}: format_version '1' is not supported (expected 2)"),
        ("not json", "cannot read plan file {path}: Expecting value: line 1 column 1 (char 0)"),
        ("", "cannot read plan file {path}: Expecting value: line 1 column 1 (char 0)"),
        ('{"format_version": 2, "owner": "o"}', "{path} is not a reconciler plan: server: Field required"),
        (
            '{"format_version": 2, "server": "s", "owner": "o", "actions": [{"action": "rename"}]}',
            "{path} is not a reconciler plan: actions.0: Input tag 'rename' found using 'action' does not match "
            "any of the expected tags: 'create', 'update', 'set_latest', 'delete'",
        ),
    ],
    ids=["version-2", "no-version", "list", "string-version", "garbage", "empty", "no-server", "bad-action"],
)
def test_unreadable_plan_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(path)
    assert str(caught.value) == message.format(path=path)


def test_missing_plan_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(path)
    assert str(caught.value) == f"cannot read plan file {path}: [Errno 2] No such file or directory: '{path}'"


def test_smoke_cases_round_trip_through_the_plan_file(tmp_path: Path) -> None:
    from reconciler.planning.plan import Impact
    from tests.render.factories import make_create, make_delete, make_plan

    create = make_create("bot", smoke=({"input": {"text": "ping"}, "timeout": 5, "expect_contains": "pong"},))
    delete = make_delete("old", impact=Impact(crons=("c1",), threads=3))
    the_plan = make_plan(create, delete)
    path = tmp_path / "plan.json"
    write_plan_file(the_plan, path)
    written = json.loads(path.read_text(encoding="utf-8"))["actions"]
    assert written[0]["smoke"] == 1
    assert written[0]["smoke_cases"] == [{"input": {"text": "ping"}, "timeout": 5.0, "expect_contains": "pong"}]
    assert written[1]["impact"] == {"crons": ["c1"], "threads": 3}
    assert read_plan_file(path) == the_plan
