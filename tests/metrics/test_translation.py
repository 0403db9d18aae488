"""Paired translation metrics against closed forms: exact matches, constant offsets (L1 and PSNR by
formula), SSIM of constant images (Wang et al. 2004, Eq. 13 with σ = 0) and bad inputs."""
import math

import numpy as np
import pytest

from ganbench.metrics.translation import PSNR_CAP, paired_scores


def _imgs(rng, n=4, c=1, s=16):
    return rng.uniform(-1, 1, size=(n, c, s, s))


def test_an_exact_translation_scores_perfectly(rng):
    x = _imgs(rng, c=3)
    assert paired_scores(x, x) == {"l1": 0.0, "psnr": PSNR_CAP, "ssim": 1.0}


@pytest.mark.parametrize("delta", [0.01, 0.1, 0.5])
def test_l1_and_psnr_of_a_constant_offset(rng, delta):
    x = _imgs(rng) * 0.5
    s = paired_scores(x + delta, x)
    assert s["l1"] == pytest.approx(delta, rel=1e-12)
    assert s["psnr"] == pytest.approx(10 * math.log10(2.0**2 / delta**2), rel=1e-12)  # range 2: [-1, 1]
    s1 = paired_scores(x + delta, x, data_range=1.0)
    assert s1["psnr"] == pytest.approx(s["psnr"] - 20 * math.log10(2), rel=1e-12)


@pytest.mark.parametrize("a,b", [(0.2, 0.5), (-0.8, 0.9), (0.3, 0.3)])
def test_ssim_of_constant_images_is_the_luminance_term(a, b):
    # No variance anywhere: SSIM = (2 μx μy + C1) / (μx² + μy² + C1), C1 = (0.01 L)², L the range.
    x, y = np.full((2, 1, 16, 16), a), np.full((2, 1, 16, 16), b)
    c1 = (0.01 * 2.0) ** 2
    assert paired_scores(x, y)["ssim"] == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1), rel=1e-9)


def test_ssim_falls_as_noise_grows(rng):
    x = _imgs(rng, n=3, c=2, s=32)
    scores = [paired_scores(np.clip(x + rng.normal(0, sd, x.shape), -1, 1), x)["ssim"] for sd in (0.05, 0.2, 0.8)]
    assert scores[0] < 1 and scores[0] > scores[1] > scores[2]


def test_bad_inputs_say_what_is_wrong(rng):
    x = _imgs(rng)
    with pytest.raises(ValueError, match="same shape"):
        paired_scores(x, x[:2])
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        paired_scores(x[0], x[0])
    with pytest.raises(ValueError, match="NaN"):
        paired_scores(np.where(x > 0.9, np.nan, x), x)
    with pytest.raises(ValueError, match="data_range"):
        paired_scores(x, x, data_range=0)
    with pytest.raises(ValueError, match="11x11"):
        paired_scores(x[:, :, :8, :8], x[:, :, :8, :8])
