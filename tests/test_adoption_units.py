"""The pieces of adoption that need no server: project discovery, the CLI's face (--version, help), the
environments list, the scaffolded files, the workflow templates and the apply report in markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from reconciler import __version__
from reconciler.adoption import scaffold
from reconciler.adoption.templates import WORKFLOWS, WorkflowOptions, render_workflows
from reconciler.applying.report import ApplyReport, Outcome
from reconciler.cli import app
from reconciler.errors import Problem
from reconciler.render.problems import render_github
from reconciler.settings import ProjectSettings, find_root
from reconciler.validation.schema import GraphSchema
from tests.helpers import REPO_ROOT, write_tree

runner = CliRunner()


def test_find_root_walks_up_like_git_and_stays_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"reconciler.yaml": "owner: x\n", "a/b/keep": ""})
    monkeypatch.chdir(tmp_path / "a/b")
    assert find_root(Path(".")) == Path("../..")
    monkeypatch.chdir(tmp_path)
    assert find_root(Path(".")) == Path(".")


def test_find_root_without_a_project_is_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x").mkdir()
    monkeypatch.chdir(tmp_path / "x")
    assert find_root(Path(".")) == Path(".")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"reconciler (langgraph-reconciler) {__version__}\n")


@pytest.mark.parametrize(
    "command", [[], ["init"], ["validate"], ["environments"], ["plan"], ["apply"], ["import"], ["dry-run"],
                ["schemas", "pull"]]
)
def test_help_shows_no_python_types(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for python_type in ("<bool>", "<str>", "<path>", "<list[", "TEXT", "BOOLEAN", "PATH"):
        assert python_type not in result.stdout


def test_environments_in_file_order_or_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"reconciler.yaml": "environments:\n  prod: {}\n  dev: {url: http://dev}\n"})
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["environments", "--format", "json"]).stdout == '["prod", "dev"]\n'
    assert runner.invoke(app, ["environments", "--format", "json", "dev"]).stdout == '["dev"]\n'
    unknown = runner.invoke(app, ["environments", "--format", "json", "staging"])
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert "unknown environment(s) 'staging' (environments in reconciler.yaml: prod, dev)" in unknown.stderr


def test_environments_without_settings_is_an_empty_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["environments", "--format", "json"]).stdout == "[]\n"


SUPPORT = GraphSchema(
    "support",
    {
        "properties": {
            "tone": {"enum": ["friendly", "formal"], "type": "string", "description": "How replies sound."},
            "greeting": {"default": "Hello", "type": "string"},
            "nickname": {"type": "string"},
            "max_replies": {"default": 3, "type": "integer"},
        },
        "required": ["tone"],
        "type": "object",
    },
    None,
)


def test_example_assistant_carries_defaults_and_placeholders_for_required_keys() -> None:
    text = scaffold.example_assistant_text(SUPPORT)
    assert yaml.safe_load(text) == {
        "id": "support",
        "graph_id": "support",
        "name": "support",
        "description": "The support graph, configured in git",
        "context": {"tone": "friendly", "greeting": "Hello", "max_replies": 3},
    }
    assert '  tone: "friendly"  # required: set a real value\n' in text


def test_example_of_a_graph_without_context_keys_has_no_context() -> None:
    assert "context" not in yaml.safe_load(scaffold.example_assistant_text(GraphSchema("Plain Graph!", None, {})))
    assert scaffold.assistant_id_for("Plain Graph!") == "plain-graph"


def test_settings_text_is_valid_settings() -> None:
    data = yaml.safe_load(scaffold.settings_text(scaffold.owner_for("My App (v2)")))
    settings = ProjectSettings.model_validate(data)
    assert (settings.owner, list(settings.environments)) == ("My-App-v2", ["prod"])


def test_this_repositorys_workflows_are_the_templates() -> None:
    rendered = render_workflows(WorkflowOptions(pip_spec="."))
    for name in WORKFLOWS:
        committed = (REPO_ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
        assert committed == rendered[name], f".github/workflows/{name} differs from its template: run make workflows"


def test_templates_install_the_spec_and_watch_a_subfolder() -> None:
    rendered = render_workflows(WorkflowOptions(pip_spec="git+https://x.invalid/r@abc'd", workdir="services/bot"))
    plan = yaml.safe_load(rendered["plan.yml"])
    assert plan["env"]["RECONCILER_PIP_SPEC"] == "${{ vars.RECONCILER_PIP_SPEC || 'git+https://x.invalid/r@abc''d' }}"
    assert plan["defaults"]["run"]["working-directory"] == "services/bot"
    assert plan[True]["pull_request"]["paths"] == [  # yaml reads the key `on` as True
        "services/bot/assistants.d/**", "services/bot/schemas/**", "services/bot/environments/**",
        "services/bot/reconciler.yaml",
    ]


def test_github_annotations_escape_what_the_runner_unescapes() -> None:
    problem = Problem("a,b:c.yaml", 3, 4, "bot", "context.x", "50% off\nnext line")
    assert render_github([problem], workspace=None) == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=reconciler validate::bot: context.x: 50%25 off%0Anext line\n"
    )


def test_apply_report_in_markdown() -> None:
    report = ApplyReport(
        server="http://s",
        outcomes=(
            Outcome(action="create", id="a", assistant_id="1", status="applied", version=1),
            Outcome(action="update", id="b", assistant_id="2", status="failed", message="x | y"),
            Outcome(action="delete", id="c", assistant_id="3", status="not_attempted"),
        ),
    )
    assert report.render_markdown() == (
        "### ❌ Apply stopped: 1 applied, 1 failed, 1 not attempted. Run `reconciler plan` to see the remainder; "
        "`reconciler apply` finishes it.\n\nServer: `http://s`\n\n"
        "| | action | assistant | result |\n| --- | --- | --- | --- |\n"
        "| ✓ | create | `a` | created (version 1) |\n"
        "| ✗ | update | `b` | FAILED: x \\| y |\n"
        "| · | delete | `c` | not attempted |\n"
    )
    assert json.loads(report.render_json())["ok"] is False
