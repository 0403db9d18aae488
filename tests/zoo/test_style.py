"""Style-based generators (Karras et al. 2019, 2020): AdaIN, weight (de)modulation against the paper's
formulas, noise inputs, truncation, style mixing, and seed-batching exactness."""
import math

import pytest
import torch
import torch.nn.functional as F

from ganbench.zoo.style import MappingNetwork, NoiseInput, StyleGenerator, adain, modulated_conv2d


def _gens(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_adain_sets_each_channels_mean_and_std():
    x = _randn(2, 3, 4, 8, 8) * 3 + 1
    scale = torch.rand(2, 3, 4, generator=torch.Generator().manual_seed(1)) + 0.5
    bias = _randn(2, 3, 4, seed=2)
    y = adain(x, scale, bias)
    torch.testing.assert_close(y.mean((-2, -1)), bias, atol=1e-5, rtol=0)
    torch.testing.assert_close(y.std((-2, -1), unbiased=False), scale, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv_equals_the_papers_formulas_per_sample(demodulate):
    s, b, c_in, c_out, k = 2, 3, 4, 5, 3
    x = _randn(s, b, c_in, 6, 6, seed=1)
    weight = _randn(s, c_out, c_in, k, k, seed=2)
    styles = torch.rand(s, b, c_in, generator=torch.Generator().manual_seed(3)) + 0.5
    y = modulated_conv2d(x, weight, styles, demodulate=demodulate)
    assert y.shape == (s, b, c_out, 6, 6)
    for i in range(s):
        for j in range(b):
            w1 = weight[i] * styles[i, j][None, :, None, None]  # Eq. 1: w' = s_i w_ijk
            if demodulate:  # Eq. 3: w'' = w' / sqrt(sum_{i,k} w'^2 + eps)
                w1 = w1 / torch.sqrt((w1 ** 2).sum(dim=(1, 2, 3), keepdim=True) + 1e-8)
            ref = F.conv2d(x[i, j:j + 1], w1, padding=1)[0]
            torch.testing.assert_close(y[i, j], ref, rtol=1e-5, atol=1e-5)


def test_demodulated_output_has_unit_std_for_unit_variance_input():
    x = _randn(1, 8, 16, 34, 34, seed=4)
    weight = _randn(1, 16, 16, 3, 3, seed=5) * 3
    styles = torch.rand(1, 8, 16, generator=torch.Generator().manual_seed(6)) * 2 + 0.1
    y = modulated_conv2d(x, weight, styles)[..., 1:-1, 1:-1]  # interior: zero padding shrinks the border
    assert abs(y.std().item() - 1) < 0.03
    per_channel = y.transpose(1, 2).reshape(16, -1).std(1)
    assert (per_channel - 1).abs().max() < 0.1
    assert abs(modulated_conv2d(x, weight, styles, demodulate=False).std().item() - 1) > 1


def test_noise_input_sources():
    gens = _gens([0, 1])
    layer = NoiseInput(gens, 3, 4)
    x = _randn(2, 5, 3, 4, 4, seed=9)
    assert torch.equal(layer(x), x)  # zero-initialised strength
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]]))
    n = _randn(2, 5, 1, 4, 4, seed=3)
    torch.testing.assert_close(layer(x, noise=n)[0, :, 1], x[0, :, 1] + 2 * n[0, :, 0])
    torch.testing.assert_close(layer(x)[1, 2, 0], x[1, 2, 0] + 0.5 * layer.fixed[1, 0, 0])  # fixed per-seed map
    a = layer(x, gen=torch.Generator().manual_seed(5))
    assert torch.equal(a, layer(x, gen=torch.Generator().manual_seed(5)))  # reproducible
    alone = NoiseInput(_gens([1]), 3, 4)
    with torch.no_grad():
        alone.weight.copy_(layer.weight[1:])
    per_seed = layer(x, gen=_gens([10, 11]))
    assert torch.equal(per_seed[1:], alone(x[1:], gen=_gens([11])))  # one generator per seed
    scalar = NoiseInput(gens, 3, 4, per_channel=False)
    assert scalar.weight.shape == (2, 1)
    with pytest.raises(ValueError, match="noise"):
        layer(x, noise=torch.zeros(2, 5, 3, 4, 4))


def test_mapping_network_lr_mul_and_depth():
    m = MappingNetwork(_gens([0]), 8, 6, depth=2, lr_mul=0.01)
    assert len(m.layers) == 2
    assert m.layers[0].scale == pytest.approx(0.01 * math.sqrt(2 / 8))
    assert m(_randn(1, 4, 8)).shape == (1, 4, 6)
    with pytest.raises(ValueError, match="depth"):
        MappingNetwork(_gens([0]), 8, 6, depth=0)


def _net(variant, seeds=(0, 1), **kw):
    g = StyleGenerator(_gens(seeds), 8, 6, resolution=16, ch=8, variant=variant, mapping_depth=2, **kw)
    with torch.no_grad():  # non-zero noise strengths and biases, so every path matters
        for name, p in g.named_parameters():
            if name.endswith("noise.weight") or name.endswith("bias"):
                p.copy_(torch.rand(p.shape, generator=torch.Generator().manual_seed(len(name))) * 0.5)
    return g.eval()


@pytest.mark.parametrize("variant", ["stylegan", "stylegan2"])
def test_truncation(variant):
    g = _net(variant)
    with torch.no_grad():
        g.w_avg.copy_(_randn(2, 6, seed=3))
        z1, z2 = _randn(2, 3, 8, seed=1), _randn(2, 3, 8, seed=2)
        ws1 = g.mapping(z1)[:, :, None].expand(-1, -1, g.num_ws, -1)
        assert torch.equal(g.truncate(ws1, 0.0), g.w_avg[:, None, None].expand_as(ws1))  # ψ = 0: w_avg for every z
        assert g.truncate(ws1, 1.0) is ws1  # ψ = 1: w unchanged
        assert torch.equal(g(z1, truncation_psi=0.0), g(z2, truncation_psi=0.0))
        assert torch.equal(g(z1, truncation_psi=0.0), g.synthesis(g.w_avg[:, None].expand(-1, 3, -1)))
        assert torch.equal(g(z1), g.synthesis(g.mapping(z1)))
        other = _randn(2, 6, seed=4)
        assert torch.equal(g(z1, truncation_psi=0.0, w_avg=other), g(z2, truncation_psi=0.0, w_avg=other))
        cut = g.truncate(ws1, 0.5, cutoff=2)
        assert torch.equal(cut[:, :, 2:], ws1[:, :, 2:]) and not torch.equal(cut[:, :, :2], ws1[:, :, :2])


def test_w_avg_moving_average():
    g = _net("stylegan")
    z = _randn(2, 4, 8, seed=1)
    start = _randn(2, 6, seed=2)
    with torch.no_grad():
        g.w_avg.copy_(start)
        w = g.mapping(z)
    g(z)  # evaluation mode: no update
    assert torch.equal(g.w_avg, start)
    g.train()
    g(z)
    mean = w.mean(1)
    torch.testing.assert_close(g.w_avg, mean + (start - mean) * 0.995)


@pytest.mark.parametrize("variant", ["stylegan", "stylegan2"])
def test_style_mixing(variant):
    g = _net(variant)
    z1, z2 = _randn(2, 3, 8, seed=1), _randn(2, 3, 8, seed=2)
    with torch.no_grad():
        assert torch.equal(g(z1, mix_z=z2, mix_crossover=0), g(z2))  # crossover 0: the second latent alone
        assert torch.equal(g(z1, mix_z=z2, mix_crossover=g.num_ws), g(z1))
        mixed = g(z1, mix_z=z2, mix_crossover=3)
        assert not torch.equal(mixed, g(z1)) and not torch.equal(mixed, g(z2))
    with pytest.raises(ValueError, match="both"):
        g(z1, mix_z=z2)
    with pytest.raises(ValueError, match="crossover"):
        g(z1, mix_z=z2, mix_crossover=g.num_ws + 1)


@pytest.mark.parametrize("variant", ["stylegan", "stylegan2"])
def test_shapes_and_noise_generator(variant):
    g = _net(variant)
    z = _randn(2, 3, 8)
    with torch.no_grad():
        y = g(z)
        assert y.shape == (2, 3, 1, 16, 16) and g.num_ws == 6
        a = g(z, noise_gen=torch.Generator().manual_seed(1))
        assert torch.equal(a, g(z, noise_gen=torch.Generator().manual_seed(1)))
        assert not torch.equal(a, y)
        zeros = [torch.zeros(1, 1, 1, 4 * 2 ** ((i + (variant == "stylegan2")) // 2),
                             4 * 2 ** ((i + (variant == "stylegan2")) // 2)) for i in range(g.num_noise)]
        assert not torch.equal(g(z, noise=zeros), y)
    with pytest.raises(ValueError, match="variant"):
        StyleGenerator(_gens([0]), 8, 6, variant="stylegan3")


def _forward_backward(g, z, noise_gens):
    z = z.clone().requires_grad_(True)
    y = g(z, noise_gen=noise_gens, mix_z=z.flip(1).detach(), mix_crossover=3, truncation_psi=0.7)
    y.pow(2).sum().backward()
    return y.detach(), z.grad, {n: p.grad.clone() for n, p in g.named_parameters()}


@pytest.mark.parametrize("variant", ["stylegan", "stylegan2"])
def test_seed_equals_alone_bit_for_bit(variant):
    fresh = [StyleGenerator(_gens(seeds), 8, 6, resolution=16, ch=8, variant=variant, mapping_depth=2)
             for seeds in ((0, 1), (1,))]
    for (name, p), q in zip(fresh[0].state_dict().items(), fresh[1].state_dict().values()):
        assert torch.equal(p[1:], q), name  # seed 1's init does not depend on seed 0
    z = _randn(2, 4, 8, seed=1)
    batched, alone = _net(variant).train(), _net(variant, seeds=(1,)).train()
    with torch.no_grad():
        for p, q in zip(batched.parameters(), alone.parameters()):
            q.copy_(p[1:])  # _net's non-zero noise strengths and biases are the same for every seed count
        batched.w_avg.copy_(_randn(2, 6, seed=5))
        alone.w_avg.copy_(batched.w_avg[1:])
    yb, gzb, gpb = _forward_backward(batched, z, _gens([10, 11]))
    ya, gza, gpa = _forward_backward(alone, z[1:], _gens([11]))
    assert torch.equal(yb[1:], ya)
    assert torch.equal(gzb[1:], gza)
    for name in gpa:
        assert torch.equal(gpb[name][1:], gpa[name]), name
    assert torch.equal(batched.w_avg[1:], alone.w_avg)


def _latent_net(seeds=(0, 1), mixing=0.9, variant="stylegan2"):
    from ganbench.zoo.style import LatentStyleGenerator

    return LatentStyleGenerator(_net(variant, seeds).train(), 8, mixing)


def test_latent_layout_carries_z_mixing_and_every_noise_map():
    g = _latent_net()
    sizes = [4, 8, 8, 16, 16]  # stylegan2 at 16x16: one 4x4 layer, two per higher resolution
    assert g.noise_shapes == [(s, s) for s in sizes]
    assert g.latent_dim == 2 * 8 + 2 + sum(s * s for s in sizes)
    lat = _randn(2, 3, g.latent_dim, seed=1)
    other_noise = lat.clone()
    other_noise[..., -5:] += 1.0  # the last pixels of the last noise map
    g.eval()
    assert not torch.equal(g(lat), g(other_noise))  # noise comes from the latent ...
    assert torch.equal(g(lat), g(lat))  # ... and nothing else is random
    with pytest.raises(ValueError, match="latents must have"):
        g(lat[..., :-1])


def test_style_mixing_crossover_is_one_per_seed_and_batch():
    g = _latent_net(mixing=1.0)
    n = g.g.num_ws
    lat = _randn(2, 4, g.latent_dim, seed=2)
    lat[0, 0, 16:18] = torch.tensor([-3.0, 0.0])  # seed 0: mix (u < 1), crossover 1 + floor(0.5 (n - 1))
    lat[1, 0, 16:18] = torch.tensor([-3.0, -3.0])  # seed 1: crossover 1 (u ~ 0.001)
    ws = g.styles(lat)
    w1, w2 = g.g.mapping(lat[..., :8]), g.g.mapping(lat[..., 8:16])
    for s, cut in ((0, 1 + (n - 1) // 2), (1, 1)):
        assert torch.equal(ws[s, :, :cut], w1[s, :, None].expand(-1, cut, -1))
        assert torch.equal(ws[s, :, cut:], w2[s, :, None].expand(-1, n - cut, -1))
    never = _latent_net(mixing=0.0)
    assert torch.equal(never.styles(lat), w1[:, :, None].expand(-1, -1, n, -1))  # z2 is then ignored
    g.eval()  # no mixing at evaluation
    assert torch.equal(g.styles(lat), w1[:, :, None].expand(-1, -1, n, -1))


def test_latent_style_generator_seed_equals_alone():
    both, alone = _latent_net((0, 1), mixing=1.0), _latent_net((1,), mixing=1.0)
    with torch.no_grad():  # seed 1's parameters (the test's non-zero biases depend on the seed count)
        for pa, pb in zip(alone.parameters(), both.parameters()):
            pa.copy_(pb[1:])
    lat = _randn(2, 4, both.latent_dim, seed=3)
    lat[:, 0, 16] = -3.0  # both seeds mix, each at its own crossover
    with torch.no_grad():
        assert torch.equal(both(lat)[1], alone(lat[1:])[0])


@pytest.mark.parametrize("variant", ["stylegan", "stylegan2"])
def test_mixing_grid_is_coarse_styles_from_rows_and_fine_from_columns(variant):
    g = _latent_net(variant=variant)
    rows, cols = _randn(2, 3, g.latent_dim, seed=4), _randn(2, 2, g.latent_dim, seed=5)
    grid = g.mixing_grid(rows, cols, 3)
    assert grid.shape == (2, 4, 3, 1, 16, 16) and g.training  # mode restored
    with torch.no_grad():
        wr, wc = g.g.mapping(rows[..., :8]), g.g.mapping(cols[..., :8])
        assert torch.equal(grid[:, 0, 1:], g.g.synthesis(wc)) and torch.equal(grid[:, 1:, 0], g.g.synthesis(wr))
        ws = torch.cat([wr[:, 2, None, None].expand(-1, 1, 3, -1), wc[:, 1, None, None].expand(-1, 1, g.g.num_ws - 3, -1)], 2)
        torch.testing.assert_close(grid[:, 3, 2], g.g.synthesis(ws)[:, 0])
    same = g.mixing_grid(rows, rows, 3)  # a latent mixed with itself is its own image
    torch.testing.assert_close(same[:, 1, 1], same[:, 0, 1])
    assert torch.equal(grid[:, 0, 0], torch.zeros_like(grid[:, 0, 0]))
    with pytest.raises(ValueError, match="crossover"):
        g.mixing_grid(rows, cols, 0)
