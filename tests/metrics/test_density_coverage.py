import numpy as np
import pytest
from prdc import compute_prdc

from ganbench.metrics import density_coverage


@pytest.mark.parametrize("k", [2, 5])
def test_equals_prdc(feature_pair, k):
    real, fake = (x.astype(np.float64) for x in feature_pair)
    ref = compute_prdc(real, fake, nearest_k=k)
    d, c = density_coverage(real, fake, k=k, device="cpu")
    assert d == pytest.approx(ref["density"], abs=1e-12)
    assert c == pytest.approx(ref["coverage"], abs=1e-12)
    assert 0 < c < 1


def test_same_distribution_is_near_one(rng):
    real, fake = rng.standard_normal((2000, 4)), rng.standard_normal((2000, 4))
    d, c = density_coverage(real, fake, device="cpu")
    assert 0.9 < d < 1.1 and c > 0.9
