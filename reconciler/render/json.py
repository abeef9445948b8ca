"""The plan as pure JSON for stdout (``plan --format json``): the plan-file shape without bodies or
contents, every change's ``before``/``after`` redacted. The plan file itself (real values) is written by
``plan.write_plan_file``, not here."""

from __future__ import annotations

import json
from typing import Any, assert_never

from reconciler.planning.plan import Change, Create, Delete, Plan, SetLatest, Update
from reconciler.redact import mask, mask_url
from reconciler.render.changes import is_sensitive


def render(plan: Plan) -> str:
    data = plan.to_json(include_bodies=False)
    data["server"] = mask_url(plan.server)
    for action, model in zip(data["actions"], plan.actions, strict=True):
        for field in _real_values(model):
            action.pop(field, None)
        action["changes"] = [_redacted(change) for change in model.changes]
    return json.dumps(data, indent=2) + "\n"


def _real_values(action: Create | Update | SetLatest | Delete) -> tuple[str, ...]:
    """The fields that hold the exact request (real values, secrets included): never on stdout."""
    match action:
        case Create() | Update():
            return ("body",)
        case SetLatest():
            return ("content",)
        case Delete():
            return ()
        case _:
            assert_never(action)


def _redacted(change: Change) -> dict[str, Any]:
    sensitive = is_sensitive(change)
    data = {**change.model_dump(mode="json"), "sensitive": sensitive}
    for side in ("before", "after"):
        data[side] = mask(data[side], sensitive=sensitive)
    return data
