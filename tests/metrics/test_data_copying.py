"""The data-copying test C_T (Meehan et al. 2020): Z_U against a brute-force count of the pairs, the
one-cell C_T equal to the global Z_U, and the three regimes on Gaussians with known answers: copies of
the training set (C_T ≪ 0), fresh samples of the same law (|C_T| small), a wider law (C_T ≫ 0)."""
import math

import numpy as np
import pytest

from ganbench.metrics.data_copying import COPYING_THRESHOLD, data_copying, mann_whitney_z, nearest_distances


def _z_by_counting(fake_d, test_d):
    # U: the (generated, held-out) pairs where the generated sample is the farther one, ties 1/2;
    # mean nm/2 - 1/2 (the authors' continuity correction), variance nm(n+m+1)/12
    u = sum((q > p) + 0.5 * (q == p) for q in fake_d for p in test_d)
    m, n = len(fake_d), len(test_d)
    return (u - (n * m / 2 - 0.5)) / math.sqrt(n * m * (n + m + 1) / 12)


def test_z_u_equals_the_pair_count_with_ties():
    rng = np.random.default_rng(1)
    fake_d, test_d = rng.integers(0, 6, 37).astype(float), rng.integers(0, 6, 23).astype(float)  # many ties
    assert mann_whitney_z(fake_d, test_d) == pytest.approx(_z_by_counting(fake_d, test_d), abs=1e-12)
    # every generated sample closer than every held-out one: U = 0
    assert mann_whitney_z([0.1, 0.2], [1.0, 2.0, 3.0]) == pytest.approx((0 - 3 + 0.5) / math.sqrt(6 * 6 / 12))


def test_nearest_distances_are_exact():
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    ref = np.array([[0.0, 1.0], [3.0, 0.0], [6.0, 8.0]])
    import torch

    d = nearest_distances(torch.tensor(x), torch.tensor(ref))
    assert d.dtype == torch.float64 and d.tolist() == [1.0, 4.0]


def _gaussians(seed=0, dim=4):
    rng = np.random.default_rng(seed)
    return rng, rng.standard_normal((2000, dim)), rng.standard_normal((1000, dim))


def test_copies_fresh_samples_and_a_wider_law():
    rng, train, test = _gaussians()
    copies = train[rng.integers(0, len(train), 1000)] + 0.01 * rng.standard_normal((1000, 4))
    fresh = rng.standard_normal((1000, 4))
    wide = 1.3 * rng.standard_normal((1000, 4))
    c_copy = data_copying(train, test, copies)["c_t"]
    c_fresh = data_copying(train, test, fresh)["c_t"]
    c_wide = data_copying(train, test, wide)["c_t"]
    assert c_copy < 3 * COPYING_THRESHOLD  # far below the paper's -3
    assert abs(c_fresh) < 2
    assert c_wide > -COPYING_THRESHOLD


def test_one_cell_is_the_global_z_u_and_the_result_is_deterministic():
    rng, train, test = _gaussians(seed=2, dim=3)
    fake = rng.standard_normal((500, 3))
    import torch

    t = torch.tensor(train)
    z = mann_whitney_z(nearest_distances(torch.tensor(fake), t).numpy(), nearest_distances(torch.tensor(test), t).numpy())
    out = data_copying(train, test, fake, n_cells=1)
    assert out == {"c_t": pytest.approx(z, abs=1e-12), "cells_used": 1.0, "fake_share_used": 1.0}
    assert data_copying(train, test, fake, n_cells=5) == data_copying(train, test, fake, n_cells=5)


def test_cells_without_enough_generated_samples_are_left_out():
    rng, train, test = _gaussians(seed=3, dim=2)
    fake = rng.standard_normal((200, 2)) * 0.05 + 2.0  # all in one corner: few cells hold any
    out = data_copying(train, test, fake, n_cells=10)
    assert out["cells_used"] >= 1 and out["cells_used"] < 10 and out["fake_share_used"] > 20 / 200


@pytest.mark.parametrize("kwargs, match", [
    ({"fake": np.zeros((50, 3))}, "feature dimension"),
    ({"test": np.full((100, 4), np.nan)}, "NaN"),
    ({"n_cells": 0}, "n_cells"),
    ({"n_cells": 5000}, "exceeds"),
    ({"tau": 1.5}, "tau"),
    ({"fake": np.random.default_rng(0).standard_normal((15, 4))}, "more than tau"),
    ({"test": np.random.default_rng(0).standard_normal((3, 4)), "n_cells": 50}, "no held-out sample"),
])
def test_bad_input_is_a_clear_error(kwargs, match):
    rng, train, test = _gaussians(seed=4)
    args = {"train": train, "test": test, "fake": rng.standard_normal((300, 4)), **kwargs}
    with pytest.raises(ValueError, match=match):
        data_copying(**args)


def test_the_training_set_is_clustered_once():
    from ganbench.metrics import data_copying as module

    rng = np.random.default_rng(3)
    train, test = rng.standard_normal((400, 4)), rng.standard_normal((300, 4))
    first = module.data_copying(train, test, rng.standard_normal((300, 4)), n_cells=5, seed=0)
    fits = dict(module._FITS)
    fake = rng.standard_normal((300, 4))
    cached = module.data_copying(train, test, fake, n_cells=5, seed=0)
    assert module._FITS.keys() == fits.keys() and first != cached  # the same cells, another sample judged
    module._FITS.clear()
    assert module.data_copying(train, test, fake, n_cells=5, seed=0) == cached  # refitted: the same value
