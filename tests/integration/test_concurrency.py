"""Two writers at once, on a real server: the apply lock (one apply per owner), an outside edit landing between
the stale check and a write, and SIGTERM in the middle of an apply. A loopback proxy (tests/slowproxy.py) holds
the PATCHes so that the overlaps happen every time, not by luck."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from reconciler.desired.spec import default_assistant_id
from reconciler.server.lock import lock_id
from tests.integration.conftest import OWNER, Repo
from tests.slowproxy import SlowProxy

pytestmark = pytest.mark.integration

SUPPORT = default_assistant_id("support-bot")
LOCK = lock_id(OWNER)


@pytest.fixture
def proxies() -> Iterator[list[SlowProxy]]:
    made: list[SlowProxy] = []
    yield made
    for proxy in made:
        proxy.close()


def slow_patches(repo: Repo, proxies: list[SlowProxy], delay: float) -> tuple[SlowProxy, dict[str, str]]:
    proxy = SlowProxy(repo.url, slow=(b"PATCH ",), delay=delay)
    proxies.append(proxy)
    return proxy, {"RECONCILER_URL": proxy.url}


def start_cli(repo: Repo, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY")}
    full_env.update(env)
    return subprocess.Popen([sys.executable, "-m", "reconciler", *args], cwd=repo.root, env=full_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lock_row(repo: Repo) -> dict[str, object] | None:
    response = repo.api.get(f"/assistants/{LOCK}")
    return None if response.status_code == 404 else dict(response.json())


def seed_lock(repo: Repo, holder: str, expires: datetime) -> None:
    body = {"assistant_id": LOCK, "graph_id": "agent", "metadata": {
        "reconciler/lock": OWNER, "reconciler/lock_holder": holder,
        "reconciler/lock_expires": expires.isoformat(timespec="seconds")}}
    repo.api.post("/assistants", json=body).raise_for_status()


def test_two_applies_of_plan_files_made_from_one_state_exactly_one_writes(
    applied: Repo, proxies: list[SlowProxy]
) -> None:
    _, env = slow_patches(applied, proxies, delay=2.0)
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    for name in ("a.json", "b.json"):
        assert applied.cli("plan", "--out", name, env=env).returncode == 0
    before = len(applied.versions(SUPPORT))

    runs = [start_cli(applied, "apply", name, env=env) for name in ("a.json", "b.json")]
    results = [(run.wait(60), *run.communicate()) for run in runs]

    assert sorted(code for code, _, _ in results) == [0, 1], results
    (_, _, refused), = [r for r in results if r[0] == 1]
    assert "another apply holds the lock for owner 'example'" in refused
    assert "lease expires" in refused and "nothing was written" in refused
    assert len(applied.versions(SUPPORT)) == before + 1
    assert lock_row(applied) is None  # released by the winner


def test_a_held_lock_refuses_naming_its_holder_and_plan_does_not_take_it(applied: Repo) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    seed_lock(applied, "ci-runner/pid 7/run 42", expires)
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    before = len(applied.versions(SUPPORT))

    assert applied.cli("plan").returncode == 0
    result = applied.cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert "ci-runner/pid 7/run 42" in result.stderr
    assert f"lease expires {expires.isoformat(timespec='seconds')}" in result.stderr
    assert len(applied.versions(SUPPORT)) == before
    assert lock_row(applied) is not None  # someone else's lock is never removed
    imported = applied.cli("import", "--out-dir", "imported")
    assert imported.returncode == 0, imported.stderr
    assert not list((applied.root / "imported").glob("*.yaml"))  # the lock is not an assistant to adopt


def test_an_expired_lease_is_taken_over_and_the_lock_is_never_managed(applied: Repo) -> None:
    seed_lock(applied, "dead-runner/pid 1/run 1", datetime.now(UTC) - timedelta(seconds=1))
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")

    plan = applied.plan_json("--prune", "--max-deletes", "5")
    result = applied.cli("apply", "--auto-approve", "--prune", "--max-deletes", "5")

    assert all(action["assistant_id"] != LOCK for action in plan["actions"])
    assert result.returncode == 0, result.stderr
    assert lock_row(applied) is None


def test_an_outside_edit_between_the_stale_check_and_the_write_is_reported_not_overwritten_silently(
    applied: Repo, proxies: list[SlowProxy]
) -> None:
    proxy, env = slow_patches(applied, proxies, delay=2.0)
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    assert applied.cli("plan", "--out", "plan.json", env=env).returncode == 0

    run = start_cli(applied, "apply", "plan.json", env=env)
    assert proxy.seen.wait(30)  # the stale check passed; the PATCH is held
    applied.api.patch(f"/assistants/{SUPPORT}", json={"name": "Edited in Studio"}).raise_for_status()
    code = run.wait(60)
    stdout, stderr = run.communicate()

    assert code == 1, stderr
    assert "conflict: version(s)" in stdout and "written by someone else" in stdout
    assert "reconciler history support-bot" in stdout


def test_sigterm_stops_the_apply_names_the_write_in_flight_and_releases_the_lock(
    applied: Repo, proxies: list[SlowProxy]
) -> None:
    proxy, env = slow_patches(applied, proxies, delay=2.0)
    applied.edit("assistants.d/support.yaml", "temperature: 0.2", "temperature: 0.4")
    applied.edit("assistants.d/routing.yaml", "name: Ticket triage", "name: Ticket sorter")
    run = start_cli(applied, "apply", "--auto-approve", "--parallelism", "1", env=env)
    assert proxy.seen.wait(30)
    assert lock_row(applied) is not None

    run.send_signal(signal.SIGTERM)
    code = run.wait(60)
    _, stderr = run.communicate()

    assert code == 143, stderr
    assert "interrupted by SIGTERM" in stderr
    assert "reconciler plan` shows the remainder" in stderr
    assert lock_row(applied) is None
    plan = applied.plan_json()
    assert len(plan["actions"]) == 1  # the write in flight finished; the one not started is planned again
    assert plan["actions"][0]["id"] in stderr.split("shows the remainder:")[1]


def test_prune_trusts_each_rows_own_metadata_not_the_search_filter(applied: Repo, proxies: list[SlowProxy]) -> None:
    # A server that ignores the owner filter: the proxy drops it from every search.
    def unfiltered(line: bytes, body: bytes) -> bytes:
        if not line.startswith(b"POST /assistants/search"):
            return body
        query = json.loads(body or b"{}")
        query.pop("metadata", None)
        return json.dumps(query).encode()

    proxy = SlowProxy(applied.url, rewrite=unfiltered)
    proxies.append(proxy)
    # Each with a context of its own: Aegra allows one assistant per graph and config.
    other = applied.api.post("/assistants", json={
        "graph_id": "agent", "context": {"system_prompt": "theirs"},
        "metadata": {"reconciler/owner": "someone-else", "reconciler/id": "theirs"}}).json()["assistant_id"]
    stray = applied.api.post("/assistants", json={"graph_id": "agent", "name": "unmanaged",
                                                  "context": {"system_prompt": "stray"}}).json()["assistant_id"]

    result = applied.cli("apply", "--auto-approve", "--prune", "--max-deletes", "5",
                         env={"RECONCILER_URL": proxy.url})

    assert result.returncode == 0, result.stderr
    for kept in (other, stray):
        assert applied.api.get(f"/assistants/{kept}").status_code == 200


def test_prune_without_an_owner_in_reconciler_yaml_is_refused(applied: Repo) -> None:
    applied.write("reconciler.yaml", "assistants_dir: assistants.d\n")

    result = applied.cli("plan", "--prune")

    assert result.returncode == 1
    assert "set owner: in" in result.stderr and "reconciler.yaml" in result.stderr
