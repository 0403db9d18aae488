import numpy as np
import pytest

from ganbench.metrics import FeatureStats


def test_streaming_equals_batch_in_float64(rng):
    x = rng.standard_normal((3000, 16)) * 3 + 100.0  # large mean: tests the shifted accumulation
    s = FeatureStats(16)
    for chunk in np.array_split(x, 7):
        s.update(chunk)
    assert s.n == 3000
    np.testing.assert_allclose(s.mean, x.mean(0), rtol=1e-13)
    np.testing.assert_allclose(s.cov, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-12)


def test_merge_equals_single_pass(rng):
    x = rng.standard_normal((1000, 8)) + 5
    a = FeatureStats(8).update(x[:300])
    b = FeatureStats(8).update(x[300:] * 1.0)
    whole = FeatureStats(8).update(x)
    a.merge(b)
    np.testing.assert_allclose(a.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(a.cov, whole.cov, rtol=1e-10)


def test_save_load_roundtrip(tmp_path, rng):
    s = FeatureStats(4, "float64").update(rng.standard_normal((50, 4)))
    s.save(tmp_path / "s.npz")
    t = FeatureStats.load(tmp_path / "s.npz")
    assert t.n == 50 and t.precision == "float64"
    np.testing.assert_array_equal(t.cov, s.cov)
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temp file


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="dim"):
        FeatureStats(0)
    with pytest.raises(ValueError, match="precision must be one of"):
        FeatureStats(3, precision="float16")
    s = FeatureStats(3)
    with pytest.raises(ValueError, match="at least 2"):
        s.cov
    with pytest.raises(ValueError, match="feature dimension 4"):
        s.update(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="does not exist"):
        FeatureStats.load(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="NaN"):
        s.update(np.full((2, 3), np.nan))


def test_mixed_streams_merges_and_dtypes_agree_with_float64(rng):
    # Float64 then float32 batches, and a merge of float64-precision statistics into mixed ones:
    # each path keeps its sums around its own shift, so all must land on the float64 answer.
    x = (rng.standard_normal((6000, 32)) * 2 + 40.0).astype(np.float32)
    exact = FeatureStats(32, "float64").update(x)
    s = FeatureStats(32).update(x[:1000].astype(np.float64)).update(x[1000:3000])
    s.merge(FeatureStats(32, "float64").update(x[3000:]))
    assert s.n == 6000 and s.precision == "mixed"
    np.testing.assert_allclose(s.mean, exact.mean, rtol=1e-12)
    np.testing.assert_allclose(s.cov, exact.cov, rtol=1e-5, atol=1e-6 * np.abs(exact.cov).max())
    t = FeatureStats(32).merge(FeatureStats(32, "float64").update(x[:3000])).update(x[3000:])
    np.testing.assert_allclose(t.cov, exact.cov, rtol=1e-5, atol=1e-6 * np.abs(exact.cov).max())
