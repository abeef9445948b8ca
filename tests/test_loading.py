"""loading: assistants.d/*.yaml -> DesiredState, or every format Problem with its exact message."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reconciler.commands.base import load_and_check
from reconciler.desired.loading import LoadResult, load_desired_state
from reconciler.desired.spec import default_assistant_id
from reconciler.errors import InvalidSpecError
from reconciler.settings import Settings
from tests.helpers import REPO_ROOT, write_tree

FIXTURE_SCHEMAS = REPO_ROOT / "tests" / "fixtures" / "schemas"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so that problems name ``assistants.d/...`` relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _load(root: Path, files: dict[str, str]) -> LoadResult:
    write_tree(root / "assistants.d", files)
    return load_desired_state(Path("assistants.d"))


def _problems(root: Path, files: dict[str, str]) -> list[str]:
    return [str(problem) for problem in sorted(_load(root, files).problems)]


def _one_file(root: Path, text: str) -> list[str]:
    return _problems(root, {"x.yaml": text})


def test_valid_files_give_specs_and_sources(workdir: Path) -> None:
    result = _load(
        workdir,
        {
            "support.yaml": "id: support-bot\ngraph_id: agent\ncontext:\n  model_name: openai\n",
            "team/sales.yml": "id: sales\ngraph_id: agent\n---\nid: sales.eu\ngraph_id: agent\nname: Sales EU\n",
            "notes.txt": "not: [yaml",
        },
    )
    assert result.problems == []
    assert [spec.id for spec in result.desired.specs] == ["support-bot", "sales", "sales.eu"]
    assert {spec_id: source.file for spec_id, source in result.desired.sources.items()} == {
        "support-bot": "assistants.d/support.yaml",
        "sales": "assistants.d/team/sales.yml",
        "sales.eu": "assistants.d/team/sales.yml",
    }
    assert result.desired.sources["sales.eu"].where(("name",)) == ("assistants.d/team/sales.yml", 6, 7)


def test_misspelled_top_level_key(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\ndescriptoin: Helps\n") == [
        "assistants.d/x.yaml:3:1: bot: descriptoin: unknown key (did you mean 'description'?)"
    ]


def test_unknown_top_level_key_lists_the_allowed_ones(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\nfoo: 1\n") == [
        "assistants.d/x.yaml:3:1: bot: foo: unknown key; allowed: id, graph_id, name, description, "
        "assistant_id, context, config, metadata, pin, smoke"
    ]


def test_misspelled_config_key(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\nconfig:\n  recursion_limt: 5\n") == [
        "assistants.d/x.yaml:4:3: bot: config.recursion_limt: unknown key (did you mean 'recursion_limit'?)"
    ]


def test_duplicate_key(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\nname: One\nname: Two\n") == [
        "assistants.d/x.yaml:4:1: bot: name: duplicate key (first defined at line 3)"
    ]


def test_duplicate_key_drops_the_spec(workdir: Path) -> None:
    result = _load(workdir, {"x.yaml": "id: bot\ngraph_id: agent\nname: One\nname: Two\n"})
    assert result.desired.specs == ()


def test_wrong_type(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\nname: 3\n") == [
        "assistants.d/x.yaml:3:7: bot: name: expected a string, got number 3"
    ]


def test_wrong_types_everywhere(workdir: Path) -> None:
    text = "id: bot\ngraph_id: 5\ncontext: [1]\nconfig:\n  tags: [a, 1]\n  recursion_limit: 0\npin: 0\n"
    assert _one_file(workdir, text) == [
        "assistants.d/x.yaml:2:11: bot: graph_id: expected a string, got number 5",
        "assistants.d/x.yaml:3:10: bot: context: expected a mapping, got a list",
        "assistants.d/x.yaml:5:13: bot: config.tags[1]: expected a string, got number 1",
        "assistants.d/x.yaml:6:20: bot: config.recursion_limit: must be >= 1, got number 0",
        "assistants.d/x.yaml:7:6: bot: pin: must be >= 1, got number 0",
    ]


def test_boolean_is_not_an_integer(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\npin: true\n") == [
        "assistants.d/x.yaml:3:6: bot: pin: expected a version number or {commit: <git commit id or prefix>}, "
        "got boolean true"
    ]


def test_a_commit_id_of_digits_only_is_read_by_yaml_as_a_number_and_must_be_quoted(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\npin: {commit: 1234567}\n") == [
        'assistants.d/x.yaml:3:6: bot: pin: a commit id that YAML reads as a number must be quoted: {commit: "<id>"}'
    ]


def test_empty_graph_id(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: ''\n") == [
        "assistants.d/x.yaml:2:11: bot: graph_id: must not be empty"
    ]


def test_empty_name_is_refused_since_the_server_would_store_untitled(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\nname: ''\n") == [
        "assistants.d/x.yaml:3:7: bot: name: must not be empty"
    ]


def test_required_keys_missing(workdir: Path) -> None:
    assert _one_file(workdir, "name: Nameless\n") == [
        "assistants.d/x.yaml:1:1: graph_id: required key is missing",
        "assistants.d/x.yaml:1:1: id: required key is missing",
    ]


def test_bad_id(workdir: Path) -> None:
    assert _one_file(workdir, "id: Support_Bot\ngraph_id: agent\n") == [
        "assistants.d/x.yaml:1:5: Support_Bot: id: 'Support_Bot' is not a valid id: use 1-100 characters of "
        "a-z, 0-9, '.', '_', '-', starting with a letter or digit"
    ]


def test_bad_assistant_id(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\nassistant_id: not-a-uuid\n") == [
        "assistants.d/x.yaml:3:15: bot: assistant_id: 'not-a-uuid' is not a UUID"
    ]


def test_assistant_id_is_normalised(workdir: Path) -> None:
    result = _load(workdir, {"x.yaml": "id: bot\ngraph_id: agent\nassistant_id: 6F1C00000000400080000000000000AB\n"})
    assert result.problems == []
    assert result.desired.specs[0].resolved_assistant_id == "6f1c0000-0000-4000-8000-0000000000ab"


def test_config_configurable(workdir: Path) -> None:
    text = "id: bot\ngraph_id: agent\nconfig:\n  recursion_limit: 5\n  configurable:\n    model_name: openai\n"
    assert _one_file(workdir, text) == [
        "assistants.d/x.yaml:5:3: bot: config.configurable: not allowed: put these values under `context` "
        "(the server mirrors context into config.configurable)"
    ]


def test_reserved_metadata_key(workdir: Path) -> None:
    text = "id: bot\ngraph_id: agent\nmetadata:\n  team: support\n  reconciler/owner: me\n"
    assert _one_file(workdir, text) == [
        "assistants.d/x.yaml:5:3: bot: metadata.reconciler/owner: keys starting with 'reconciler/' are "
        "reserved for ownership; remove it"
    ]


def test_non_mapping_document(workdir: Path) -> None:
    assert _one_file(workdir, "- id: bot\n  graph_id: agent\n") == [
        "assistants.d/x.yaml:1:1: a document must be a mapping of assistant fields, got a list"
    ]


def test_scalar_document(workdir: Path) -> None:
    assert _one_file(workdir, "hello\n") == [
        "assistants.d/x.yaml:1:1: a document must be a mapping of assistant fields, got string 'hello'"
    ]


def test_several_documents_load_every_valid_one(workdir: Path) -> None:
    result = _load(
        workdir,
        {"x.yaml": "id: a\ngraph_id: agent\n---\n- broken\n---\nid: b\ngraph_id: agent\nnam: typo\n---\n"
         "id: c\ngraph_id: agent\n"},
    )
    assert [spec.id for spec in result.desired.specs] == ["a", "c"]
    assert [str(problem) for problem in sorted(result.problems)] == [
        "assistants.d/x.yaml:4:1: a document must be a mapping of assistant fields, got a list",
        "assistants.d/x.yaml:8:1: b: nam: unknown key (did you mean 'name'?)",
    ]


def test_trailing_document_separator(workdir: Path) -> None:
    result = _load(workdir, {"x.yaml": "id: a\ngraph_id: agent\n---\n"})
    assert result.problems == []
    assert [spec.id for spec in result.desired.specs] == ["a"]


def test_empty_file(workdir: Path) -> None:
    assert _one_file(workdir, "") == [
        "assistants.d/x.yaml:1:1: file is empty: expected one or more assistant documents"
    ]


def test_duplicate_id_in_two_files_names_both_places(workdir: Path) -> None:
    problems = _problems(
        workdir,
        {"a.yaml": "id: bot\ngraph_id: agent\n", "sub/b.yml": "name: Other\nid: bot\ngraph_id: agent\n"},
    )
    assert problems == [
        "assistants.d/sub/b.yml:2:5: bot: id: duplicate id 'bot'; also defined at assistants.d/a.yaml:1:5"
    ]


def test_duplicate_id_in_one_file(workdir: Path) -> None:
    assert _one_file(workdir, "id: bot\ngraph_id: agent\n---\nid: bot\ngraph_id: agent\n") == [
        "assistants.d/x.yaml:4:5: bot: id: duplicate id 'bot'; also defined at assistants.d/x.yaml:1:5"
    ]


def test_duplicate_assistant_id_after_normalisation(workdir: Path) -> None:
    problems = _problems(
        workdir,
        {
            "a.yaml": "id: a\ngraph_id: agent\nassistant_id: 6F1C0000-0000-4000-8000-000000000001\n",
            "b.yaml": "id: b\ngraph_id: agent\nassistant_id: 6f1c0000000040008000000000000001\n",
        },
    )
    assert problems == [
        "assistants.d/b.yaml:3:15: b: assistant_id: duplicate assistant_id '6f1c0000-0000-4000-8000-000000000001'; "
        "also defined at assistants.d/a.yaml:3:15"
    ]


def test_explicit_assistant_id_equal_to_another_default(workdir: Path) -> None:
    taken = default_assistant_id("a")
    problems = _problems(
        workdir,
        {"a.yaml": "id: a\ngraph_id: agent\n", "b.yaml": f"id: b\ngraph_id: agent\nassistant_id: {taken}\n"},
    )
    assert problems == [
        f"assistants.d/b.yaml:3:15: b: assistant_id: duplicate assistant_id '{taken}'; "
        "the default assistant_id of id 'a' at assistants.d/a.yaml:1:5"
    ]


def test_missing_directory(workdir: Path) -> None:
    result = load_desired_state(Path("assistants.d"))
    assert [str(problem) for problem in result.problems] == ["assistants.d:1:1: directory not found"]


def test_every_problem_in_every_file_is_reported_sorted(workdir: Path) -> None:
    shutil.copytree(FIXTURE_SCHEMAS, workdir / "schemas")
    write_tree(
        workdir / "assistants.d",
        {
            "c.yaml": "id: c\ngraph_id: agent\ncontext:\n  temperature: 3.5\n  sytem_prompt: hi\n",
            "a.yaml": "id: a\ngraph_id: agent\nnmae: A\nname: [x]\n",
            "b.yaml": "id: b\ngraph_id: nope\n---\nid: a\ngraph_id: agent\n",
            "d.yaml": "id: d\ngraph_id: [agent\n",
            "ok.yaml": "id: ok\ngraph_id: agent\n",
        },
    )
    with pytest.raises(InvalidSpecError) as caught:
        load_and_check(Settings(), Path("assistants.d"), Path("schemas"))
    assert str(caught.value) == "invalid desired state: 7 problem(s)"
    assert caught.value.report().splitlines() == [
        "assistants.d/a.yaml:3:1: a: nmae: unknown key (did you mean 'name'?)",
        "assistants.d/a.yaml:4:7: a: name: expected a string, got a list",
        "assistants.d/b.yaml:2:11: b: graph_id: no schema for graph 'nope' (schemas/graphs/nope.json not found); "
        "run `reconciler schemas pull --graph nope`",
        "assistants.d/b.yaml:4:5: a: id: duplicate id 'a'; also defined at assistants.d/a.yaml:1:5",
        "assistants.d/c.yaml:4:16: c: context.temperature: 3.5 is greater than the maximum of 2",
        "assistants.d/c.yaml:5:3: c: context.sytem_prompt: unknown context key: graph 'agent' has no context key "
        "'sytem_prompt'; the server would drop it silently (did you mean 'system_prompt'?)",
        "assistants.d/d.yaml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)",
    ]


def test_load_and_check_returns_specs_and_their_schemas(workdir: Path) -> None:
    shutil.copytree(FIXTURE_SCHEMAS, workdir / "schemas")
    write_tree(workdir / "assistants.d", {"a.yaml": "id: a\ngraph_id: agent\n---\nid: b\ngraph_id: legacy\n"})
    checked = load_and_check(Settings(), Path("assistants.d"), Path("schemas"))
    assert [spec.id for spec in checked.desired.specs] == ["a", "b"]
    assert sorted(checked.schemas) == ["agent", "legacy"]


def test_messages_quote_only_a_short_prefix_of_a_huge_value(workdir: Path) -> None:
    shutil.copytree(FIXTURE_SCHEMAS, workdir / "schemas")
    huge = "x" * 300_000
    write_tree(
        workdir / "assistants.d",
        {
            "a.yaml": f"id: a\ngraph_id: agent\nname: [1]\ncontext:\n  model_name: {huge}\n  temperature: {huge}\n"
            f"  ? {huge}\n  : 1\n",
            "b.yaml": f"id: {huge}\ngraph_id: agent\nassistant_id: {huge}\n",
            "c.yaml": f"{huge}\n",
            "d.yaml": f"id: a\ngraph_id: agent\nmetadata:\n  ? {huge}\n  : [1]\n---\nid: {huge}\ngraph_id: agent\n"
            f"---\nid: {huge}\ngraph_id: agent\n",
        },
    )
    with pytest.raises(InvalidSpecError) as caught:
        load_and_check(Settings(), Path("assistants.d"), Path("schemas"))
    lines = caught.value.report().splitlines()
    assert all(len(line) < 500 for line in lines), [line[:500] for line in lines if len(line) >= 500]
    assert len(lines) == 12, lines
    assert "context.model_name: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'…(300000 characters) " \
        "is not one of ['anthropic', 'openai']" in caught.value.report()


def test_keys_the_server_strips_silently_are_refused(workdir: Path) -> None:
    text = (
        "id: bot\ngraph_id: agent\n"
        "metadata:\n  team: a\n  thread_id: t\n  counters_since_delta_snapshot: 1\n  nested: {run_id: r}\n"
        "config:\n  metadata:\n    cron_id: c\n"
        "context:\n  langgraph_auth_user: u\n  __langsmith_project__: p\n  thread_id: t\n"
    )
    metadata = "the server strips this metadata key silently (it is reserved for its own use); remove or rename it"
    context = "the server strips this context key silently (it is reserved for its own use); remove or rename it"
    assert _one_file(workdir, text) == [
        f"assistants.d/x.yaml:5:3: bot: metadata.thread_id: {metadata}",
        f"assistants.d/x.yaml:6:3: bot: metadata.counters_since_delta_snapshot: {metadata}",
        f"assistants.d/x.yaml:10:5: bot: config.metadata.cron_id: {metadata}",
        f"assistants.d/x.yaml:12:3: bot: context.langgraph_auth_user: {context}",
        f"assistants.d/x.yaml:13:3: bot: context.__langsmith_project__: {context}",
    ]


def test_every_entry_named_like_an_assistant_file_is_read_or_reported(workdir: Path) -> None:
    folder = write_tree(workdir / "assistants.d", {"ok.yaml": "id: ok\ngraph_id: agent\n"})
    shared = {"linked.yaml": "id: linked\ngraph_id: agent\n", "team/t.yml": "id: t\ngraph_id: a\n"}
    write_tree(workdir / "shared", shared)
    (folder / "broken.yaml").symlink_to("nowhere.yaml")
    (folder / "loop.yaml").symlink_to("loop.yaml")
    (folder / "linked.yaml").symlink_to(workdir / "shared" / "linked.yaml")
    (folder / "team").symlink_to(workdir / "shared" / "team", target_is_directory=True)
    (folder / "folder.yaml").mkdir()
    (folder / "loops").mkdir()
    (folder / "loops" / "back").symlink_to("..", target_is_directory=True)
    os.mkfifo(folder / "pipe.yml")
    result = load_desired_state(Path("assistants.d"))
    assert [str(problem) for problem in sorted(result.problems)] == [
        "assistants.d/broken.yaml:1:1: broken symlink: points to 'nowhere.yaml', which does not exist",
        "assistants.d/folder.yaml:1:1: a folder named like an assistant file; rename it",
        "assistants.d/loop.yaml:1:1: symlink loop: the link cannot be resolved",
        "assistants.d/loops/back:1:1: symlink loop: this folder is inside itself (assistants.d); remove the link",
        "assistants.d/pipe.yml:1:1: not a regular file (a FIFO); an assistant file must be a file",
    ]
    assert [spec.id for spec in result.desired.specs] == ["linked", "ok", "t"]
    assert result.desired.sources["linked"].file == "assistants.d/linked.yaml"
    assert result.desired.sources["t"].file == "assistants.d/team/t.yml"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_folder_are_reported(workdir: Path) -> None:
    folder = write_tree(workdir / "assistants.d", {"secret.yaml": "id: s\ngraph_id: a\n", "sub/x.yaml": "id: x\n"})
    (folder / "secret.yaml").chmod(0)
    (folder / "sub").chmod(0)
    try:
        problems = _problems(workdir, {})
    finally:
        (folder / "sub").chmod(0o755)
    assert problems == [
        "assistants.d/secret.yaml:1:1: cannot read the file: Permission denied",
        "assistants.d/sub:1:1: cannot list the folder: Permission denied",
    ]


def test_an_overlay_that_removes_a_required_key_is_reported_at_the_overlay(workdir: Path) -> None:
    write_tree(
        workdir,
        {
            "assistants.d/bot.yaml": "id: bot\ngraph_id: agent\nname: Bot\n",
            "environments/prod/bot.yaml": "# prod\nid: bot\nname: null\ngraph_id: null\n",
        },
    )
    result = load_desired_state(Path("assistants.d"), Path("environments/prod"))
    assert [str(problem) for problem in result.problems] == [
        "environments/prod/bot.yaml:4:1: bot: graph_id: required key is missing (the overlay removes it)"
    ]
