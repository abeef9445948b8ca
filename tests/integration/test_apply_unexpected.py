"""A bug in a write (an unexpected exception) through the real command against a real server: the report of
what was written is printed, stderr says what the next plan shows, exit 1, a traceback only when asked for."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner, Result

from reconciler.applying import apply
from reconciler.cli import app
from reconciler.planning.plan import Create
from tests.integration.conftest import Repo

pytestmark = pytest.mark.integration


def apply_with_a_bug(repo: Repo, monkeypatch: pytest.MonkeyPatch, *, debug: bool) -> tuple[Result, str]:
    """``apply`` in this process, its first create (in plan order) raising a KeyError; returns the broken id."""
    monkeypatch.chdir(repo.root)
    monkeypatch.setenv("RECONCILER_URL", repo.url)
    monkeypatch.delenv("RECONCILER_DEBUG", raising=False)
    if debug:
        monkeypatch.setenv("RECONCILER_DEBUG", "1")
    broken: list[str] = []
    create = apply._Executor._create

    def buggy(self: Any, action: Create) -> Any:
        if not broken or broken[0] == action.id:
            broken[:1] = [action.id]
            raise KeyError("configurable")
        return create(self, action)

    monkeypatch.setattr(apply._Executor, "_create", buggy)
    result = CliRunner().invoke(app, ["apply", "--auto-approve", "--parallelism", "1"], catch_exceptions=False)
    return result, broken[0]


def test_the_report_survives_and_the_next_plan_shows_the_rest(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    result, broken = apply_with_a_bug(repo, monkeypatch, debug=False)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert f"✗ create {broken} FAILED: unexpected error: KeyError: 'configurable'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "error: apply stopped by an unexpected error (KeyError: 'configurable'; this is a bug" in result.stderr
    remainder = result.stderr.split("`reconciler plan` shows the remainder: ")[1].strip()
    pending = sorted(a["id"] for a in repo.plan_json()["actions"])
    assert remainder == ", ".join(pending) and broken in pending


def test_reconciler_debug_shows_the_traceback(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = apply_with_a_bug(repo, monkeypatch, debug=True)
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr and "KeyError: 'configurable'" in result.stderr


def apply_with_a_bug_after_the_writes(repo: Repo, monkeypatch: pytest.MonkeyPatch, phase: str) -> Result:
    """``apply`` in this process of one assistant with a smoke case, a KeyError raised in the verification pass
    or in the smoke case."""
    from reconciler.applying import smoke_apply

    repo.write("assistants.d/echo.yaml", "id: echo-bot\ngraph_id: flaky\ncontext:\n  greeting: pong\n"
                                         "smoke:\n  - input: {text: ping}\n    expect_contains: pong\n")
    monkeypatch.chdir(repo.root)
    monkeypatch.setenv("RECONCILER_URL", repo.url)
    monkeypatch.delenv("RECONCILER_DEBUG", raising=False)

    def buggy(*args: Any, **kwargs: Any) -> Any:
        raise KeyError(phase)

    monkeypatch.setattr(apply if phase == "verification" else smoke_apply,
                        "final_check" if phase == "verification" else "verdict", buggy)
    return CliRunner().invoke(app, ["apply", "--auto-approve", "--only", "echo-bot"], catch_exceptions=False)


@pytest.mark.parametrize(
    ("phase", "report_line", "error"),
    [
        ("verification", "✗ create echo-bot FAILED: written and verified when written, but not verified again",
         "error: the verification pass after the writes stopped by an unexpected error (KeyError: 'verification'"),
        ("smoke", "✗ smoke echo-bot STOPPED: case 1: an unexpected error (KeyError: 'smoke')",
         "error: the smoke phase stopped by an unexpected error (KeyError: 'smoke'; this is a bug in reconciler"),
    ],
)
def test_a_bug_after_the_writes_keeps_the_report(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, phase: str, report_line: str, error: str
) -> None:
    result = apply_with_a_bug_after_the_writes(repo, monkeypatch, phase)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert report_line in result.stdout
    assert error in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.any_server  # dry-run starts its own local server from langgraph.json
def test_dry_run_prints_the_report_when_a_write_meets_a_bug(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import REPO_ROOT

    monkeypatch.chdir(repo.root)
    monkeypatch.delenv("RECONCILER_DEBUG", raising=False)

    def buggy(self: Any, action: Create) -> Any:
        raise KeyError("configurable")

    monkeypatch.setattr(apply._Executor, "_create", buggy)
    result = CliRunner().invoke(app, ["dry-run", "--config", str(REPO_ROOT / "langgraph.json")],
                                catch_exceptions=False)

    assert result.exit_code == 1, result.stdout + result.stderr
    assert "FAILED: unexpected error: KeyError: 'configurable'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "error: apply stopped by an unexpected error (KeyError: 'configurable'; this is a bug" in result.stderr
