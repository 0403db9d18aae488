"""What must be equal for two sets of records to be compared: the evaluation protocol and the budget
(not the variant's own hyper-parameters, which are what a comparison is about)."""
from __future__ import annotations

from ganbench.metrics.defaults import DEFAULTS

# The task's data and sample counts, the extractor and its weights, the real reference seed, and
# every metric option of the one table of defaults (a record lists those its metrics read).
COMPARABLE_FIELDS = ("extractor", "weights_sha256", "n_real", "n_fake", "metrics", "real_seed", "data", "generator",
                     "revision", *DEFAULTS)


def comparable_key(record: dict) -> dict:
    """The comparable protocol of a record: its budget and evaluation protocol fields."""
    p = record.get("protocol", {})
    key = {k: p[k] for k in COMPARABLE_FIELDS if k in p}
    key["budget"] = record.get("budget", {})
    return key


def key_differences(a: dict, b: dict) -> list[str]:
    """Human-readable differences between two comparable keys (empty when they match)."""
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append(f"{k}: {a.get(k, 'missing')!r} vs {b.get(k, 'missing')!r}")
    return out
