"""What must be equal for two sets of records to be compared: the evaluation protocol and the budget
(not the variant's own hyper-parameters, which are what a comparison is about)."""
from __future__ import annotations

PROTOCOL_FIELDS = ("extractor", "weights_sha256", "n_real", "n_fake", "metrics", "eval_seed", "data",
                   "kid_subsets", "kid_subset_size", "kid_seed", "pr_k", "dc_k", "is_splits")


def protocol_key(record: dict) -> dict:
    """The comparable protocol of a record: its budget and evaluation protocol fields."""
    p = record.get("protocol", {})
    key = {k: p[k] for k in PROTOCOL_FIELDS if k in p}
    key["budget"] = record.get("budget", {})
    return key


def protocol_mismatch(a: dict, b: dict) -> list[str]:
    """Human-readable differences between two protocol keys (empty when they match)."""
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append(f"{k}: {a.get(k, 'missing')!r} vs {b.get(k, 'missing')!r}")
    return out
