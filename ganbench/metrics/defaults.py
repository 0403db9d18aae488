"""The one table of metric defaults, read by the metric adapters, the evaluation layer, the CLI and
the protocol key that decides whether two records are comparable (torch-fidelity keeps its
defaults the same way, in ``defaults.py``).

Every option here changes a number, so every one is recorded in a record's protocol.
"""
from __future__ import annotations

DEFAULTS: dict = {
    "fid_precision": "mixed",  # Gram products of float32 features: "mixed" (float32 blocks, float64 sums) | "float64"
    "kid_subsets": 100,  # KID subsets (Binkowski et al. 2018; torch-fidelity's default)
    "kid_subset_size": 1000,  # samples per KID subset (capped at the smaller set's size; the cap is recorded)
    "kid_seed": 0,  # seed of the KID subset draws
    "kid_precision": "mixed",  # as fid_precision, for the KID Gram products
    "pr_k": 3,  # k of the k-NN balls of precision/recall (Kynkaanniemi et al. 2019)
    "dc_k": 5,  # k of density/coverage (Naeem et al. 2020)
    "is_splits": 10,  # Inception Score splits (Salimans et al. 2016)
}


def resolve(keys, options: dict | None = None) -> dict:
    """``{key: options.get(key, DEFAULTS[key])}`` for ``keys``; an option not in the table is an error."""
    options = dict(options or {})
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown metric option(s) {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    return {k: options.get(k, DEFAULTS[k]) for k in keys}
