"""``assistants.d/*.yaml`` -> ``DesiredState``, or every Problem in every file (InvalidSpecError)."""

from __future__ import annotations

import difflib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from reconciler.desired import envrefs
from reconciler.desired.documents import read_all_documents
from reconciler.desired.locations import Path, describe, format_path, quote
from reconciler.desired.overlay import apply_overlays
from reconciler.desired.pins import History, resolve_commit_pins
from reconciler.desired.spec import AssistantSpec, RunnableConfigSpec, SmokeCaseSpec, default_assistant_id
from reconciler.desired.state import DesiredState, SpecSource
from reconciler.desired.yamlio import Document
from reconciler.errors import Problem
from reconciler.redact import scrub
from reconciler.secrets import env_values
from reconciler.server.semantics import STRIPPED_CONTEXT_KEYS, STRIPPED_METADATA_KEYS

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "list_type": "a list",
}


@dataclass(frozen=True)
class ContextTarget:
    """A document's context with its graph, checked against the graph's schema even when other fields of
    the same document are wrong, so that one run reports every problem."""

    spec_id: str | None
    graph_id: str
    context: dict[str, Any]
    source: SpecSource
    secret_paths: frozenset[Path] = frozenset()
    """Places holding ``!env`` values: problems there never quote the value."""


@dataclass(frozen=True)
class LoadResult:
    desired: DesiredState
    problems: list[Problem]
    context_targets: list[ContextTarget]


def load_desired_state(
    directory: FilePath,
    overlay_dir: FilePath | None = None,
    history: History | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadResult:
    """Read and check the format of every assistant file (patched by the environment's overlays, if any,
    commit pins replaced by the content they name), collecting every problem."""
    documents, problems = read_all_documents(directory)
    sourced = [(document, SpecSource(document.file, document.source_map)) for document in documents]
    if overlay_dir is not None:
        sourced, overlay_problems = apply_overlays(sourced, overlay_dir)
        problems.extend(overlay_problems)
    sourced, pin_problems = resolve_commit_pins(sourced, overlay_dir, history)
    problems.extend(pin_problems)
    sourced, env_refs, env_problems = _resolve_env_refs(sourced, os.environ if environ is None else environ)
    problems.extend(env_problems)
    specs: list[tuple[AssistantSpec, SpecSource]] = []
    targets: list[ContextTarget] = []
    for document, source in sourced:
        spec, spec_problems = parse_spec(document, source)
        problems.extend(spec_problems)
        problems.extend(_stripped_key_problems(document, source))
        if spec is not None:
            specs.append((spec, source))
        target = _context_target(document, source, env_refs)
        if target is not None:
            targets.append(target)
    problems.extend(_duplicate_problems(sourced))
    environ = os.environ if environ is None else environ
    secrets = env_values((name for refs in env_refs.values() for _, name in refs), environ)
    desired = DesiredState(
        specs=tuple(spec for spec, _ in specs),
        sources={spec.id: source for spec, source in specs},
        env_refs=env_refs,
    )
    return LoadResult(desired, [_without_secrets(problem, secrets) for problem in problems], targets)


def _without_secrets(problem: Problem, secrets: set[str]) -> Problem:
    """Defence in depth: no message quotes a value that came from ``!env``."""
    message = scrub(problem.message, secrets)
    return problem if message == problem.message else replace(problem, message=message)


_STRIPPED = "the server strips this {} key silently (it is reserved for its own use); remove or rename it"
_STRIPPED_AT: tuple[tuple[Path, frozenset[str], str], ...] = (
    (("metadata",), STRIPPED_METADATA_KEYS, _STRIPPED.format("metadata")),
    (("config", "metadata"), STRIPPED_METADATA_KEYS, _STRIPPED.format("metadata")),
    (("context",), STRIPPED_CONTEXT_KEYS, _STRIPPED.format("context")),
)


def _stripped_key_problems(document: Document, source: SpecSource) -> list[Problem]:
    """Keys the server would accept and then drop, so that every apply would write them again."""
    problems: list[Problem] = []
    spec_id = _spec_id(document.value)
    for parent, reserved, message in _STRIPPED_AT:
        mapping = _at(document.value, parent)
        if reserved.isdisjoint(mapping):
            continue
        for key in sorted(reserved.intersection(mapping), key=list(mapping).index):
            path = (*parent, key)
            file, line, col = source.where(path, key=True)
            problems.append(Problem(file, line, col, spec_id, format_path(path), message))
    return problems


def _at(value: Any, path: Path) -> dict[str, Any]:
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _spec_id(value: Any) -> str | None:
    return value["id"] if isinstance(value, dict) and isinstance(value.get("id"), str) else None


def _context_target(
    document: Document, source: SpecSource, env_refs: Mapping[str, tuple[tuple[Path, str], ...]]
) -> ContextTarget | None:
    value = document.value
    if not isinstance(value, dict) or not isinstance(value.get("graph_id"), str) or not value["graph_id"]:
        return None
    context = value.get("context")
    spec_id = value.get("id") if isinstance(value.get("id"), str) else None
    secret = frozenset(path for path, _ in env_refs.get(spec_id or "", ()))
    return ContextTarget(spec_id, value["graph_id"], context if isinstance(context, dict) else {}, source, secret)


def _resolve_env_refs(
    sourced: list[tuple[Document, SpecSource]], environ: Mapping[str, str]
) -> tuple[list[tuple[Document, SpecSource]], dict[str, tuple[tuple[Path, str], ...]], list[Problem]]:
    """Every ``!env`` value resolved; where each was (by spec id); a problem at each variable that is not set."""
    resolved_sourced = []
    refs_by_id: dict[str, tuple[tuple[Path, str], ...]] = {}
    problems: list[Problem] = []
    for document, source in sourced:
        if not document.may_hold_env_refs:
            resolved_sourced.append((document, source))
            continue
        value, refs, _ = envrefs.resolve(document.value, environ)
        spec_id = document.value.get("id") if isinstance(document.value, dict) else None
        for path, name in refs:
            if name not in environ:
                file, line, col = source.where(path)
                message = f"environment variable {name} is not set (`!env {name}` reads it at plan and apply time)"
                problems.append(Problem(file, line, col, spec_id if isinstance(spec_id, str) else None,
                                        format_path(path), message))
        if refs and isinstance(spec_id, str):
            refs_by_id[spec_id] = tuple(refs)
        resolved_sourced.append((replace(document, value=value), source))
    return resolved_sourced, refs_by_id, problems


def parse_spec(document: Document, source: SpecSource) -> tuple[AssistantSpec | None, list[Problem]]:
    value = document.value
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else describe(value)
        message = f"a document must be a mapping of assistant fields, got {kind}"
        return None, [Problem(document.file, document.start.line, document.start.col, message=message)]
    spec_id = value.get("id") if isinstance(value.get("id"), str) else None
    inner = [replace(problem, assistant=spec_id) for problem in document.problems]
    try:
        spec = AssistantSpec.model_validate(value)
    except ValidationError as exc:
        return None, inner + [_problem_from_error(error, source, spec_id) for error in exc.errors()]
    return (None if inner else spec), inner


def _problem_from_error(error: ErrorDetails, source: SpecSource, spec_id: str | None) -> Problem:
    path: Path = tuple(error["loc"])
    kind = error["type"]
    context = error.get("ctx") or {}
    if "key" in context:
        path = (*path, str(context["key"]))
    message = _message(error, path)
    on_key = kind in ("extra_forbidden", "reserved_metadata_key", "configurable_in_config")
    where = path
    if kind == "missing":
        removed = source.overlay is not None and source.overlay.covers(path)
        where, on_key = (path, True) if removed else (path[:-1], False)
        message += " (the overlay removes it)" if removed else ""
    file, line, col = source.where(where, key=on_key)
    return Problem(file, line, col, spec_id, format_path(path), message)


def _message(error: ErrorDetails, path: Path) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key" + _did_you_mean(str(path[-1]), _known_keys(path[:-1]))
    if kind == "missing":
        return "required key is missing"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {describe(error['input'])}"
    if kind == "string_pattern_mismatch" and path == ("id",):
        return (
            f"{quote(str(error['input']))} is not a valid id: use 1-100 characters of a-z, 0-9, '.', '_', '-', "
            "starting with a letter or digit"
        )
    if kind in ("greater_than", "less_than_equal"):
        bound = (error.get("ctx") or {}).get("gt" if kind == "greater_than" else "le")
        return f"must be {'>' if kind == 'greater_than' else '<='} {bound}, got {describe(error['input'])}"
    if kind == "greater_than_equal":
        return f"must be >= {(error.get('ctx') or {}).get('ge')}, got {describe(error['input'])}"
    if kind == "string_too_short":
        return "must not be empty"
    return str(error["msg"]).removeprefix("Value error, ")


def _known_keys(parent: Path) -> list[str]:
    if len(parent) == 2 and parent[0] == "smoke":
        return list(SmokeCaseSpec.model_fields)
    model = RunnableConfigSpec if parent == ("config",) else AssistantSpec
    return [name for name in model.model_fields if name != "configurable"] if len(parent) <= 1 else []


def _did_you_mean(word: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(word, candidates, n=1)
    if matches:
        return f" (did you mean {matches[0]!r}?)"
    return f"; allowed: {', '.join(candidates)}" if candidates else ""


def _duplicate_problems(documents: list[tuple[Document, SpecSource]]) -> list[Problem]:
    """Duplicate ids and assistant_ids, across every readable document (valid or not)."""
    problems: list[Problem] = []
    seen_ids: dict[str, SpecSource] = {}
    seen_assistant_ids: dict[str, tuple[str | None, SpecSource]] = {}
    """assistant_id -> (the spec id it is the default of, or None when written explicitly; where)"""
    for document, source in documents:
        value = document.value
        spec_id = value.get("id") if isinstance(value, dict) else None
        if not isinstance(spec_id, str):
            continue
        if spec_id in seen_ids:
            problems.append(_duplicate(spec_id, "id", spec_id, source, seen_ids[spec_id]))
            continue
        seen_ids[spec_id] = source
        assistant_id = _raw_assistant_id(value, spec_id)
        if assistant_id in seen_assistant_ids:
            first_id, first = seen_assistant_ids[assistant_id]
            problems.append(_duplicate(spec_id, "assistant_id", assistant_id, source, first, default_of=first_id))
        seen_assistant_ids[assistant_id] = (None if "assistant_id" in value else spec_id, source)
    return problems


def _raw_assistant_id(value: dict[str, Any], spec_id: str) -> str:
    try:
        return str(uuid.UUID(value["assistant_id"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return default_assistant_id(spec_id)


def _duplicate(
    spec_id: str, field: str, value: str, source: SpecSource, first: SpecSource, *, default_of: str | None = None
) -> Problem:
    file, line, col = source.where((field,))
    if default_of is not None:
        first_file, first_line, first_col = first.where(("id",))
        where = f"the default assistant_id of id {quote(default_of)} at {first_file}:{first_line}:{first_col}"
    else:
        first_file, first_line, first_col = first.where((field,))
        where = f"also defined at {first_file}:{first_line}:{first_col}"
    return Problem(file, line, col, spec_id, field, f"duplicate {field} {quote(value)}; {where}")
