"""redact: masking what the rules in ``reconciler.secrets`` name (the rules are tested in test_secrets)."""

from __future__ import annotations

import pytest

from reconciler.redact import MASK, mask, mask_at, mask_url, scrub


def test_mask_nested_values_by_key_name() -> None:
    value = {
        "integrations": {"slack": {"channel": "#s", "bot_token": "xoxb"}},
        "tools": [{"name": "search", "api_key": "k"}, "plain", ["nested", {"secret": "s"}]],
        "password": {"whole": {"mapping": 1}},
        "token": None,
        "count": 3,
    }
    assert mask(value) == {
        "integrations": {"slack": {"channel": "#s", "bot_token": MASK}},
        "tools": [{"name": "search", "api_key": MASK}, "plain", ["nested", {"secret": MASK}]],
        "password": MASK,
        "token": None,
        "count": 3,
    }


def test_mask_sensitive_whole_value() -> None:
    assert mask({"a": 1}, sensitive=True) == MASK
    assert mask("x", sensitive=True) == MASK
    assert mask(None, sensitive=True) is None
    assert mask(["a", 1]) == ["a", 1]


URLS = {
    "https://user:pw@host:8123/base": "https://user:***@host:8123/base",
    "http://ghp_token123@host": "http://***@host",
    "http://u:p%40ss@[::1": "http://u:***@[::1",
    "POST https://a:b@x/assistants/search -> 302: redirected to https://c:d@y/login?next=/": (
        "POST https://a:***@x/assistants/search -> 302: redirected to https://c:***@y/login?next=/"
    ),
    "https://host/login?api_key=sk-1&page=2&access_token=t#x": "https://host/login?api_key=***&page=2&access_token=***#x",
    "http://127.0.0.1:2024": "http://127.0.0.1:2024",
    "email me: someone@example.com": "email me: someone@example.com",
    "https://host/path/a@b": "https://host/path/a@b",
}


@pytest.mark.parametrize(("text", "masked"), URLS.items(), ids=URLS.keys())
def test_mask_url(text: str, masked: str) -> None:
    assert mask_url(text) == masked


def test_scrub_replaces_every_known_secret_longest_first() -> None:
    text = "detail: bad key sk-abc-123 (sk-abc) and pw pass-word"
    assert scrub(text, ["sk-abc", "sk-abc-123", "pass-word", "", "abc"]) == (
        f"detail: bad key {MASK} ({MASK}) and pw {MASK}"
    )


def test_mask_hides_url_credentials_in_values_of_any_name() -> None:
    context = {"db_url": "postgres://app:hunter2@db:5432/x", "notes": ["see https://tok3n@git.example/r"], "n": 3}
    assert mask(context) == {
        "db_url": "postgres://app:***@db:5432/x",
        "notes": ["see https://***@git.example/r"],
        "n": 3,
    }


def test_mask_at_masks_the_places_the_schema_marks_secret_and_secret_names() -> None:
    context = {"retrieval": {"pin": "1234", "index": "docs"}, "api_key": "k", "headers": [{"x": "a"}], "n": 1}
    places = frozenset({("retrieval", "pin"), ("headers", None)})
    assert mask_at(context, ("context",), places) == {
        "retrieval": {"pin": MASK, "index": "docs"},
        "api_key": MASK,
        "headers": [MASK],
        "n": 1,
    }
    assert mask_at(context, ("context",), frozenset({()})) == MASK
    assert mask_at({"db": "postgres://u:pw@h"}, ("metadata",), places) == {"db": "postgres://u:***@h"}
