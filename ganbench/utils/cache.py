"""Process caches: module-level tables a process fills as it runs (fitted k-means cells, built tasks).

A cache holds state, not code: the same code must have the same identity before and after the first
value is cached (``ganbench.utils.code`` digests a module-level dict the code reads, and a cache that
has filled in one process and not in another would otherwise give two identities to one program).
Declaring a table a :class:`ProcessCache` tells the code walk to leave its contents out.
"""
from __future__ import annotations

from collections import OrderedDict


class ProcessCache(OrderedDict):
    """An ordered dict whose contents the code identity ignores; ``kept`` bounds it (oldest out)."""

    def __init__(self, kept: int | None = None):
        super().__init__()
        self.kept = kept

    def keep(self, key, value):
        """Store ``value`` under ``key``, dropping the oldest entry past ``kept``; returns ``value``."""
        if self.kept is not None and key not in self and len(self) >= self.kept:
            self.popitem(last=False)
        self[key] = value
        self.move_to_end(key)
        return value
