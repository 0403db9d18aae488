"""Progressive growing (Karras et al. 2018): equalised layers, pixel norm, minibatch stddev, fade-in,
growth that never changes parameter shapes, and seed-batching exactness of the growing networks."""
import math

import pytest
import torch
import torch.nn.functional as F

from ganbench.zoo.progressive import (
    EqualizedConv2d,
    EqualizedLinear,
    ProDiscriminator,
    ProGenerator,
    downsample2x,
    fade_in,
    fade_reals,
    growth_stage,
    minibatch_stddev,
    pixel_norm,
    upsample2x,
)


def _gens(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_equalized_conv_scale_is_he_constant_and_output_is_conv_with_scaled_weight():
    layer = EqualizedConv2d(_gens([0, 1]), 3, 5, 3, padding=1)
    assert layer.scale == math.sqrt(2) / math.sqrt(3 * 3 * 3)
    assert torch.equal(layer.weight[1], _randn(5, 3, 3, 3, seed=1))  # N(0, 1) from the seed's generator
    assert torch.equal(layer.bias, torch.zeros(2, 5))
    with torch.no_grad():
        layer.bias.normal_()
    x = _randn(2, 4, 3, 8, 8, seed=5)
    ref = F.conv2d(x[1], layer.weight[1] * layer.scale, layer.bias[1], 1, 1)
    assert torch.equal(layer(x)[1], ref)


def test_equalized_linear_scale_lr_mul_and_output():
    layer = EqualizedLinear(_gens([0, 1]), 16, 8)
    assert layer.scale == math.sqrt(2) / 4
    x = _randn(2, 5, 16, seed=3)
    ref = x[0] @ (layer.weight[0] * layer.scale) + layer.bias[0]
    torch.testing.assert_close(layer(x)[0], ref, rtol=1e-6, atol=1e-6)
    # lr_mul (StyleGAN's mapping network): weights drawn N(0, 1/lr_mul²), runtime scale lr_mul·he, so the
    # effective weights start as N(0, he²) whatever lr_mul is.
    slow = EqualizedLinear(_gens([0]), 16, 8, lr_mul=0.01)
    assert slow.scale == pytest.approx(0.01 * math.sqrt(2) / 4, rel=1e-15)
    assert torch.equal(slow.weight[0], _randn(16, 8, seed=0) / 0.01)
    torch.testing.assert_close(slow.weight[0] * slow.scale, _randn(16, 8, seed=0) * (math.sqrt(2) / 4))
    one = EqualizedLinear(_gens([0, 1]), 16, 1, gain=1.0)
    torch.testing.assert_close(one(x)[1], x[1] @ (one.weight[1] / 4), rtol=1e-6, atol=1e-6)


def test_pixel_norm_gives_unit_mean_square_over_channels():
    x = _randn(2, 3, 8, 4, 4) * 5 + 1
    torch.testing.assert_close(pixel_norm(x).pow(2).mean(2), torch.ones(2, 3, 4, 4))
    v = _randn(2, 3, 16) * 0.1
    torch.testing.assert_close(pixel_norm(v).pow(2).mean(2), torch.ones(2, 3))


def test_minibatch_stddev_matches_hand_computation():
    # One seed, B = 4, two features, groups of 2: group 0 = samples {0, 2}, group 1 = {1, 3} (official
    # strided grouping). Two-sample std of a feature = |a - b| / 2.
    feats = torch.tensor([[1.0, 2.0], [0.0, 0.0], [3.0, 6.0], [1.0, 4.0]])
    x = feats.reshape(1, 4, 2, 1, 1).expand(1, 4, 2, 2, 3)  # constant over a 2x3 image
    y = minibatch_stddev(x, group_size=2)
    assert y.shape == (1, 4, 3, 2, 3)
    assert torch.equal(y[:, :, :2], x)
    g0 = (math.sqrt(1 + 1e-8) + math.sqrt(4 + 1e-8)) / 2  # |1-3|/2 = 1, |2-6|/2 = 2
    g1 = (math.sqrt(0.25 + 1e-8) + math.sqrt(4 + 1e-8)) / 2  # |0-1|/2, |0-4|/2
    expected = torch.tensor([g0, g1, g0, g1]).reshape(1, 4, 1, 1).expand(1, 4, 2, 3)
    torch.testing.assert_close(y[0, :, 2], expected[0], rtol=1e-6, atol=0)
    # A group larger than the batch is the whole batch (min(group_size, B)); each seed has its own statistic.
    two = torch.stack([feats, 2 * feats]).reshape(2, 4, 2)
    z = minibatch_stddev(two, group_size=8)
    assert z.shape == (2, 4, 3)
    assert z[1, 0, 2] == pytest.approx(2 * z[0, 0, 2].item(), rel=1e-6)
    assert z[0, 0, 2] == pytest.approx(feats.std(0, unbiased=False).mean().item(), rel=1e-6)


def test_minibatch_stddev_rejects_an_indivisible_batch():
    with pytest.raises(ValueError, match="not divisible"):
        minibatch_stddev(torch.zeros(1, 6, 2, 4, 4), group_size=4)


def test_fade_in_endpoints_are_exact():
    a, b = _randn(2, 3, 1, 8, 8, seed=1), _randn(2, 3, 1, 8, 8, seed=2)
    assert torch.equal(fade_in(0.0, a, b), a)
    assert torch.equal(fade_in(1.0, a, b), b)
    torch.testing.assert_close(fade_in(0.25, a, b), 0.75 * a + 0.25 * b)
    with pytest.raises(ValueError, match="alpha"):
        fade_in(1.5, a, b)


def test_resampling_helpers():
    x = _randn(2, 3, 1, 4, 4)
    up = upsample2x(x)
    assert up.shape == (2, 3, 1, 8, 8) and torch.equal(up[..., ::2, 1::2], x)
    assert torch.equal(downsample2x(up), x)
    torch.testing.assert_close(downsample2x(x)[..., 0, 0], x[..., :2, :2].mean((-2, -1)))
    assert torch.equal(fade_reals(x, 2 - 1, 1.0, 2), x)
    torch.testing.assert_close(fade_reals(x, 0, 1.0, 2), upsample2x(downsample2x(x)))


def _shapes(m):
    return {n: tuple(t.shape) for n, t in m.state_dict().items()}


def test_generator_fade_in_and_growth_keep_shapes():
    g = ProGenerator(_gens([0, 1]), 16, resolution=32, ch=8)
    shapes = _shapes(g)
    z = _randn(2, 4, 16, seed=7)
    with torch.no_grad():
        for level in range(1, g.levels):
            g.set_stage(level - 1, 1.0)
            prev = g(z)
            g.set_stage(level, 0.0)
            low = g(z)
            g.set_stage(level, 1.0)
            high = g(z)
            g.set_stage(level, 0.3)
            mid = g(z)
            assert torch.equal(low, prev)  # α = 0: the previous resolution's output, upsampled
            assert torch.equal(mid, fade_in(0.3, low, high))
            assert low.shape == high.shape == (2, 4, 1, 32, 32)
            f = 2 ** (g.levels - 1 - level)  # the level's pixels, nearest-upsampled to 32x32
            assert torch.equal(high, high[..., ::f, ::f].repeat_interleave(f, -2).repeat_interleave(f, -1))
            # α = 1: the new block's output alone; the previous toRGB no longer matters.
            g.torgb[level - 1].weight.add_(1.0)
            g.set_stage(level, 1.0)
            assert torch.equal(g(z), high)
            g.set_stage(level, 0.3)
            assert not torch.equal(g(z), mid)
            g.torgb[level - 1].weight.sub_(1.0)
            assert _shapes(g) == shapes
    with pytest.raises(ValueError, match="level"):
        g.set_stage(4, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        g.set_stage(1, -0.1)


def test_discriminator_fade_in_and_growth_keep_shapes():
    d = ProDiscriminator(_gens([0, 1]), resolution=32, ch=8)
    shapes = _shapes(d)
    x = _randn(2, 4, 1, 32, 32, seed=3)
    with torch.no_grad():
        for level in range(1, d.levels):
            d.set_stage(level - 1, 1.0)
            prev, prev_f = d(x)
            d.set_stage(level, 0.0)
            low, low_f = d(x)
            assert torch.equal(low, prev) and torch.equal(low_f, prev_f)
            d.set_stage(level, 1.0)
            high, _ = d(x)
            d.fromrgb[level - 1].weight.add_(1.0)
            assert torch.equal(d(x)[0], high)
            d.fromrgb[level - 1].weight.sub_(1.0)
            assert _shapes(d) == shapes
    logits, feats = d(x)
    assert logits.shape == (2, 4) and feats.shape == (2, 4, 8)
    with pytest.raises(ValueError, match="not divisible"):
        d(_randn(2, 6, 1, 32, 32))


def _forward_backward(net, x, stage):
    net.set_stage(*stage)
    x = x.clone().requires_grad_(True)
    out = net(x)
    y = out[0] if isinstance(out, tuple) else out
    (y.pow(2).sum() + (out[1].sum() if isinstance(out, tuple) else 0)).backward()
    return y.detach(), x.grad, {n: p.grad.clone() for n, p in net.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("stage", [(2, 0.3), (3, 1.0)])
def test_seed_equals_alone_bit_for_bit(stage):
    z = _randn(2, 4, 16, seed=1)
    x = _randn(2, 4, 1, 32, 32, seed=2)
    for make, inp in ((lambda g: ProGenerator(g, 16, ch=8), z), (lambda g: ProDiscriminator(g, ch=8), x)):
        for (name, p), q in zip(make(_gens([0, 1])).state_dict().items(), make(_gens([1])).state_dict().values()):
            assert torch.equal(p[1:], q), name  # seed 1's init does not depend on seed 0
        yb, gxb, gpb = _forward_backward(make(_gens([0, 1])), inp, stage)
        ya, gxa, gpa = _forward_backward(make(_gens([1])), inp[1:], stage)
        assert torch.equal(yb[1:], ya)
        assert torch.equal(gxb[1:], gxa)
        assert gpa.keys() == gpb.keys()
        for name in gpa:
            assert torch.equal(gpb[name][1:], gpa[name]), name


def test_growth_schedule_is_progans_alternating_fade_and_stable_phases():
    # 32x32: levels 0..3; phases of 10 kimg: 4x4 stable, then fade + stable per new level
    expect = {0: (0, 1.0), 9.9: (0, 1.0), 10: (1, 0.0), 12.5: (1, 0.25), 20: (1, 1.0), 29: (1, 1.0),
              30: (2, 0.0), 35: (2, 0.5), 40: (2, 1.0), 50: (3, 0.0), 57.5: (3, 0.75), 60: (3, 1.0), 1e6: (3, 1.0)}
    for kimg, (level, alpha) in expect.items():
        got = growth_stage(kimg, 4, 10.0)
        assert got[0] == level and got[1] == pytest.approx(alpha), kimg
    assert growth_stage(0.0, 4, 0.0) == (3, 1.0)  # no growing: full resolution from the start
