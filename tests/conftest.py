import numpy as np
import pytest
import torch


def relu_features(rng, n, d, shift=0.0, rank=32):
    """Inception-like features: ReLU of a low-rank projection (as in benchmarks/conftest.py), float32."""
    z = rng.standard_normal((n, rank))
    w = rng.standard_normal((rank, d)) / np.sqrt(rank)
    return np.maximum(z @ w + shift, 0).astype(np.float32)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def feature_pair(rng):
    """Two well-conditioned float32 feature sets of shape (1500, 64) that differ by a shift."""
    return relu_features(rng, 1500, 64), relu_features(rng, 1500, 64, shift=0.3)


@pytest.fixture(autouse=True)
def _deterministic():
    torch.manual_seed(0)
