"""`!env NAME`: read as a reference, resolved at load time, sensitive in plans, a reference in plan files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.desired.envrefs import EnvRef
from reconciler.desired.loading import load_desired_state
from reconciler.desired.yamldump import dump
from reconciler.desired.yamlio import parse_documents
from reconciler.errors import PlanFileError
from reconciler.planning.plan import Create, EnvBinding, Expected, Plan, read_plan_file, write_plan_file

DOC = b"id: bot\ngraph_id: agent\ncontext:\n  endpoint: !env BOT_ENDPOINT\n  list: [!env A]\n"


def test_env_tag_on_a_scalar_is_a_reference_and_a_bad_name_or_a_tagged_mapping_is_a_problem() -> None:
    (document,), problems = parse_documents(DOC, "x.yaml")
    assert problems == [] and document.value["context"] == {"endpoint": EnvRef("BOT_ENDPOINT"), "list": [EnvRef("A")]}
    (bad,), _ = parse_documents(b"id: bot\nname: !env 1-no\n", "x.yaml")
    assert [str(p) for p in bad.problems] == [
        "x.yaml:2:7: name: `!env` needs an environment variable name (letters, digits, _), got '1-no'"
    ]
    (mapping,), _ = parse_documents(b"context: !env\n  a: 1\n", "x.yaml")
    assert "unsupported YAML tag '!env' on a mapping" in str(mapping.problems[0])


def test_loading_resolves_values_and_remembers_where_they_were(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(DOC.replace(b"  list: [!env A]\n", b""))
    result = load_desired_state(tmp_path, environ={"BOT_ENDPOINT": "https://secret.invalid"})
    assert result.problems == []
    (spec,) = result.desired.specs
    assert spec.context == {"endpoint": "https://secret.invalid"}
    assert result.desired.env_refs == {"bot": ((("context", "endpoint"), "BOT_ENDPOINT"),)}


def test_a_missing_variable_is_a_problem_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(DOC)
    problems = [p.message for p in load_desired_state(tmp_path, environ={"A": "1"}).problems]
    assert problems == [
        "environment variable BOT_ENDPOINT is not set (`!env BOT_ENDPOINT` reads it at plan and apply time)"
    ]


def _plan_with_secret() -> Plan:
    body = {"assistant_id": "a", "graph_id": "agent", "context": {"endpoint": "https://secret.invalid"}}
    create = Create(
        id="bot",
        assistant_id="a",
        graph_id="agent",
        expected=Expected(exists=False),
        body=body,
        env=(EnvBinding(path=("context", "endpoint"), name="BOT_ENDPOINT"),),
    )
    return Plan(server="http://s", owner="o", actions=(create,))


def test_plan_file_stores_the_reference_and_reading_resolves_it(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan_file(_plan_with_secret(), path)
    text = path.read_text()
    assert "secret.invalid" not in text
    assert json.loads(text)["actions"][0]["body"]["context"] == {"endpoint": {"$env": "BOT_ENDPOINT"}}
    assert read_plan_file(path, {"BOT_ENDPOINT": "https://secret.invalid"}) == _plan_with_secret()
    with pytest.raises(PlanFileError, match="environment variable BOT_ENDPOINT is not set"):
        read_plan_file(path, {})


def test_dump_writes_a_reference_as_a_plain_env_tag() -> None:
    assert dump({"api_key": EnvRef("BOT_API_KEY")}) == "api_key: !env BOT_API_KEY\n"
