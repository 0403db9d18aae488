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


# -- the proper headline: TV over {mode 1..K, off every mode} ----------------------------------------

def test_real_mode_probabilities_are_the_chi_square_shares_and_match_sampling():
    from ganbench.metrics.mode_coverage import real_mode_probabilities

    p = real_mode_probabilities(8, 2, STD, STD, 3.0)
    assert p.shape == (9,) and p.sum() == pytest.approx(1.0)
    assert p[:8] == pytest.approx(np.full(8, (1 - math.exp(-4.5)) / 8)) and p[8] == pytest.approx(math.exp(-4.5))
    counts = np.asarray(mode_coverage(_ring8_samples(200_000, 8), CENTERS, STD)["counts"])
    observed = np.append(counts, 200_000 - counts.sum()) / 200_000
    assert np.abs(observed - p).max() < 4 * np.sqrt(p * (1 - p) / 200_000).max()  # within Monte-Carlo error
    # hd-mixture: 10 RMS radii, so a real sample is practically never off its mode
    assert real_mode_probabilities(10, 1200, 0.01, 0.01 * math.sqrt(1200), 10.0)[-1] < 1e-12


def test_mode_tv_closed_forms():
    from ganbench.metrics.mode_coverage import mode_tv, total_variation

    p = np.append(np.full(4, 0.25), 0.0)  # four modes, nothing off them
    assert mode_tv([25, 25, 25, 25], 100, p) == 0.0
    assert mode_tv([50, 50, 0, 0], 100, p) == pytest.approx(0.5)  # half the modes, sharp: half the mass moves
    assert mode_tv([10, 10, 10, 10], 100, p) == pytest.approx(0.6)  # every mode, 60% off them
    assert mode_tv([0, 0, 0, 0], 100, p) == 1.0
    assert total_variation([1, 0], [0, 1]) == 1.0
    with pytest.raises(ValueError, match="sum to at most"):
        mode_tv([60, 50], 100, [0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match="same length"):
        total_variation([1.0], [0.5, 0.5])
