"""The one decorator behind every ``register_*`` (extractors, tasks, task families, losses, steps)."""
from __future__ import annotations

from typing import Callable


def registrar(table: dict, kind: str, transform: Callable = lambda obj: obj):
    """``register(name)`` decorators for ``table``: refuse empty and duplicate names, store
    ``transform(obj)`` under ``name`` and return ``obj`` unchanged."""

    def register(name: str):
        def deco(obj):
            if not name or not isinstance(name, str):
                raise ValueError(f"{kind} name must be a non-empty string, got {name!r}")
            if name in table:
                raise ValueError(f"{kind} {name!r} is already registered; pick another name")
            table[name] = transform(obj)
            return obj

        return deco

    return register
