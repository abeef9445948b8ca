from __future__ import annotations

import re

from reconciler.render import markdown
from tests.render.factories import (
    change,
    make_create,
    make_delete,
    make_plan,
    make_set_latest,
    make_update,
    sample_plan,
)
from tests.render.golden import assert_golden

GITHUB_COMMENT_LIMIT = 65_535


def test_plan_renders_as_golden() -> None:
    assert_golden("plan.md", markdown.render(sample_plan()))


def test_no_changes_is_one_bold_line_plus_warnings() -> None:
    plan = make_plan(unchanged=("a", "b", "c"), warnings=("graph <x> has no schema",))
    assert markdown.render(plan) == (
        "**No changes.** 3 assistant(s) match the server.\n\n"
        "**Warnings**\n\n"
        "- graph &#60;x&#62; has no schema\n"
    )


def test_summary_table_counts_every_kind() -> None:
    lines = markdown.render(sample_plan()).splitlines()
    start = lines.index("| create | update | set_latest | delete | unchanged |")
    assert lines[start + 1 : start + 3] == ["| ---: | ---: | ---: | ---: | ---: |", "| 1 | 2 | 2 | 1 | 4 |"]


def test_caution_banner_only_when_something_is_deleted() -> None:
    without = markdown.render(make_plan(make_create(), make_update()))
    with_deletes = markdown.render(make_plan(make_create(), make_delete("a-bot"), make_delete("b-bot")))
    assert "[!CAUTION]" not in without
    assert (
        "> [!CAUTION]\n> This plan deletes 2 assistant(s): <code>a-bot</code>, <code>b-bot</code>\n"
        in with_deletes
    )


def test_banner_lists_at_most_twenty_names() -> None:
    plan = make_plan(*(make_delete(f"bot-{n:02}") for n in range(25)))
    banner = markdown.render(plan).splitlines()[3]
    assert banner.startswith("> This plan deletes 25 assistant(s): <code>bot-00</code>, ")
    assert banner.endswith("<code>bot-19</code> and 5 more")


def test_one_details_block_per_action_with_its_summary_deletes_first() -> None:
    rendered = markdown.render(sample_plan())
    summaries = re.findall(r"<details>\n<summary>(.*)</summary>", rendered)
    assert rendered.count("</details>") == 6
    assert summaries == [
        "- delete <code>old-bot</code> (agent)",
        "+ create <code>support-bot</code> (agent, smoke-tested)",
        "~ update <code>triage</code> (agent, smoke-tested)",
        "~ update <code>legacy-bot</code> (legacy, adopt)",
        "↺ set_latest <code>pinned</code> → version 3 (agent, pin)",
        "↺ set_latest <code>router</code> → version 1 (agent, rollback)",
    ]


def test_html_and_markdown_in_names_and_warnings_are_neutralised() -> None:
    plan = make_plan(make_delete("<img src=x>&`*_|"), warnings=("see [link](javascript:x) <b>",))
    rendered = markdown.render(plan)
    assert "<img" not in rendered and "<b>" not in rendered
    assert (
        "<summary>- delete <code>&#60;img src=x&#62;&#38;&#96;&#42;&#95;&#124;</code> (agent)</summary>"
        in rendered
    )
    assert "- see &#91;link&#93;(javascript:x) &#60;b&#62;\n" in rendered


def test_fence_is_longer_than_any_backtick_run_in_the_values() -> None:
    prompt = "Use ``` to open a block.\nOr `````.\n"
    rendered = markdown.render(
        make_plan(make_create(changes=(change("context.system_prompt", None, prompt),)))
    )
    assert (
        "\n``````diff\n+ context.system_prompt:\n+   Use ``` to open a block.\n+   Or `````.\n``````\n"
        in rendered
    )


def test_a_huge_single_line_value_is_clipped() -> None:
    huge = "x" * 200_000
    rendered = markdown.render(make_plan(make_update(changes=(change("description", "short", huge),))))
    line = next(line for line in rendered.splitlines() if line.startswith("~ description:"))
    assert line == f'~ description: "short" → "{"x" * 1_999}… (200,002 characters, truncated)'
    assert len(rendered) < 3_000


def test_a_huge_prompt_shows_its_first_lines_and_says_how_many_are_not_shown() -> None:
    prompt = "".join(f"Rule {n}: answer politely and cite the policy section.\n" for n in range(4_000))
    rendered = markdown.render(
        make_plan(make_create(changes=(change("context.system_prompt", None, prompt),)))
    )
    lines = rendered.splitlines()
    assert (
        lines[lines.index("+ context.system_prompt:") + 1]
        == "+   Rule 0: answer politely and cite the policy section."
    )
    assert "    … 3,962 more lines not shown" in lines
    assert len(rendered) < 3_000


def test_many_changes_in_one_action_are_capped() -> None:
    changes = tuple(change(f"metadata.k{n:04}", None, "v" * 100) for n in range(500))
    rendered = markdown.render(make_plan(make_update(changes=changes)))
    assert "  … 400 more changes not shown" in rendered.splitlines()
    assert len(rendered) < markdown.ACTION_CHARS + 1_000


def test_a_plan_too_big_for_one_comment_is_truncated_with_a_pointer_to_the_full_plan() -> None:
    prompt = "".join(
        f"Line {n} of a very long system prompt, padded to about sixty chars.\n" for n in range(3_000)
    )
    assert len(prompt) > 200_000
    prompt_change = change("context.system_prompt", None, prompt)
    creates = [make_create(f"bot-{n:04}", changes=(prompt_change,)) for n in range(1_000)]
    deletes = [make_delete(f"old-{n:04}") for n in range(1_000)]
    rendered = markdown.render(make_plan(*creates, *deletes, warnings=("w",)))
    shown = rendered.count("<details>")
    assert len(rendered) <= markdown.MAX_COMMENT_CHARS < GITHUB_COMMENT_LIMIT
    assert 0 < shown < 2_000 and rendered.count("</details>") == shown
    assert rendered.endswith(
        f"**{2_000 - shown:,} of 2,000 actions not shown** (GitHub's comment size limit). "
        "The full plan is in the plan artifact and in the output of `reconciler plan`.\n"
    )
    assert "> This plan deletes 1000 assistant(s): " in rendered
    assert "| 1,000 | 0 | 0 | 1,000 | 0 |" in rendered


def test_a_plan_that_fits_has_no_truncation_note() -> None:
    rendered = markdown.render(make_plan(*(make_set_latest(f"r-{n}") for n in range(50))))
    assert rendered.count("<details>") == 50
    assert "not shown" not in rendered
