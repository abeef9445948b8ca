"""The layering of the package, read from every import statement (top level, inside functions, and
under ``if TYPE_CHECKING``) of every module in ``reconciler/``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

PACKAGE = REPO_ROOT / "reconciler"

CORE = (
    "errors",
    "locations",
    "spec",
    "yamlio",
    "documents",
    "overlay",
    "loading",
    "desired",
    "schema",
    "unknown_keys",
    "quickcheck",
    "semantics",
    "pins",
    "envrefs",
    "live",
    "diff",
    "plan",
    "planner",
    "admission",
    "redact",
    "render",
    "report",
    "scaffold",
    "progress",
    "smoke",
    "impact",
)
"""Modules (and packages) of the pure core: they receive the live state through a protocol."""

EDGE = (
    "",
    "__main__",
    "cli",
    "commands",
    "settings",
    "client",
    "devserver",
    "apply",
    "importing",
    "distribution",
    "gitrepo",
    "templates",
    "smoke_apply",
    "progress_display",
)
"""Modules that do I/O (network, processes, the terminal) or wire the core to it."""

ONLY_IMPORTED_BY = {
    "httpx": {"client"},
    "typer": {"cli"},
    "rich": {"cli", "progress_display"},
    "click": {"cli"},
    "yaml": {"yamlio"},
    "deepdiff": {"diff"},
    "jsonschema": {"schema"},
}
CORE_FORBIDDEN = {"httpx", "typer", "rich", "click", "subprocess"}
CORE_FORBIDDEN_INTERNAL = {"reconciler.cli", "reconciler.client", "reconciler.commands", "reconciler.devserver"}


def _module_name(path: Path) -> str:
    """``reconciler/render/text.py`` -> ``render.text``; ``reconciler/render/__init__.py`` -> ``render``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    """The package a relative import in ``path`` starts from: ``reconciler/render/text.py`` -> ``reconciler.render``."""
    return ".".join(path.parent.relative_to(PACKAGE.parent).parts)


def _resolve_relative(package: str, node: ast.ImportFrom) -> str:
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(source: str, package: str = "reconciler") -> set[str]:
    """Every module named by an import anywhere in ``source`` (``from a.b import c`` gives ``a.b`` and
    ``a.b.c``, since ``c`` may itself be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(package, node) if node.level else node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def _package_imports() -> dict[str, set[str]]:
    return {
        _module_name(path): imports_of(path.read_text(encoding="utf-8"), _package_of(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


IMPORTS = _package_imports()


def _is_core(module: str) -> bool:
    return module.split(".")[0] in CORE


def test_the_import_collector_sees_every_kind_of_import() -> None:
    source = (
        "import os.path\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from httpx import Client\n"
        "def f():\n"
        "    import yaml\n"
        "    class C:\n"
        "        def g(self):\n"
        "            from deepdiff import DeepDiff\n"
        "from . import spec\n"
        "from .desired import Path\n"
        "from ..errors import Problem\n"
    )
    assert imports_of(source, "reconciler.render") == {
        "os.path",
        "typing",
        "typing.TYPE_CHECKING",
        "httpx",
        "httpx.Client",
        "yaml",
        "deepdiff",
        "deepdiff.DeepDiff",
        "reconciler.render",
        "reconciler.render.spec",
        "reconciler.render.desired",
        "reconciler.render.desired.Path",
        "reconciler.errors",
        "reconciler.errors.Problem",
    }


def test_core_modules_exist() -> None:
    assert {"spec", "desired", "diff", "plan", "planner", "redact", "live", "loading", "schema"} <= set(IMPORTS)


@pytest.mark.parametrize("library", sorted(ONLY_IMPORTED_BY))
def test_library_is_imported_only_by_its_owner(library: str) -> None:
    importers = {module for module, names in IMPORTS.items() if library in _top_level(names)}
    assert importers <= ONLY_IMPORTED_BY[library]


@pytest.mark.parametrize(
    ("library", "owner"),
    [("httpx", "client"), ("typer", "cli"), ("yaml", "yamlio"), ("deepdiff", "diff"), ("jsonschema", "schema")],
)
def test_owner_really_imports_its_library(library: str, owner: str) -> None:
    """Keeps the rules above from passing vacuously (a lazy import inside a function still counts)."""
    assert library in _top_level(IMPORTS[owner])


def test_core_imports_no_io_or_cli_library() -> None:
    offenders = {
        module: sorted(_top_level(names) & CORE_FORBIDDEN)
        for module, names in IMPORTS.items()
        if _is_core(module) and _top_level(names) & CORE_FORBIDDEN
    }
    assert offenders == {}


def test_core_imports_no_edge_module() -> None:
    offenders = {
        module: sorted(
            name for name in names if any(name == edge or name.startswith(edge + ".") for edge in
                                          CORE_FORBIDDEN_INTERNAL)
        )
        for module, names in IMPORTS.items()
        if _is_core(module)
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in CORE or EDGE, so that the rules above cover it."""
    unplaced = sorted(module for module in IMPORTS if module.split(".")[0] not in (*CORE, *EDGE))
    assert unplaced == []


def _internal_graph() -> dict[str, set[str]]:
    modules = set(IMPORTS)
    graph: dict[str, set[str]] = {}
    for module, names in IMPORTS.items():
        targets = {name.removeprefix("reconciler.") for name in names if name.startswith("reconciler.")}
        graph[module] = {target for target in targets if target in modules and target != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target):], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    """Lazy imports inside functions count: a cycle hidden in a function is still a cycle."""
    assert _cycles(_internal_graph()) == []
