"""The pre-commit hook this repository publishes: a valid hook manifest whose entry runs `reconciler validate`
on the files it watches."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import REPO_ROOT

MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h.get("id") == "reconciler-validate"]
    assert isinstance(hook, dict)
    return hook


def test_the_manifest_declares_the_validate_hook() -> None:
    hook = _hook()
    assert {"id", "name", "entry", "language"} <= set(hook)  # what pre-commit requires of a hook
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == ("reconciler validate", "python", False)


def test_the_hook_watches_the_desired_state_and_nothing_else() -> None:
    files = re.compile(_hook()["files"])
    for watched in ("assistants.d/support.yaml", "environments/dev/pin.yaml", "schemas/graphs/agent.json",
                    "reconciler.yaml", "app/assistants.d/a.yml", "app/reconciler.yaml"):
        assert files.search(watched), watched
    for ignored in ("README.md", "graphs/agent.py", "my-reconciler.yaml", "docs/schemas.md"):
        assert not files.search(ignored), ignored


def test_the_entry_runs_validate(tmp_path: Path) -> None:
    for folder in ("assistants.d", "schemas"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    shutil.copy(REPO_ROOT / "reconciler.yaml", tmp_path / "reconciler.yaml")
    command, *args = shlex.split(_hook()["entry"])
    executable = Path(sys.executable).parent / command
    ok = subprocess.run([executable, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    (tmp_path / "assistants.d/broken.yaml").write_text("id: broken\ngraph_id: agent\ncontext: {sytem_prompt: x}\n")
    broken = subprocess.run([executable, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: ")
    assert broken.returncode == 1
    assert "assistants.d/broken.yaml:3:" in broken.stderr and "sytem_prompt" in broken.stderr
