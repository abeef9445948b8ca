"""The distribution's name and the pip spec every install hint uses: never the unrelated `reconciler` project."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from reconciler import __version__
from reconciler.adoption.distribution import DISTRIBUTION, PIP_SPEC_VARIABLE, pip_spec, version
from reconciler.server import devserver
from reconciler.server.devserver import DevServerError
from tests.helpers import REPO_ROOT

# `pip install reconciler`, `reconciler[inmem]`, `reconciler==1.0`: the index's `reconciler` is another project.
_FOREIGN_INSTALL = re.compile(
    r"pip install[^\n]*[\s'\"]reconciler(?=[\s'\"\[=<>~]|$)|[\s'\"]reconciler\[|(?<![\w-])reconciler=="
)


def test_version_is_the_installed_distributions() -> None:
    assert DISTRIBUTION == "langgraph-reconciler"
    assert version() == __version__


def test_pip_spec_has_no_default_on_the_package_index(monkeypatch: pytest.MonkeyPatch) -> None:
    # langgraph-reconciler is not on the index yet: a default naming it would install whoever registers it.
    monkeypatch.delenv(PIP_SPEC_VARIABLE, raising=False)
    assert pip_spec() == ""
    monkeypatch.setenv(PIP_SPEC_VARIABLE, " git+https://example.invalid/r.git@0123abc ")
    assert pip_spec() == "git+https://example.invalid/r.git@0123abc"


def test_missing_langgraph_cli_names_our_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *_args, **_kwargs: None)
    with pytest.raises(DevServerError) as caught:
        devserver.find_langgraph_cli()
    assert f"pip install 'langgraph-reconciler[inmem]=={__version__}'" in str(caught.value)


def test_no_tracked_file_installs_the_foreign_reconciler_package() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = [
        f"{name}:{number}: {line.strip()}"
        for name in files
        if (REPO_ROOT / name).is_file() and name != "tests/test_distribution.py"
        for number, line in enumerate((REPO_ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
        if _FOREIGN_INSTALL.search(line)
    ]
    assert offenders == []


def test_no_tracked_file_points_outside_the_repository() -> None:
    found = subprocess.run(
        ["git", "grep", "-n", "-I", "-E", r"\.\./shared|LANGGRAPH_API\.md|DESIGN\.md|STYLE\.md"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    ).stdout.splitlines()
    assert [line for line in found if not line.startswith("tests/test_distribution.py:")] == []
