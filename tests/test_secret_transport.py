"""The API key never crosses a network in clear text; the plan file never lands where a link points."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from reconciler.errors import PlanFileError, SettingsError
from reconciler.planning.plan import Plan, write_plan_file
from reconciler.settings import check_key_transport
from tests.helpers import RunCli

KEY = SecretStr("lsv2_secret_value")


@pytest.mark.parametrize("url", ["http://langgraph.example.com", "http://10.0.0.5:8123", "http://[2001:db8::1]"])
def test_a_key_over_plain_http_to_another_host_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILER_ALLOW_INSECURE_HTTP", raising=False)
    with pytest.raises(SettingsError, match="^refusing to send the API key over plain http:// to "):
        check_key_transport(url, KEY)


@pytest.mark.parametrize(
    "url", ["https://langgraph.example.com", "http://127.0.0.1:2024", "http://localhost:2024", "http://[::1]:1"]
)
def test_https_and_loopback_are_allowed(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILER_ALLOW_INSECURE_HTTP", raising=False)
    check_key_transport(url, KEY)


def test_no_key_or_an_explicit_allowance_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    check_key_transport("http://langgraph.example.com", None)
    monkeypatch.setenv("RECONCILER_ALLOW_INSECURE_HTTP", "1")
    check_key_transport("http://langgraph.example.com", KEY)


def test_the_cli_refuses_before_any_request(run_cli: RunCli, tmp_path: Path) -> None:
    # Nothing listens at 192.0.2.1 (TEST-NET-1): a request would end in a connection error, not this message.
    result = run_cli(
        "history", "bot", "--url", "http://192.0.2.1:9", cwd=tmp_path, env={"LANGSMITH_API_KEY": KEY.get_secret_value()}
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: refusing to send the API key over plain http:// to http://192.0.2.1:9: use https://, or set "
        "RECONCILER_ALLOW_INSECURE_HTTP=1 if the network between here and the server is trusted\n"
    )


def _plan() -> Plan:
    return Plan(server="http://127.0.0.1:1", owner="o", actions=())


def test_the_plan_file_is_not_written_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("precious", encoding="utf-8")
    link = tmp_path / "plan.json"
    link.symlink_to(target)
    with pytest.raises(PlanFileError, match="it is a symbolic link"):
        write_plan_file(_plan(), link)
    assert target.read_text(encoding="utf-8") == "precious"
    assert link.is_symlink()


def test_the_plan_file_replaces_an_existing_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o644)
    write_plan_file(_plan(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert '"format_version"' in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
