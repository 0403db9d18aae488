"""The 32x32 digit-domain classifiers: one small CNN per domain of ``ganbench.features.digit_domains``
(``digits32``, ``edges``, ``thick``, ``inverted``, ``rotated``), each trained by
``python -m ganbench.features.digits32_training`` on its domain's train split (1438 images) and scored
on its test split (359 images). Measured test accuracies of the shipped weights:

    digits32 0.9972, edges 0.9777, thick 0.9972, inverted 0.9944, rotated 0.9944

They serve image-to-image translation as its label-preservation score (the analogue of pix2pix's
FCN-score: the fraction of translated test images that the target domain's classifier assigns the
source image's class) and as the feature space of its FID, and 32x32 digit generators as their
feature extractor.

As extractors (``digits32`` for the domain ``digits32``, ``digits32-edges``, ``digits32-thick``,
``digits32-inverted``, ``digits32-rotated``) they map images (N, C, 32, 32) in [-1, 1] (or uint8),
one digit per channel (C = 3: stacked digits), to
- ``features``: penultimate activations (N, C·128);
- ``logits``: logits of the joint label (N, 10^C);
- ``labels``: the predicted digit per channel (N, C), and ``confidence``, its softmax probability (N, C).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from ganbench.features.base import Features, register_extractor
from ganbench.features.digit_domains import DOMAINS, SIZE
from ganbench.features.digits import as_tensor, classify_channels, to_float_images

FEATURE_DIM = 128
WEIGHTS_DIR = Path(__file__).parent / "weights"


def _check_domain(domain: str) -> None:
    if domain not in DOMAINS:
        raise ValueError(f"unknown digit domain {domain!r}; choose from {', '.join(DOMAINS)}")


def weights_path(domain: str) -> Path:
    """Where the shipped classifier of ``domain`` lives: ``ganbench/features/weights/digits32_<domain>.pt``."""
    _check_domain(domain)
    return WEIGHTS_DIR / f"digits32_{domain}.pt"


def extractor_name(domain: str) -> str:
    """The registered extractor of ``domain``: ``digits32`` for the domain ``digits32``, else ``digits32-<domain>``."""
    _check_domain(domain)
    return "digits32" if domain == "digits32" else f"digits32-{domain}"


class Digits32CNN(nn.Module):
    """conv16-pool-conv32-pool-conv64-pool-fc128-fc10 on (N, 1, 32, 32): 155,786 parameters and
    2.6 M multiply-adds per image (a couple of thousand images a second on one CPU thread)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16x16
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8x8
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4x4
            nn.Flatten(), nn.Linear(64 * 4 * 4, FEATURE_DIM), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURE_DIM, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.body(x)
        return f, self.head(f)


@lru_cache(maxsize=16)
def load_domain_classifier(domain: str, path: str | None = None) -> tuple[Digits32CNN, str]:
    """The shipped classifier of ``domain`` (or the one at ``path``) in eval mode, and its file's sha256."""
    _check_domain(domain)
    path = Path(path) if path else weights_path(domain)
    if not path.is_file():
        raise ValueError(f"digits32 classifier weights for domain {domain!r} not found at {path}; rebuild them "
                         f"with `python -m ganbench.features.digits32_training --domain {domain}`")
    net = Digits32CNN()
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return net.eval(), hashlib.sha256(path.read_bytes()).hexdigest()


def _as_float_images(samples, name: str) -> torch.Tensor:
    x = as_tensor(samples)
    if x.ndim != 4 or tuple(x.shape[2:]) != (SIZE, SIZE):
        raise ValueError(f"the {name} extractor takes images of shape (N, C, {SIZE}, {SIZE}) (one digit per "
                         f"channel), got {tuple(x.shape)}")
    return to_float_images(x)


class Digits32Extractor:
    """The classifier of one 32x32 digit domain as a feature extractor (CPU whatever the device)."""

    def __init__(self, domain: str, weights: str | None = None, batch_size: int = 1024):
        self.domain = domain
        self.name = extractor_name(domain)
        self.net, self.sha256 = load_domain_classifier(domain, str(weights) if weights else None)
        self.batch_size = batch_size

    def spec(self) -> dict:
        return {"extractor": self.name, "weights_sha256": self.sha256}

    def __call__(self, samples) -> Features:
        """Images (N, C, 32, 32), each channel one digit of this domain (C > 1: stacked digits)."""
        return classify_channels(self.net, _as_float_images(samples, self.name), self.batch_size, FEATURE_DIM)


def _factory(domain: str):
    name = extractor_name(domain)

    def make(weights=None, device=None, **options) -> Digits32Extractor:
        if options:
            raise ValueError(f"the {name} extractor takes only weights=, got {sorted(options)}")
        return Digits32Extractor(domain, weights)  # tiny CNN: runs on CPU whatever the device

    make.__name__ = make.__qualname__ = f"_{name.replace('-', '_')}"
    make.__doc__ = f"The {domain!r} domain's 32x32 digit classifier as an extractor."
    return register_extractor(name)(make)


for _domain in DOMAINS:
    _factory(_domain)
del _domain
