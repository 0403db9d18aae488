import numpy as np
import pytest
import torch
from cleanfid.fid import frechet_distance as cleanfid_frechet
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

from ganbench.metrics import FeatureStats, fid, frechet_distance, trace_sqrt_product


def test_fid_equals_torch_fidelity(feature_pair):
    a, b = feature_pair
    ref = fid_statistics_to_metric(
        fid_features_to_statistics(torch.from_numpy(a)), fid_features_to_statistics(torch.from_numpy(b)), False
    )["frechet_inception_distance"]
    assert fid(a, b, device="cpu") == pytest.approx(ref, rel=1e-6)


def test_fid_equals_clean_fid(feature_pair):
    a, b = feature_pair
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    ref = cleanfid_frechet(a64.mean(0), np.cov(a64, rowvar=False), b64.mean(0), np.cov(b64, rowvar=False))
    assert fid(a, b, device="cpu") == pytest.approx(ref, rel=1e-6)


def test_fid_of_identical_sets_is_zero(feature_pair):
    a, _ = feature_pair
    assert abs(fid(a, a, device="cpu")) < 1e-8


def test_fid_closed_form_for_gaussians():
    # N(0, I) vs N(m, diag(s^2)) in D dims: |m|^2 + sum (1 - s)^2.
    rng = np.random.default_rng(0)
    d, n = 8, 400_000
    m, s = np.full(d, 0.5), np.linspace(0.5, 2.0, d)
    x = rng.standard_normal((n, d))
    y = m + s * rng.standard_normal((n, d))
    closed = float(m @ m + ((1 - s) ** 2).sum())
    assert fid(x, y, device="cpu") == pytest.approx(closed, rel=0.01)
    # and the Gaussian-parameter form is exact
    assert frechet_distance(np.zeros(d), np.eye(d), m, np.diag(s**2), device="cpu") == pytest.approx(closed, rel=1e-12)


def test_rank_deficient_covariance_is_finite_and_real():
    # N < D: both covariances are singular; the eigen route must stay finite and match the
    # singular-value identity tr sqrt(S1 S2) = ||Xc^T Yc||_* / (N - 1) ... for Xc Yc^T.
    rng = np.random.default_rng(1)
    n, d = 20, 50
    x, y = rng.standard_normal((n, d)), rng.standard_normal((n, d)) + 0.1
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    xc, yc = x - x.mean(0), y - y.mean(0)
    expected = np.linalg.svd(xc @ yc.T / (n - 1), compute_uv=False).sum()
    got = trace_sqrt_product(s1, s2, device="cpu")
    assert np.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-9)
    assert np.isfinite(fid(x, y, device="cpu"))


def test_fid_accepts_feature_stats(feature_pair):
    a, b = feature_pair
    sa = FeatureStats(a.shape[1], "float64").update(a[:700]).update(a[700:])
    assert fid(sa, b, device="cpu", precision="float64") == pytest.approx(fid(a, b, device="cpu", precision="float64"), rel=1e-10)
    # Mixed precision blocks differently when streamed: both stay within float32 summation noise
    # (~1e-7 relative here) of the float64 answer.
    sm = FeatureStats(a.shape[1]).update(a[:700]).update(a[700:])
    exact = fid(a, b, device="cpu", precision="float64")
    assert fid(sm, b, device="cpu") == pytest.approx(exact, rel=1e-6)
    assert fid(a, b, device="cpu") == pytest.approx(exact, rel=1e-6)


def test_mixed_precision_tracks_float64_on_inception_like_features():
    # The benchmarks' feature model (ReLU of a low-rank projection, large positive mean) at a size a
    # unit test affords; benchmarks/README.md reports the 50k x 2048 figure (4e-8).
    rng = np.random.default_rng(3)
    w = (rng.standard_normal((64, 512)) / 8).astype(np.float32)
    a = np.maximum(rng.standard_normal((20_000, 64)).astype(np.float32) @ w, 0) + 1.0
    b = np.maximum(rng.standard_normal((20_000, 64)).astype(np.float32) @ w + 0.02, 0) + 1.0
    exact = FeatureStats(512, "float64").update(a)
    mixed = FeatureStats(512).update(a)
    scale = np.abs(exact.cov).max()
    assert np.abs(mixed.cov - exact.cov).max() < 1e-5 * scale
    np.testing.assert_allclose(mixed.mean, exact.mean, rtol=1e-12)
    ref = fid(a, b, device="cpu", precision="float64")
    assert fid(a, b, device="cpu") == pytest.approx(ref, rel=1e-6)
    assert ref > 0.01  # a real difference, not two zeros agreeing


def test_float64_features_use_float64_products(rng):
    x = rng.standard_normal((3000, 8)) + 50.0
    # Float32 products would be off by ~1e-7; float64 ones differ only by the shift's rounding.
    np.testing.assert_allclose(FeatureStats(8).update(x).cov, FeatureStats(8, "float64").update(x).cov, rtol=1e-12)


def test_tf32_setting_restored(feature_pair):
    a, b = feature_pair
    before = torch.backends.cuda.matmul.allow_tf32, torch.get_float32_matmul_precision()
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        fid(a, b, device="cpu")
        assert torch.backends.cuda.matmul.allow_tf32 is True
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before[0]
        torch.set_float32_matmul_precision(before[1])
