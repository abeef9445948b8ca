"""Hostile values on their way to a CI log: workflow commands, invisible characters, environment names and
oversized files."""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest

from reconciler.commands.base import say, warn
from reconciler.desired.yamlio import MAX_FILE_BYTES, read_documents
from reconciler.errors import Problem, SettingsError
from reconciler.render.neutralise import for_output
from reconciler.render.problems import render_github
from reconciler.settings import load_settings
from tests.helpers import RunCli

# What GitHub's runner acts on: ``::`` at a line's start after whitespace, ``##[`` anywhere; lines end at CR or LF.
RUNNER_COMMAND = re.compile(r"(?:\A|[\r\n])\s*::|##\[")

HOSTILE = "x\n::add-mask::secret\n  ::stop-commands::tok\r::error::y ##[error]z ###[warning]w \u202egnp.exe\u200b"


def test_no_workflow_command_survives() -> None:
    shown = for_output(HOSTILE)
    assert not RUNNER_COMMAND.search(shown)
    assert shown == (
        "x\n:\\u003aadd-mask::secret\n  :\\u003astop-commands::tok\r:\\u003aerror::y #\\u0023[error]z "
        "##\\u0023[warning]w \\u202egnp.exe\\u200b"
    )


def test_harmless_colons_are_left_alone() -> None:
    assert for_output("context.model: a::b\nok: ::") == "context.model: a::b\nok: ::"


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_output_keeps_its_values(ensure_ascii: bool) -> None:
    value = {"description": HOSTILE, "##[error]": ["::x"]}
    text = for_output(json.dumps(value, indent=2, ensure_ascii=ensure_ascii))
    assert json.loads(text) == value
    assert not RUNNER_COMMAND.search(text)


def test_stdout_and_stderr_are_neutralised(capsys: pytest.CaptureFixture[str]) -> None:
    say(HOSTILE)
    warn(HOSTILE)
    out, err = capsys.readouterr()
    assert out == err == for_output(HOSTILE) + "\n"


def test_github_annotations_stay_one_command_each() -> None:
    problem = Problem("a,b:c.yaml", 3, 4, assistant="bot", field="description", message=HOSTILE + " 100%")
    (line,) = render_github([problem], workspace=None).splitlines()
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=reconciler validate::bot: description: x%0A")
    assert "%0D" in line and line.endswith(" 100%25")
    assert "##[" not in line and "\u202e" not in line and line.count("::") >= 2


def test_validate_output_is_neutralised(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "assistants.d").mkdir()
    (tmp_path / "assistants.d" / "a.yaml").write_text(
        'id: a\ngraph_id: g\n"\\n::add-mask::k ##[error]": 1\n', encoding="utf-8"
    )
    for fmt in ("text", "json", "github"):
        result = run_cli("validate", "--format", fmt, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        commands = [line for line in (result.stdout + result.stderr).splitlines() if RUNNER_COMMAND.search(line)]
        assert commands == ([] if fmt != "github" else [line for line in result.stdout.splitlines()]), fmt
        if fmt == "github":
            assert all(line.startswith("::error file=") and "##[" not in line for line in commands)
            assert "%0A:\\u003aadd-mask" in result.stdout


@pytest.mark.parametrize("name", ["../prod", "a/b", "a\\b", "a\x1bb", "tab\tname", "rtl\u202e", ""])
def test_hostile_environment_names_in_reconciler_yaml(tmp_path: Path, name: str) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        f"owner: o\nenvironments:\n  prod: {{}}\n  {json.dumps(name)}:\n    url: http://h\n", encoding="utf-8"
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'reconciler.yaml'}:4:3: environments: ")


@pytest.mark.parametrize("name", ["../prod", "a/b", "a\\b", "a\nb", "\u2066x"])
def test_hostile_environment_names_on_the_command_line(tmp_path: Path, name: str) -> None:
    with pytest.raises(SettingsError, match="^--env: environment name"):
        load_settings(tmp_path, name)


def test_an_oversized_file_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as file:  # 50 MB, written in small pieces
        for _ in range(50):
            file.write(b"id: x\n" + b"# padding\n" * 104_857)
    tracemalloc.start()
    try:
        documents, problems = read_documents(huge, "assistants.d/huge.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert documents == []
    assert [str(p) for p in problems] == [
        "assistants.d/huge.yaml:1:1: file larger than 1 MiB; refused (split it into several files)"
    ]
    assert peak < 4 * MAX_FILE_BYTES


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"id: x\n" + b"#" * (MAX_FILE_BYTES - 7) + b"\n")
    documents, problems = read_documents(path, "big.yaml")
    assert problems == [] and len(documents) == 1


def test_markdown_values_ping_no_one_and_carry_no_marker() -> None:
    from reconciler.render.markdown import escape

    shown = escape("ask @octocat or @org/team, not a@b.c <!-- reconciler-plan:prod -->")
    assert (
        shown == "ask <code>@octocat</code> or <code>@org</code>/team, not a@b.c &#60;!-- reconciler-plan:prod --&#62;"
    )


def _install_step(workflow: str) -> str:
    import yaml

    from reconciler.adoption.templates import WorkflowOptions, render_workflows

    data = yaml.safe_load(render_workflows(WorkflowOptions(pip_spec=""))[workflow])
    runs = [
        step["run"]
        for job in data["jobs"].values()
        for step in job["steps"]
        if step.get("name") == "Install reconciler"
    ]
    assert runs and len(set(runs)) == 1
    assert data["env"]["RECONCILER_PIP_SPEC"] == "${{ vars.RECONCILER_PIP_SPEC || '' }}"
    return str(runs[0])


@pytest.mark.parametrize("workflow", ["plan.yml", "apply.yml", "drift.yml"])
def test_the_workflows_install_nothing_unnamed(workflow: str, tmp_path: Path) -> None:
    import subprocess

    script = _install_step(workflow).replace("python -m pip install", "echo would install")
    unset = subprocess.run(["bash", "-c", script], env={"RECONCILER_PIP_SPEC": ""}, capture_output=True, text=True)
    assert unset.returncode == 1
    assert unset.stdout.startswith("::error title=RECONCILER_PIP_SPEC is not set::Set the repository variable")
    named = subprocess.run(
        ["bash", "-c", script], env={"RECONCILER_PIP_SPEC": "./dist/x.whl"}, capture_output=True, text=True
    )
    assert (named.returncode, named.stdout) == (0, "would install ./dist/x.whl\n")


def test_the_sticky_comment_is_found_by_its_first_line_only() -> None:
    from reconciler.adoption.templates import WorkflowOptions, render_workflows

    plan = render_workflows(WorkflowOptions(pip_spec="."))["plan.yml"]
    assert "includes(MARKER)" not in plan
    assert "(c.body ?? '').split(/\\r?\\n/, 1)[0] === MARKER" in plan
