"""Masking of secrets. Every rendering of a plan or report goes through here before it is printed.

A value is secret when the graph's schema marks its context key ``writeOnly`` / ``format: password``, or
when any key on its path looks like a secret (``*key*``, ``*token*``, ``*secret*``, ``*password*``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "(sensitive)"
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
