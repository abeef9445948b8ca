"""Provenance in metadata: the digest of the content and the commit, never a difference on their own."""

from __future__ import annotations

from typing import Any

from reconciler.desired.spec import COMMIT_KEY, DIGEST_KEY
from reconciler.planning.diff import differing_paths, same_content
from reconciler.server.semantics import commit_of, content_digest, source_of, with_provenance

SHA = "4f2a9c1" + "0" * 33
CONTENT: dict[str, Any] = {
    "graph_id": "agent",
    "name": "Support",
    "description": None,
    "context": {"model_name": "openai", "temperature": 0.5},
    "config": {"tags": ["a"]},
    "metadata": {"team": "s", "reconciler/id": "support-bot", "reconciler/owner": "default"},
}


def test_digest_is_sha256_of_the_canonical_comparable_content() -> None:
    assert content_digest(CONTENT) == "sha256:" + (
        __import__("hashlib")
        .sha256(
            b'{"config":{"tags":["a"]},"context":{"model_name":"openai","temperature":0.5},"description":"",'
            b'"graph_id":"agent","metadata":{"reconciler/id":"support-bot","reconciler/owner":"default",'
            b'"team":"s"},"name":"Support"}'
        )
        .hexdigest()
    )


def test_digest_ignores_what_the_server_cannot_keep_and_provenance_itself() -> None:
    served = {
        **CONTENT,
        "description": "",
        "context": {"temperature": 0.5, "model_name": "openai"},
        "config": {"tags": ["a"], "configurable": {"x": 1}, "recursion_limit": None},
        "metadata": {**CONTENT["metadata"], "dropped": None, COMMIT_KEY: SHA, DIGEST_KEY: "sha256:old"},
    }
    assert content_digest(served) == content_digest(CONTENT)
    assert content_digest({**CONTENT, "context": {"model_name": "openai", "temperature": 0.6}}) != content_digest(
        CONTENT
    )


def test_integral_floats_digest_like_integers() -> None:
    assert content_digest({**CONTENT, "context": {"temperature": 1.0}}) == content_digest(
        {**CONTENT, "context": {"temperature": 1}}
    )


def test_with_provenance_records_digest_and_commit_and_causes_no_difference() -> None:
    written = with_provenance(CONTENT, SHA)
    assert written["metadata"][DIGEST_KEY] == content_digest(CONTENT)
    assert commit_of(written) == SHA
    assert same_content(written, CONTENT)
    assert differing_paths(CONTENT, written) == []
    assert COMMIT_KEY not in with_provenance(CONTENT, None)["metadata"]


def test_source_is_reconciler_only_while_content_matches_its_digest() -> None:
    written = with_provenance(CONTENT, SHA)
    studio_edit = {**written, "context": {"model_name": "anthropic"}}  # the metadata merge keeps the digest
    assert source_of(written) == "reconciler"
    assert source_of(studio_edit) == "outside"
    assert source_of(CONTENT) == "outside"
