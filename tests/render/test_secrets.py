"""No rendering on stdout ever shows a secret: not from a body, a content, a change, or a nested key."""

from __future__ import annotations

import json

import pytest

from reconciler.planning.plan import Plan
from reconciler.render import render
from tests.render.factories import change, make_create, make_delete, make_plan, make_set_latest, make_update

API_KEY = "sk-live-SECRET123"
NESTED_TOKEN = "tok-NESTED-456"
PRIVATE_KEY = "-----BEGIN KEY-----\nMULTILINE-SECRET-789\n-----END KEY-----\n"
LIST_TOKEN = "LIST-SECRET-000"
UNFLAGGED = "whsec-UNFLAGGED-111"
OLD_KEY = "sk-live-OLDSECRET"
SECRETS = (API_KEY, NESTED_TOKEN, "MULTILINE-SECRET-789", LIST_TOKEN, UNFLAGGED, OLD_KEY)


def secret_plan() -> Plan:
    integrations = {"slack": {"channel": "#support", "openai_token": NESTED_TOKEN}}
    tools = [{"name": "search", "auth_token": LIST_TOKEN}]
    context = {"api_key": API_KEY, "private_key": PRIVATE_KEY, "tools": tools}
    body = {
        "graph_id": "agent",
        "name": "Vault",
        "context": context,
        "metadata": {"integrations": integrations},
    }
    return make_plan(
        make_create(
            "vault",
            body=body,
            changes=(
                change("context.api_key", None, API_KEY, sensitive=True),
                change("context.tools", None, tools),
                change("metadata.integrations", None, integrations),
            ),
        ),
        make_update(
            "rotator",
            body=body,
            changes=(
                change("context.api_key", OLD_KEY, API_KEY, sensitive=True),
                change("context.private_key", PRIVATE_KEY, PRIVATE_KEY.replace("789", "790"), sensitive=True),
                change("metadata.webhook_secret", None, UNFLAGGED),
            ),
        ),
        make_set_latest(
            "rollback-bot",
            content=body,
            changes=(change("context.api_key", API_KEY, OLD_KEY, sensitive=True),),
        ),
        make_delete("gone"),
        warnings=("graph 'agent' marks context.api_key writeOnly",),
    )


RENDERINGS = {
    "text": lambda plan: render(plan, "text"),
    "text-color": lambda plan: render(plan, "text", color=True),
    "markdown": lambda plan: render(plan, "markdown"),
    "json": lambda plan: render(plan, "json"),
}


@pytest.mark.parametrize("fmt", RENDERINGS)
def test_no_secret_appears_in_any_rendering(fmt: str) -> None:
    rendered = RENDERINGS[fmt](secret_plan())
    assert [secret for secret in SECRETS if secret in rendered] == []
    assert rendered.count("(sensitive)") == 10


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_masked_changes_still_show_that_they_changed(fmt: str) -> None:
    lines = [line.strip() for line in render(secret_plan(), fmt).splitlines()]  # type: ignore[arg-type]
    assert "+ context.api_key: (sensitive)" in lines
    assert "~ context.api_key: (sensitive) → (sensitive)" in lines
    assert "~ context.private_key: (sensitive) → (sensitive)" in lines
    assert "+ metadata.webhook_secret: (sensitive)" in lines
    assert '+ context.tools: [{"name": "search", "auth_token": "(sensitive)"}]' in lines
    assert (
        '+ metadata.integrations: {"slack": {"channel": "#support", "openai_token": "(sensitive)"}}' in lines
    )


def test_json_masks_values_but_keeps_the_changes() -> None:
    changes = [action["changes"] for action in json.loads(render(secret_plan(), "json"))["actions"]]
    assert changes[0] == [
        {"path": "context.api_key", "before": None, "after": "(sensitive)", "sensitive": True},
        {
            "path": "context.tools",
            "before": None,
            "after": [{"name": "search", "auth_token": "(sensitive)"}],
            "sensitive": False,
        },
        {
            "path": "metadata.integrations",
            "before": None,
            "after": {"slack": {"channel": "#support", "openai_token": "(sensitive)"}},
            "sensitive": False,
        },
    ]
    assert changes[1][1] == {
        "path": "context.private_key",
        "before": "(sensitive)",
        "after": "(sensitive)",
        "sensitive": True,
    }
    assert changes[1][2] == {
        "path": "metadata.webhook_secret", "before": None, "after": "(sensitive)", "sensitive": True
    }
