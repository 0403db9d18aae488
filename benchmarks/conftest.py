import os

import numpy as np
import pytest
import torch

# Sizes default to the reference protocol of the anchor measurements (N = 50k / 10k, D = 2048); shrink with GANBENCH_BENCH_N / GANBENCH_BENCH_N_KNN.
N = int(os.environ.get("GANBENCH_BENCH_N", 50_000))
N_KNN = int(os.environ.get("GANBENCH_BENCH_N_KNN", 10_000))
D = 2048


def _features(rng, n, shift):
    z = rng.standard_normal((n, 256)).astype(np.float32)
    w = (rng.standard_normal((256, D)) / 16).astype(np.float32)
    return np.maximum(z @ w + shift, 0).astype(np.float32)


@pytest.fixture(scope="session")
def anchor_features():
    """Synthetic Inception-like features (the anchor protocol): ReLU of a rank-256 projection, 2048-d."""
    rng = np.random.default_rng(0)
    return _features(rng, N, 0.0), _features(rng, N, 0.05)


@pytest.fixture(scope="session")
def overlapping_features():
    """Real and fake drawn from one distribution (one shared rank-256 projection, N_KNN each), so
    that precision and recall are far from 0 (about 0.37): k-NN metrics cannot skip radii here.
    In ``anchor_features`` each set has its own projection and precision/recall are about 0."""
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((256, D)) / 16).astype(np.float32)

    def draw():
        return np.maximum(rng.standard_normal((N_KNN, 256)).astype(np.float32) @ w, 0).astype(np.float32)

    return draw(), draw()


@pytest.fixture(scope="session", autouse=True)
def _threads():
    torch.set_num_threads(os.cpu_count() or 1)


def timed(benchmark, fn):
    """One timed call (these are seconds-long), returning the value."""
    return benchmark.pedantic(fn, rounds=1, iterations=1, warmup_rounds=0)
