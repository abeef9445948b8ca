"""`reconciler validate` in-process: a summary on stdout and exit 0, or every problem on stderr and exit 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reconciler.cli import app
from tests.helpers import REPO_ROOT, write_tree

FIXTURE_SCHEMAS = REPO_ROOT / "tests" / "fixtures" / "schemas"

VALID = {
    "support.yaml": "id: support-bot\ngraph_id: agent\ncontext:\n  model_name: openai\n  temperature: 0.5\n",
    "team/keys.yaml": (
        "id: keys\ngraph_id: secure\ncontext:\n  api_key: s3cret\n  endpoint: https://example.com\n"
        "---\nid: old\ngraph_id: legacy\ncontext:\n  model: large\n---\n"
    ),
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A GitOps repo skeleton: the fixture schemas under ``schemas/``, no reconciler.yaml."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_SCHEMAS, tmp_path / "fixture-schemas")
    return tmp_path


def _validate(*args: str) -> Result:
    # typer >= 0.2x's runner (like click >= 8.2) always captures stderr apart: `stdout`, `stderr`; `output` mixes both.
    return CliRunner().invoke(app, ["validate", *args], catch_exceptions=False)


def test_valid_tree(workdir: Path) -> None:
    write_tree(workdir / "gitops/assistants", VALID)
    result = _validate("--dir", "gitops/assistants", "--schemas", "fixture-schemas")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "OK: 3 assistant(s) in 2 file(s) valid against 3 graph schema(s)\n",
        "",
    )


def test_default_directories(workdir: Path) -> None:
    write_tree(workdir / "assistants.d", {"support.yaml": VALID["support.yaml"]})
    shutil.copytree(workdir / "fixture-schemas", workdir / "schemas")
    result = _validate()
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "OK: 1 assistant(s) in 1 file(s) valid against 1 graph schema(s)\n",
        "",
    )


def test_broken_tree_reports_every_problem_on_stderr(workdir: Path) -> None:
    write_tree(
        workdir / "assistants.d",
        {
            "support.yaml": "id: support-bot\ngraph_id: agent\ncontext:\n  temperature: 3.5\n  sytem_prompt: Hi\n",
            "keys.yaml": "id: keys\ngraph_id: secure\ncontext:\n  endpoint: e\nconfig:\n  configurable: {a: 1}\n",
            "bad.yaml": "id: bad\ngraph_id: agent\nassistant_id: nope\nmetadata:\n  reconciler/id: x\n",
            "tabs.yaml": "id: tabs\ngraph_id: agent\ncontext:\n\tmodel_name: openai\n",
            "nograph.yaml": "id: nograph\ngraph_id: missing\n",
            "ok.yaml": "id: ok\ngraph_id: agent\n",
        },
    )
    result = _validate("--schemas", "fixture-schemas")
    assert (result.exit_code, result.stdout) == (1, "")
    tab_message = result.stderr.splitlines()[-1]
    assert result.stderr.splitlines() == [
        "error: invalid desired state: 8 problem(s)",
        "assistants.d/bad.yaml:3:15: bad: assistant_id: 'nope' is not a UUID",
        "assistants.d/bad.yaml:5:3: bad: metadata.reconciler/id: keys starting with 'reconciler/' are reserved "
        "for ownership; remove it",
        "assistants.d/keys.yaml:4:3: keys: context.api_key: required key is missing",
        "assistants.d/keys.yaml:6:3: keys: config.configurable: not allowed: put these values under `context` "
        "(the server mirrors context into config.configurable)",
        "assistants.d/nograph.yaml:2:11: nograph: graph_id: no schema for graph 'missing' "
        "(fixture-schemas/graphs/missing.json not found); run `reconciler schemas pull --graph missing`",
        "assistants.d/support.yaml:4:16: support-bot: context.temperature: 3.5 is greater than the maximum of 2",
        "assistants.d/support.yaml:5:3: support-bot: context.sytem_prompt: unknown context key: graph 'agent' has "
        "no context key 'sytem_prompt'; the server would drop it silently (did you mean 'system_prompt'?)",
        # the exact wording of a tab problem is pinned in test_yamlio (see its xfail)
        tab_message,
    ]
    assert tab_message.startswith("assistants.d/tabs.yaml:4:1: YAML syntax error: ")


def test_missing_directory(workdir: Path) -> None:
    result = _validate("--dir", "nowhere", "--schemas", "fixture-schemas")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "error: invalid desired state: 1 problem(s)\nnowhere:1:1: directory not found\n",
    )


def test_empty_directory_is_valid(workdir: Path) -> None:
    (workdir / "assistants.d").mkdir()
    result = _validate("--schemas", "fixture-schemas")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "OK: 0 assistant(s) in 0 file(s) valid against 0 graph schema(s)\n",
        "",
    )


BROKEN = {"support.yaml": "id: support-bot\ngraph_id: agent\ncontext:\n  temperature: hot\n"}


def test_github_format_annotates_each_problem_relative_to_the_workspace(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(workdir / "app/assistants.d", BROKEN)
    shutil.copytree(workdir / "fixture-schemas", workdir / "app/schemas")
    (workdir / "app/reconciler.yaml").write_text("owner: team\n", encoding="utf-8")
    monkeypatch.chdir(workdir / "app/assistants.d")  # found by walking up to app/reconciler.yaml
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workdir))
    result = _validate("--format", "github")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "::error file=app/assistants.d/support.yaml,line=4,col=16,title=reconciler validate::"
        "support-bot: context.temperature: string 'hot' is not of type 'number'\n"
    )


def test_json_format_lists_problems_or_counts(workdir: Path) -> None:
    write_tree(workdir / "assistants.d", BROKEN)
    shutil.copytree(workdir / "fixture-schemas", workdir / "schemas")
    broken = _validate("--format", "json")
    assert broken.exit_code == 1
    assert json.loads(broken.stdout) == {
        "ok": False,
        "problems": [
            {"file": "assistants.d/support.yaml", "line": 4, "col": 16, "assistant": "support-bot",
             "field": "context.temperature", "message": "string 'hot' is not of type 'number'"},
        ],
    }
    write_tree(workdir / "assistants.d", {"support.yaml": VALID["support.yaml"]})
    fixed = _validate("--format", "json")
    assert (fixed.exit_code, json.loads(fixed.stdout)) == (0, {"ok": True, "problems": [], "assistants": 1, "files": 1})


def test_problems_found_from_a_subfolder_are_shown_relative_to_it(workdir: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    write_tree(workdir / "assistants.d", BROKEN)
    shutil.copytree(workdir / "fixture-schemas", workdir / "schemas")
    (workdir / "reconciler.yaml").write_text("owner: team\n", encoding="utf-8")
    (workdir / "deep/er").mkdir(parents=True)
    monkeypatch.chdir(workdir / "deep/er")
    result = _validate()
    assert result.exit_code == 1
    assert "../../assistants.d/support.yaml:4:16: support-bot: context.temperature:" in result.stderr
