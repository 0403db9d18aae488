"""The identity extractor: samples are their own features (2-D mixtures, precomputed features)."""
from __future__ import annotations

import numpy as np
import torch

from ganbench.features.base import Features, register_extractor


class IdentityExtractor:
    name = "identity"

    def spec(self) -> dict:
        return {"extractor": "identity"}

    def __call__(self, samples) -> Features:
        x = samples.detach().cpu().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples)
        if x.ndim < 2:
            raise ValueError(f"samples must have shape (N, ...), got shape {x.shape}")
        return Features(x.reshape(len(x), -1))


@register_extractor("identity")
def _identity(device=None, **options) -> IdentityExtractor:  # samples are features: no device needed
    if options:
        raise ValueError(f"the identity extractor takes no options, got {sorted(options)}")
    return IdentityExtractor()
