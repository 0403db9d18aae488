"""The layering holds (docs/development.md, "Layout"): every module imports only its own layer and the
layers below it, and no module imports itself back through others (imports inside functions
included), so data flows one way and a newcomer can read bottom-up."""
import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ganbench"

# layer -> the ganbench layers its modules may import (besides itself). The top (api, cli, the pytest
# plugin and the package root) may import anything.
ALLOWED = {
    "_version": set(),
    "utils": {"_version"},
    "records": {"utils"},
    "metrics": {"utils"},
    "features": {"metrics", "utils"},
    "tasks": {"features", "metrics", "utils"},
    "evaluation": {"tasks", "features", "metrics", "records", "utils"},
    "zoo": {"utils"},
    "harness": {"records", "evaluation", "zoo", "tasks", "features", "metrics", "utils"},
    "runner": {"harness", "records", "evaluation", "tasks", "zoo", "metrics", "utils", "claims"},
    "claims": {"metrics", "utils"},
    "report": {"records", "metrics", "tasks", "utils", "claims"},
}
TOP = {"__init__", "api", "adaptive", "tuning", "cli", "testing"}


def _layer(module: str) -> str:
    """``ganbench.records.trial`` -> ``records``; ``ganbench`` itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _modules(package: Path = PACKAGE):
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        yield ".".join(rel.parts).removesuffix(".__init__"), path


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports, at module level or inside functions (relative
    imports resolved). ``from pkg.sub import name`` is an edge to ``pkg.sub.name`` when that is a
    module, else to ``pkg.sub``; an import of ``a.b.c`` is not an edge to the packages ``a`` and
    ``a.b`` that Python initialises on the way (the convention of import-linter)."""
    mods = dict(_modules(package))
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        here = m.split(".") if path.name == "__init__.py" else m.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in mods:  # ganbench.x.func -> ganbench.x
                    name = name.rpartition(".")[0]
                if name and name != m:
                    graph[m].add(name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan 1972): each is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            component.append(v)
            if len(component) > 1:
                out.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return out


def test_no_import_circles():
    found = circles(import_graph())
    assert not found, "import circles (module-level or inside functions): " + "; ".join(" <-> ".join(c) for c in found)


def test_a_circle_through_a_function_level_import_is_found(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub.b import g\n")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def g():\n    from ..a import f\n    return f\n")
    (pkg / "c.py").write_text("import pkg.a\n")  # reaches the circle, is not on it
    assert circles(import_graph(pkg)) == [["pkg.a", "pkg.sub.b"]]
    (pkg / "sub" / "b.py").write_text("def g():\n    return 1\n")
    assert circles(import_graph(pkg)) == []


@pytest.mark.parametrize("module,path", list(_modules()), ids=lambda x: x if isinstance(x, str) else "")
def test_no_upward_import(module, path):
    layer = _layer(module)
    if layer in TOP:
        return
    assert layer in ALLOWED, f"{module}: layer {layer!r} is not in the layering table; add it to DESIGN.md and here"
    bad = sorted({imp for imp in _imports(path) if imp.split(".")[0] == "ganbench"
                  and _layer(imp) != layer and _layer(imp) not in ALLOWED[layer]})
    assert not bad, f"{module} ({layer}) imports {bad}, above or beside its layer"


def test_every_layer_is_known():
    layers = {_layer(m) for m, _ in _modules()}
    assert layers <= set(ALLOWED) | TOP, layers - set(ALLOWED) - TOP
