from __future__ import annotations

import pytest

from reconciler.redact import MASK, is_sensitive_path, looks_secret, mask, mask_url, scrub

SECRET_NAMES = [
    # key(s), unless it keys into data
    "api_key", "x-api-key", "APIKey", "apikey", "OPENAI_API_KEY", "openai_key", "anthropicKey", "signing_key",
    "encryption_key", "private_key", "private_key_path", "client_key", "access_keys", "key", "keys", "license_key",
    "aws_secret_access_key", "webhookSigningKey",
    # token(s), unless a count
    "token", "TOKEN", "authToken", "access_token", "refresh_token", "accessTokens", "bot_token", "tokens",
    "github_token", "hf_token",
    # always
    "secret", "client-secret", "clientSecret", "webhook_secret", "secrets", "password", "db_passwd",
    "passwords", "passphrase", "credential", "aws_credentials", "creds", "authorization", "Authorization",
    "auth_header", "bearer", "connection_string", "dsn", "session_cookie", "secret_key_base",
]
PLAIN_NAMES = [
    # keys into data, and words that merely contain "key"
    "sort_key", "cache_key", "primary_key", "foreign_keys", "partition_key", "idempotency_key", "routing_key",
    "public_key", "input_key", "output_key", "memory_key", "s3_key", "sortKeys", "monkey", "keyboard",
    "keyboard_layout", "keynote", "hotkey", "turkey",
    # counts of tokens, and words that merely contain "token"
    "max_tokens", "maxTokens", "completion_tokens", "num_tokens", "prompt_tokens", "context_tokens",
    "token_count", "token_limit", "tokens_per_minute", "token_url", "tokenizer", "tokenize",
    # about a secret, not the secret
    "api_key_name", "secret_name", "secret_id", "access_key_id", "password_policy", "api_key_env",
    "token_type", "session_cookie_name", "password_min_length",
    # other
    "secretary", "model_name", "temperature", "system_prompt", "", "author", "passage", "keyword", "keywords",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_looks_secret(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_does_not_look_secret(name: str) -> None:
    assert not looks_secret(name)


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
