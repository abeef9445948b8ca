from __future__ import annotations

import re

from reconciler.render import text
from reconciler.render.changes import view_change
from tests.render.factories import (
    change,
    make_create,
    make_delete,
    make_plan,
    make_update,
    sample_plan,
)
from tests.render.golden import assert_golden


def test_plan_renders_as_golden() -> None:
    assert_golden("plan.txt", text.render(sample_plan()))


def test_colored_plan_renders_as_golden() -> None:
    assert_golden("plan_color.txt", text.render(sample_plan(), color=True))


def test_color_only_adds_sgr_codes_and_plain_has_none() -> None:
    plain = text.render(sample_plan())
    colored = text.render(sample_plan(), color=True)
    assert "\x1b" not in plain
    assert re.sub(r"\x1b\[(?:32|33|36|31|0)m", "", colored) == plain
    assert colored.count("\x1b[0m") == 34


def test_no_changes_renders_as_golden() -> None:
    plan = make_plan(unchanged=("billing", "faq"), warnings=("graph 'legacy' has no context schema",))
    assert_golden("no_changes.txt", text.render(plan))


def test_no_changes_without_warnings_is_one_line() -> None:
    assert text.render(make_plan(unchanged=("faq",))) == "No changes. 1 assistant(s) match the server.\n"


def test_control_characters_in_values_and_names_are_escaped() -> None:
    plan = make_plan(
        make_update(changes=(change("name", "ok", "\x1b[31mred\x1b[0m\u202e"),)),
        make_delete("evil\x1b]0;title\x07", name="two\nlines"),
    )
    rendered = text.render(plan)
    assert "\x1b" not in rendered and "\u202e" not in rendered and "\x07" not in rendered
    assert '      ~ name: "ok" → "\\u001b[31mred\\u001b[0m\\u202e"\n' in rendered
    assert "  - delete evil\\u001b]0;title\\u0007  (graph agent" in rendered
    assert '      - name: "two\\nlines"\n' in rendered


def test_multiline_prompt_lines_with_escape_codes_are_escaped() -> None:
    plan = make_plan(make_create(changes=(change("context.system_prompt", None, "a\x1b[2J\nb\rc\n"),)))
    lines = text.render(plan).splitlines()
    assert lines[3:6] == ["      + context.system_prompt:", "          a\\u001b[2J", "          b"]
    assert lines[6] == "          c"


def test_delete_without_name_or_version() -> None:
    delete = make_delete("gone", name=None).model_copy(
        update={"expected": make_delete().expected.model_copy(update={"version": None})}
    )
    rendered = text.render(make_plan(delete))
    assert rendered.splitlines()[4] == (
        f"  - delete gone  (graph agent, assistant {delete.assistant_id}, unknown version)"
    )
    assert rendered.splitlines()[5] == ""


def test_deletes_are_announced_before_any_action() -> None:
    deletes = [make_delete(f"bot-{n:02d}") for n in range(22)]
    lines = text.render(make_plan(make_create("new"), *deletes)).splitlines()
    names = ", ".join(f"bot-{n:02d}" for n in range(20))
    assert lines[:4] == [
        "Plan for http://127.0.0.1:2124 (owner: default)",
        "",
        f"!! This plan DELETES 22 assistant(s): {names} and 2 more",
        "",
    ]
    assert "!!" not in text.render(make_plan(make_create("new")))


def test_a_long_unchanged_run_is_collapsed_with_context() -> None:
    old = "".join(f"line {n}\n" for n in range(1, 21))
    new = old.replace("line 2\n", "line two\n").replace("line 19\n", "line nineteen\n")
    view = view_change(change("context.system_prompt", old, new))
    assert view.body == (
        (" ", "line 1"),
        ("-", "line 2"),
        ("+", "line two"),
        (" ", "line 3"),
        (" ", "line 4"),
        (" ", "line 5"),
        ("", "… 10 unchanged lines"),
        (" ", "line 16"),
        (" ", "line 17"),
        (" ", "line 18"),
        ("-", "line 19"),
        ("+", "line nineteen"),
        (" ", "line 20"),
    )


def test_only_a_trailing_newline_differs() -> None:
    view = view_change(change("context.system_prompt", "a\nb", "a\nb\n"))
    assert (view.mark, view.inline, view.body) == (
        "~",
        "",
        (("", "(only line endings or the trailing newline differ)"),),
    )


def test_a_value_that_becomes_multiline_is_diffed_against_its_json() -> None:
    view = view_change(change("context.notes", 3, "x\ny"))
    assert view.body == (("-", "3"), ("+", "x"), ("+", "y"))
