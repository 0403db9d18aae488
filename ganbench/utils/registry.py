"""The one decorator behind every ``register_*`` (extractors, tasks, task families, losses, steps)."""
from __future__ import annotations

from typing import Callable

from ganbench.utils.names import check_new_name


def registrar(table: dict, kind: str, transform: Callable = lambda obj: obj):
    """``register(name)`` decorators for ``table``: refuse names that break the naming rule
    (:mod:`ganbench.utils.names`), duplicates and names that collide with a registered one; store
    ``transform(obj)`` under ``name`` and return ``obj`` unchanged."""

    def register(name: str):
        def deco(obj):
            if isinstance(name, str) and name in table:
                raise ValueError(f"{kind} {name!r} is already registered; pick another name")
            check_new_name(name, kind, table)
            table[name] = transform(obj)
            return obj

        return deco

    return register
