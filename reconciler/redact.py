"""Masking of secrets. Every rendering of a plan, report or error goes through here before it is printed.

A value is secret when the graph's schema marks its context key ``writeOnly`` / ``format: password``, or
when a key on its path has a secret's name (``looks_secret``: the rules are in
docs/security.md). A URL's password and secret-looking query parameters are masked wherever
a URL is printed (``mask_url``), and values known to be secret (the API key) are scrubbed from any text a
server sends back (``scrub``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "(sensitive)"
URL_MASK = "***"
MIN_SCRUBBED_LENGTH = 4
"""Shorter "secrets" are not scrubbed from text: replacing every ``a`` in a message protects nothing."""
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


def is_sensitive_path(path: Iterable[str | int], secret_context_keys: frozenset[str] = frozenset()) -> bool:
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "context" and parts[1] in secret_context_keys:
        return True
    return any(isinstance(part, str) and looks_secret(part) for part in parts[1:])


def mask(value: Any, *, sensitive: bool = False) -> Any:
    """``value`` with every secret replaced by MASK; ``sensitive`` masks it whole."""
    if sensitive:
        return MASK if value is not None else None
    if isinstance(value, dict):
        return {k: mask(v, sensitive=looks_secret(str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return mask_url(value)  # a credential inside a URL-valued field of any name (`db_url: postgres://u:pw@h`)
    return value


_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@")
_QUERY_PARAMETER = re.compile(r"(?P<lead>[?&;](?P<name>[^=&#\s]+)=)(?P<value>[^&#\s]*)")


def mask_url(text: str) -> str:
    """``text`` (a URL, or a message quoting URLs) with each URL's credentials masked: ``user:pw@`` becomes
    ``user:***@``, a bare ``token@`` becomes ``***@``, and secret-looking query parameters (``?api_key=``)
    lose their value. Works on malformed URLs too (``http://u:pw@[::1``): no parsing that could fail."""

    def userinfo(match: re.Match[str]) -> str:
        user, colon, _ = match["userinfo"].partition(":")
        return f"{match['scheme']}{user}:{URL_MASK}@" if colon else f"{match['scheme']}{URL_MASK}@"

    def parameter(match: re.Match[str]) -> str:
        return match["lead"] + (URL_MASK if looks_secret(match["name"]) else match["value"])

    return _QUERY_PARAMETER.sub(parameter, _USERINFO.sub(userinfo, text))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each known secret value replaced by MASK (a server may echo the
    ``x-api-key`` header or the URL's password back in an error body)."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SCRUBBED_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
