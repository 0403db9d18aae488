"""What a feature extractor is, and its registry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np


@dataclass
class Features:
    """Per-sample features (N, D); for classifiers also logits (N, K) and, for multi-channel inputs
    classified channel by channel, per-channel class predictions ``labels`` (N, C)."""

    features: np.ndarray
    logits: np.ndarray | None = None
    labels: np.ndarray | None = None


class Extractor(Protocol):
    name: str

    def protocol(self) -> dict:
        """What a record needs to know to reproduce these features (weights checksum, resize, ...)."""

    def __call__(self, samples) -> Features:
        """Samples (N, ...) as np.ndarray / torch.Tensor -> Features."""


EXTRACTORS: dict[str, Callable[..., Extractor]] = {}


def register_extractor(name: str):
    """Decorator registering an extractor factory under ``name`` (refuses duplicates)."""

    def deco(factory):
        if name in EXTRACTORS:
            raise ValueError(f"feature extractor {name!r} is already registered")
        EXTRACTORS[name] = factory
        return factory

    return deco


def get_extractor(name: str, **options) -> Extractor:
    """Build the extractor registered as ``name`` with its options (e.g. ``weights=...``)."""
    if name not in EXTRACTORS:
        raise ValueError(f"unknown feature extractor {name!r}; choose from {', '.join(sorted(EXTRACTORS))}")
    return EXTRACTORS[name](**options)
