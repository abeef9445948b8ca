"""Factories for realistic plans: ``make_plan(...)``, ``make_create(...)`` and one per action type."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.desired.spec import SmokeCaseSpec
from reconciler.planning.plan import (
    Change,
    Create,
    Delete,
    Expected,
    Impact,
    Plan,
    Repair,
    RollbackStep,
    SetLatest,
    Update,
)

SERVER = "http://127.0.0.1:2124"
_NAMESPACE = uuid.UUID("5b3e1c2a-9f0d-4e8a-8c71-2d4f6a9b0e13")
UPDATED_AT = "2025-06-01T12:00:00+00:00"

OLD_PROMPT = (
    "You are the triage agent.\n"
    "Read the ticket.\n"
    "Pick a queue: billing, bugs or sales.\n"
    "Be brief.\n"
    "Never promise refunds.\n"
    "Escalate legal threats.\n"
    "Answer in the ticket's language.\n"
    "Quote the ticket id.\n"
    "Tag duplicates.\n"
    "Close spam.\n"
    "Thank the customer.\n"
    "Sign as Triage.\n"
)
NEW_PROMPT = OLD_PROMPT.replace("billing, bugs or sales", "billing, bugs, sales or `security`").replace(
    "Sign as Triage.\n", "Sign as Triage <triage@example.com>.\nAdd the label & queue.\n"
)


def change(path: str, before: Any = None, after: Any = None, *, sensitive: bool = False) -> Change:
    return Change(path=path, before=before, after=after, sensitive=sensitive)


def assistant_id(spec_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, spec_id))


def seen(version: int) -> Expected:
    return Expected(exists=True, version=version, updated_at=UPDATED_AT)


def make_create(
    spec_id: str = "support-bot",
    *,
    graph_id: str = "agent",
    changes: tuple[Change, ...] | None = None,
    body: dict[str, Any] | None = None,
    smoke: tuple[dict[str, Any], ...] = (),
) -> Create:
    content = body or {"graph_id": graph_id, "name": spec_id, "context": {}, "config": {}, "metadata": {}}
    return Create(
        id=spec_id,
        assistant_id=assistant_id(spec_id),
        graph_id=graph_id,
        expected=Expected(exists=False),
        changes=changes if changes is not None else (change("name", None, spec_id),),
        body={"assistant_id": assistant_id(spec_id), **content, "if_exists": "raise"},
        smoke_cases=tuple(SmokeCaseSpec.model_validate(case) for case in smoke),
        rollback=(RollbackStep(action="delete"),) if smoke else (),
    )


def switch_back(previous: int, new_version: int) -> tuple[RollbackStep, ...]:
    """A smoke rollback as the planner lists it after an update or set_latest."""
    return (
        RollbackStep(action="set_latest", version=previous),
        RollbackStep(action="update", version=new_version, repair=True),
        RollbackStep(action="set_latest", version=previous, repair=True),
    )


def make_update(
    spec_id: str = "triage",
    *,
    graph_id: str = "agent",
    version: int = 2,
    changes: tuple[Change, ...] = (),
    body: dict[str, Any] | None = None,
    adopt: bool = False,
    smoke: tuple[dict[str, Any], ...] = (),
) -> Update:
    return Update(
        id=spec_id,
        assistant_id=assistant_id(spec_id),
        graph_id=graph_id,
        expected=seen(version),
        changes=changes,
        body=body or {"graph_id": graph_id, "name": spec_id, "context": {}, "config": {}, "metadata": {}},
        adopt=adopt,
        smoke_cases=tuple(SmokeCaseSpec.model_validate(case) for case in smoke),
        rollback=switch_back(version, version + 2) if smoke else (),
    )


def make_set_latest(
    spec_id: str = "router",
    *,
    version: int = 1,
    active: int = 3,
    reason: str = "rollback",
    changes: tuple[Change, ...] = (),
    content: dict[str, Any] | None = None,
    repairs: tuple[Repair, ...] | None = None,
) -> SetLatest:
    """Repairs by default as the planner lists them: an update making version ``active + 1``, and for a pin
    a second set_latest."""
    if repairs is None:
        repairs = (Repair(action="update", version=active + 1),)
        if reason == "pin":
            repairs += (Repair(action="set_latest", version=version),)
    return SetLatest.model_validate(
        {
            "id": spec_id,
            "assistant_id": assistant_id(spec_id),
            "graph_id": "agent",
            "expected": seen(active),
            "changes": changes,
            "version": version,
            "reason": reason,
            "content": content or {"graph_id": "agent", "name": spec_id, "context": {}},
            "repairs": repairs,
        }
    )


def make_delete(
    spec_id: str = "old-bot", *, version: int = 4, name: str | None = "Old bot", impact: Impact | None = None
) -> Delete:
    return Delete(
        id=spec_id,
        assistant_id=assistant_id(spec_id),
        graph_id="agent",
        expected=seen(version),
        name=name,
        impact=impact,
    )


def make_plan(
    *actions: Create | Update | SetLatest | Delete,
    unchanged: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
) -> Plan:
    return Plan(server=SERVER, owner="default", actions=actions, unchanged=unchanged, warnings=warnings)


def support_bot_create() -> Create:
    prompt = "You are a helpful\nsupport agent.\n\nBe kind.\n"
    return make_create(
        "support-bot",
        changes=(
            change("config.recursion_limit", None, 25),
            change("config.tags", None, ["support", "tier-1"]),
            change("context.model_name", None, "openai"),
            change("context.system_prompt", None, prompt),
            change("graph_id", None, "agent"),
            change("metadata.reconciler/id", None, "support-bot"),
            change("metadata.reconciler/owner", None, "default"),
            change("name", None, "Support bot"),
        ),
        body={"graph_id": "agent", "name": "Support bot", "context": {"system_prompt": prompt}},
        smoke=(
            {"input": {"messages": [{"role": "user", "content": "hi"}]}, "expect_contains": "help"},
            {"input": {"question": "refund?", "api_key": "sk-not-shown"}, "timeout": 7.5},
        ),
    )


def triage_update() -> Update:
    return make_update(
        "triage",
        version=2,
        changes=(
            change("context.api_key", "sk-old-value", "sk-new-value", sensitive=True),
            change("context.model_name", "anthropic", "openai"),
            change("context.system_prompt", OLD_PROMPT, NEW_PROMPT),
            change("context.temperature", 0.7, None),
            change("metadata.team", None, "support"),
        ),
        smoke=({"input": {"text": "my invoice"}, "timeout": 30, "expect_contains": "billing"},),
    )


def sample_plan() -> Plan:
    """Every action kind, a sensitive change, a prompt diff, an adopt, both set_latest reasons, a warning."""
    return make_plan(
        support_bot_create(),
        triage_update(),
        make_update(
            "legacy-bot",
            graph_id="legacy",
            version=1,
            adopt=True,
            changes=(
                change("metadata.reconciler/id", None, "legacy-bot"),
                change("metadata.reconciler/owner", None, "default"),
            ),
        ),
        make_set_latest(
            "pinned", version=3, active=5, reason="pin", changes=(change("name", "Pinned v5", "Pinned"),)
        ),
        make_set_latest("router", version=1, active=3, changes=(change("context.temperature", 0.7, 0.2),)),
        make_delete("old-bot", version=4, name="Old bot", impact=Impact(crons=("cron-7f3a", "cron-9b21"), threads=12)),
        unchanged=("billing", "faq", "sales", "summarizer"),
        warnings=("graph 'legacy' has no context schema; context is not validated",),
    )
