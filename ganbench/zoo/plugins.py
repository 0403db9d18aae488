"""Loading user plugins: a Python file or an importable module that calls ``register_loss`` /
``register_variant`` at import time."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

_LOADED: dict[str, object] = {}


def load_plugin(spec: str):
    """Import ``spec`` (a path to a ``.py`` file, or a dotted module name) once; returns the module."""
    key = str(Path(spec).resolve()) if spec.endswith(".py") else spec
    if key in _LOADED:
        return _LOADED[key]
    if spec.endswith(".py"):
        path = Path(spec)
        if not path.is_file():
            raise ValueError(f"plugin file {spec} does not exist")
        name = f"ganbench_plugin_{path.stem}"
        mod_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[name] = module
        try:
            mod_spec.loader.exec_module(module)
        except Exception as exc:  # a syntax error or an exception at import: the user's file, say where
            sys.modules.pop(name, None)
            where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
            raise ValueError(f"plugin {spec} failed to load{where}: {type(exc).__name__}: {exc}") from None
    else:
        try:
            module = importlib.import_module(spec)
        except ImportError as exc:
            raise ValueError(f"cannot import plugin module {spec!r}: {exc}") from None
        except Exception as exc:
            raise ValueError(f"plugin module {spec!r} failed to load: {type(exc).__name__}: {exc}") from None
    _LOADED[key] = module
    return module
