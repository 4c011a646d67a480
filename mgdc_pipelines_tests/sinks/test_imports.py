"""The sink modules import each other without a cycle (type-only imports count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import mgdc_pipelines.sinks as sinks_package

PACKAGE = "mgdc_pipelines.sinks"


def sink_imports() -> dict[str, set[str]]:
    """Each module of the package → the modules of the package it imports (package itself aside)."""
    folder = Path(sinks_package.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        if path.stem == "__init__":
            continue
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
                imported.add(node.module.removeprefix(PACKAGE + "."))
            elif isinstance(node, ast.Import):
                imported |= {a.name.removeprefix(PACKAGE + ".") for a in node.names if a.name.startswith(PACKAGE + ".")}
        graph[path.stem] = imported
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return None
        for target in sorted(graph.get(module, ())):
            if cycle := visit(target, [*path, module]):
                return cycle
        done.add(module)
        return None

    return next((cycle for module in sorted(graph) if (cycle := visit(module, []))), None)


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_sink_modules_have_no_import_cycle():
    graph = sink_imports()
    assert "azure" not in graph["azure_writer"]  # the cycle issue 13 named
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))
