"""yamlio: YAML bytes -> plain values with positions, or exact Problems (never a yaml exception)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.desired import yamlio
from reconciler.desired.locations import Position
from reconciler.desired.yamldump import dump
from reconciler.desired.yamlio import Document, read_documents


def _read(tmp_path: Path, content: str | bytes) -> tuple[list[Document], list[str]]:
    path = tmp_path / "x.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    documents, problems = read_documents(path, "assistants.d/x.yaml")
    inner = [str(problem) for document in documents for problem in document.problems]
    return documents, [str(problem) for problem in problems] + inner


def _billion_laughs(levels: int = 9, width: int = 9) -> str:
    """``levels`` anchors, each a list of ``width`` aliases to the previous one: width**levels leaves."""
    names = [chr(ord("a") + level) for level in range(levels)]
    lines = [f"  {names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for previous, name in zip(names, names[1:], strict=False):
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "id: bomb\ngraph_id: agent\ncontext:\n" + "\n".join(lines) + "\n"


def test_values_are_plain_json_like(tmp_path: Path) -> None:
    text = (
        "id: bot\n"
        "count: 3\n"
        "ratio: 0.5\n"
        "flag: true\n"
        "nothing: null\n"
        "when: 2024-01-02\n"
        "tags: [a, b]\n"
        "nested:\n"
        "  key: value\n"
    )
    documents, problems = _read(tmp_path, text)
    assert problems == []
    assert [document.value for document in documents] == [
        {
            "id": "bot",
            "count": 3,
            "ratio": 0.5,
            "flag": True,
            "nothing": None,
            "when": "2024-01-02",
            "tags": ["a", "b"],
            "nested": {"key": "value"},
        }
    ]


def test_source_map_has_key_and_value_positions(tmp_path: Path) -> None:
    documents, _ = _read(tmp_path, "id: bot\ncontext:\n  temperature: 3.5\n  tags:\n    - x\n")
    source_map = documents[0].source_map
    assert source_map.keys[("context", "temperature")] == Position(3, 3)
    assert source_map.values[("context", "temperature")] == Position(3, 16)
    assert source_map.values[("context", "tags", 0)] == Position(5, 7)
    assert source_map.locate(("context", "missing", "deeper")) == Position(3, 3)
    assert source_map.locate(("context", "temperature"), key=True) == Position(3, 3)
    assert documents[0].start == Position(1, 1)


def test_positions_of_each_document_of_a_file_are_its_own(tmp_path: Path) -> None:
    """Positions are recorded when first asked for, by reading the file again: each document still gets its
    own, past an empty document, and those before a syntax error later in the file are kept."""
    text = "id: one\nname: first\n---\n---\nid: two\ncontext:\n  tone: calm\n---\nid: [broken\n"
    documents, problems = _read(tmp_path, text)
    assert [d.value["id"] for d in documents] == ["one", "two"]
    assert problems and problems[0].startswith("assistants.d/x.yaml:")
    first, second = documents
    assert second.source_map.locate(("context", "tone"), key=True) == Position(7, 3)
    assert second.source_map.values[("context", "tone")] == Position(7, 9)
    assert first.source_map.locate(("name",)) == Position(2, 7)
    assert ("context",) not in first.source_map.keys


@pytest.mark.parametrize(
    "text",
    ["0", "-0", "7", "-42", "012", "0x1F", "0b11", "1_000", "+5", "999999999999999999", "1:30",
     "0.5", "-0.5", "00.25", "1e3", "1.5e-3", "1_0.5", ".5", "-.5", "+1.0", "3.", "6.8523015e+5"],
)
def test_numbers_are_what_yaml_makes_of_them(tmp_path: Path, text: str) -> None:
    documents, problems = _read(tmp_path, f"value: {text}\n")
    assert problems == []
    expected = yaml.safe_load(f"value: {text}")["value"]
    assert documents[0].value["value"] == expected
    assert type(documents[0].value["value"]) is type(expected)


def test_duplicate_key(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "id: bot\nname: one\nname: two\n")
    assert problems == ["assistants.d/x.yaml:3:1: name: duplicate key (first defined at line 2)"]
    assert documents[0].value == {"id": "bot", "name": "one"}


def test_duplicate_nested_key(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "id: bot\ncontext:\n  a: 1\n  b: 2\n  a: 3\n")
    assert problems == ["assistants.d/x.yaml:5:3: context.a: duplicate key (first defined at line 3)"]


def test_syntax_error(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "id: bot\ngraph_id: [agent\n")
    assert documents == []
    assert problems == [
        "assistants.d/x.yaml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)"
    ]


def test_bad_indentation(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "id: bot\ngraph_id: agent\n  bad: indent\n")
    assert problems == ["assistants.d/x.yaml:3:6: YAML syntax error: mapping values are not allowed in this context"]


def test_tab_indentation_names_the_tab(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "id: bot\ncontext:\n\tmodel_name: openai\n")
    assert documents == []
    assert problems == ["assistants.d/x.yaml:3:1: YAML syntax error: tab character; indent with spaces"]


def test_tab_inside_a_block_names_the_tab(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "id: bot\n\tgraph_id: agent\n")
    assert problems == ["assistants.d/x.yaml:2:1: YAML syntax error: tab character; indent with spaces"]


def test_empty_file(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "")
    assert documents == []
    assert problems == ["assistants.d/x.yaml:1:1: file is empty: expected one or more assistant documents"]


def test_file_with_only_comments_is_empty(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "# nothing here yet\n")
    assert problems == ["assistants.d/x.yaml:1:1: file is empty: expected one or more assistant documents"]


def test_non_utf8_file(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "id: bot\ngraph_id: agent\nname: caf\xe9\n".encode("latin-1"))
    assert documents == []
    assert problems == ["assistants.d/x.yaml:3:10: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, b"\xef\xbb\xbfid: bot\nname: caf\xc3\xa9\n")
    assert problems == []
    assert [document.value for document in documents] == [{"id": "bot", "name": "café"}]


def test_several_documents(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "id: a\n---\nid: b\n---\n- not a mapping\n")
    assert problems == []
    assert [document.value for document in documents] == [{"id": "a"}, {"id": "b"}, ["not a mapping"]]
    assert [document.start for document in documents] == [Position(1, 1), Position(3, 1), Position(5, 1)]


def test_trailing_and_repeated_separators_are_ignored(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "---\nid: a\n---\n---\nid: b\n---\n")
    assert problems == []
    assert [document.value for document in documents] == [{"id": "a"}, {"id": "b"}]


def test_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Bounded work comes from the node budget (the refusal names it); memory is what a bomb would blow up."""
    tracemalloc.start()
    try:
        documents, problems = _read(tmp_path, _billion_laughs())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert documents == []
    assert problems == [
        "assistants.d/x.yaml:4:66: document expands to more than 100000 nodes (alias bomb?); refused"
    ]
    assert peak < 50 * 1024 * 1024


def test_small_aliases_are_expanded(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "tags: &t [a, b]\nagain: *t\n")
    assert problems == []
    assert documents[0].value == {"tags": ["a", "b"], "again": ["a", "b"]}


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "id: r\nmetadata: &m\n  self: *m\n")
    assert documents == []
    assert problems == ["assistants.d/x.yaml:2:11: nested deeper than 64 levels (recursive alias?); refused"]


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "base: &b {x: 1}\nmetadata:\n  <<: *b\n")
    assert problems == ["assistants.d/x.yaml:3:3: metadata: merge keys (<<) are not supported; repeat the keys"]


def test_unsupported_tag(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "name: !!binary aGk=\n")
    assert problems == ["assistants.d/x.yaml:1:7: name: unsupported YAML tag 'tag:yaml.org,2002:binary'"]
    assert documents[0].value == {"name": None}


def test_non_finite_number(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "context:\n  temperature: .nan\n")
    assert problems == ["assistants.d/x.yaml:2:16: context.temperature: .nan cannot be represented in JSON"]


def test_non_scalar_key(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "metadata:\n  ? [a]\n  : y\n")
    assert problems == ["assistants.d/x.yaml:2:5: metadata: mapping keys must be plain strings"]


def test_dump_writes_multi_line_strings_as_literal_blocks() -> None:
    value = {"id": "bot", "context": {"system_prompt": "line one\nline two\n"}, "tags": ["a"]}
    assert dump(value) == (
        "id: bot\n"
        "context:\n"
        "  system_prompt: |\n"
        "    line one\n"
        "    line two\n"
        "tags:\n"
        "- a\n"
    )


def test_dump_reads_back(tmp_path: Path) -> None:
    value = {"id": "bot", "name": "Café", "context": {"prompt": "a\nb", "n": 1, "x": None}}
    documents, problems = _read(tmp_path, dump(value))
    assert problems == []
    assert documents[0].value == value


def test_tags_on_mappings_and_lists_are_refused(tmp_path: Path) -> None:
    text = "id: bot\ncontext: !custom\n  a: 1\nmetadata: !!set {a, b}\ntags: !custom [x]\nlist: !!omap [a: 1]\n"
    _, problems = _read(tmp_path, text)
    assert problems == [
        "assistants.d/x.yaml:2:10: context: unsupported YAML tag '!custom' on a mapping",
        "assistants.d/x.yaml:4:11: metadata: unsupported YAML tag 'tag:yaml.org,2002:set' on a mapping",
        "assistants.d/x.yaml:5:7: tags: unsupported YAML tag '!custom' on a list",
        "assistants.d/x.yaml:6:7: list: unsupported YAML tag 'tag:yaml.org,2002:omap' on a list",
    ]


def test_tag_on_a_key_is_refused(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "id: bot\nmetadata:\n  !custom team: a\n")
    assert problems == ["assistants.d/x.yaml:3:3: metadata.team: unsupported YAML tag '!custom' on a key"]


def test_explicit_standard_collection_tags_are_accepted(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, "context: !!map\n  a: !!seq [1]\n  !!str b: !!str 2\n")
    assert problems == []
    assert documents[0].value == {"context": {"a": [1], "b": "2"}}


def test_nul_byte_in_the_file_names_it_and_its_place(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, b"id: bot\ngraph_id: agent\nname: ab\x00c\n")
    assert documents == []
    assert problems == [
        "assistants.d/x.yaml:3:9: NUL byte (U+0000) in the file: YAML does not allow it and the server cannot "
        "store it; remove it"
    ]


def test_control_characters_are_reported_each_at_its_place(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "id: bot\nname: a\x07b\ndescription: \x1b[1m\n")
    assert problems == [
        "assistants.d/x.yaml:2:8: control character U+0007 in the file: YAML does not allow it; remove it, or "
        'write it as an escape ("\\x07") in a double-quoted string',
        "assistants.d/x.yaml:3:14: control character U+001B in the file: YAML does not allow it; remove it, or "
        'write it as an escape ("\\x1b") in a double-quoted string',
    ]


def test_byte_order_mark_in_the_middle_of_the_file(tmp_path: Path) -> None:
    documents, problems = _read(tmp_path, b"\xef\xbb\xbfid: a\n---\n\xef\xbb\xbfid: b\nname: x\xef\xbb\xbfy\n")
    assert documents == []
    assert problems == [
        "assistants.d/x.yaml:3:1: byte order mark (U+FEFF) in the middle of the file (files joined together?); "
        "remove it",
        "assistants.d/x.yaml:4:8: byte order mark (U+FEFF) in the middle of the file (files joined together?); "
        "remove it",
    ]


def test_escaped_nul_is_refused_in_values_and_keys(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, 'id: bot\nname: "a\\0b"\nmetadata:\n  "k\\x00": v\n')
    assert problems == [
        "assistants.d/x.yaml:2:7: name: contains a NUL character (\\0): the server stores U+FFFD instead; "
        "remove it",
        "assistants.d/x.yaml:4:3: metadata.k\\x00: key contains a NUL character (\\0): the server stores U+FFFD "
        "instead; remove it",
    ]


def test_lone_surrogates_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'context:\n  tags: ["ok", "\\udc80"]\n'
    _, problems = _read(tmp_path, text)
    assert problems == [
        "assistants.d/x.yaml:2:19: YAML syntax error: found invalid Unicode character escape code (while parsing "
        "a quoted scalar)"
    ]
    monkeypatch.setattr(yamlio, "_Loader", yaml.SafeLoader)  # the pure-Python parser lets them through
    _, problems = _read(tmp_path, text)
    assert problems == [
        "assistants.d/x.yaml:2:16: context.tags[1]: contains a lone surrogate (U+DC80), which is not valid "
        "Unicode and cannot be sent as JSON; remove it",
    ]


def test_integers_beyond_64_bits_are_refused(tmp_path: Path) -> None:
    text = f"context:\n  a: {2**63 - 1}\n  b: {-(2**63)}\n  c: {2**63}\n  d: -{2**63 + 1}\n  e: {'9' * 5000}\n"
    documents, problems = _read(tmp_path, text)
    reason = "the server stores integers beyond 64 bits as imprecise floating-point numbers; quote it as a string"
    assert problems == [
        f"assistants.d/x.yaml:4:6: context.c: integer 9223372036854775808 is out of range: {reason}",
        f"assistants.d/x.yaml:5:6: context.d: integer -9223372036854775809 is out of range: {reason}",
        f"assistants.d/x.yaml:6:6: context.e: integer 999999999999999999999999999999999999999999999999999999999999"
        f"…(5000 characters) is out of range: {reason}",
    ]
    assert documents[0].value["context"]["a"] == 2**63 - 1
    assert documents[0].value["context"]["b"] == -(2**63)


def test_a_file_that_cannot_be_read_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = Path.open

    def refuse(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "rb":
            raise PermissionError(13, "Permission denied")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert _read(tmp_path, "id: a\n") == ([], ["assistants.d/x.yaml:1:1: cannot read the file: Permission denied"])
