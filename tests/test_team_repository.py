"""A team's repository without a server: pruning from reconciler.yaml, the reconciler.yaml init writes, owners
and workflows of several apps in one repository, and the secrets every job reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from reconciler.adoption import scaffold
from reconciler.adoption.templates import WORKFLOWS, WorkflowOptions, render_workflows
from reconciler.commands.init import InitOptions, run
from reconciler.errors import SettingsError
from reconciler.settings import ProjectSettings, load_settings
from tests.helpers import write_tree

_COMMENTED_SETTING = re.compile(r"^(\s*)# ([a-z_]+: .*)$")


def _uncommented(text: str) -> str:
    """``text`` with every commented-out ``key: value`` line turned into a setting."""
    return "\n".join(_COMMENTED_SETTING.sub(r"\1\2", line) for line in text.splitlines()) + "\n"


def test_settings_init_writes_still_load_with_every_commented_setting_uncommented() -> None:
    text = _uncommented(scaffold.settings_text("shop", ("dev", "prod")))
    settings = ProjectSettings.model_validate(yaml.safe_load(text))
    assert {name: (entry.url, entry.id_namespace) for name, entry in settings.environments.items()} == {
        "dev": ("https://your-deployment.example.com", "dev"), "prod": ("https://your-deployment.example.com", "prod"),
    }


def test_settings_init_writes_turn_pruning_on() -> None:
    settings = ProjectSettings.model_validate(yaml.safe_load(scaffold.settings_text("shop")))
    assert settings.prune is True and settings.environments["prod"].url is None


def test_an_environment_prune_beats_the_top_level_one(tmp_path: Path) -> None:
    write_tree(tmp_path, {"reconciler.yaml": "prune: true\nenvironments:\n  dev:\n  prod:\n    prune: false\n"})
    assert (load_settings(tmp_path, "dev").prune, load_settings(tmp_path, "prod").prune) == (True, False)
    assert load_settings(tmp_path).prune is True
    write_tree(tmp_path, {"reconciler.yaml": "owner: x\n"})
    assert load_settings(tmp_path).prune is False


def test_prune_must_be_a_boolean(tmp_path: Path) -> None:
    write_tree(tmp_path, {"reconciler.yaml": "owner: x\nprune: 'yes'\n"})
    with pytest.raises(SettingsError, match=r"reconciler.yaml:2:8: prune: Input should be a valid boolean"):
        load_settings(tmp_path)


def test_an_app_in_a_sub_folder_owns_under_its_folder_path() -> None:
    assert scaffold.owner_for("shop", "apps/support") == "shop-apps-support"
    assert scaffold.owner_for("shop", "apps/billing") == "shop-apps-billing"
    assert scaffold.owner_for("My App (v2)") == "My-App-v2"


def test_workflows_of_an_app_in_a_sub_folder_carry_its_slug_everywhere_two_apps_could_collide() -> None:
    options = WorkflowOptions(pip_spec=".", workdir="apps/support", default_branch="trunk")
    rendered = render_workflows(options)
    plan, apply, drift, _ = (yaml.safe_load(rendered[name]) for name in WORKFLOWS)

    assert [options.file_name(n) for n in WORKFLOWS] == [
        "reconciler-apps-support-plan.yml", "reconciler-apps-support-apply.yml", "reconciler-apps-support-drift.yml",
        "reconciler-apps-support-schemas.yml",
    ]
    assert (plan["name"], apply["name"], drift["name"]) == (
        "reconciler plan (apps/support)", "reconciler apply (apps/support)", "reconciler drift (apps/support)",
    )
    assert plan["concurrency"]["group"].startswith("reconciler-apps-support-plan-")
    assert drift["concurrency"]["group"] == "reconciler-apps-support-drift"
    assert apply["jobs"]["apply"]["concurrency"]["group"].startswith("reconciler-apps-support-apply-")
    assert "<!-- reconciler-apps-support-plan:${environment} -->" in rendered["plan.yml"]
    assert apply[True]["push"]["branches"] == ["trunk"]  # yaml reads the key `on` as True
    assert apply["jobs"]["environments"]["if"] == (
        "github.event_name != 'push' || github.ref_name == github.event.repository.default_branch"
    )


def test_an_app_at_the_root_keeps_the_plain_names() -> None:
    options = WorkflowOptions(pip_spec=".")
    assert options.file_name("plan.yml") == "reconciler-plan.yml"
    assert "<!-- reconciler-plan:${environment} -->" in render_workflows(options)["plan.yml"]


def test_every_job_that_talks_to_a_server_runs_in_its_github_environment() -> None:
    rendered = render_workflows(WorkflowOptions(pip_spec="."))
    jobs = {name: yaml.safe_load(rendered[name])["jobs"] for name in WORKFLOWS}
    for workflow, job in (("plan.yml", "plan"), ("apply.yml", "apply"), ("drift.yml", "drift")):
        assert jobs[workflow][job]["environment"] == "${{ matrix.environment }}", workflow
        secrets = [step["env"] for step in jobs[workflow][job]["steps"] if "LANGSMITH_API_KEY" in step.get("env", {})]
        assert secrets and all(s["LANGSMITH_API_KEY"] == "${{ secrets.LANGSMITH_API_KEY }}" for s in secrets)


def test_init_workflows_rewrites_only_the_workflow_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {".git/keep": "", "app/reconciler.yaml": "owner: mine\n",
                          ".github/workflows/reconciler-app-plan.yml": "old\n"})
    monkeypatch.chdir(tmp_path / "app")

    assert run(Path("."), InitOptions(workflows_only=True, pip_spec="x")) == 0

    assert sorted(p.name for p in (tmp_path / ".github" / "workflows").iterdir()) == [
        "reconciler-app-apply.yml", "reconciler-app-drift.yml", "reconciler-app-plan.yml", "reconciler-app-schemas.yml",
    ]
    assert "name: reconciler plan (app)" in (tmp_path / ".github/workflows/reconciler-app-plan.yml").read_text()
    assert sorted(p.name for p in (tmp_path / "app").iterdir()) == ["reconciler.yaml"]
    assert (tmp_path / "app/reconciler.yaml").read_text() == "owner: mine\n"


@pytest.fixture
def no_graph_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """init without pulling schemas: what is tested here does not depend on the graphs (the adopter CI
    integration test runs init against a real server)."""
    monkeypatch.setattr("reconciler.commands.schemas.fetch_local", lambda config: {})


@pytest.mark.usefixtures("no_graph_server")
def test_two_apps_in_one_repository_each_init_without_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = tmp_path / "shop"
    write_tree(repository, {".git/keep": "", "apps/support/langgraph.json": "{}", "apps/billing/langgraph.json": "{}"})
    for app in ("apps/support", "apps/billing"):
        monkeypatch.chdir(repository / app)
        assert run(Path("."), InitOptions(pip_spec="x")) == 0

    owners = [load_settings(repository / app).owner for app in ("apps/support", "apps/billing")]
    assert owners == ["shop-apps-support", "shop-apps-billing"]
    assert sorted(p.name for p in (repository / ".github" / "workflows").iterdir()) == sorted(
        f"reconciler-apps-{app}-{name}" for app in ("support", "billing") for name in WORKFLOWS
    )
    plan = yaml.safe_load((repository / ".github/workflows/reconciler-apps-billing-plan.yml").read_text())
    assert plan["defaults"]["run"]["working-directory"] == "apps/billing"
    assert all(path.startswith("apps/billing/") for path in plan[True]["pull_request"]["paths"])


@pytest.mark.usefixtures("no_graph_server")
def test_init_force_keeps_the_owner_of_the_existing_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"reconciler.yaml": "owner: team-a\n", "langgraph.json": "{}"})
    monkeypatch.chdir(tmp_path)

    with pytest.raises(SettingsError, match="pass --force to overwrite"):
        run(Path("."), InitOptions(pip_spec="x"))
    assert run(Path("."), InitOptions(pip_spec="x", force=True)) == 0

    settings = load_settings(tmp_path)
    assert (settings.owner, settings.prune) == ("team-a", True)


def test_an_id_namespace_gives_the_environment_its_own_ids_and_owner(tmp_path: Path) -> None:
    from reconciler.desired.spec import AssistantSpec, default_assistant_id, namespaced_assistant_id
    from reconciler.desired.state import DesiredState, in_id_namespace

    write_tree(tmp_path, {"reconciler.yaml": "owner: shop\nenvironments:\n  dev: {id_namespace: dev}\n  prod:\n"})
    dev, prod = load_settings(tmp_path, "dev"), load_settings(tmp_path, "prod")
    specs = (AssistantSpec(id="bot", graph_id="g"), AssistantSpec(id="kept", graph_id="g", assistant_id=str(
        namespaced_assistant_id("x", "y"))))
    desired = DesiredState(specs=specs, sources={})

    assert (dev.owner, prod.owner) == ("shop/dev", "shop")
    assert in_id_namespace(desired, prod.id_namespace) is desired
    moved = in_id_namespace(desired, dev.id_namespace)
    assert [s.resolved_assistant_id for s in moved.specs] == [
        namespaced_assistant_id("dev", "bot"), namespaced_assistant_id("x", "y"),
    ]
    assert namespaced_assistant_id("dev", "bot") != default_assistant_id("bot")


def test_the_schemas_workflow_fails_a_pull_request_whose_graphs_changed_the_schemas() -> None:
    options = WorkflowOptions(pip_spec=".", workdir="apps/support", config="graphs/langgraph.json")
    workflow = yaml.safe_load(render_workflows(options)["reconciler-schemas.yml".removeprefix("reconciler-")])
    steps = {step["name"]: step for step in workflow["jobs"]["schemas"]["steps"]}

    assert workflow[True]["pull_request"]["paths"] == ["apps/support/**"]
    assert workflow["env"]["LANGGRAPH_CONFIG"] == "graphs/langgraph.json"
    assert workflow["defaults"]["run"]["working-directory"] == "apps/support"
    assert steps["Pull the schemas from the graph code"]["run"] == (
        'reconciler schemas pull --config "$LANGGRAPH_CONFIG"'
    )
    compare = steps["Compare with the committed schemas"]["run"]
    assert "git diff --exit-code --stat -- schemas/" in compare
    assert "Run \\`reconciler schemas pull --config $LANGGRAPH_CONFIG\\` and commit the result." in compare


def test_a_langgraph_js_apps_schemas_workflow_installs_its_node_packages_not_pip_dependencies() -> None:
    def install_step(js_app: bool) -> str:
        options = WorkflowOptions(pip_spec=".", js_app=js_app)
        workflow = yaml.safe_load(render_workflows(options)["schemas.yml"])
        steps = {step["name"]: step for step in workflow["jobs"]["schemas"]["steps"]}
        run: str = steps["Install reconciler and the app"]["run"]
        return run

    js, python = install_step(True), install_step(False)
    assert "if [ -f package-lock.json ]; then npm ci; else npm install; fi" in js
    assert "jq -r '.dependencies[]?'" not in js
    assert "jq -r '.dependencies[]?'" in python and "npm" not in python
