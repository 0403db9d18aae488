"""The 32x32 digit domains: the 8x8 digits upsampled, and images derived from them.

Every domain is a deterministic function of the upsampled digit, so each image keeps its digit's
class and every A image of a translation task has exactly one ground-truth target
(``ganbench.tasks.translation``):

- ``digits32``: the digit upsampled to 32x32 (bilinear, as PyTorch's ``interpolate`` computes it),
  values in [-1, 1];
- ``edges``: its Sobel gradient magnitude (a local mapping, like pix2pix's edges ↔ photos);
- ``thick``: grey dilation with a 5x5 square (stroke width changes everywhere, the digit does not);
- ``inverted``: its negative (every pixel changes; the simplest global appearance change);
- ``rotated``: rotated by 90 degrees counter-clockwise (a geometric change: most output pixels
  come from far-away input pixels; the CycleGAN paper, "Limitations and Discussion", reports
  little success on changes that need geometry).

Splits are ``digits``' fixed split (``ganbench.features.digits.load_digits_split``).
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

SIZE = 32


def upsample(x: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """(N, C, h, w) -> (N, C, size, size), bilinear (align_corners=False), clamped to [-1, 1]."""
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp_(-1, 1)


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return (x + 1) / 2


def from_unit(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] -> [-1, 1]."""
    return x * 2 - 1


def edges(a: torch.Tensor) -> torch.Tensor:
    """Sobel gradient magnitude of ``a`` (N, 1, H, W) in [0, 1], scaled by its maximum possible
    value (4√2 for a unit step) and mapped to [-1, 1]: dark background, bright outlines."""
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=a.dtype)
    k = torch.stack([kx, kx.T])[:, None]  # (2, 1, 3, 3)
    g = F.conv2d(F.pad(to_unit(a), (1, 1, 1, 1), mode="replicate"), k)
    mag = g.pow(2).sum(1, keepdim=True).sqrt() / (4 * 2**0.5)
    return from_unit(mag.clamp(0, 1))


def thicken(a: torch.Tensor, width: int = 5) -> torch.Tensor:
    """Grey dilation of ``a`` (N, 1, H, W) with a ``width`` x ``width`` square (max pooling, stride 1)."""
    return F.max_pool2d(a, width, stride=1, padding=width // 2)


def invert(a: torch.Tensor) -> torch.Tensor:
    return -a


def rotate(a: torch.Tensor) -> torch.Tensor:
    """``a`` (N, C, H, W) rotated by 90 degrees counter-clockwise (exact: a permutation of pixels)."""
    return torch.rot90(a, 1, (2, 3)).contiguous()


def identity(a: torch.Tensor) -> torch.Tensor:
    return a


DOMAINS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "digits32": identity, "edges": edges, "thick": thicken, "inverted": invert, "rotated": rotate}


def load_domain_split(domain: str, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, 32, 32) float32 in [-1, 1] of ``domain`` and their digit labels (N,) int64, for the
    digits' ``"train"`` or ``"test"`` split."""
    from ganbench.features.digits import load_digits_split

    if domain not in DOMAINS:
        raise ValueError(f"unknown digit domain {domain!r}; choose from {', '.join(DOMAINS)}")
    x, y = load_digits_split(split)
    return DOMAINS[domain](upsample(torch.from_numpy(x))), torch.from_numpy(y)
