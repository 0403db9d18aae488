"""InceptionV3 features through torch-fidelity's ``inception-v3-compat`` network (the TTUR / FID
2015-12-05 TensorFlow graph, ported bit-exactly, with its TF1-exact bilinear resize to 299x299).

The weights come from torch-fidelity's state dict or an NVIDIA-layout TorchScript file (with or
without the logits layer), converted to the same network: :mod:`ganbench.features.inception_weights`.
They never download here: an explicit path, ``GANBENCH_INCEPTION_WEIGHTS`` or the caches.
"""
from __future__ import annotations

import io

import numpy as np
import torch

from ganbench.features.base import Features, register_extractor
from ganbench.features.images import to_uint8_images
from ganbench.features.inception_weights import (  # noqa: F401  (re-exported: the public names of this module)
    ENV_VAR,
    REFERENCE_SHA256,
    TORCH_FIDELITY,
    file_sha256,
    find_weights,
    load_weights,
)
from ganbench.utils.device import exact_matmul, resolve_device

WEIGHTS_FILE = TORCH_FIDELITY.name
WEIGHTS_SHA256_PREFIX = TORCH_FIDELITY.sha256[:8]
WEIGHTS_URL = TORCH_FIDELITY.url


class InceptionExtractor:
    """2048-d pool features (for FID/KID/PR/DC) and unbiased logits (for IS) of uint8 images.

    ``has_logits`` is False for a features-only TorchScript: then ``Features.logits`` is None and the
    Inception Score refuses to run (it needs the 1008-way classifier)."""

    name = "inception"

    def __init__(self, weights=None, batch_size: int = 64, device="auto"):
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        self.weights = find_weights(weights)
        self.sha256 = file_sha256(self.weights)
        self.device = resolve_device(device)
        self.batch_size = int(batch_size)
        loaded = load_weights(self.weights)
        self.format, self.has_logits = loaded.format, loaded.has_logits
        # Given no weights, torch-fidelity downloads them; given a file, it unpickles it without the
        # weights-only guard. So it gets our own serialisation of the tensors loaded safely above.
        buffer = io.BytesIO()
        torch.save(loaded.state_dict, buffer)
        buffer.seek(0)
        outputs = ["2048", "logits_unbiased"] if self.has_logits else ["2048"]
        try:
            net = FeatureExtractorInceptionV3("inception-v3-compat", outputs, feature_extractor_weights_path=buffer)
        except RuntimeError as exc:
            raise ValueError(f"{self.weights} is not an InceptionV3 (inception-v3-compat) state dict: {exc}") from exc
        self.net = net.to(self.device)

    def spec(self) -> dict:
        return {
            "extractor": "inception",
            "network": "torch-fidelity inception-v3-compat",
            "resize": "tf1-bilinear-299",
            "weights_format": self.format,
            "weights_sha256": self.sha256,
            "weights_is_reference": self.sha256 in REFERENCE_SHA256,
        }

    @torch.no_grad()
    def __call__(self, samples) -> Features:
        images = to_uint8_images(samples)
        feats, logits = [], []
        # cuDNN TF32 would make features depend on the GPU generation.
        with exact_matmul():
            for batch in images.split(self.batch_size):
                out = self.net(batch.to(self.device))
                feats.append(out[0].cpu().numpy())
                if self.has_logits:
                    logits.append(out[1].cpu().numpy())
        return Features(np.concatenate(feats), np.concatenate(logits) if self.has_logits else None)


@register_extractor("inception")
def _inception(**options) -> InceptionExtractor:
    return InceptionExtractor(**options)
