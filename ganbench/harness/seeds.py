"""Seed derivation: documented, stable, independent of which other trials run alongside.

A trial's training seed is ``derive_seed(suite, task, variant, index)``: the first 8 bytes of
SHA-256 of ``"ganbench/{suite}/{task}/{variant}/{index}"``, as an integer below 2^63. From it,
independent streams (``init``, ``data``, ``noise``, ``eval``) are seeded with
``derive_seed(str(seed), stream)``. The real reference set of a task is drawn with eval seed 0,
shared by every trial, so all trials are judged against the same real samples.
"""
from __future__ import annotations

import hashlib

STREAMS = ("init", "data", "noise", "eval")
REAL_EVAL_SEED = 0


def derive_seed(*parts) -> int:
    text = "ganbench/" + "/".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def stream_seed(seed: int, stream: str) -> int:
    if stream not in STREAMS:
        raise ValueError(f"unknown stream {stream!r}")
    return derive_seed(seed, stream)
