from __future__ import annotations

import pytest

from reconciler.redact import MASK, is_sensitive_path, looks_secret, mask

SECRET_NAMES = [
    "api_key",
    "authToken",
    "OPENAI_API_KEY",
    "client-secret",
    "x-api-key",
    "APIKey",
    "apikey",
    "password",
    "db_passwd",
    "aws_credentials",
    "credential",
    "refresh_token",
    "TOKEN",
    "private_key_path",
]
PLAIN_NAMES = ["max_tokens", "model_name", "keyboard", "secretary", "temperature", "system_prompt", "", "tokenizer"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_looks_secret(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_does_not_look_secret(name: str) -> None:
    assert not looks_secret(name)


@pytest.mark.parametrize("name", ["api_keys", "secrets", "passwords", "accessTokens"])
def test_plural_secret_names_look_secret(name: str) -> None:
    assert looks_secret(name)


def test_is_sensitive_path() -> None:
    assert is_sensitive_path(("context", "endpoint"), frozenset({"endpoint"}))
    assert not is_sensitive_path(("context", "endpoint"))
    assert not is_sensitive_path(("metadata", "endpoint"), frozenset({"endpoint"}))
    assert is_sensitive_path(("metadata", "webhook_secret"))
    assert is_sensitive_path(("context", "tools", 0, "auth_token"))
    assert is_sensitive_path(("context", "openai_key", "value"))
    assert is_sensitive_path(("context", "endpoint", "host"), frozenset({"endpoint"}))
    assert not is_sensitive_path(("context", "max_tokens"))
    assert not is_sensitive_path(("api_key",))
    assert not is_sensitive_path(("context",), frozenset({"context"}))


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


@pytest.mark.parametrize("name", ["completion_tokens", "maxTokens", "num_tokens"])
def test_counts_of_tokens_are_not_secret(name: str) -> None:
    assert not looks_secret(name)
