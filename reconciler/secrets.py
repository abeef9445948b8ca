"""What counts as a secret: every rule in one place. ``redact`` masks what these rules name, and every
stage that must know whether a value is secret (validation messages, plan changes, ``show``, ``import``, the
HTTP session's error messages) asks here.

A value is secret when
- a key on its path has a secret's name (``looks_secret``: ``api_key``, ``authToken``, not ``sort_key`` or
  ``max_tokens``), anywhere below the top-level field;
- the graph's schema marks its place ``writeOnly: true`` or ``format: password``, at any depth, reached through
  ``$ref`` and through the members of ``anyOf`` / ``oneOf`` / ``allOf`` (pydantic's ``SecretStr`` and
  ``Optional[SecretStr]``); everything inside a secret is secret;
- it came from an ``!env`` reference;
- it is a connection credential: the API key, a URL's password (or a bare ``token@`` user part), the Basic
  header made of them, and query parameters with a secret's name.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from types import EllipsisType
from typing import Any

from reconciler.jsonvalues import resolve_reference

SchemaPlace = tuple[str | None | EllipsisType, ...]
"""A place in a context the schema marks secret, as keys from the top of the context; ``None`` stands for any
key (``additionalProperties``, ``patternProperties``) or any list index (``items``), ``...`` for any number of
levels (inside a recursive model)."""
MAX_SCHEMA_DEPTH = 64
"""References followed in a row (a reference already on the chain is a cycle and is not followed again); what
lies deeper is taken as secret, which masks more, never less."""
MAX_PLACES = 256
"""Secret places kept below one reference. A model used twice in each of many nested models has exponentially
many places; past this many, each is widened to its last key at any depth (``(..., "pin")``), which masks more,
never less."""

_ALWAYS_SECRET = {
    "secret", "secrets", "password", "passwords", "passwd", "passphrase", "credential", "credentials", "creds",
    "authorization", "bearer", "apikey", "apikeys", "accesskey", "secretkey", "privatekey", "dsn",
}
"""Words that make a name secret wherever they stand (``db_password``, ``clientSecret``, ``OPENAI_APIKEY``)."""
_PAIRS = {("auth", "header"), ("connection", "string"), ("session", "cookie"), ("auth", "cookie")}
"""Two words that together name a secret."""
_KEY_WORDS = {"key", "keys"}
_DATA_KEY_QUALIFIERS = {
    "sort", "cache", "primary", "foreign", "partition", "idempotency", "dedup", "dedupe", "unique", "composite",
    "group", "lookup", "hash", "routing", "row", "map", "dict", "object", "index", "shard", "join", "order", "hot",
    "short", "shortcut", "public", "state", "thread", "memory", "input", "output", "return", "prompt", "query",
    "document", "doc", "field", "column", "attribute", "record", "item", "cursor", "page", "lock", "label",
    "metadata", "config", "context", "message", "s3", "storage", "blob", "bucket", "namespace", "name",
    "translation", "i18n", "event", "search", "result", "response", "request", "default", "json", "redis", "kv",
    "table", "entity", "natural", "surrogate", "checkpoint", "stream", "channel", "music", "musical", "sharding",
}
"""``<qualifier>_key`` names a key into data (``sort_key``, ``cache_key``, ``primary_key``), not a credential.
Any other ``key`` is one (``api_key``, ``openai_key``, ``signing_key``, a bare ``key``)."""
_TOKEN_WORDS = {"token", "tokens"}
_TOKEN_COUNTS = {
    "max", "min", "num", "n", "total", "input", "output", "prompt", "completion", "reasoning", "context", "cached",
    "used", "remaining", "reserved",
}
"""``<count>_tokens`` counts tokens of text (``max_tokens``, ``completion_tokens``)."""
_ABOUT_A_SECRET = {
    "id", "ids", "name", "names", "type", "types", "ref", "arn", "version", "field", "fields", "length", "prefix",
    "env", "var", "variable", "count", "counts", "limit", "limits", "budget", "usage", "used", "url", "uri",
    "endpoint", "per", "format", "rotation", "alias", "expiry", "expires", "expiration", "ttl", "policy", "scope",
    "scopes", "provider", "source", "location", "header", "min", "max",
}
"""A secret word followed by one of these names something about the secret, not the secret: ``api_key_name``,
``secret_id``, ``password_policy``, ``token_url``, ``tokens_per_minute``, ``api_key_env``."""
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def looks_secret(name: str) -> bool:
    """Whether a key's name says its value is a secret (``api_key``, ``authToken``, ``client-secret``,
    ``OPENAI_API_KEY``), and not something that merely contains such a word (``sort_key``, ``monkey``,
    ``keyboard_layout``, ``max_tokens``, ``secretary``). Words are split at ``_``, ``-``, ``.`` and camelCase."""
    words = [word.lower() for word in _WORD.findall(name)]
    return any(_secret_word(words, index) for index in range(len(words)))


def _secret_word(words: list[str], index: int) -> bool:
    word = words[index]
    before = words[index - 1] if index > 0 else ""
    after = words[index + 1] if index + 1 < len(words) else ""
    if after in _ABOUT_A_SECRET:
        return False
    if (before, word) in _PAIRS:
        return True
    if word in _ALWAYS_SECRET:
        return True
    if word in _KEY_WORDS:
        return before not in _DATA_KEY_QUALIFIERS
    if word in _TOKEN_WORDS:
        return before not in _TOKEN_COUNTS
    return False


def is_secret_path(
    path: Sequence[str | int],
    schema_places: Iterable[SchemaPlace] = frozenset(),
    env_paths: Iterable[Sequence[str | int]] = frozenset(),
) -> bool:
    """Whether the value at ``path`` (``("context", "retrieval", "api_key")``) is secret: a secret-looking key
    below the top-level field, a place in the context the schema marks secret (``schema_places``), or at or
    under a value that came from ``!env`` (``env_paths``)."""
    parts = tuple(path)
    if any(isinstance(part, str) and looks_secret(part) for part in parts[1:]):
        return True
    if parts[:1] == ("context",) and any(_within(parts[1:], place) for place in schema_places):
        return True
    return from_env(parts, env_paths)


def from_env(path: Sequence[str | int], env_paths: Iterable[Sequence[str | int]]) -> bool:
    """Whether ``path`` is the place of an ``!env`` value or inside one."""
    parts = tuple(path)
    return any(parts[: len(root)] == tuple(root) for root in env_paths)


def env_values(env_names: Iterable[str], environ: Mapping[str, str]) -> set[str]:
    """The values ``!env`` references to ``env_names`` read (unset and empty variables hold nothing)."""
    return {environ[name] for name in env_names if environ.get(name)}


def _within(parts: tuple[str | int, ...], place: SchemaPlace) -> bool:
    if not place:
        return True  # everything inside a secret is secret
    head, rest = place[0], place[1:]
    if head is ...:
        return any(_within(parts[skip:], rest) for skip in range(len(parts) + 1))
    return bool(parts) and (head is None or head == parts[0]) and _within(parts[1:], rest)


def marks_secret(schema: Any) -> bool:
    """The schema itself (no reference or union followed) says its value is secret."""
    return isinstance(schema, dict) and (schema.get("writeOnly") is True or schema.get("format") == "password")


def schema_secret_places(root: Mapping[str, Any] | None) -> frozenset[SchemaPlace]:
    """Every place in a context that ``root`` (the graph's context schema) marks secret, at any depth."""
    if not root:
        return frozenset()
    return frozenset(_PlaceFinder(root).places(root, (), frozenset())[0])


class _PlaceFinder:
    """Walks a schema for its secret places. What a reference leads to is worked out once wherever the walk
    allows it, so that a model used in many places (or a chain of models each used twice) costs one walk."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.by_reference: dict[str, tuple[frozenset[SchemaPlace], frozenset[str]]] = {}
        """A reference's places (relative to where it stands) and the references met below it."""

    def places(self, schema: Any, place: SchemaPlace, chain: frozenset[str]) -> tuple[set[SchemaPlace], set[str]]:
        """The secret places at and below ``place``, and every reference met below it (those on ``chain``
        are cycles and not followed)."""
        if not isinstance(schema, dict):
            return set(), set()
        if len(chain) > MAX_SCHEMA_DEPTH or is_secret_schema(schema, self.root, chain):
            return {place}, set()  # everything inside is secret too: no need to look further
        found: set[SchemaPlace] = set()
        met: set[str] = set()
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref in chain:
            met.add(ref)
        elif isinstance(ref, str):
            relative, below = self._reference(ref, chain)
            found |= {(*place, *secret) for secret in relative}
            met |= below
        below_here = [(member, place) for member in _members(schema)]
        below_here += [(value, (*place, str(key))) for key, value in _mapping(schema.get("properties")).items()]
        below_here += [(inner, (*place, None)) for inner in _any_key_or_index(schema)]
        for inner, inner_place in below_here:
            inner_found, inner_met = self.places(inner, inner_place, chain)
            found |= inner_found
            met |= inner_met
        return found, met

    def _reference(self, ref: str, chain: frozenset[str]) -> tuple[frozenset[SchemaPlace], frozenset[str]]:
        known = self.by_reference.get(ref)
        if known is not None and not (known[1] - {ref}) & chain:
            return known  # the walk below met nothing on this chain, so it would go the same way again
        found, met = self.places(resolve_reference(ref, self.root), (), chain | {ref})
        if ref in met:
            # A recursive model (a tree of nodes) repeats itself below: what is secret in it is secret at any depth.
            found |= {(..., *secret) for secret in found}
        if len(found) > MAX_PLACES:
            found = {(..., *secret[-1:]) for secret in found}
        result = frozenset(found), frozenset(met | {ref})
        if not (met - {ref}) & chain:
            self.by_reference[ref] = result
        return result


def is_secret_schema(schema: Any, root: Mapping[str, Any], chain: frozenset[str] = frozenset()) -> bool:
    """Whether ``schema`` marks its whole value secret, itself or through its ``$ref`` and the members of its
    unions (what it says of the value's inside, its properties and items, does not count)."""
    if not isinstance(schema, dict) or len(chain) > MAX_SCHEMA_DEPTH:
        return False
    if marks_secret(schema):
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref not in chain:
        if is_secret_schema(resolve_reference(ref, root), root, chain | {ref}):
            return True
    return any(is_secret_schema(member, root, chain) for member in _members(schema))


def _members(schema: Mapping[str, Any]) -> list[Any]:
    return [member for combinator in ("anyOf", "oneOf", "allOf") for member in _list(schema.get(combinator))]


def _any_key_or_index(schema: Mapping[str, Any]) -> list[Any]:
    items = schema.get("items")
    return [
        *_mapping(schema.get("patternProperties")).values(),
        schema.get("additionalProperties"),
        *(_list(items) if isinstance(items, list) else [items]),
        *_list(schema.get("prefixItems")),
    ]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def secret_in_schema_path(root: Mapping[str, Any], schema_path: Iterable[str | int]) -> bool:
    """Whether any schema a validation error went through on its way to the failing keyword (jsonschema's
    ``absolute_schema_path``) marks a secret, itself or through ``$ref`` and unions: a value inside a secret is
    secret too."""
    node: Any = root
    naming = False  # inside "properties" / "$defs": keys are names, not keywords
    for part in schema_path:
        if isinstance(node, dict) and not naming and is_secret_schema(node, root):
            return True
        if part == "$ref" and isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = resolve_reference(node["$ref"], root)
            naming = False
            continue
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
        naming = part in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas") and not naming
    return False


def shown_user(userinfo: str) -> str | None:
    """The part of a URL's user information (before ``@``) that may be shown: the user of ``user:password``;
    None for a bare ``token@``, which is a credential whole."""
    user, colon, _ = userinfo.partition(":")
    return user if colon else None


def is_secret_query_parameter(name: str) -> bool:
    """A URL's query parameter whose value is a credential (``?api_key=``, ``&token=``)."""
    return looks_secret(name)


def connection_secrets(api_key: str, username: str = "", password: str = "") -> list[str]:
    """Values no message may contain: the API key, the URL's password and the Basic header made of it."""
    secrets = [api_key]
    if password:
        secrets += [password, base64.b64encode(f"{username}:{password}".encode()).decode()]
    return [secret for secret in secrets if secret]
