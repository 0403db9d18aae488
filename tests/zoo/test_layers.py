"""Seed-batched layers: a seed's slice computes bit for bit what the lone network computes, and each
layer computes what the PyTorch layer it stands for computes."""
import pytest
import torch
import torch.nn.functional as F

from ganbench.zoo.layers import (
    MinibatchDiscrimination,
    SeedBatchNorm2d,
    SeedConv2d,
    SeedConvTranspose2d,
    SeedLinear,
    SpectralNorm,
)


def _gens(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def _forward_backward(layer, x):
    x = x.clone().requires_grad_(True)
    y = layer(x)
    y.pow(2).sum().backward()
    return y.detach(), x.grad, {n: p.grad.clone() for n, p in layer.named_parameters()}


def _assert_slice_equals_alone(make, x_all, index=1):
    """Seed ``index`` of a batched layer (seeds 0..3) equals the same seed alone, bit for bit."""
    batched, alone = make(_gens(range(4))), make(_gens([index]))
    yb, gxb, gpb = _forward_backward(batched, x_all)
    ya, gxa, gpa = _forward_backward(alone, x_all[index:index + 1])
    assert torch.equal(yb[index:index + 1], ya)
    assert torch.equal(gxb[index:index + 1], gxa)
    for name in gpa:
        assert torch.equal(gpb[name][index:index + 1], gpa[name]), name


@pytest.mark.parametrize("fan_out", [1, 2, 128])
def test_linear_seed_equals_alone(fan_out):
    x = torch.randn(4, 64, 128, generator=torch.Generator().manual_seed(0))
    _assert_slice_equals_alone(lambda g: SeedLinear(g, 128, fan_out), x)
    _assert_slice_equals_alone(lambda g: SeedLinear(g, 128, fan_out, sn=True), x)


@pytest.mark.parametrize("c_in,c_out,size", [(1, 32, 8), (3, 32, 8), (32, 64, 4)])
def test_conv_seed_equals_alone_and_torch(c_in, c_out, size):
    x = torch.randn(4, 16, c_in, size, size, generator=torch.Generator().manual_seed(0))
    _assert_slice_equals_alone(lambda g: SeedConv2d(g, c_in, c_out, 4, 2, 1), x)
    layer = SeedConv2d(_gens(range(4)), c_in, c_out, 4, 2, 1)
    ref = F.conv2d(x[2], layer.weight[2], layer.bias[2], 2, 1)
    torch.testing.assert_close(layer(x)[2], ref, rtol=0, atol=0)


@pytest.mark.parametrize("c_in,c_out,size", [(64, 32, 2), (32, 3, 4)])
def test_conv_transpose_seed_equals_alone_and_torch(c_in, c_out, size):
    x = torch.randn(4, 16, c_in, size, size, generator=torch.Generator().manual_seed(0))
    _assert_slice_equals_alone(lambda g: SeedConvTranspose2d(g, c_in, c_out, 4, 2, 1), x)
    layer = SeedConvTranspose2d(_gens(range(4)), c_in, c_out, 4, 2, 1)
    ref = torch.nn.ConvTranspose2d(c_in, c_out, 4, 2, 1)
    with torch.no_grad():
        ref.weight.copy_(layer.weight[3])
        ref.bias.copy_(layer.bias[3])
    torch.testing.assert_close(layer(x)[3], ref(x[3]))


def test_batch_norm_matches_torch_per_seed_and_alone():
    x = torch.randn(3, 32, 8, 4, 4, generator=torch.Generator().manual_seed(0)) * 2 + 1
    bn = SeedBatchNorm2d(3, 8)
    refs = [torch.nn.BatchNorm2d(8) for _ in range(3)]
    y = bn(x)
    for s in range(3):
        torch.testing.assert_close(y[s], refs[s](x[s]), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(bn.running_mean[s], refs[s].running_mean)
        torch.testing.assert_close(bn.running_var[s], refs[s].running_var)
    bn.eval()
    for r in refs:
        r.eval()
    torch.testing.assert_close(bn(x)[1], refs[1](x[1]), rtol=1e-5, atol=1e-5)
    alone = SeedBatchNorm2d(1, 8)
    assert torch.equal(SeedBatchNorm2d(3, 8)(x)[1:2], alone(x[1:2]))


def test_spectral_norm_mask_leaves_plain_seeds_untouched():
    gens = _gens(range(3))
    layer = SeedLinear(gens, 16, 16, sn=[True, False, True])
    w = layer.effective_weight().detach()
    assert torch.equal(w[1], layer.weight[1].detach())  # plain seed: W itself
    for _ in range(30):  # power iteration converges on repeated training forwards
        layer.effective_weight()
    sigma = torch.linalg.matrix_norm(layer.effective_weight().detach()[[0, 2]], ord=2)
    torch.testing.assert_close(sigma, torch.ones(2), atol=1e-3, rtol=0)


def test_a_seeds_init_does_not_depend_on_its_neighbours():
    # Seed 1's weights (drawn after its spectral-norm vector when it is normalised) are the same
    # whether the seed beside it is normalised or not.
    a = SeedLinear(_gens([0, 1]), 8, 8, sn=[False, True])
    b = SeedLinear(_gens([0, 1]), 8, 8, sn=[True, True])
    assert torch.equal(a.weight[1], b.weight[1]) and torch.equal(a.u[1], b.u[1])
    assert SpectralNorm.init_u(8, _gens([0]), [False]).norm() == pytest.approx(1.0)


def test_minibatch_discrimination_seed_equals_alone():
    x = torch.randn(4, 32, 16, generator=torch.Generator().manual_seed(0))
    _assert_slice_equals_alone(lambda g: MinibatchDiscrimination(g, 16), x)
