"""The built-in digits classifier: a small CNN for 8x8 digits, trained by
``python -m ganbench.features.digits_training`` on the digits train split defined here.

The data are scikit-learn's 8x8 digits (UCI optdigits test set, 1797 images, 10 classes), pixels
0..16 scaled to [-1, 1] as ``x / 8 - 1``. The split is fixed and independent of any library's
shuffling: image ``i`` is in the test split when ``i % 5 == 4`` (359 images), otherwise in the train
split (1438 images). The classifier trains on the train split and is scored on the test split.

As an extractor (``digits``) it maps images (N, C, 8, 8) in [-1, 1] (or uint8) to
- ``features``: penultimate activations, 128 per channel, concatenated over channels (N, 128 C),
  for ``fid[digits]``, ``kid[digits]``, ``pr[digits]``;
- ``labels``: the predicted digit of every channel (N, C), for mode counting, and ``confidence``,
  the softmax probability of that prediction (N, C), which decides whether a sample is recognisable;
- ``logits``: class logits (N, 10) for one channel; for C channels the joint log-probabilities
  over the 10^C digit tuples (channels are classified independently), for ``is[digits]``.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ganbench.features.base import Features, register_extractor

TEST_EVERY, TEST_OFFSET = 5, 4
WEIGHTS = Path(__file__).parent / "weights" / "digits_cnn.pt"
FEATURE_DIM = 128



@lru_cache(maxsize=None)
def _all_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images.astype(np.float32) / 8.0 - 1.0)[:, None]  # (1797, 1, 8, 8) in [-1, 1]
    return x, d.target.astype(np.int64)


def load_digits_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 1, 8, 8) float32 in [-1, 1] and labels (N,) of the ``"train"`` or ``"test"`` split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    x, y = _all_digits()
    test = np.arange(len(x)) % TEST_EVERY == TEST_OFFSET
    keep = test if split == "test" else ~test
    return x[keep], y[keep]


class DigitsCNN(nn.Module):
    """conv32-pool-conv64-pool-fc128-fc10 on (N, 1, 8, 8): about 55k parameters and 0.35 M
    multiply-adds per image, so the 78,000 channels of a stacked-digits evaluation take about a second."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4x4
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 2x2
            nn.Flatten(), nn.Linear(256, FEATURE_DIM), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURE_DIM, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.body(x)
        return f, self.head(f)


@lru_cache(maxsize=4)
def load_classifier(path: str | None = None) -> tuple[DigitsCNN, str]:
    """The shipped classifier (or the one at ``path``) in eval mode, and its file's sha256."""
    path = Path(path) if path else WEIGHTS
    if not path.is_file():
        raise ValueError(f"digits classifier weights not found at {path}; "
                         "rebuild them with `python -m ganbench.features.digits_training`")
    net = DigitsCNN()
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return net.eval(), hashlib.sha256(path.read_bytes()).hexdigest()


def _as_float_images(samples) -> torch.Tensor:
    x = as_tensor(samples)
    if x.ndim != 4 or tuple(x.shape[2:]) != (8, 8):
        raise ValueError(f"the digits extractor takes images of shape (N, C, 8, 8), got {tuple(x.shape)}")
    return to_float_images(x)


def as_tensor(samples) -> torch.Tensor:
    """Samples (np.ndarray or tensor) as a CPU tensor."""
    return torch.as_tensor(np.asarray(samples)) if not isinstance(samples, torch.Tensor) else samples.detach().cpu()


def to_float_images(x: torch.Tensor) -> torch.Tensor:
    """uint8 images (0..255) or float images as float32 in [-1, 1]; NaN/Inf refused."""
    if x.dtype == torch.uint8:
        return x.float() / 127.5 - 1.0
    x = x.float()
    if not torch.isfinite(x).all():
        raise ValueError("samples contain NaN or Inf")
    return x


class DigitsExtractor:
    name = "digits"

    def __init__(self, weights: str | None = None, batch_size: int = 4096):
        self.net, self.sha256 = load_classifier(str(weights) if weights else None)
        self.batch_size = batch_size

    def spec(self) -> dict:
        return {"extractor": "digits", "weights_sha256": self.sha256}

    @torch.no_grad()
    def __call__(self, samples) -> Features:
        return classify_channels(self.net, _as_float_images(samples), self.batch_size, FEATURE_DIM)


@torch.no_grad()
def classify_channels(net, x: torch.Tensor, batch_size: int, feature_dim: int) -> Features:
    """Features of images x (N, C, H, W) from a one-channel digit classifier ``net`` (x -> (features,
    logits)), channel by channel: features concatenated (N, C·feature_dim), per-channel ``labels`` and
    ``confidence`` (N, C), and logits of the joint label (N, 10^C): channels are independent digits,
    log p(d1..dC) = Σ_c log p_c(d_c) (stacked digits' 10^C modes)."""
    n, c = x.shape[:2]
    flat = x.reshape(n * c, 1, *x.shape[2:])
    feats, logits = [], []
    for s in range(0, len(flat), batch_size):
        f, lg = net(flat[s : s + batch_size])
        feats.append(f)
        logits.append(lg)
    f = torch.cat(feats).reshape(n, c * feature_dim) if feats else torch.zeros(0, c * feature_dim)
    lg = torch.cat(logits).reshape(n, c, 10) if logits else torch.zeros(0, c, 10)
    prob, labels = torch.softmax(lg.double(), -1).max(-1)
    if c == 1:
        joint = lg[:, 0]
    else:
        logp = torch.log_softmax(lg.double(), -1)
        joint = logp[:, 0]
        for k in range(1, c):
            joint = (joint[:, :, None] + logp[:, k, None, :]).reshape(n, -1)
        joint = joint.float()
    return Features(f.numpy(), joint.numpy(), labels.numpy(), prob.float().numpy())


@register_extractor("digits")
def _digits(weights=None, device=None, **options) -> DigitsExtractor:
    if options:
        raise ValueError(f"the digits extractor takes only weights=, got {sorted(options)}")
    return DigitsExtractor(weights)  # tiny CNN: runs on CPU whatever the device
