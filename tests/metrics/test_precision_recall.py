import numpy as np
import pytest
import torch
from torch_fidelity.metric_prc import prc_features_to_metric

from ganbench.metrics import knn, precision_recall


def _tf_pr(real, fake, k):
    out = prc_features_to_metric(torch.from_numpy(fake), torch.from_numpy(real), prc_neighborhood=k,
                                 prc_batch_size=10000, save_cpu_ram=False, verbose=False)
    return out["precision"], out["recall"]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_equals_torch_fidelity_float64(feature_pair, k):
    real, fake = (x.astype(np.float64) for x in feature_pair)
    p, r = precision_recall(real, fake, k=k, device="cpu")
    tp, tr = _tf_pr(real, fake, k)
    assert p == pytest.approx(tp, abs=1e-7)
    assert r == pytest.approx(tr, abs=1e-7)
    assert 0 < p < 1 and 0 < r < 1


def test_small_blocks_give_the_same_answer(feature_pair, monkeypatch):
    real, fake = feature_pair
    full = precision_recall(real, fake, device="cpu")
    monkeypatch.setattr(knn, "BLOCK_ELEMS", 5000)  # many row blocks, symmetric reuse across blocks
    assert precision_recall(real, fake, device="cpu") == full


def test_radii_are_exact_under_ties():
    # Integer lattice: many exactly tied distances, where float32 rounding could pick either side.
    g = np.stack(np.meshgrid(np.arange(12), np.arange(12)), -1).reshape(-1, 2).astype(np.float64) * 1000.0 + 1e6
    pts = knn.Points.make(torch.from_numpy(g), torch.from_numpy(g).mean(0))
    rad = knn.kth_nn_sqradius(pts, 4)
    d = ((g[:, None] - g[None]) ** 2).sum(-1)
    expected = np.sort(d, axis=1)[:, 4]
    np.testing.assert_array_equal(rad.numpy(), expected)


def test_radii_are_exact_with_a_small_bounding_sample(monkeypatch, rng):
    # Few distinct integer points: heavy ties and duplicates (radius 0), a bounding sample of 8 of
    # 1500 points (many candidates per row) and many row blocks -- against brute force in float64.
    monkeypatch.setattr(knn, "SAMPLE_MIN", 8)
    monkeypatch.setattr(knn, "SAMPLE_DIV", 1000)
    monkeypatch.setattr(knn, "BLOCK_ELEMS", 40_000)
    g = rng.integers(0, 6, size=(1500, 3)).astype(np.float64) * 3.0 + 500.0
    pts = knn.Points.make(torch.from_numpy(g), torch.from_numpy(g).mean(0))
    d = ((g[:, None] - g[None]) ** 2).sum(-1)
    for k in (1, 3, 10):
        np.testing.assert_array_equal(knn.kth_nn_sqradius(pts, k).numpy(), np.sort(d, axis=1)[:, k])
    assert (np.sort(d, axis=1)[:, 3] == 0).any() and (np.sort(d, axis=1)[:, 10] > 0).any()


def test_identical_sets_score_one(rng):
    x = rng.standard_normal((300, 5))
    assert precision_recall(x, x, device="cpu") == (1.0, 1.0)


def test_disjoint_sets_score_zero(rng):
    x = rng.standard_normal((300, 5))
    assert precision_recall(x, x + 100.0, device="cpu") == (0.0, 0.0)


def test_k_too_large(rng):
    with pytest.raises(ValueError, match="k=5"):
        precision_recall(rng.standard_normal((5, 2)), rng.standard_normal((9, 2)), k=5)
