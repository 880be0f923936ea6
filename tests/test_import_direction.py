"""Imports point down: jixiao/ and deployments/ (entry points) -> flows/ -> tasks/ -> expectations/ ->
warehouse/. A module may import its own layer or any layer below, never one above, and no import
circle may form between modules (a function-level import counts: it is a dependency all the same)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Rank of each top-level package: higher may import lower, never the reverse.
LAYERS = {"warehouse": 0, "expectations": 1, "tasks": 2, "flows": 3, "jixiao": 4, "deployments": 4}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import of a project package in `path`, relative ones resolved."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
            # `from package import module` imports the module: count it as such where it is one
            names = [f"{names[0]}.{alias.name}" if _is_module(f"{names[0]}.{alias.name}") else names[0]
                     for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in LAYERS:
                yield node.lineno, name


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _project_modules() -> dict[str, Path]:
    return {_module_name(path): path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` refers to (a name imported from a module resolves to that module)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for module, path in _project_modules().items():
        rank = LAYERS[module.split(".")[0]]
        for line, name in _imports(path):
            if LAYERS[name.split(".")[0]] > rank:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not upward, "imports pointing up the layers:\n" + "\n".join(dict.fromkeys(upward))


def test_no_import_circle_between_modules() -> None:
    modules = _project_modules()
    graph = {module: sorted({target for _, name in _imports(path)
                             if (target := _resolve(name, modules)) and target != module})
             for module, path in modules.items()}
    # A package's __init__ importing its own submodules is how packages re-export: not a circle.
    graph = {module: [t for t in targets if not (module and t.startswith(module + "."))]
             for module, targets in graph.items()}
    circles = _cycles(graph)
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(cycle) for cycle in circles)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(("source", "expected"), [
    ("from flows.settings import Settings\n", "flows.settings"),
    ("import warehouse.db\n", "warehouse.db"),
    ("from . import models\n", "tasks.models"),
])
def test_the_checker_sees_each_form_of_import(source: str, expected: str) -> None:
    # A checker that saw no imports would pass everything: show it reads each form.
    probe = ROOT / "tasks" / "_import_probe_for_test.py"
    probe.write_text(source, encoding="utf-8")
    try:
        assert expected in [name for _, name in _imports(probe)]
    finally:
        probe.unlink()
