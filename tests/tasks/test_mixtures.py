import math

import numpy as np
import pytest
import torch

from ganbench.evaluation import evaluate_task
from ganbench.tasks import get_task


def test_ring8_centers_are_the_published_ones():
    t = get_task("ring8")
    k = np.arange(8)
    expected = np.stack([np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)], 1)
    np.testing.assert_allclose(t.centers, expected, atol=1e-15)
    assert len({tuple(np.round(c, 9)) for c in t.centers}) == 8  # the linspace(0, 2π, 8) pitfall would give 7
    assert t.std == 0.01 and t.threshold == 3.0 and t.protocol.n_fake == 2500


def test_grid25_centers_are_the_published_ones():
    t = get_task("grid25")
    expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in t.centers.tolist()} == expected
    assert t.std == 0.05


def test_hd_mixture_means_live_in_a_700_dimensional_subspace():
    t = get_task("hd-mixture")
    assert t.centers.shape == (10, 1200) and t.shape == (1200,)
    assert np.all(t.centers[:, 700:] == 0) and np.linalg.matrix_rank(t.centers[:, :700]) == 10
    assert t.threshold == 10.0


@pytest.mark.parametrize("name", ["ring8", "grid25", "hd-mixture", "digits", "stacked-digits"])
def test_samplers_are_bit_reproducible(name):
    t = get_task(name)
    a = t.sample(300, torch.Generator().manual_seed(7))
    b = t.sample(300, torch.Generator().manual_seed(7))
    c = t.sample(300, torch.Generator().manual_seed(8))
    assert a.shape == (300, *t.shape) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_perfect_sampler_scores_perfectly(name):
    t = get_task(name)
    r = evaluate_task(t, t.sample(t.protocol.n_fake, torch.Generator().manual_seed(99)), real_seed=0, device="cpu")
    v = r.values
    assert v["modes"] == t.n_modes
    assert v["reverse_kl"] < 0.02  # multinomial noise of 2,500 draws only
    assert abs(v["hq_fraction"] - (1 - math.exp(-4.5))) < 0.01  # P(|z| < 3) for a 2-D Gaussian
    assert v["precision"] > 0.9 and v["recall"] > 0.9 and v["fid"] < 0.05
    assert r.protocol["task"] == name and r.protocol["n_fake"] == 2500 and r.protocol["real_seed"] == 0


def test_hd_mixture_perfect_sampler_covers_all_modes():
    t = get_task("hd-mixture")
    r = evaluate_task(t, t.sample(2500, torch.Generator().manual_seed(3)), device="cpu")
    assert r.values["modes"] == 10 and r.values["hq_fraction"] == 1.0 and r.values["reverse_kl"] < 0.01


def test_collapsed_sampler_scores_as_it_should():
    t = get_task("ring8")
    g = torch.Generator().manual_seed(1)
    k = torch.randint(3, (2500,), generator=g)  # only modes 0, 1, 2
    fake = torch.as_tensor(t.centers, dtype=torch.float32)[k] + 0.01 * torch.randn(2500, 2, generator=g)
    v = evaluate_task(t, fake, device="cpu").values
    assert v["modes"] == 3
    assert abs(v["reverse_kl"] - math.log(8 / 3)) < 0.02
    assert v["recall"] < 0.5 and v["precision"] > 0.9


def test_evaluate_task_rejects_wrong_shape_and_nan():
    t = get_task("ring8")
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        evaluate_task(t, torch.zeros(10, 3))
    with pytest.raises(ValueError, match="NaN"):
        evaluate_task(t, torch.full((10, 2), float("nan")))


def test_unknown_task_lists_the_choices():
    with pytest.raises(ValueError, match="ring8"):
        get_task("ring9")


def test_evaluate_task_can_compute_a_subset_of_its_protocol():
    t = get_task("ring8")
    x = t.sample(2500, torch.Generator().manual_seed(3))
    full = evaluate_task(t, x, device="cpu")
    fid = evaluate_task(t, x, device="cpu", only=("fid",))
    assert set(fid.values) == {"fid"} and fid.values["fid"] == full.values["fid"]
    assert fid.protocol["metrics"] == ["fid"]
    with pytest.raises(ValueError, match="computes .*only="):
        evaluate_task(t, x, device="cpu", only=("is",))


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_the_headline_orders_real_before_sharp_before_spray(name):
    """Three synthetic generators (Issue: headlines that cannot crown the wrong winner): the real
    distribution; 70% of the modes, sharp; every mode, but three quarters of the samples sprayed off
    them (what feature matching does on the grid). Modes alone would rank the spray first."""
    t = get_task(name)
    gen = torch.Generator().manual_seed(3)
    n = t.protocol.n_fake
    real = t.sample(n, gen)
    kept = int(0.7 * t.n_modes)
    sharp = t.around(torch.randint(kept, (n,), generator=gen), gen)
    spray = t.sample(n, gen)
    off = torch.rand(n, generator=gen) < 0.75
    lo, hi = t.centers.min(0), t.centers.max(0)
    spray[off] = torch.as_tensor(lo - 1 + (hi - lo + 2) * np.random.default_rng(0).random((int(off.sum()), 2)),
                                 dtype=torch.float32)
    score = {k: evaluate_task(t, x, device="cpu").values for k, x in (("real", real), ("sharp", sharp), ("spray", spray))}
    assert score["spray"]["modes"] >= score["sharp"]["modes"]  # modes alone: the spray would win
    assert score["real"]["mode_tv"] < score["sharp"]["mode_tv"] < score["spray"]["mode_tv"]
    # the missing modes' real share must move: 1 - kept / K (grid25: 0.32, ring8: 0.375)
    assert score["real"]["mode_tv"] < 0.06 and score["sharp"]["mode_tv"] == pytest.approx(1 - kept / t.n_modes, abs=0.03)
    assert t.protocol.headline == "mode_tv"
