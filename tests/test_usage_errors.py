"""A usage error exits 1 with the usage message, never 2: `plan --detailed-exitcode` reserves 2 for "changes
present", so a CI step that reads 2 as "there is a diff" must not see it for a typo. The real entry point
(``python -m reconciler``) is run, since exit codes are decided there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RunCli

USAGE_ERRORS = {
    "unknown flag": (("plan", "--detailed-exitcode", "--bogus"), "No such option: --bogus"),
    "bad --format": (("plan", "--format", "xml"), "Invalid value for '--format'"),
    "bad apply --format": (("apply", "--format", "yaml"), "Invalid value for '--format'"),
    "missing option value": (("plan", "--detailed-exitcode", "--out"), "Option '--out' requires an argument"),
    "unknown command": (("bogus",), "No such command 'bogus'"),
    "unknown subcommand": (("schemas", "bogus"), "No such command 'bogus'"),
    "extra argument": (("apply", "a.json", "b.json"), "unexpected extra argument"),
}


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_errors_exit_1_with_the_usage_message(
    args: tuple[str, ...], message: str, tmp_path: Path, run_cli: RunCli
) -> None:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "Error:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_usage_is_shown_with_the_error(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("plan", "--bogus", cwd=tmp_path)
    assert result.stderr.splitlines()[:2] == [
        "Usage: python -m reconciler plan [OPTIONS]",
        "Try 'python -m reconciler plan --help' for help.",
    ]


def test_help_still_exits_0(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("plan", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--detailed-exitcode" in result.stdout


def test_an_unexpected_exception_is_one_line_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from reconciler.cli import app
    from reconciler.commands import validate

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("boom\nwhile reading https://user:hunter22@host with sk-live-123456")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANGGRAPH_API_KEY", "sk-live-123456")
    monkeypatch.setattr(validate, "run", broken)
    result = CliRunner().invoke(app, ["validate"], catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (1, (
        "error: unexpected RuntimeError: boom while reading https://user:***@host with (sensitive); this is a bug "
        "in reconciler, please report it (RECONCILER_DEBUG=1 shows where)\n"
    ))
