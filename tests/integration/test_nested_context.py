"""Nested context (graph `nested`: pydantic models, an optional model, a list of models, a free-form mapping)
against a real server: a typo at any depth is refused before anything is written, a valid one is applied and
reaches the graph."""

from __future__ import annotations

import json

from tests.integration.conftest import Repo

NESTED = """\
id: researcher
graph_id: nested
context:
  system_prompt: Cite your sources.
  retrieval:
    index: papers
    top_k: 8
  tools:
    - name: search
    - name: browse
      enabled: false
  labels:
    anything: [goes, here]
"""


def test_plan_and_apply_refuse_a_nested_typo_before_any_write(repo: Repo) -> None:
    repo.write("assistants.d/researcher.yaml", NESTED.replace("    top_k: 8", "    top_kk: 8"))

    plan = repo.cli("plan")
    apply = repo.cli("apply", "--auto-approve")

    expected = (
        "assistants.d/researcher.yaml:7:5: researcher: context.retrieval.top_kk: unknown context key: graph "
        "'nested' has no key 'top_kk' in context.retrieval; the server would drop it silently (did you mean "
        "'top_k'?)"
    )
    assert (plan.returncode, apply.returncode) == (1, 1)
    assert expected in plan.stderr
    assert expected in apply.stderr
    assert repo.managed() == {}


def test_a_valid_nested_context_is_applied_and_reaches_the_graph(repo: Repo) -> None:
    repo.write("assistants.d/researcher.yaml", NESTED)

    result = repo.cli("apply", "--auto-approve")

    assert result.returncode == 0, result.stdout + result.stderr
    researcher = repo.managed()["researcher"]
    assert json.loads(repo.run_reply(researcher["assistant_id"])) == {
        "system_prompt": "Cite your sources.",
        "retrieval": {"index": "papers", "top_k": 8},
        "fallback": None,
        "tools": [{"name": "search", "enabled": True}, {"name": "browse", "enabled": False}],
        "labels": {"anything": ["goes", "here"]},
    }
    assert repo.plan_json()["actions"] == []
