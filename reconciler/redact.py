"""Masking of secrets. Every rendering of a plan, report or error goes through here before it is printed.

What is secret is decided in ``reconciler.secrets`` (names, the schema's secret places, ``!env`` values,
connection credentials); this module only replaces what those rules name: ``mask`` for values, ``mask_url``
for URLs wherever they are printed, and ``scrub`` for known secret values in any text a server sends back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from reconciler.secrets import SchemaPlace, is_secret_path, is_secret_query_parameter, looks_secret, shown_user

MASK = "(sensitive)"
URL_MASK = "***"
MIN_SCRUBBED_LENGTH = 4
"""Shorter "secrets" are not scrubbed from text: replacing every ``a`` in a message protects nothing."""


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


def mask_at(value: Any, path: tuple[str | int, ...], schema_places: Iterable[SchemaPlace]) -> Any:
    """``value``, found at ``path`` (``("context",)``), with every secret masked: by name as ``mask`` does, and
    at each place the graph's schema marks secret."""
    places = frozenset(schema_places)
    if is_secret_path(path, places):
        return mask(value, sensitive=True)
    if isinstance(value, dict):
        return {k: mask_at(v, (*path, str(k)), places) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_at(v, (*path, index), places) for index, v in enumerate(value)]
    return mask(value)


_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@")
_QUERY_PARAMETER = re.compile(r"(?P<lead>[?&;](?P<name>[^=&#\s]+)=)(?P<value>[^&#\s]*)")


def mask_url(text: str) -> str:
    """``text`` (a URL, or a message quoting URLs) with each URL's credentials masked: ``user:pw@`` becomes
    ``user:***@``, a bare ``token@`` becomes ``***@``, and secret-looking query parameters (``?api_key=``)
    lose their value. Works on malformed URLs too (``http://u:pw@[::1``): no parsing that could fail."""

    def userinfo(match: re.Match[str]) -> str:
        user = shown_user(match["userinfo"])
        return f"{match['scheme']}{user}:{URL_MASK}@" if user is not None else f"{match['scheme']}{URL_MASK}@"

    def parameter(match: re.Match[str]) -> str:
        return match["lead"] + (URL_MASK if is_secret_query_parameter(match["name"]) else match["value"])

    return _QUERY_PARAMETER.sub(parameter, _USERINFO.sub(userinfo, text))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each known secret value replaced by MASK (a server may echo the
    ``x-api-key`` header or the URL's password back in an error body)."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SCRUBBED_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
