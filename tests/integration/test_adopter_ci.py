"""Adoption, tested the way an adopter's CI runs it.

A temporary git repository holds a small LangGraph app that is not laid out like this one (a package under
``src/``, its own langgraph.json). The reconciler is installed there from a wheel built from this checkout, into
a fresh venv, as a user would; ``reconciler init`` sets the repository up; the written workflows are linted
(actionlint with shellcheck, zizmor); then the ``run:`` steps of the written plan and apply workflows are
executed in order with bash (``tests.ci_runner``), job by job and matrix entry by matrix entry, against a real
``langgraph dev`` serving the app's graphs. The repository variable ``RECONCILER_PIP_SPEC`` points the workflows
at the wheel, and pip runs with ``PIP_NO_INDEX``: the install step must not need the package index.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.server.devserver import dev_server
from tests.ci_runner import JobResult, load_workflow, run_job
from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.integration

APP = REPO_ROOT / "tests" / "fixtures" / "adopter_app"
_HIDDEN = ("langgraph_reconciler", "__editable__", "reconciler")
"""Entries of this checkout's venv the adopter's venv must not see: its own editable install of reconciler."""


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built once per session without the package index (no build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out),
         str(REPO_ROOT)],
        check=True, capture_output=True, text=True, env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    (built,) = out.glob("langgraph_reconciler-*.whl")
    return built


def _adopter_venv(root: Path) -> Path:
    """A fresh venv whose third-party packages come from this checkout's venv (offline and fast), minus
    reconciler itself, plus a ``langgraph`` command next to its python (as ``pip install 'langgraph-cli[inmem]'``
    would put there)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    shared = root / "shared-site-packages"
    shared.mkdir()
    for entry in Path(site.getsitepackages()[0]).iterdir():
        if not entry.name.startswith(_HIDDEN):
            (shared / entry.name).symlink_to(entry)
    (purelib,) = root.glob("lib/python3*/site-packages")
    (purelib / "shared.pth").write_text(f"{shared}\n", encoding="utf-8")
    python = root / "bin" / "python"
    (root / "bin" / "langgraph").write_text(
        f"#!{python}\nimport sys\nfrom langgraph_cli.cli import cli\nsys.exit(cli())\n", encoding="utf-8"
    )
    (root / "bin" / "langgraph").chmod(0o755)
    return root / "bin"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)


@pytest.fixture
def app_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "helpdesk"
    shutil.copytree(APP, repo)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "config", "user.email", "dev@example.invalid")
    _git(repo, "config", "user.name", "Dev")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "The app")
    return repo


@pytest.fixture
def deployments(app_repo: Path) -> Iterator[dict[str, str]]:
    """Two deployments of the app (prod and staging): each a real `langgraph dev` serving the app's graphs."""
    with dev_server(app_repo / "langgraph.json") as prod, dev_server(app_repo / "langgraph.json") as staging:
        yield {"prod": prod.url, "staging": staging.url}


def _sh(command: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done


def _run_workflow(repo: Path, name: str, *, env: dict[str, str], contexts: dict[str, Any],
                  matrix_job: str, list_job: str, list_output: str) -> tuple[JobResult, dict[str, JobResult]]:
    """The listing job, then the matrix job once per environment it listed (as GitHub fans it out)."""
    workflow = load_workflow(repo / ".github" / "workflows" / name)
    listed = run_job(workflow, list_job, workspace=repo, contexts=contexts, base_env=env)
    assert listed.ok, _log(listed)
    needs = {list_job: {"outputs": listed.outputs, "result": "success"}}
    environments = json.loads(listed.outputs[list_output])
    runs = {}
    for environment in environments:
        runs[environment] = run_job(
            workflow, matrix_job, workspace=repo, base_env=env,
            contexts={**contexts, "needs": needs, "matrix": {"environment": environment}},
        )
    return listed, runs


def _log(job: JobResult) -> str:
    return "\n".join(f"--- {s.name} (rc {s.returncode})\n{s.stdout}\n{s.stderr}" for s in job.steps if not s.skipped)


def test_init_then_the_written_workflows_plan_and_apply_every_environment(
    app_repo: Path, deployments: dict[str, str], wheel: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    bin_dir = _adopter_venv(tmp_path / "venv")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "LANG": "C.UTF-8",
    }
    # The user: install, init, a second environment whose URL is in reconciler.yaml (prod's comes from the
    # RECONCILER_URL secret), commit.
    _sh(["python", "-m", "pip", "install", "--quiet", str(wheel)], cwd=app_repo, env=env)
    assert _sh(["reconciler", "--version"], cwd=app_repo, env=env).stdout.startswith("reconciler (langgraph-reconc")
    init_started = time.monotonic()
    init = _sh(["reconciler", "init"], cwd=app_repo, env=env)
    assert "reconciler is set up. Next steps:" in init.stdout
    settings = app_repo / "reconciler.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"  staging: {{url: '{deployments['staging']}'}}\n",
                        encoding="utf-8")
    _sh(["reconciler", "validate"], cwd=app_repo / "src", env=env)  # found from a subfolder
    lint = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "lint-workflows.sh"), ".github/workflows"],
                          cwd=app_repo, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    assert lint.returncode == 0, lint.stdout + lint.stderr
    _git(app_repo, "add", "-A")
    _git(app_repo, "commit", "--quiet", "-m", "reconciler init")

    contexts = {
        "vars": {"RECONCILER_PIP_SPEC": str(wheel)},
        "secrets": {"RECONCILER_URL": deployments["prod"]},
        "inputs": {},
        "github": {"workspace": str(app_repo), "ref": "refs/heads/main", "event": {}},
    }
    # The pull request: validate, then one plan job per environment.
    validate, plans = _run_workflow(app_repo, "reconciler-plan.yml", env=env, contexts=contexts,
                                    matrix_job="plan", list_job="validate", list_output="environments")
    assert validate.outputs["environments"] == '["prod", "staging"]'
    assert sorted(plans) == ["prod", "staging"]
    for environment, job in plans.items():
        assert job.ok, _log(job)
        plan = job.step("Plan")
        assert plan.outputs["exitcode"] == "2"
        assert plan.summary.startswith(f"## reconciler plan ({environment})\n\n")
        assert f"reconciler plan for <code>{deployments[environment]}</code> (owner: <code>helpdesk</code>)" in (
            plan.summary
        )
        for graph in ("support", "summarise"):
            assert f"<summary>+ create <code>{graph}</code> ({graph})</summary>" in plan.summary
        assert job.step("Comment the plan on the pull request").skipped

    # The merge: one apply job per environment.
    _, applies = _run_workflow(app_repo, "reconciler-apply.yml", env=env, contexts=contexts,
                               matrix_job="apply", list_job="environments", list_output="list")
    first_apply_done = time.monotonic()
    for environment, job in applies.items():
        assert job.ok, _log(job)
        apply = job.step("Apply")
        assert apply.summary.startswith(f"## reconciler apply ({environment}): applied\n\n")
        assert "### ✅ Apply complete: 2 change(s) applied and verified." in apply.summary
        assert "| ✓ | create | `support` | created (version 1) |" in apply.summary
        assert not (app_repo / "plan.json").exists()
    for url in deployments.values():
        rows = httpx.post(f"{url}/assistants/search", json={"metadata": {"reconciler/owner": "helpdesk"}}).json()
        assert sorted(row["metadata"]["reconciler/id"] for row in rows) == ["summarise", "support"]

    # The next push: nothing to do anywhere.
    _, again = _run_workflow(app_repo, "reconciler-apply.yml", env=env, contexts=contexts,
                             matrix_job="apply", list_job="environments", list_output="list")
    for environment, job in again.items():
        assert job.ok, _log(job)
        assert job.step("Plan").outputs["exitcode"] == "0"
        assert job.step("Plan").summary == f"## reconciler apply ({environment}): no changes\n"
        assert job.step("Apply").skipped

    # A pull request removes a file: its plan shows the delete (init turned `prune` on), and the merge deletes it.
    (app_repo / "assistants.d" / "summarise.yaml").unlink()
    _git(app_repo, "commit", "--quiet", "-am", "remove summarise")
    _, removal_plans = _run_workflow(app_repo, "reconciler-plan.yml", env=env, contexts=contexts,
                                     matrix_job="plan", list_job="validate", list_output="environments")
    for job in removal_plans.values():
        assert job.ok, _log(job)
        assert "<summary>- delete <code>summarise</code> (summarise)</summary>" in job.step("Plan").summary
    _, removals = _run_workflow(app_repo, "reconciler-apply.yml", env=env, contexts=contexts,
                                matrix_job="apply", list_job="environments", list_output="list")
    for job in removals.values():
        assert job.ok, _log(job)
        assert "| ✓ | delete | `summarise` |" in job.step("Apply").summary
    for url in deployments.values():
        rows = httpx.post(f"{url}/assistants/search", json={"metadata": {"reconciler/owner": "helpdesk"}}).json()
        assert [row["metadata"]["reconciler/id"] for row in rows] == ["support"]

    print(  # the figures for the report (pytest -s)
        f"\nadopter CI figures: init -> first apply done (2 environments) {first_apply_done - init_started:.1f} s;"
        f" whole test {time.monotonic() - started:.1f} s"
    )
