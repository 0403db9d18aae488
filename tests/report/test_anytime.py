"""Anytime performance (ganbench.report.anytime): progress, time-to-target (ERT) on closed cases, the
normalised AUC on closed cases, and the pointwise bootstrap band (its coverage by simulation)."""
import math

import numpy as np
import pytest

from ganbench.report.anytime import (ema_initial_share, ert, ert_ci, hitting, mean_band, normalised_auc, progress)

B = [100, 200, 500, 1000]


def test_progress_is_direction_free():
    # lower is better (mode TV): floor 1.0, ceiling 0.0
    assert progress([1.0, 0.5, 0.0, 1.2], 1.0, 0.0).tolist() == [0.0, 0.5, 1.0, pytest.approx(-0.2)]
    # higher is better (modes): floor 0, ceiling 8
    assert progress([0, 4, 8], 0.0, 8.0).tolist() == [0.0, 0.5, 1.0]
    assert np.isnan(progress([1.0], 0.5, 0.5)).all()  # no scale: nothing is progress
    assert progress([math.inf], 1.0, 0.0).tolist() == [-math.inf]  # a diverged seed of an unbounded metric


def test_ert_every_seed_at_the_first_point():
    p = np.ones((5, 4))
    used, success = hitting(p, B, 0.5)
    assert used.tolist() == [100] * 5 and success.all()
    assert ert(used, success) == 100
    assert ert_ci(used, success) == (100.0, 100.0)  # every resample the same: an interval without width


def test_ert_counts_censored_seeds_instead_of_dropping_them():
    p = np.array([[0.1, 0.6, 0.7, 0.8],    # reaches 0.5 at 200
                  [0.0, 0.1, 0.2, 0.55],   # at 1000
                  [0.0, 0.1, 0.2, 0.3],    # never: censored at its last budget, 1000
                  [0.9, 0.2, 0.1, 0.0]])   # at 100, and falls back: the first hitting time stands
    used, success = hitting(p, B, 0.5)
    assert used.tolist() == [200, 1000, 1000, 100] and success.tolist() == [True, True, False, True]
    assert ert(used, success) == pytest.approx((200 + 1000 + 1000 + 100) / 3)
    # dropping the censored seed would have claimed (200 + 1000 + 100) / 3 = 433
    lo, hi = ert_ci(used, success)
    assert lo <= ert(used, success) <= hi and math.isfinite(hi)  # P(a resample without success) = 1/4^4 < 2.5%
    # of two seeds one censored: a quarter of the resamples hold no success, so the interval reaches ∞
    assert math.isinf(ert_ci(used[2:], success[2:])[1])


def test_ert_without_a_success_is_infinite():
    p = np.zeros((4, 4))
    used, success = hitting(p, B, 0.9)
    assert not success.any() and ert(used, success) == math.inf
    assert ert_ci(used, success) == (math.inf, math.inf)
    assert math.isnan(ert([], [])) and all(math.isnan(x) for x in ert_ci([100.0], [True]))  # one seed: no interval
    assert not hitting(np.full((2, 4), np.nan), B, 0.5)[1].any()  # no scale: never reached


def test_ert_target_reached_exactly_counts():
    p = progress([[1.0, 0.55, 0.1]], 1.0, 0.1)  # 0.55 is exactly half way, up to rounding
    used, success = hitting(p, [10, 20, 30], 0.5)
    assert success.all() and used.tolist() == [20]


def test_normalised_auc_closed_cases():
    assert normalised_auc(np.ones((2, 4)), B).tolist() == [1.0, 1.0]
    assert normalised_auc(np.zeros((1, 4)), B).tolist() == [0.0]
    # progress linear in log budget from 0 to 1: half the area
    b = [10, 100, 1000]
    assert normalised_auc([[0.0, 0.5, 1.0]], b)[0] == pytest.approx(0.5)
    # past the ceiling and below the floor are clipped: [1.4, -3, 1] counts as [1, 0, 1]
    assert normalised_auc([[1.4, -3.0, 1.0]], b)[0] == pytest.approx(0.5)
    assert normalised_auc([[-math.inf, -math.inf, 1.0]], b)[0] == pytest.approx(0.25)  # diverged early, then fine
    # a step at the second of three log-spaced points: the trapezoid gives a quarter of the first decade
    assert normalised_auc([[0.0, 1.0, 1.0]], b)[0] == pytest.approx(0.75)
    assert normalised_auc([[0.3]], [500]).tolist() == [0.3]  # one point: its progress
    with pytest.raises(ValueError, match="increasing"):
        normalised_auc([[0.0, 1.0]], [100, 100])


def test_band_holds_the_mean_and_narrows_with_more_seeds():
    rng = np.random.default_rng(0)
    few = rng.normal(0.5, 0.1, size=(5, 4))
    many = rng.normal(0.5, 0.1, size=(50, 4))
    for v in (few, many):
        mean, lo, hi = mean_band(v)
        assert np.allclose(mean, v.mean(0)) and (lo <= mean).all() and (mean <= hi).all()
    assert ((mean_band(many)[2] - mean_band(many)[1]) < (mean_band(few)[2] - mean_band(few)[1])).all()
    assert mean_band(few)[1].tolist() == mean_band(few)[1].tolist()  # fixed seed: reproducible
    one = mean_band(few[:1])
    assert one[0].tolist() == one[1].tolist() == one[2].tolist()  # one seed: no band
    worst = np.vstack([few, [[math.inf] * 4]])  # a diverged seed of an unbounded metric
    m, lo, hi = mean_band(worst)
    assert np.isinf(m).all() and np.isinf(hi).all() and not np.isnan(lo).any()


def test_band_covers_the_true_mean_pointwise_about_as_labelled():
    # 400 experiments of 20 seeds, 3 budgets: the percentile band's pointwise coverage of the true mean
    # is near 95% (it undercovers a little at small n: it cannot see more spread than the seeds show)
    rng = np.random.default_rng(1)
    truth = np.array([0.9, 0.5, 0.2])
    hits = np.zeros(3)
    reps = 400
    for i in range(reps):
        v = truth + rng.normal(0, [0.02, 0.1, 0.05], size=(20, 3))
        _, lo, hi = mean_band(v, n_boot=2000, seed=i)
        hits += (lo <= truth) & (truth <= hi)
    coverage = hits / reps
    assert ((coverage > 0.90) & (coverage < 0.98)).all(), coverage


def test_ema_initial_share():
    assert ema_initial_share(0.999, 500) == pytest.approx(0.6064, abs=1e-4)  # "still holds ~61% at step 500"
    assert ema_initial_share(0.999, [0, 1000]).tolist() == pytest.approx([1.0, 0.3677], abs=1e-4)
    with pytest.raises(ValueError, match="decay"):
        ema_initial_share(1.0, 10)
