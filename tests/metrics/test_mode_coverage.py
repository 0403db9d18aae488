import math

import numpy as np
import pytest

from ganbench.metrics import mode_coverage

ANGLES = 2 * np.pi * np.arange(8) / 8
CENTERS = np.stack([np.cos(ANGLES), np.sin(ANGLES)], 1)
STD = 0.01


def _ring8_samples(n, modes):
    """n samples of ring8 restricted to its first ``modes`` components."""
    rng = np.random.default_rng(0)
    return CENTERS[rng.integers(0, modes, n)] + STD * rng.standard_normal((n, 2))


def test_perfect_ring8_sampler():
    n = 200_000
    x = _ring8_samples(n, 8)
    out = mode_coverage(x, CENTERS, STD)
    assert out["modes_covered"] == 8
    # Radius of a 2-D Gaussian: P(|z| < 3) = 1 - exp(-9 / 2).
    assert out["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.002)
    assert out["reverse_kl"] < 1e-3
    assert sum(out["counts"]) == round(out["high_quality_fraction"] * n)


def test_three_mode_sampler():
    x = _ring8_samples(60_000, 3)
    out = mode_coverage(x, CENTERS, STD)
    assert out["modes_covered"] == 3
    assert out["reverse_kl"] == pytest.approx(math.log(8 / 3), abs=1e-3)
    assert out["counts"][3:] == [0] * 5


def test_min_count_and_no_high_quality():
    far = np.full((10, 2), 5.0)
    out = mode_coverage(far, CENTERS, STD)
    assert out["modes_covered"] == 0 and out["high_quality_fraction"] == 0.0 and out["reverse_kl"] == math.inf
    one = np.vstack([CENTERS[:1], far])
    assert mode_coverage(one, CENTERS, STD, min_count=2)["modes_covered"] == 0


def test_bad_std():
    with pytest.raises(ValueError, match="std"):
        mode_coverage(CENTERS, CENTERS, 0.0)
