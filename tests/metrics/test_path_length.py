"""Perceptual path length (Karras et al. 2019, Sec. 4.2) against closed forms: a linear generator
under lerp in W, and the identity under slerp in Z (constant angular speed)."""
import math

import numpy as np
import pytest
import torch

from ganbench.metrics.path_length import lerp, path_length, slerp


def _draws(seed, n, z_dim, batch_size):
    """The documented draw order: per batch, z = randn(2, m, z_dim), then t = rand(m)."""
    g = torch.Generator().manual_seed(seed)
    z0, z1 = [], []
    done = 0
    while done < n:
        m = min(batch_size, n - done)
        z = torch.randn((2, m, z_dim), generator=g, dtype=torch.float64)
        torch.rand((m, 1), generator=g, dtype=torch.float64)
        z0.append(z[0])
        z1.append(z[1])
        done += m
    return torch.cat(z0), torch.cat(z1)


def _filtered_mean(d):
    d = np.asarray(d, dtype=np.float64)
    lo, hi = np.percentile(d, 1, method="lower"), np.percentile(d, 99, method="higher")
    return d[(lo <= d) & (d <= hi)].mean()


def test_linear_generator_in_w_equals_closed_form():
    # G(w) = A w, w = B z, identity embedding: every pair gives |A (w1 - w0)|^2 exactly, for any t.
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(7, 5, generator=gen, dtype=torch.float64)
    b = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    n, bs = 150, 64
    got = path_length(lambda w: w @ a.T, None, n, 4, torch.Generator().manual_seed(0), space="w",
                      mapping=lambda z: z @ b.T, batch_size=bs, dtype=torch.float64)
    z0, z1 = _draws(0, n, 4, bs)
    expected = _filtered_mean(((z1 - z0) @ b.T @ a.T).pow(2).sum(1).numpy())
    assert got == pytest.approx(expected, rel=1e-6)
    # An embedding scaled by 2 gives four times the squared distances.
    doubled = path_length(lambda w: w @ a.T, lambda x: 2 * x, n, 4, torch.Generator().manual_seed(0), space="w",
                          mapping=lambda z: z @ b.T, batch_size=bs, dtype=torch.float64)
    assert doubled == pytest.approx(4 * expected, rel=1e-6)


def test_slerp_in_z_moves_at_the_angle_between_the_endpoints():
    # Identity generator: slerp has constant speed theta (the angle between z0 and z1), so d = theta^2
    # up to a relative theta^2 eps^2 / 12 < 1e-8.
    n, bs = 100, 32
    got = path_length(lambda z: z, None, n, 6, torch.Generator().manual_seed(1), batch_size=bs, dtype=torch.float64)
    z0, z1 = _draws(1, n, 6, bs)
    cos = (z0 * z1).sum(1) / (z0.norm(dim=1) * z1.norm(dim=1))
    assert got == pytest.approx(_filtered_mean(torch.acos(cos).pow(2).numpy()), rel=1e-6)


def test_interpolation_helpers():
    a, b = torch.tensor([[3.0, 0.0]]), torch.tensor([[0.0, 5.0]])
    torch.testing.assert_close(slerp(a, b, torch.tensor([[0.5]])), torch.tensor([[math.sqrt(0.5), math.sqrt(0.5)]]))
    torch.testing.assert_close(slerp(a, b, torch.tensor([[0.0]])), torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(lerp(a, b, torch.tensor([[0.25]])), torch.tensor([[2.25, 1.25]]))


def test_end_sampling_and_determinism():
    def f(z):
        return torch.tanh(z) * 3

    r1 = path_length(f, None, 40, 3, torch.Generator().manual_seed(0), sampling="end")
    r2 = path_length(f, None, 40, 3, torch.Generator().manual_seed(0), sampling="end")
    assert r1 == r2 and r1 > 0


@pytest.mark.parametrize("kwargs,match", [
    ({"n": 0}, "n must"),
    ({"epsilon": 0.0}, "epsilon"),
    ({"epsilon": -1e-4}, "epsilon"),
    ({"epsilon": float("nan")}, "epsilon"),
    ({"space": "x"}, "space"),
    ({"space": "w"}, "mapping"),
    ({"sampling": "mid"}, "sampling"),
])
def test_bad_input_is_an_error(kwargs, match):
    args = {"n": 4, "epsilon": 1e-4, **kwargs}
    with pytest.raises(ValueError, match=match):
        path_length(lambda z: z, None, args.pop("n"), 3, torch.Generator().manual_seed(0), **args)


def test_wrong_number_of_samples_is_an_error():
    with pytest.raises(ValueError, match="rows"):
        path_length(lambda z: z[:1], None, 4, 3, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="NaN"):
        path_length(lambda z: z * float("nan"), None, 4, 3, torch.Generator().manual_seed(0))
