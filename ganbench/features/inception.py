"""InceptionV3 features through torch-fidelity's ``inception-v3-compat`` network (the TTUR / FID
2015-12-05 TensorFlow graph, ported bit-exactly, with its TF1-exact bilinear resize to 299x299).

Weights never download: they come from an explicit path, ``GANBENCH_INCEPTION_WEIGHTS`` or
torch-fidelity's cache, and load with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import torch

from ganbench.features.base import Features, register_extractor
from ganbench.features.images import to_uint8_images
from ganbench.utils.device import exact_matmul, resolve_device

WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_SHA256_PREFIX = "6726825d"
WEIGHTS_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" + WEIGHTS_FILE
ENV_VAR = "GANBENCH_INCEPTION_WEIGHTS"


def find_weights(weights: str | os.PathLike | None = None) -> Path:
    """Resolve the weights file: argument, then $GANBENCH_INCEPTION_WEIGHTS, then torch-fidelity's cache."""
    if weights is not None:
        source, path = "argument", Path(weights)
    elif os.environ.get(ENV_VAR):
        source, path = ENV_VAR, Path(os.environ[ENV_VAR])
    else:
        source, path = "torch-fidelity cache", Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE
    if path.is_file():
        return path
    raise ValueError(
        f"InceptionV3 weights not found at {path} (from the {source}). ganbench never downloads them. "
        f"Get {WEIGHTS_FILE} (sha256 starts with {WEIGHTS_SHA256_PREFIX}) from {WEIGHTS_URL} on a machine "
        f"with internet, then pass weights=PATH, set {ENV_VAR}=PATH, or put it in torch-fidelity's cache "
        f"({Path(torch.hub.get_dir()) / 'checkpoints'})."
    )


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class InceptionExtractor:
    """2048-d pool features (for FID/KID/PR/DC) and unbiased logits (for IS) of uint8 images."""

    name = "inception"

    def __init__(self, weights=None, batch_size: int = 64, device="auto"):
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        self.weights = find_weights(weights)
        self.sha256 = file_sha256(self.weights)
        self.device = resolve_device(device)
        self.batch_size = int(batch_size)
        try:
            state = torch.load(self.weights, map_location="cpu", weights_only=True)
        except Exception as exc:  # a corrupt or foreign file: say which
            raise ValueError(f"could not load InceptionV3 weights from {self.weights}: {exc}") from exc
        # Given no weights, torch-fidelity downloads them; given a file, it unpickles it without the
        # weights-only guard. So it gets our own serialisation of the tensors loaded safely above.
        buffer = io.BytesIO()
        torch.save(state, buffer)
        buffer.seek(0)
        try:
            net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                              feature_extractor_weights_path=buffer)
        except RuntimeError as exc:
            raise ValueError(f"{self.weights} is not an InceptionV3 (inception-v3-compat) state dict: {exc}") from exc
        self.net = net.to(self.device)

    def spec(self) -> dict:
        return {
            "extractor": "inception",
            "network": "torch-fidelity inception-v3-compat",
            "resize": "tf1-bilinear-299",
            "weights_sha256": self.sha256,
            "weights_is_reference": self.sha256.startswith(WEIGHTS_SHA256_PREFIX),
        }

    @torch.no_grad()
    def __call__(self, samples) -> Features:
        images = to_uint8_images(samples)
        feats, logits = [], []
        # cuDNN TF32 would make features depend on the GPU generation.
        with exact_matmul():
            for batch in images.split(self.batch_size):
                f, lg = self.net(batch.to(self.device))
                feats.append(f.cpu().numpy())
                logits.append(lg.cpu().numpy())
        return Features(np.concatenate(feats), np.concatenate(logits))


@register_extractor("inception")
def _inception(**options) -> InceptionExtractor:
    return InceptionExtractor(**options)
