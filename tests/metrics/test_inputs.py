"""Every metric rejects bad input with a ValueError that names the problem."""
import numpy as np
import pytest

from ganbench.metrics import density_coverage, fid, kid, precision_recall

GOOD = np.random.default_rng(0).standard_normal((40, 3))
PAIR_METRICS = {
    "fid": lambda a, b: fid(a, b, device="cpu"),
    "kid": lambda a, b: kid(a, b, subsets=2, subset_size=2, device="cpu"),
    "pr": lambda a, b: precision_recall(a, b, k=1, device="cpu"),
    "dc": lambda a, b: density_coverage(a, b, k=1, device="cpu"),
}


@pytest.mark.parametrize("name", PAIR_METRICS)
@pytest.mark.parametrize(
    "fake, message",
    [
        (np.full((40, 3), np.nan), "NaN or Inf"),
        (np.where(np.eye(40, 3) > 0, np.inf, 0.0), "NaN or Inf"),
        (np.zeros(40), r"shape \(N, D\)"),
        (np.zeros((40, 3, 1)), r"shape \(N, D\)"),
        (np.zeros((40, 4)), "feature dimension 4"),
        (np.zeros((1, 3)), "at least 2"),
        ("not an array", "numpy array or torch tensor"),
    ],
)
def test_bad_fake_input(name, fake, message):
    with pytest.raises(ValueError, match=message) as info:
        PAIR_METRICS[name](GOOD, fake)
    assert "fake" in str(info.value) or "feature dimension" in str(info.value)


def test_bad_device():
    with pytest.raises(ValueError, match="device"):
        fid(GOOD, GOOD, device="tpu9")
