"""Live assistants -> YAML files in assistants.d (the inverse of loading), to adopt what already runs.

Each file names the assistant's ``assistant_id`` explicitly and carries all of its content but no
ownership keys, so the next plan shows only the adoption (ownership metadata added) and nothing else.
Importing again writes nothing new: an assistant a file in the folder already declares is left to that file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from reconciler.desired.envrefs import EnvRef
from reconciler.desired.spec import ID_KEY, RESERVED_METADATA_PREFIX, default_assistant_id
from reconciler.desired.yamldump import dump
from reconciler.secrets import SchemaPlace, is_secret_path
from reconciler.server.live import LiveAssistant

_NOT_ID_CHARS = re.compile(r"[^a-z0-9._-]+")
_NOT_VARIABLE_CHARS = re.compile(r"[^A-Z0-9_]+")


def spec_document(
    assistant: LiveAssistant, spec_id: str, secret_places: frozenset[SchemaPlace] = frozenset()
) -> dict[str, Any]:
    """The file of ``assistant``; secret values (by name, or at ``secret_places`` of its graph's schema) as
    ``!env`` references."""
    content = assistant.content()
    if not content["context"]:
        # A server that does not mirror ``config.configurable`` into ``context`` keeps the assistant's settings
        # only there; the file format has no ``configurable`` (it is ``context``), so read them as the context.
        configurable = assistant.config.get("configurable")
        if isinstance(configurable, dict):
            content["context"] = dict(configurable)
    document: dict[str, Any] = {
        "id": spec_id,
        "graph_id": assistant.graph_id,
        "assistant_id": assistant.assistant_id,
        "name": assistant.name if assistant.name is not None else spec_id,
    }
    optional = {
        "description": assistant.description,
        "context": content["context"],
        "config": content["config"],
        "metadata": {
            k: v for k, v in content["metadata"].items() if not k.startswith(RESERVED_METADATA_PREFIX) and v is not None
        },
    }
    document.update({key: value for key, value in optional.items() if value})
    for field_name in ("context", "metadata"):
        if field_name in document:
            document[field_name] = _secrets_as_env(document[field_name], spec_id, (field_name,), secret_places)
    return document


def _secrets_as_env(
    value: Any, spec_id: str, path: tuple[str | int, ...], secret_places: frozenset[SchemaPlace]
) -> Any:
    """Secret string values as ``!env`` references, never written to git in plain text."""
    if isinstance(value, dict):
        return {k: _secrets_as_env(v, spec_id, (*path, str(k)), secret_places) for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets_as_env(v, spec_id, (*path, i), secret_places) for i, v in enumerate(value)]
    if isinstance(value, str) and value and is_secret_path(path, secret_places):
        return EnvRef(_variable_name(spec_id, path))
    return value


def _variable_name(spec_id: str, path: tuple[str | int, ...]) -> str:
    """``("support-bot", ("context", "openai_api_key"))`` -> ``SUPPORT_BOT_OPENAI_API_KEY``."""
    parts = [spec_id, *(str(part) for part in path[1:])]
    name = _NOT_VARIABLE_CHARS.sub("_", "_".join(parts).upper()).strip("_")
    return name if name and not name[0].isdigit() else f"V_{name}"


def env_variables(document: Any) -> list[str]:
    """The names of the ``!env`` references in an imported document."""
    if isinstance(document, EnvRef):
        return [document.name]
    if isinstance(document, dict):
        return [name for value in document.values() for name in env_variables(value)]
    if isinstance(document, list):
        return [name for value in document for name in env_variables(value)]
    return []


def spec_id_for(assistant: LiveAssistant, taken: set[str]) -> str:
    """A valid, unused spec id (it is also the file name): the server's values are never trusted as paths."""
    managed_as = assistant.metadata.get(ID_KEY)
    wanted = managed_as if isinstance(managed_as, str) else (assistant.name or "")
    base = _NOT_ID_CHARS.sub("-", wanted.lower()).strip("-._")[:90] or f"assistant-{assistant.assistant_id[:8]}"
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    taken.add(candidate)
    return candidate


def _declared(out_dir: Path) -> tuple[set[str], dict[str, str]]:
    """The file names and ids already taken in ``out_dir`` (so an import never collides with either), and the
    assistant ids its files declare, each with the file that does (so an import never declares one twice)."""
    from reconciler.desired.documents import read_all_documents, yaml_files

    if not out_dir.is_dir():
        return set(), {}
    documents, _ = read_all_documents(out_dir)
    taken = {path.stem for path in yaml_files(out_dir)}
    declared: dict[str, str] = {}
    for document in documents:
        spec_id = document.value.get("id") if isinstance(document.value, dict) else None
        if not isinstance(spec_id, str):
            continue
        taken.add(spec_id)
        explicit = document.value.get("assistant_id")
        assistant_id = explicit.lower() if isinstance(explicit, str) else default_assistant_id(spec_id)
        declared.setdefault(assistant_id, document.file)
    return taken, declared


def import_files(
    assistants: list[LiveAssistant],
    out_dir: Path,
    owner: str,
    variables: list[str] | None = None,
    secret_places: Mapping[str, frozenset[SchemaPlace]] | None = None,
    served: Collection[str] | None = None,
) -> tuple[list[Path], list[str]]:
    """Write a file per importable assistant; existing files are never overwritten. The names of the
    environment variables the files read (``!env``, for secret values: by name, or at the ``secret_places``
    of the graph's committed schema, by graph id) are added to ``variables``. ``served``: the graphs the server
    serves; an assistant of another graph is skipped (its file could not be planned, and the server may hide it,
    server-behaviour.md §14)."""
    written: list[Path] = []
    skipped: list[str] = []
    taken, declared = _declared(out_dir)
    for assistant in sorted(assistants, key=lambda a: (a.name or "", a.assistant_id)):
        if assistant.is_system or assistant.is_lock:
            continue
        declared_in = declared.get(assistant.assistant_id)
        if declared_in is not None:
            skipped.append(f"{assistant.assistant_id} ({assistant.name}): already in {declared_in}")
            continue
        if assistant.owner is not None:
            whose = "already managed" if assistant.owner == owner else f"managed by owner {assistant.owner!r}"
            skipped.append(f"{assistant.assistant_id} ({assistant.name}): {whose}")
            continue
        if served is not None and assistant.graph_id not in served:
            skipped.append(f"{assistant.assistant_id} ({assistant.name}): its graph {assistant.graph_id!r} is not "
                           "served by this server (which may hide the assistant); serve the graph again to import it")
            continue
        spec_id = spec_id_for(assistant, taken)
        path = out_dir / f"{spec_id}.yaml"
        out_dir.mkdir(parents=True, exist_ok=True)
        document = spec_document(assistant, spec_id, (secret_places or {}).get(assistant.graph_id, frozenset()))
        path.write_text(dump(document), encoding="utf-8")
        declared[assistant.assistant_id] = str(path)
        if variables is not None:
            variables.extend(env_variables(document))
        written.append(path)
    return written, skipped
