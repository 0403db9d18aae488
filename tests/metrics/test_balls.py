"""The k-NN ball engine against brute force in exact arithmetic, on each path it can take:
radii skipped for balls without candidates, bounds tightened on a growing sample, and the
fallback to computing every radius when too many candidates pile up."""
import numpy as np
import pytest
import torch

from ganbench.metrics import balls, density_coverage, knn, precision_recall


def _lattice(rng, n, shift=0):
    # Integer coordinates: float64 distances are exact, and ties sit exactly on ball boundaries.
    return rng.integers(0, 12, size=(n, 4)).astype(np.float64) * 3.0 + 500.0 + shift


def _inside(centers, queries, k, strict):
    """bool (n_query, n_ball) by brute force."""
    radius = np.sort(((centers[:, None] - centers[None]) ** 2).sum(-1), axis=1)[:, k]
    d = ((queries[:, None] - centers[None]) ** 2).sum(-1)
    return d < radius[None] if strict else d <= radius[None]


def _reference(real, fake, k_pr=3, k_dc=5):
    precision = _inside(real, fake, k_pr, False).any(1).mean()
    recall = _inside(fake, real, k_pr, False).any(1).mean()
    dc = _inside(real, fake, k_dc, True)
    return (precision, recall), ((1.0 / k_dc) * (dc.sum() / len(fake)), dc.any(0).mean())


@pytest.fixture
def small_samples(monkeypatch):
    """Sample and probe sizes small enough for a few hundred points to take every path."""
    monkeypatch.setattr(knn, "SAMPLE_MIN", 8)
    monkeypatch.setattr(knn, "SAMPLE_DIV", 64)
    monkeypatch.setattr(knn, "BLOCK_ELEMS", 50_000)
    monkeypatch.setattr(balls, "PROBE_MIN", 8)
    monkeypatch.setattr(balls, "PROBE_DIV", 4)


@pytest.fixture
def radii_calls(monkeypatch):
    """How many radii each exact pass computed."""
    calls = []
    real = knn.kth_nn_sqradius

    def spy(p, k, which=None, limit=None):
        calls.append(len(p) if which is None else len(which))
        return real(p, k, which, limit)

    monkeypatch.setattr(balls, "kth_nn_sqradius", spy)
    return calls


def _check(real, fake):
    (p, r), (d, c) = _reference(real, fake)
    assert precision_recall(real, fake, k=3, device="cpu") == (p, r)
    assert density_coverage(real, fake, k=5, device="cpu") == (d, c)


def test_overlapping_sets(small_samples, radii_calls, rng):
    real, fake = _lattice(rng, 1500), _lattice(rng, 1500)
    _check(real, fake)
    assert min(radii_calls) > 1000  # nearly every ball holds a fake: nearly all radii are needed


def test_shifted_sets_skip_most_radii(small_samples, radii_calls, rng):
    real, fake = _lattice(rng, 1500), _lattice(rng, 1500, shift=20.0)
    _check(real, fake)
    assert max(radii_calls) < 750  # most balls were dropped before any exact radius


def test_tightening_drops_balls(small_samples, monkeypatch, rng):
    tightened = []
    real_tighten = knn.RadiusBound.tighten

    def spy(self, cols, which=None):
        tightened.append(len(self.p) if which is None else len(which))
        return real_tighten(self, cols, which)

    monkeypatch.setattr(knn.RadiusBound, "tighten", spy)
    real, fake = _lattice(rng, 1500), _lattice(rng, 1500, shift=6.0)
    _check(real, fake)
    assert any(0 < t < 1500 for t in tightened)  # bounds of only the balls still in play were tightened


def test_collapsed_generator_falls_back_to_all_radii(small_samples, radii_calls, monkeypatch, rng):
    monkeypatch.setattr(balls, "PENDING_MAX", 2000)
    real = _lattice(rng, 1500)
    fake = np.repeat(real[:3], 500, axis=0)  # every fake on one of three real points
    _check(real, fake)
    assert 1500 in radii_calls


def test_radii_of_a_subset_equal_all_radii(small_samples, rng):
    pts = knn.Points.make(torch.from_numpy(_lattice(rng, 1200)), torch.zeros(4, dtype=torch.float64) + 500.0)
    full = knn.kth_nn_sqradius(pts, 4)
    which = torch.from_numpy(rng.permutation(1200)[:300])
    np.testing.assert_array_equal(knn.kth_nn_sqradius(pts, 4, which=which).numpy(), full[which].numpy())


def test_hits_are_empty_when_no_ball_holds_a_query(rng):
    real = rng.standard_normal((300, 5))
    assert density_coverage(real, real + 100.0, device="cpu") == (0.0, 0.0)


@pytest.mark.parametrize("n_real, n_fake", [(700, 1500), (1500, 400)])
def test_sets_of_different_sizes(small_samples, rng, n_real, n_fake):
    _check(_lattice(rng, n_real), _lattice(rng, n_fake, shift=3.0))
