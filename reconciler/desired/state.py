"""The validated desired state and where each part of it was written, for messages that name file and line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reconciler.desired.locations import Path, SourceMap
from reconciler.desired.spec import AssistantSpec, namespaced_assistant_id


@dataclass(frozen=True)
class SpecSource:
    file: str
    source_map: SourceMap
    overlay: SpecSource | None = None
    """The environment overlay that patched this spec: paths it wrote are located there."""

    def where(self, path: Path = (), *, key: bool = False) -> tuple[str, int, int]:
        if self.overlay is not None and self.overlay.covers(path):
            return self.overlay.where(path, key=key)
        position = self.source_map.locate(path, key=key)
        return self.file, position.line, position.col

    def covers(self, path: Path) -> bool:
        return any(path[:length] in self.source_map.values for length in range(1, len(path) + 1))


@dataclass(frozen=True)
class DesiredState:
    specs: tuple[AssistantSpec, ...]
    sources: Mapping[str, SpecSource]
    """Where each spec was written, by spec id."""
    env_refs: Mapping[str, tuple[tuple[Path, str], ...]] = field(default_factory=dict)
    """By spec id: ``(field path, variable name)`` of every ``!env`` value (resolved in the spec, sensitive)."""

    def secret_paths(self, spec_id: str) -> frozenset[Path]:
        return frozenset(path for path, _ in self.env_refs.get(spec_id, ()))


def in_id_namespace(desired: DesiredState, namespace: str | None) -> DesiredState:
    """``desired`` with every default ``assistant_id`` taken from ``namespace`` (an explicit one is kept);
    unchanged without a namespace, so that the ids of existing assistants never move."""
    if not namespace:
        return desired
    specs = tuple(
        spec if spec.assistant_id else AssistantSpec.model_validate(
            {**spec.model_dump(exclude_unset=True), "assistant_id": namespaced_assistant_id(namespace, spec.id)}
        )
        for spec in desired.specs
    )
    return replace(desired, specs=specs)
