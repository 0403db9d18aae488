"""The layering of DESIGN.md holds: every module imports only its own layer and the layers below it
(imports inside functions included), so data flows one way and a newcomer can read bottom-up."""
import ast
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
TOP = {"__init__", "api", "cli", "testing"}


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


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        yield ".".join(rel.parts).removesuffix(".__init__"), path


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
