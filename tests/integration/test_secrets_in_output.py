"""No output of any command holds the URL's password or the API key: the real server behind a URL with
credentials (a server that echoes the key back is in tests/test_server_answers.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.conftest import Repo

pytestmark = [pytest.mark.integration, pytest.mark.any_server]  # reconciler's own logic: any real server will do

PASSWORD = "pw-S3CRET-42"
API_KEY = "lsv2_sk_SECRET-KEY-0123456789"


def _with_password(url: str) -> str:
    return url.replace("http://", f"http://deploy:{PASSWORD}@")


def _everything(*results: subprocess.CompletedProcess[str]) -> str:
    return "".join(result.stdout + result.stderr for result in results)


def test_a_url_password_is_masked_everywhere_and_the_plan_file_still_applies(repo: Repo) -> None:
    url = _with_password(repo.url)
    env = {"RECONCILER_URL": url, "LANGGRAPH_API_KEY": API_KEY}
    masked = repo.url.replace("http://", "http://deploy:***@")
    text = repo.cli("plan", env=env)
    markdown = repo.cli("plan", "--format", "markdown", env=env)
    as_json = repo.cli("plan", "--format", "json", "--out", "plan.json", env=env)
    apply = repo.cli("apply", "plan.json", "--format", "json", env=env)

    assert [r.returncode for r in (text, markdown, as_json, apply)] == [0, 0, 0, 0], _everything(apply)
    assert PASSWORD not in _everything(text, markdown, as_json, apply)
    assert API_KEY not in _everything(text, markdown, as_json, apply)
    assert f"Plan for {masked} (owner: example)" in text.stdout
    assert f"plan for <code>{masked.replace('*', '&#42;')}</code>" in markdown.stdout
    assert json.loads(as_json.stdout)["server"] == masked
    assert json.loads(apply.stdout)["server"] == masked
    assert json.loads((repo.root / "plan.json").read_text())["server"] == url  # what apply must reach
    assert len(repo.managed()) == 3


def test_errors_mask_the_url_password(repo: Repo) -> None:
    url = _with_password(repo.url)
    repo.edit("assistants.d/support.yaml", "graph_id: agent", "graph_id: nowhere")
    (repo.root / "schemas/graphs/nowhere.json").write_text(
        (repo.root / "schemas/graphs/agent.json").read_text().replace('"agent"', '"nowhere"')
    )
    not_served = repo.cli("plan", env={"RECONCILER_URL": url})
    wrong_server = repo.cli("apply", "plan.json", "--url", url)
    bad_url = repo.cli("plan", "--url", url.replace("127.0.0.1", "[::1"))

    assert not_served.returncode == 1 and "deploy:***@" in not_served.stderr, not_served.stderr
    assert bad_url.returncode == 1 and "deploy:***@" in bad_url.stderr, bad_url.stderr
    assert PASSWORD not in _everything(not_served, wrong_server, bad_url)
