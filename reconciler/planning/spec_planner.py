"""One spec against its live assistant -> one action or none: create, update, set_latest for a pin (by
version or by commit) or a rollback to an older version with the same content; or a refusal naming the
file, line and field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from reconciler.desired import envrefs
from reconciler.desired.locations import Path, format_path
from reconciler.desired.spec import OWNER_KEY, AssistantSpec
from reconciler.errors import Problem
from reconciler.jsonvalues import json_equal
from reconciler.planning.actions import ActionType, cause_of, changes_between, expected_of, to_changes
from reconciler.planning.diff import added_paths, differing_paths, same_content
from reconciler.planning.plan import (
    Change,
    Create,
    EnvBinding,
    Expected,
    Repair,
    RollbackStep,
    SetLatest,
    Update,
)
from reconciler.planning.request import PlanRequest
from reconciler.secrets import SchemaPlace
from reconciler.server.live import HiddenAssistant, LiveAssistant, LiveReader, LiveVersion
from reconciler.server.semantics import (
    commit_of,
    comparable,
    create_body,
    full_state_body,
    repair_steps,
    source_of,
    with_provenance,
    written_from,
)

NUMERIC_PIN_HINT = (
    "numeric pins name a version of one server: pin by commit instead (`pin: {commit: <sha>}` runs the content "
    "this file had at that commit, on every server), or put the numeric pin in this environment's overlay "
    "(environments/<env>/*.yaml)"
)


class Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class SpecPlanner:
    def __init__(
        self,
        request: PlanRequest,
        reader: LiveReader,
        spec: AssistantSpec,
        secrets: frozenset[SchemaPlace],
        read_ahead: Mapping[str, list[LiveVersion]],
    ) -> None:
        self.request = request
        self.reader = reader
        self.spec = spec
        self.secrets = secrets
        self.read_ahead = read_ahead
        """Versions already read, in one batch, for every spec that was seen to need them."""
        self.warnings: list[str] = []
        self._versions: list[LiveVersion] | None = None

    def versions(self, assistant_id: str) -> list[LiveVersion]:
        """The assistant's versions, newest first, read once (usually ahead, with every other spec's)."""
        if self._versions is None:
            read = self.read_ahead.get(assistant_id)
            self._versions = read if read is not None else self.reader.versions(assistant_id)
        return self._versions

    def plan(self, live: LiveAssistant | HiddenAssistant | None) -> ActionType | None:
        """The action for this spec, or None when it already matches; raises Refused for a plan error."""
        action = self._action(live)
        if isinstance(action, Create | Update | SetLatest) and action.smoke_cases:
            before = live if isinstance(live, LiveAssistant) else None  # a hidden one is refused by _action
            return action.model_copy(update={"rollback": self._rollback(action, before)})
        return action

    def _rollback(self, action: Create | Update | SetLatest, live: LiveAssistant | None
                  ) -> tuple[RollbackStep, ...]:
        """What switches the assistant back if a smoke case fails: a create is deleted (nothing was there);
        otherwise the version active before is re-activated, as a pin is (``semantics.repair_steps``): its
        repair update writes the next free number after this action's own writes."""
        if live is None or isinstance(action, Create):
            return (RollbackStep(action="delete"),)
        own_writes = 1 if isinstance(action, Update) else sum(r.action == "update" for r in action.repairs)
        new_version = max([live.version, *(v.version for v in self.versions(live.assistant_id))]) + own_writes + 1
        return (
            RollbackStep(action="set_latest", version=live.version),
            *(
                RollbackStep(action=step, version=new_version if step == "update" else live.version, repair=True)
                for step in repair_steps("pin")
            ),
        )

    def _action(self, live: LiveAssistant | HiddenAssistant | None) -> ActionType | None:
        if live is None:
            return self._create()
        if isinstance(live, HiddenAssistant):
            # A create there is a 409 and an update cannot be checked against what it overwrites: neither.
            raise self._refuse(("assistant_id",), live.describe(self.request.server))
        if live.is_system:
            raise self._refuse(("assistant_id",), "is a system assistant (created_by: system); never managed")
        if live.owner is not None and live.owner != self.request.owner:
            raise self._refuse(
                ("assistant_id",),
                f"assistant {live.assistant_id} is owned by {live.owner!r}, not {self.request.owner!r}; "
                "not taking it over. If another environment or repository manages it on this server, give this "
                "one its own `owner` or `id_namespace` in reconciler.yaml, or set a distinct `assistant_id`",
            )
        if self.spec.version_pin is not None:
            return self._pin(live, self.spec.version_pin)
        desired = self._desired()
        if same_content(desired, live.content()):
            return None
        pinned = self._version_of_commit(desired, live)
        if pinned is not None:
            return self._set_latest(live, pinned, "pin")
        older = self._older_version_with(desired, live)
        if older is not None:
            return self._set_latest(live, older, "rollback")
        self._refuse_stored_differently(desired, live)
        return Update(
            id=self.spec.id,
            assistant_id=live.assistant_id,
            graph_id=self.spec.graph_id,
            expected=expected_of(live),
            changes=self._changes(live.content(), desired),
            body=full_state_body(desired, live.content()),
            adopt=live.owner is None,
            cause=cause_of(live),
            env=self._env(),
            smoke_cases=tuple(self.spec.smoke),
        )

    def _create(self) -> ActionType:
        if self.spec.version_pin not in (None, 1):
            raise self._refuse(
                ("pin",),
                f"pins version {self.spec.version_pin} but the assistant does not exist on "
                f"{self.request.display_server} yet; "
                + NUMERIC_PIN_HINT,
            )
        desired = self._desired()
        body = create_body(self.spec.resolved_assistant_id, desired)
        return Create(
            id=self.spec.id,
            assistant_id=self.spec.resolved_assistant_id,
            graph_id=self.spec.graph_id,
            expected=Expected(exists=False),
            changes=to_changes(added_paths(desired), self.secrets, self.secret_paths),
            body=body,
            env=self._env(),
            smoke_cases=tuple(self.spec.smoke),
        )

    def _desired(self) -> dict[str, Any]:
        """What a write of this spec sends: its content, with provenance (a commit pin's content records the
        pinned commit, which is where it was read from)."""
        commit = self.spec.commit_pin or self.request.commit
        return with_provenance(self.spec.content(self.request.owner), commit)

    def _version_of_commit(self, desired: dict[str, Any], live: LiveAssistant) -> LiveVersion | None:
        """For a commit pin: the newest version the reconciler wrote from that commit with this content."""
        if self.spec.commit_pin is None:
            return None
        for version in self.versions(live.assistant_id):
            content = version.content()
            if commit_of(content) == self.spec.commit_pin and source_of(content) == "reconciler":
                if version.version != live.version and same_content(desired, content):
                    return version
        return None

    def _pin(self, live: LiveAssistant, pin: int) -> ActionType | None:
        target = next((v for v in self.versions(live.assistant_id) if v.version == pin), None)
        if target is None:
            raise self._refuse(
                ("pin",),
                f"version {pin} does not exist on {self.request.display_server} (active version is {live.version}); "
                + NUMERIC_PIN_HINT,
            )
        differing = self._declared_fields_differing(target)
        if differing:
            fields = ", ".join(differing)
            raise self._refuse(
                ("pin",), f"the file's {fields} differ from version {pin}'s; remove them or make them equal"
            )
        if target.metadata.get(OWNER_KEY) != self.request.owner:
            self.warnings.append(
                f"{self.spec.id}: version {pin} does not carry the ownership metadata (written before reconciler "
                "managed it): while it is active, --prune and the owner search do not see this assistant"
            )
        if live.version == pin and same_content(target.content(), live.content()):
            return None
        return self._set_latest(live, target, "pin")

    def _refuse_stored_differently(self, desired: dict[str, Any], live: LiveAssistant) -> None:
        """Never the same update twice (``semantics.written_from``): name the fields the server changed.
        Asked only when no version holds ``desired``: an edit made outside git without metadata keeps the
        digest of the version under it (metadata is merge-only), and that version then matches (a rollback)."""
        if not written_from(desired, live.content()):
            return
        paths = [path for path, _, _ in differing_paths(desired, live.content())]
        raise self._refuse(
            paths[0],
            f"the server stores something else than was sent for {', '.join(format_path(p) for p in paths)}: "
            f"version {live.version} was written from exactly these files and reads back differently (a server "
            "changes some values as it stores them, e.g. a NUL character becomes U+FFFD); writing it again would "
            "never converge: change the value in the file",
        )

    def _declared_fields_differing(self, target: LiveVersion) -> list[str]:
        declared = comparable(self.spec.content(self.request.owner))
        actual = comparable(target.content())
        differing = []
        for name in self.spec.declared_content_fields():
            wanted, found = declared[name], actual[name]
            if name == "metadata":
                wanted = {k: v for k, v in wanted.items() if not k.startswith("reconciler/")}
                found = {k: v for k, v in found.items() if not k.startswith("reconciler/")}
            if not json_equal(wanted, found):
                differing.append(name)
        return differing

    def _older_version_with(self, desired: dict[str, Any], live: LiveAssistant) -> LiveVersion | None:
        for version in self.versions(live.assistant_id):
            if version.version != live.version and same_content(desired, version.content()):
                return version
        return None

    def _set_latest(self, live: LiveAssistant, target: LiveVersion, reason: Literal["pin", "rollback"]) -> SetLatest:
        return SetLatest(
            id=self.spec.id,
            assistant_id=live.assistant_id,
            graph_id=target.graph_id,
            expected=expected_of(live),
            changes=self._changes(live.content(), target.content()),
            version=target.version,
            reason=reason,
            content=full_state_body(target.content(), live.content()),
            cause=cause_of(live),
            env=self._env(target.content()),
            repairs=self._repairs(live, target, reason),
            smoke_cases=tuple(self.spec.smoke),
        )

    def _repairs(self, live: LiveAssistant, target: LiveVersion, reason: Literal["pin", "rollback"]
                 ) -> tuple[Repair, ...]:
        """``semantics.repair_steps`` with the versions they make: the update writes the next free number."""
        new_version = max([live.version, *(v.version for v in self.versions(live.assistant_id))]) + 1
        return tuple(
            Repair(action=step, version=new_version if step == "update" else target.version)
            for step in repair_steps(reason)
        )

    def _changes(self, before: dict[str, Any], after: dict[str, Any]) -> tuple[Change, ...]:
        return changes_between(before, after, self.secrets, self.secret_paths)

    @property
    def secret_paths(self) -> frozenset[Path]:
        return self.request.desired.secret_paths(self.spec.id)

    def _env(self, content: dict[str, Any] | None = None) -> tuple[EnvBinding, ...]:
        """The ``!env`` places of this spec; for a re-activated version's ``content``, only those where it
        holds the very value the variable has now (any other value there is the server's, not the files')."""
        desired = self.spec.content(self.request.owner)
        return tuple(
            EnvBinding(path=path, name=name)
            for path, name in self.request.desired.env_refs.get(self.spec.id, ())
            if content is None or envrefs.lookup(content, path) == envrefs.lookup(desired, path)
        )

    def _refuse(self, path: Path, message: str) -> Refused:
        file, line, col = self.request.desired.sources[self.spec.id].where(path)
        return Refused(Problem(file, line, col, self.spec.id, format_path(path), message))
