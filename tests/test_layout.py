"""The package tree is the pipeline: each stage a package, imports only downward, no import circles.

Layers, lowest first (docs/development.md "Layout"): a module may import from its own layer or below, never above.
Every import counts, including those inside functions (a lazy import is still a dependency).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "r1eval"
LAYERS = (
    ("r1eval.types", "r1eval.errors", "r1eval.config", "r1eval.metrics", "r1eval.rating", "r1eval.comparable"),
    ("r1eval.task", "r1eval.sandbox", "r1eval.store"),
    ("r1eval.generate", "r1eval.grading"),
    ("r1eval.pipeline", "r1eval.reward"),
    ("r1eval.report",),
    ("r1eval.cli", "r1eval.__main__"),
)
FACADE = "r1eval"  # r1eval/__init__.py re-exports the public API; nothing inside the package imports it


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The r1eval modules `path` imports (`from r1eval.x import y` counts y when y is itself a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("r1eval"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("r1eval"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; the tree uses absolute r1eval.* imports")
    return {m for m in found if m in known}


def layer(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS and to docs/development.md")


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, known) - {name} for name, path in mods.items()}


def test_every_module_has_a_layer():
    for name in modules():
        if name != FACADE:
            layer(name)


def test_no_module_imports_a_higher_layer_or_the_facade():
    upward = []
    for name, deps in graph().items():
        if name == FACADE:
            continue
        for dep in deps:
            if dep == FACADE:
                upward.append(f"{name} imports the package facade `r1eval`")
            elif layer(dep) > layer(name):
                upward.append(f"{name} (layer {layer(name)}) imports {dep} (layer {layer(dep)})")
    assert not upward, "\n".join(sorted(upward))


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_circles():
    edges = {k: v for k, v in graph().items() if k != FACADE}
    cycle = find_cycle(edges)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_checker_finds_a_circle_and_an_upward_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert layer("r1eval.report.gate") > layer("r1eval.pipeline.run") > layer("r1eval.grading.extract")
    with pytest.raises(AssertionError):
        layer("r1eval.somewhere_new")
