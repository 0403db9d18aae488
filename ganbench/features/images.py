"""Image conventions shared by the image extractors: ganbench samples are float in [-1, 1]
(generator tanh output) or uint8 in [0, 255], shaped (N, C, H, W) with C in {1, 3}."""
from __future__ import annotations

import numpy as np
import torch


def to_uint8_images(samples, name: str = "samples") -> torch.Tensor:
    """(N, C, H, W) float in [-1, 1] or uint8 -> uint8 (N, 3, H, W); grayscale is repeated to RGB.

    Float images are quantised as round((x + 1) * 127.5), which is what saving them to PNG does,
    so features of generated samples match features of the same samples saved and reloaded.
    """
    x = torch.as_tensor(samples) if isinstance(samples, np.ndarray) else samples
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be an array of images (N, C, H, W), got {type(samples).__name__}")
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(
            f"{name} must be images of shape (N, C, H, W) with C = 1 or 3, got {tuple(x.shape)}; "
            "channels-last arrays need x.transpose(0, 3, 1, 2)"
        )
    if x.dtype != torch.uint8:
        x = x.to(torch.float64)
        if not torch.isfinite(x).all():
            raise ValueError(f"{name} contains NaN or Inf")
        if x.min() < -1.0 - 1e-3 or x.max() > 1.0 + 1e-3:
            raise ValueError(
                f"float {name} must lie in [-1, 1] (tanh outputs), got [{float(x.min()):.3g}, {float(x.max()):.3g}]; "
                "pass uint8 images for [0, 255] data"
            )
        x = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    return x
