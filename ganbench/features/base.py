"""What a feature extractor is, and its registry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from ganbench.utils.registry import registrar


@dataclass
class Features:
    """Per-sample features (N, D); for classifiers also logits (N, K) and, for multi-channel inputs
    classified channel by channel, per-channel class predictions ``labels`` (N, C) and the
    classifier's probability of each prediction, ``confidence`` (N, C)."""

    features: np.ndarray
    logits: np.ndarray | None = None
    labels: np.ndarray | None = None
    confidence: np.ndarray | None = None


class Extractor(Protocol):
    name: str

    def spec(self) -> dict:
        """The extractor's identity: what a record needs to know to reproduce these features (weights checksum, resize, ...)."""

    def __call__(self, samples) -> Features:
        """Samples (N, ...) as np.ndarray / torch.Tensor -> Features."""


EXTRACTORS: dict[str, Callable[..., Extractor]] = {}


# register_extractor(name): a decorator registering an extractor factory under ``name``.
register_extractor = registrar(EXTRACTORS, "feature extractor")


def get_extractor(name: str, **options) -> Extractor:
    """Build the extractor registered as ``name`` with its options (``device=``, and e.g. ``weights=``).
    Every factory accepts ``device``; one that computes on the CPU whatever the device says so."""
    if name not in EXTRACTORS:
        raise ValueError(f"unknown feature extractor {name!r}; choose from {', '.join(sorted(EXTRACTORS))}")
    return EXTRACTORS[name](**options)
