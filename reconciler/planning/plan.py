"""The plan: a frozen value listing the exact calls that would make the server match git.

It is rendered (``render``) and executed (``apply``), never recomputed in between: ``plan --out`` writes it
as JSON (``format_version: 2``) and ``apply PLANFILE`` reads the very same actions back.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.desired import envrefs
from reconciler.desired.spec import SmokeCaseSpec
from reconciler.errors import PlanFileError

FORMAT_VERSION = 2
"""2: values from ``!env`` are stored as ``{"$env": NAME}`` references (a version-1 reader would send them)."""
ACTION_ORDER = ("create", "update", "set_latest", "delete")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Change(_Frozen):
    """One leaf that differs between the live active version and what the action leads to."""

    path: str
    """Dotted field path, e.g. ``context.system_prompt``."""
    before: Any = None
    after: Any = None
    sensitive: bool = False
    """The value is a secret (by the graph's schema or the key's name): renderings mask it."""


class Expected(_Frozen):
    """What the plan saw on the server; apply refuses to write if the server shows anything else."""

    exists: bool
    version: int | None = None
    updated_at: str | None = None


Cause = Literal["files", "outside"]
"""Why the live version differs: ``files`` — it is the reconciler's own (its content matches its digest) and the
files moved on; ``outside`` — it was written outside git (no digest, or content that no longer matches it)."""


class _Action(_Frozen):
    id: str
    """The spec id (for a delete: the ``reconciler/id`` the assistant carries)."""
    assistant_id: str
    graph_id: str
    expected: Expected
    changes: tuple[Change, ...] = ()


class EnvBinding(_Frozen):
    """A place in the request that holds the value of an environment variable (``!env NAME``): the plan file
    stores ``{"$env": NAME}`` there instead, and reading the file resolves it again."""

    path: tuple[str | int, ...]
    name: str


class RollbackStep(_Frozen):
    """A write apply makes ONLY if one of the action's smoke cases fails: together, the steps switch the
    assistant back to what was active before this apply. Listed in the plan, so that no write happens that a
    reviewer did not see."""

    action: Literal["set_latest", "update", "delete"]
    version: int | None = None
    """``set_latest``: the version it activates (the one active before this apply); ``update``: the new version
    it writes with that version's content, as numbered when planned; none for ``delete``."""
    repair: bool = False
    """Made only if the ``set_latest`` before it leaves fields behind (``semantics.repair_steps``)."""


def describe_rollback_step(step: RollbackStep, previous: int | None) -> str:
    """One planned rollback write; ``previous``: the version active before this apply."""
    match step.action:
        case "delete":
            return "delete (the assistant this apply created)"
        case "update":
            return f"update → new version {step.version} with version {previous}'s content"
        case "set_latest":
            return f"set_latest → version {step.version}{' again' if step.repair else ''}"


class _Activates(_Action):
    """An action after which a new version is active: the spec's smoke cases run against it."""

    env: tuple[EnvBinding, ...] = ()
    """Places in ``body`` (or ``content``) holding ``!env`` values."""

    smoke_cases: tuple[SmokeCaseSpec, ...] = ()
    """The cases apply runs after this write (their inputs are real values: plan file only; stdout shows
    ``smoke``, the number of cases)."""
    rollback: tuple[RollbackStep, ...] = ()
    """With smoke cases: the writes, in order, that switch the assistant back if one fails (a create: delete
    it; otherwise set_latest to the version active before, and the repair a server whose set_latest leaves
    fields behind needs)."""


class Create(_Activates):
    action: Literal["create"] = "create"
    body: dict[str, Any]
    """The exact ``POST /assistants`` body."""


class Update(_Activates):
    action: Literal["update"] = "update"
    body: dict[str, Any]
    """The exact ``PATCH /assistants/{id}`` body: the FULL state, dropped metadata keys as null."""
    adopt: bool = False
    """The assistant is not managed yet: this update adds the ownership metadata."""
    cause: Cause | None = None
    """Why the live version differs; when ``outside``, ``expected`` names the version and its time."""


class Repair(_Frozen):
    """A write apply makes after a ``set_latest`` ONLY if the readback shows the server left fields behind
    (the in-memory runtime's set_latest restores neither context nor graph_id). Listed in the plan, so that
    no write happens that a reviewer did not see."""

    action: Literal["update", "set_latest"]
    version: int
    """``update``: the new version it writes (with the re-activated version's ``content``), as numbered when
    planned; ``set_latest``: the version it activates again afterwards."""


class SetLatest(_Activates):
    action: Literal["set_latest"] = "set_latest"
    version: int
    reason: Literal["pin", "rollback"]
    """``pin``: the spec pins this version; ``rollback``: the desired content equals this older version."""
    cause: Cause | None = None
    """Why the live version differs; when ``outside``, ``expected`` names the version and its time."""
    content: dict[str, Any]
    """Full-state update body with that version's content: what the readback must show, and the body of
    the repair update."""
    repairs: tuple[Repair, ...] = ()
    """The conditional writes, in order, if set_latest leaves fields behind (``semantics.repair_steps``)."""


class Impact(_Frozen):
    """What uses an assistant, from the server's own search endpoints."""

    crons: tuple[str, ...] = ()
    """Ids of the crons scheduled on it (the server deletes them with the assistant)."""
    threads: int | None = 0
    """Threads that ran it (kept: deletes never cascade to threads); None (JSON null) when the server cannot
    count threads (it has no ``/threads/count``): unknown, which is not zero."""


class Delete(_Action):
    action: Literal["delete"] = "delete"
    name: str | None = None
    impact: Impact | None = None


Action = Annotated[Create | Update | SetLatest | Delete, Field(discriminator="action")]


class Plan(_Frozen):
    format_version: Literal[2] = 2
    server: str
    owner: str
    commit: str | None = None
    """The git commit of the desired files this plan writes from (recorded on every version it writes)."""
    prune: bool = False
    """Planned with ``--prune``: apply re-plans the same way."""
    only: tuple[str, ...] = ()
    """Planned with ``--only`` these patterns: apply re-plans the same way."""
    allow_delete_with_crons: bool = False
    """Planned with ``--allow-delete-with-crons``: apply re-plans the same way."""
    desired_digest: str | None = None
    """sha256 of the desired state (files and committed schemas) it was planned from: apply tells "the files
    changed" from "the plan file was edited" with it."""
    actions: tuple[Action, ...] = ()
    unchanged: tuple[str, ...] = ()
    """Spec ids that already match: no call is made for them."""
    warnings: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)

    def summary(self) -> dict[str, int]:
        counts = {kind: 0 for kind in ACTION_ORDER}
        for action in self.actions:
            counts[action.action] += 1
        return {**counts, "unchanged": len(self.unchanged)}

    def to_json(self, *, include_bodies: bool) -> dict[str, Any]:
        """The plan as JSON (``FORMAT_VERSION``); bodies (real values) only for the plan file."""
        data = self.model_dump(mode="json")
        data["summary"] = self.summary()
        for action in data["actions"]:
            action["expected"] = {k: v for k, v in action["expected"].items() if v is not None}
            if action.get("smoke_cases"):
                action["smoke"] = len(action["smoke_cases"])
            else:
                action.pop("smoke_cases", None)
                if not action.get("rollback", True):
                    action.pop("rollback")
            if action.get("impact", 0) is None:
                action.pop("impact")
            if not action.get("env", True):
                action.pop("env")
            if not include_bodies:
                action.pop("body", None)
                action.pop("content", None)
                action.pop("smoke_cases", None)
        return data


def sort_actions(actions: list[Create | Update | SetLatest | Delete]) -> tuple[Action, ...]:
    return tuple(sorted(actions, key=lambda a: (ACTION_ORDER.index(a.action), a.id)))


def write_plan_file(plan: Plan, path: Path) -> None:
    """The plan file holds real values (created with mode 0600, never group-readable), except values from
    ``!env``: those are stored as ``{"$env": NAME}`` and resolved again when the file is read."""
    data = plan.to_json(include_bodies=True)
    for action in data["actions"]:
        _swap_env(action, lambda binding: envrefs.reference(binding["name"]))
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    if path.is_symlink():
        raise PlanFileError(
            f"refusing to write the plan file {path}: it is a symbolic link; remove it or choose another path"
        )
    # A fresh file beside the target (never one that exists, never through a link), then renamed over it: the
    # real values never land in a file someone else prepared, nor in a half-written plan.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_plan_file(path: Path, environ: Mapping[str, str] | None = None) -> Plan:
    """The plan in the file, every ``{"$env": NAME}`` resolved from ``environ`` (default: the environment)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"cannot read plan file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PlanFileError(f"{path} is not a reconciler plan: expected a JSON object")
    if data.get("format_version") != FORMAT_VERSION:
        found = data.get("format_version")
        raise PlanFileError(f"{path}: format_version {found!r} is not supported (expected {FORMAT_VERSION})")
    data.pop("summary", None)
    environ = os.environ if environ is None else environ
    for action in data.get("actions") or ():
        if isinstance(action, dict):
            action.pop("smoke", None)  # derived from smoke_cases
            if action.get("smoke_cases") and "rollback" not in action:
                raise PlanFileError(
                    f"{path}: {action.get('id')}: this plan file lists smoke cases but not the writes that switch "
                    "the assistant back when one fails (an older reconciler made it); plan again"
                )
            _swap_env(action, functools.partial(_variable, path, action.get("id"), environ=environ))
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise PlanFileError(f"{path} is not a reconciler plan: {where}: {error['msg']}") from exc


def _swap_env(action: dict[str, Any], value_for: Callable[[dict[str, Any]], Any]) -> None:
    """Put ``value_for(binding)`` at each ``env`` binding's place in the action's body or content."""
    bindings = action.get("env")
    if not isinstance(bindings, list):
        return
    for binding in bindings:
        if not isinstance(binding, dict) or not isinstance(binding.get("path"), list):
            continue
        place = tuple(binding["path"])
        for field_name in ("body", "content"):
            if isinstance(action.get(field_name), dict):
                action[field_name] = envrefs.replaced(action[field_name], place, value_for(binding))


def _variable(path: Path, spec_id: object, binding: dict[str, Any], *, environ: Mapping[str, str]) -> str:
    name = str(binding.get("name"))
    if name not in environ:
        raise PlanFileError(
            f"{path}: {spec_id}: environment variable {name} is not set; the plan holds a reference "
            f"to it (`!env {name}`), not its value: set it as when the plan was made"
        )
    return environ[name]
