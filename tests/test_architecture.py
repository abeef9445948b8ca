"""The layering of the package, read from every import statement (top level, inside functions, and
under ``if TYPE_CHECKING``) of every module in ``reconciler/``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

PACKAGE = REPO_ROOT / "reconciler"

LAYERS = {
    "errors": "core",
    "redact": "core",
    "secrets": "core",
    "jsonvalues": "core",
    "desired": "core",
    "desired.gitrepo": "edge",
    "validation": "core",
    "server": "edge",
    "server.live": "core",
    "server.semantics": "core",
    "server.answers": "core",
    "server.http": "edge",
    "server.reads": "edge",
    "server.writes": "edge",
    "server.batches": "edge",
    "server.client": "edge",
    "planning": "core",
    "planning.request": "core",
    "planning.actions": "core",
    "planning.graph_checks": "core",
    "planning.spec_planner": "core",
    "planning.leftovers": "core",
    "planning.planner": "core",
    "applying": "core",
    "applying.apply": "edge",
    "applying.smoke_apply": "edge",
    "applying.progress_display": "edge",
    "render": "core",
    "adoption": "edge",
    "adoption.scaffold": "core",
    "commands": "edge",
    "commands.startup": "edge",
    "settings": "edge",
    "cli": "edge",
    "": "edge",
    "__main__": "edge",
}
"""Each module's layer, by its longest listed prefix: the pure core receives the live state through a protocol;
the edge does I/O (network, processes, the terminal, files) or wires the core to it."""

STAGES = ("desired", "validation", "planning", "applying", "render", "adoption", "commands")
"""The pipeline's rooms in the order data flows through them: a stage never imports a later one."""

ONLY_IMPORTED_BY = {
    "httpx": {"server.http"},
    "typer": {"cli", "commands.options"},  # the shared flags are typer declarations, kept apart to keep cli small
    "rich": {"cli", "applying.progress_display"},
    "click": {"cli"},
    "yaml": {"desired.yamlio", "desired.yamldump"},
    "jsonschema": {"validation.schema"},
    "jsonschema_rs": {"validation.fastpath"},
}
CORE_FORBIDDEN = {"httpx", "typer", "rich", "click", "subprocess"}
CORE_FORBIDDEN_INTERNAL = {"reconciler.cli", "reconciler.server.client", "reconciler.server.http",
                           "reconciler.commands", "reconciler.server.devserver"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    for length in range(len(parts), -1, -1):
        prefix = ".".join(parts[:length])
        if prefix in LAYERS and (length or module == ""):
            return LAYERS[prefix]
    return None


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
    return layer_of(module) == "core"


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
        "            from jsonschema import Draft7Validator\n"
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
        "jsonschema",
        "jsonschema.Draft7Validator",
        "reconciler.render",
        "reconciler.render.spec",
        "reconciler.render.desired",
        "reconciler.render.desired.Path",
        "reconciler.errors",
        "reconciler.errors.Problem",
    }


def test_core_modules_exist() -> None:
    assert {
        "desired.spec", "desired.state", "planning.diff", "planning.plan", "planning.planner", "redact", "secrets",
        "server.live", "desired.loading", "validation.schema",
    } <= set(IMPORTS)


@pytest.mark.parametrize("library", sorted(ONLY_IMPORTED_BY))
def test_library_is_imported_only_by_its_owner(library: str) -> None:
    importers = {module for module, names in IMPORTS.items() if library in _top_level(names)}
    assert importers <= ONLY_IMPORTED_BY[library]


@pytest.mark.parametrize(
    ("library", "owner"),
    [
        ("httpx", "server.http"),
        ("typer", "commands.options"),
        ("yaml", "desired.yamldump"),
        ("typer", "cli"),
        ("yaml", "desired.yamlio"),
        ("jsonschema", "validation.schema"),
        ("jsonschema_rs", "validation.fastpath"),
    ],
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
    unplaced = sorted(module for module in IMPORTS if layer_of(module) is None)
    assert unplaced == []


def test_every_module_lives_in_a_stage_package() -> None:
    """The top level keeps what every stage shares (errors, JSON equality, the rules of what is secret,
    redaction, settings) and the entry points."""
    packages = {module.split(".")[0] for module in IMPORTS if "." in module}
    top_level = sorted(module for module in IMPORTS if "." not in module and module not in packages)
    assert top_level == ["", "__main__", "cli", "errors", "jsonvalues", "redact", "secrets", "settings"]


def _stage(module: str) -> str | None:
    return next((stage for stage in STAGES if module == stage or module.startswith(stage + ".")), None)


def test_no_stage_imports_a_later_stage() -> None:
    offenders = []
    for module, names in IMPORTS.items():
        stage = _stage(module)
        if stage is None:
            continue
        for name in names:
            target = _stage(name.removeprefix("reconciler.")) if name.startswith("reconciler.") else None
            if target is not None and STAGES.index(target) > STAGES.index(stage):
                offenders.append(f"{module} -> {name}")
    assert offenders == []


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
