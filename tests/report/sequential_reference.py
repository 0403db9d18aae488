"""Frozen random families of comparisons and the decisions ``decide_all`` gave them before issue 41
(one hypothesis per question), kept in ``data/decide_all_reference.json``: the budget-resolved
procedure must give the same decisions where every question has one budget. Do not change this
generator: the saved outputs belong to its draws (their digest is saved beside them)."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from ganbench.report.sequential import Design

REFERENCE = Path(__file__).with_name("data") / "decide_all_reference.json"
_LOOKS = [(5, 10, 15, 20), (3, 7, 12, 20), (2, 4, 6), (4, 8), (10,), (4, 6, 8, 10, 12, 14)]


def _values(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    kind = rng.integers(0, 5)
    if kind == 0:  # normal, effects from none to overwhelming, so that looks stop and alpha moves on
        shift = rng.choice([0.0, 0.0, 0.5, 1.0, 2.0, 4.0, -2.0, 8.0])
        return rng.normal(shift, 1, n), rng.normal(0, rng.uniform(0.3, 2), n)
    if kind == 1:  # counts with ties
        return rng.choice([8.0, 7.0, 6.0], n), rng.choice([8.0, 7.0, 6.0, 4.0], n)
    if kind == 2:  # constant groups (a count at its ceiling)
        return np.full(n, float(rng.integers(6, 9))), np.full(n, float(rng.integers(6, 9)))
    if kind == 3:  # a diverged seed of an unbounded metric
        a, b = rng.normal(0, 1, n), rng.normal(rng.choice([0.0, 3.0]), 1, n)
        a[rng.integers(n)] = np.inf
        return a, b
    a, b = rng.normal(0, 0.2, n), rng.normal(rng.choice([0.0, 0.05]), 0.2, n)  # near-equal: equivalence
    return a, b


def reference_families(seed: int = 41):
    """``(pairs, design, alpha)`` triples: 300 sequential families (pairs that stopped at earlier looks
    among them) and 150 fixed-sample ones (sides of different sizes)."""
    rng = np.random.default_rng(seed)
    for _ in range(300):
        looks = _LOOKS[rng.integers(len(_LOOKS))]
        design = Design(looks, alpha=float(rng.choice([0.05, 0.1, 0.01])))
        pairs = []
        for _ in range(rng.integers(1, 6)):
            n = int(looks[rng.integers(len(looks))]) if rng.random() < 0.4 else looks[-1]
            a, b = _values(rng, n)
            pairs.append((a, b, bool(rng.integers(2)), float(rng.choice([0.1, 0.5, 1.0])) if rng.integers(2) else None))
        yield pairs, design, None
    for _ in range(150):
        pairs = []
        for _ in range(rng.integers(1, 6)):
            n, n2 = int(rng.integers(2, 13)), int(rng.integers(2, 13))
            a, b = _values(rng, max(n, n2))
            pairs.append((a[:n], b[:n2], bool(rng.integers(2)),
                          float(rng.choice([0.1, 0.5, 1.0])) if rng.integers(2) else None))
        yield pairs, None, float(rng.choice([0.05, 0.1]))


def digest(families) -> str:
    h = hashlib.sha256()
    for pairs, _, _ in families:
        for a, b, higher, margin in pairs:
            h.update(np.asarray(a, float).tobytes())
            h.update(np.asarray(b, float).tobytes())
            h.update(repr((higher, margin)).encode())
    return h.hexdigest()


def decision_key(d) -> list:
    """A decision as JSON: floats by repr (NaN as None), so that a saved value reads back exactly."""
    def num(x):
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else x

    return [d.verdict, bool(d.stop), int(d.n), int(d.look), num(float(d.p)), num(float(d.threshold)),
            None if d.seeds_needed is None else int(d.seeds_needed)]


def load() -> dict:
    return json.loads(REFERENCE.read_text())
