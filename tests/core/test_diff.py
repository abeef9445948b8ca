from __future__ import annotations

from typing import Any

import pytest

from reconciler.jsonvalues import json_equal
from reconciler.planning.diff import added_paths, differing_paths, same_content
from reconciler.server.semantics import comparable

BASE: dict[str, Any] = {
    "graph_id": "agent",
    "name": "Support",
    "description": None,
    "context": {"model_name": "openai"},
    "config": {},
    "metadata": {"team": "support"},
}


def content(**overrides: Any) -> dict[str, Any]:
    return {**BASE, **overrides}


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (content(description=None), content(description="")),
        (content(metadata={"team": "support", "old": None}), content(metadata={"team": "support"})),
        (content(context=None), content(context={})),
        (content(config=None), content(config={})),
        (content(metadata=None), content(metadata={"gone": None})),
        (
            content(config={"tags": ["a"]}),
            content(config={"tags": ["a"], "configurable": {"model_name": "anthropic"}}),
        ),
        (content(context={"temperature": 1}), content(context={"temperature": 1.0})),
        (content(config={"tags": [], "run_name": None}), content(config={})),
    ],
    ids=[
        "description-null-empty",
        "metadata-null-absent",
        "context-null",
        "config-null",
        "metadata-null",
        "configurable-ignored",
        "int-float",
        "config-empty-tags",
    ],
)
def test_same_content_ignores_what_the_server_cannot_distinguish(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert same_content(left, right)
    assert same_content(right, left)
    assert differing_paths(left, right) == []


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (content(context={"flag": True}), content(context={"flag": 1})),
        (content(context={"n": "1"}), content(context={"n": 1})),
        (content(name=None), content(name="")),
        (content(description="a"), content(description="b")),
        (content(context={"x": None}), content(context={})),
        (content(metadata={"nested": {"k": None}}), content(metadata={"nested": {}})),
        (content(config={"tags": ["a", "b"]}), content(config={"tags": ["b", "a"]})),
    ],
    ids=[
        "bool-not-int",
        "string-not-int",
        "name-null-vs-empty",
        "description",
        "context-null-value",
        "nested-null-kept",
        "list-order",
    ],
)
def test_same_content_differs(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert not same_content(left, right)


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ({"a": [True], "b": "x"}, {"a": [1], "b": "x"}, False),  # equal in Python, not in JSON
        ({"a": {"k": 0}}, {"a": {"k": False}}, False),
        ({"a": [1, {"k": 2.0}]}, {"a": [1.0, {"k": 2}]}, True),  # numbers by value, the slow way
        ({"a": 1, "b": [True, None]}, {"b": [True, None], "a": 1}, True),  # other key order
        ({"a": "x", "b": {"c": [1, 2]}}, {"a": "x", "b": {"c": [1, 2]}}, True),
        ({"a": "x"}, {"a": "y"}, False),
    ],
)
def test_json_equal_of_whole_contents(left: Any, right: Any, equal: bool) -> None:
    assert json_equal(left, right) is equal
    assert json_equal(right, left) is equal


def test_json_equal() -> None:
    assert json_equal({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not json_equal(True, 1)
    assert not json_equal(0, False)
    assert json_equal(False, False)
    assert not json_equal([1], [1, 1])
    assert not json_equal({"a": 1}, {"a": 1, "b": 1})
    assert not json_equal("a", ["a"])
    assert json_equal(None, None)


def test_comparable() -> None:
    live = {
        "graph_id": "agent",
        "name": "n",
        "description": None,
        "context": None,
        "config": {"tags": ["t"], "configurable": {"x": 1}},
        "metadata": {"a": 1, "b": None},
    }
    assert comparable(live) == {
        "graph_id": "agent",
        "name": "n",
        "description": "",
        "context": {},
        "config": {"tags": ["t"]},
        "metadata": {"a": 1},
    }


def test_config_from_empty_to_two_keys_is_two_leaf_paths() -> None:
    after = content(config={"tags": ["support"], "recursion_limit": 25})
    assert differing_paths(content(), after) == [
        (("config", "recursion_limit"), None, 25),
        (("config", "tags"), None, ["support"]),
    ]


def test_lists_are_compared_whole() -> None:
    before = content(config={"tags": ["a", "b"]}, context={"tools": [{"name": "x", "n": 1}]})
    after = content(config={"tags": ["a", "c", "d"]}, context={"tools": [{"name": "x", "n": 2}]})
    assert differing_paths(before, after) == [
        (("config", "tags"), ["a", "b"], ["a", "c", "d"]),
        (("context", "tools"), [{"name": "x", "n": 1}], [{"name": "x", "n": 2}]),
    ]


def test_differing_paths_are_leaves_sorted_with_before_and_after() -> None:
    before = content(context={"model_name": "openai", "nested": {"a": 1, "b": 2}}, metadata={"team": "a"})
    after = content(
        name="Support v2",
        description="new",
        context={"model_name": "anthropic", "nested": {"a": 1, "b": 3, "c": 4}},
        metadata={"team": "a", "gone": None, "new": {"deep": True}},
    )
    assert differing_paths(before, after) == [
        (("context", "model_name"), "openai", "anthropic"),
        (("context", "nested", "b"), 2, 3),
        (("context", "nested", "c"), None, 4),
        (("description",), "", "new"),
        (("metadata", "new", "deep"), None, True),
        (("name",), "Support", "Support v2"),
    ]


def test_removed_mapping_is_named_by_its_leaves() -> None:
    before = content(context={"nested": {"a": 1, "b": 2}})
    assert differing_paths(before, content(context={})) == [
        (("context", "nested", "a"), 1, None),
        (("context", "nested", "b"), 2, None),
    ]


def test_type_change_stops_at_the_changed_value() -> None:
    before = content(context={"x": {"a": 1}})
    assert differing_paths(before, content(context={"x": 5})) == [(("context", "x"), {"a": 1}, 5)]


def test_int_float_is_not_reported_next_to_a_real_change() -> None:
    before = content(name="a", context={"temperature": 1})
    after = content(name="b", context={"temperature": 1.0})
    assert differing_paths(before, after) == [(("name",), "a", "b")]


def test_added_paths_are_the_non_empty_leaves() -> None:
    after = content(description=None, config={"tags": [], "recursion_limit": 0}, context={"a": {"b": False}})
    assert added_paths(after) == [
        (("config", "recursion_limit"), None, 0),
        (("context", "a", "b"), None, False),
        (("graph_id",), None, "agent"),
        (("metadata", "team"), None, "support"),
        (("name",), None, "Support"),
    ]


def test_bool_to_int_is_a_differing_path() -> None:
    before, after = content(context={"flag": True}), content(context={"flag": 1})
    assert not same_content(before, after)
    assert differing_paths(before, after) == [(("context", "flag"), True, 1)]


def test_true_and_1_in_a_list_differ() -> None:
    """Python (and so a diff library built on ``==``) equates True with 1 inside a list; JSON does not."""
    before, after = content(config={"tags": [True]}), content(config={"tags": [1]})
    assert differing_paths(before, after) == [(("config", "tags"), [True], [1])]
    assert differing_paths(content(metadata={"m": {"x": [0, "a"]}}), content(metadata={"m": {"x": [False, "a"]}})) == [
        (("metadata", "m", "x"), [0, "a"], [False, "a"])
    ]


def test_1_and_1_0_in_a_list_are_the_same() -> None:
    before = content(config={"tags": [1, {"n": 2}]}, context={"weights": [0.5, 1]})
    after = content(config={"tags": [1.0, {"n": 2.0}]}, context={"weights": [0.5, 1.0]})
    assert differing_paths(before, after) == []
    assert differing_paths(before, {**after, "name": "other"}) == [(("name",), "Support", "other")]
