"""A trial's identity: (suite, task, variant, seed index), the seeds derived from it, and its id.

Seed rule: a trial's training seed is ``derive_seed(suite, task, variant, index)``, the first 8
bytes of SHA-256 of ``"ganbench/{suite}/{task}/{variant}/{index}"`` as an integer below 2^63. From
it, independent streams (``init``, ``data``, ``noise``, ``aux`` (penalty interpolation weights),
``eval``, ``select``, ...: :data:`STREAMS`) are seeded with
``derive_seed(str(seed), stream)``. A task's real reference set is drawn with ``REAL_EVAL_SEED``,
shared by every trial, so all trials are judged against the same real samples.

Trial ids are file names: ``{task}__{variant}__s{index}`` with each part made safe by
:func:`safe_name`, so no user string (``images:/data/faces``, ``../x``) can reach outside a folder.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# labels: the classes a conditional G is asked for; ppl: path-length latents; select: the samples judged
# against the selection reference at each budget point (disjoint from ``eval``'s, see ganbench.harness.trainer)
STREAMS = ("init", "data", "noise", "aux", "eval", "labels", "ppl", "select")
REAL_EVAL_SEED = 0
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]*")


def derive_seed(*parts) -> int:
    text = "ganbench/" + "/".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def stream_seed(seed: int, stream: str) -> int:
    if stream not in STREAMS:
        raise ValueError(f"unknown stream {stream!r}; streams are {', '.join(STREAMS)}")
    return derive_seed(seed, stream)


def safe_name(name: str) -> str:
    """``name`` itself when it is a plain file name (letters, digits, ``._+=-``, not starting with a
    dot, no ``__``); otherwise its characters outside that set replaced by ``_`` plus 8 hex digits of
    its SHA-256, so different names stay different and none contains a path separator."""
    if _SAFE.fullmatch(name) and "__" not in name and ".." not in name:
        return name
    cleaned = re.sub(r"[^A-Za-z0-9._+=-]+", "_", name).strip("._")[:48] or "x"
    cleaned = re.sub(r"_{2,}", "_", cleaned).replace("..", "_")
    return f"{cleaned}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def trial_id(task: str, variant: str, seed_index: int) -> str:
    return f"{safe_name(task)}__{safe_name(variant)}__s{int(seed_index)}"


@dataclass(frozen=True)
class TrialSpec:
    """One trial: seed ``seed_index`` of ``variant`` on ``task`` in ``suite``."""

    suite: str
    task: str
    variant: str
    seed_index: int

    @property
    def seed(self) -> int:
        return derive_seed(self.suite, self.task, self.variant, self.seed_index)

    @property
    def trial_id(self) -> str:
        return trial_id(self.task, self.variant, self.seed_index)

    def stream(self, name: str) -> int:
        """The seed of one of this trial's random streams (see :data:`STREAMS`)."""
        return stream_seed(self.seed, name)
