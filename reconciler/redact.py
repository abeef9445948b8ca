"""Masking of secrets. Every rendering of a plan, report or error goes through here before it is printed.

A value is secret when the graph's schema marks its context key ``writeOnly`` / ``format: password``, when
it comes from ``!env``, or when a key on its path has a secret's name (``looks_secret``: the rules are in
the README's "Secrets" section). A URL's password and secret-looking query parameters are masked wherever
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
_SECRET_WORD_ENDINGS = (
    "key",
    "keys",
    "token",
    "secret",
    "secrets",
    "password",
    "passwords",
    "passwd",
    "credential",
    "credentials",
)
_COUNTS = {"max", "min", "num", "total", "input", "output", "prompt", "completion", "reasoning"}
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def looks_secret(name: str) -> bool:
    """``api_key``, ``authToken``, ``accessTokens``, ``OPENAI_API_KEY``, ``client-secret``: yes.
    ``max_tokens``, ``completion_tokens``: no (counts of tokens, not tokens)."""
    words = [word.lower() for word in _WORD.findall(name)]
    return any(
        word.endswith(_SECRET_WORD_ENDINGS)
        or (word.endswith("tokens") and (index == 0 or words[index - 1] not in _COUNTS))
        for index, word in enumerate(words)
    )


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
