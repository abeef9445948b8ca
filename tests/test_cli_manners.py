"""Command-line manners that need no server: `-h`, RECONCILER_ENV as the default of `--env`, the missing-URL
hint, and NO_COLOR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reconciler.applying.progress_display import TerminalProgress
from reconciler.settings import colour_wanted
from tests.helpers import RunCli, write_tree

COMMANDS = [
    ("init",), ("validate",), ("plan",), ("apply",), ("history",), ("show",), ("environments",),
    ("schemas",), ("schemas", "pull"), ("import",), ("dry-run",),
]
SETTINGS = """\
owner: example
environments:
  dev: {url: "http://127.0.0.1:1", owner: example-dev}
  staging: {owner: example-staging}
  prod: {url: "https://prod.example.invalid"}
"""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dash_h_is_help_on_every_command(command: tuple[str, ...], tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(*command, "-h", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ") and "-h, --help" in result.stdout


def test_dash_h_on_the_group(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("-h", cwd=tmp_path)
    assert result.returncode == 0 and "Commands:" in result.stdout


def test_a_missing_url_names_the_environments_that_have_one(tmp_path: Path, run_cli: RunCli) -> None:
    write_tree(tmp_path, {"reconciler.yaml": SETTINGS, "assistants.d/.keep": ""})
    result = run_cli("plan", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no server URL: pass --url, --env NAME (environments with a url: dev, prod), set RECONCILER_URL, "
        "or set `url` in reconciler.yaml"
    )


def test_reconciler_env_is_the_default_of_env(tmp_path: Path, run_cli: RunCli) -> None:
    write_tree(tmp_path, {"reconciler.yaml": SETTINGS, "assistants.d/.keep": ""})
    chosen = run_cli("history", "x", cwd=tmp_path, env={"RECONCILER_ENV": "dev"})
    flag_wins = run_cli("history", "x", "--env", "staging", cwd=tmp_path, env={"RECONCILER_ENV": "dev"})
    unknown = run_cli("validate", cwd=tmp_path, env={"RECONCILER_ENV": "qa"})
    # dev's url is a closed port: reaching for it proves the environment was chosen
    assert chosen.returncode == 1 and "127.0.0.1:1" in chosen.stderr, chosen.stderr
    assert "no server URL" in flag_wins.stderr, flag_wins.stderr
    assert unknown.returncode == 1
    assert "unknown environment 'qa' (RECONCILER_ENV; environments in reconciler.yaml: dev, prod, staging)" in (
        unknown.stderr
    )


def test_environments_lists_all_whatever_reconciler_env_says(tmp_path: Path, run_cli: RunCli) -> None:
    write_tree(tmp_path, {"reconciler.yaml": SETTINGS})
    result = run_cli("environments", cwd=tmp_path, env={"RECONCILER_ENV": "qa"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("no_color", "wanted"), [(None, True), ("", True), ("1", False), ("false", False)])
def test_no_color_with_any_value_turns_colour_off(
    no_color: str | None, wanted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert colour_wanted(Tty()) is wanted
    assert colour_wanted(io.StringIO()) is False


@pytest.mark.parametrize(("no_color", "plain"), [(None, False), ("1", True)])
def test_no_color_keeps_the_progress_line_plain(
    no_color: str | None, plain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setattr("sys.stderr", Tty())
    progress = TerminalProgress()
    assert progress._rich.console.no_color is plain
    progress.close()
