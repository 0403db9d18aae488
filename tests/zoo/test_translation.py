"""The translation networks and steps against the pix2pix and CycleGAN papers and released code."""

import pytest
import torch

from ganbench.harness.program import Group, build_program
from ganbench.tasks import get_task
from ganbench.zoo import get_loss, get_variant, register_variant
from ganbench.zoo.layers import SeedConv2d, SeedInstanceNorm2d
from ganbench.zoo.translation import (
    ImagePool,
    PatchDiscriminator,
    ResnetGenerator,
    UNetGenerator,
    build_translation_networks,
)


def gens(*seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def test_unet_downsamples_to_one_pixel_and_mirrors_every_level():
    g = UNetGenerator(gens(0), 1, 1, 8)
    assert len(g.down) == len(g.up) == 5  # unet_32: 32 -> 1
    x = torch.randn(1, 3, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    h = x
    for conv in g.down:
        h = conv(h)
    assert h.shape == (1, 3, 64, 1, 1)  # widths ch·(1, 2, 4, 8, 8)
    y = g(x)
    assert y.shape == x.shape and y.abs().max() < 1  # tanh
    # The skip connections: the outermost decoder layer sees the first encoder layer's output.
    assert g.up[-1].weight.shape[1] == 2 * 8 and g.up[0].weight.shape[1] == 64


def test_patchgan_has_a_16_pixel_receptive_field_and_one_logit_per_patch():
    d = PatchDiscriminator(gens(0), 1, 8)
    # Instance normalisation couples a patch to its image's statistics (as in the released code);
    # the receptive field is the convolutions'.
    d.norms = torch.nn.ModuleList(torch.nn.Identity() for _ in d.norms)
    x = torch.randn(1, 1, 1, 32, 32, requires_grad=True)
    logits, _ = d(x)
    assert logits.shape == (1, 1, 14 * 14)
    logits[0, 0, 7 * 14 + 7].backward()  # a central patch (a corner one's window runs into the padding)
    rows, cols = (x.grad[0, 0, 0].abs() > 0).nonzero(as_tuple=True)
    assert rows.max() - rows.min() + 1 == 16 and cols.max() - cols.min() + 1 == 16


def test_instance_norm_normalises_each_image_and_channel():
    x = torch.randn(2, 3, 4, 8, 8) * 5 + 2
    y = SeedInstanceNorm2d(2, 4)(x)
    assert torch.allclose(y.mean((-2, -1)), torch.zeros(2, 3, 4), atol=1e-5)
    assert torch.allclose(y.var((-2, -1), unbiased=False), torch.ones(2, 3, 4), atol=1e-3)
    norm = SeedInstanceNorm2d(2, 4, affine=True)
    with torch.no_grad():
        norm.weight.fill_(3.0)
        norm.bias.fill_(-1.0)
    assert torch.allclose(norm(x), 3 * y - 1, atol=1e-5)


@pytest.mark.parametrize("kind", ["pix2pix", "cyclegan"])
def test_networks_start_from_the_released_codes_init(kind):
    g, d = build_translation_networks((1, 32, 32), (1, 32, 32), 16, gens(0, 1), kind)
    convs = [m for m in list(g.modules()) + list(d.modules()) if isinstance(m, SeedConv2d)]
    w = torch.cat([m.weight.detach().flatten() for m in convs])
    assert abs(float(w.std()) - 0.02) < 0.002 and abs(float(w.mean())) < 0.001
    assert all(float(m.bias.detach().abs().max()) == 0 for m in convs)
    assert not torch.equal(convs[0].weight[0], convs[0].weight[1])  # each seed its own draw


@pytest.mark.parametrize("net", [lambda g: UNetGenerator(g, 1, 1, 8), lambda g: ResnetGenerator(g, 1, 1, 4, blocks=2),
                                 lambda g: PatchDiscriminator(g, 2, 8, affine=True)])
def test_seed_batched_translation_networks_equal_lone_networks(net):
    both, lone = net(gens(3, 4)), net(gens(4))
    c = both.in_channels if hasattr(both, "in_channels") else 2
    x = torch.randn(2, 5, c, 32, 32, generator=torch.Generator().manual_seed(0))
    out_both, out_lone = both(x), lone(x[1:])
    out_both = out_both[0] if isinstance(out_both, tuple) else out_both
    out_lone = out_lone[0] if isinstance(out_lone, tuple) else out_lone
    assert torch.equal(out_both[1:], out_lone)


def test_image_pool_stores_until_full_then_swaps_half_the_time():
    pool = ImagePool(2, (1, 2, 2), size=3)
    first = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 1, 2, 2)
    u = torch.zeros(2, 3, 2)
    assert torch.equal(pool.query(first, u), first)  # filling: every fake returned and stored
    assert torch.equal(pool.images, first) and int(pool.count) == 3
    new = -torch.ones(2, 2, 1, 2, 2)
    # seed 0: image 0 swapped for stored image 2, image 1 kept; seed 1: image 0 kept, image 1 swapped for stored 0
    u = torch.tensor([[[0.9, 0.7], [0.1, 0.0]], [[0.2, 0.5], [0.6, 0.1]]])
    out = pool.query(new, u)
    assert torch.equal(out[0, 0], first[0, 2]) and torch.equal(out[0, 1], new[0, 1])
    assert torch.equal(out[1, 0], new[1, 0]) and torch.equal(out[1, 1], first[1, 0])
    assert torch.equal(pool.images[0, 2], new[0, 0]) and torch.equal(pool.images[1, 0], new[1, 1])
    assert torch.equal(pool.images[0, :2], first[0, :2]) and torch.equal(pool.images[1, 1:], first[1, 1:])


def test_cyclegan_least_squares_is_the_released_codes_mse():
    d_real, d_fake = torch.tensor([[0.5, 2.0]]), torch.tensor([[0.0, -1.0]])
    d_loss, g_loss = get_loss("lsgan-mse")(d_real, d_fake)
    assert torch.allclose(d_loss, torch.tensor([0.5 * ((0.25 + 1) / 2 + (0 + 1) / 2)]))
    assert torch.allclose(g_loss, torch.tensor([(1 + 4) / 2]))  # no factor 1/2


def _program(task, name, seeds=(0,), **overrides):
    v = get_variant(name).replace(**overrides) if overrides else get_variant(name)
    return build_program(get_task(task), [Group(v, seeds)], "test", torch.device("cpu"))


def test_pix2pix_loss_is_the_cgan_term_plus_lambda_l1():
    prog = _program("digits-edges", "pix2pix", batch_size=4)
    ctx = prog.ctx
    state = ctx.real_stream.state_dict()
    g0 = {k: v.clone() for k, v in ctx.g.state_dict().items()}
    d0 = {k: v.clone() for k, v in ctx.d.state_dict().items()}
    out = prog.step_fn(ctx)
    # Recompute by hand from the same batch with the D that G's update saw (D updated first).
    ctx.real_stream.load_state_dict(state)
    x = ctx.real_stream.take(4)
    a, b = x[:, :, :1], x[:, :, 1:]
    g = UNetGenerator(gens(0), 1, 1, 16)
    g.load_state_dict(g0)
    fake = g(a)
    logits, _ = ctx.d(torch.cat([a, fake], 2))
    adv = torch.nn.functional.softplus(-logits.flatten(1)).mean(1)
    assert torch.allclose(out["g_loss"], adv + 100 * (fake - b).abs().mean(), rtol=1e-5)
    d = PatchDiscriminator(gens(0), 2, 16, affine=True)
    d.load_state_dict(d0)
    real_l, _ = d(torch.cat([a, b], 2))
    fake_l, _ = d(torch.cat([a, fake.detach()], 2))
    bce = torch.nn.functional.softplus(-real_l).mean() + torch.nn.functional.softplus(fake_l).mean()
    assert torch.allclose(out["d_loss"], 0.5 * bce, rtol=1e-5)  # D's objective halved (Sec. 3.3)


def test_l1_only_ablation_never_trains_its_discriminator():
    prog = _program("digits-edges", "pix2pix-l1", batch_size=4)
    d0 = {k: v.clone() for k, v in prog.ctx.d.state_dict().items()}
    for _ in range(2):
        out = prog.step_fn(prog.ctx)
    assert all(torch.equal(d0[k], v) for k, v in prog.ctx.d.state_dict().items())
    assert float(out["d_loss"].abs().max()) == 0


def test_cycle_only_ablation_trains_neither_discriminator_nor_pool():
    prog = _program("digits-edges-unpaired", "cycle-only", batch_size=2)
    d0 = {k: v.clone() for k, v in prog.ctx.d.state_dict().items()}
    prog.step_fn(prog.ctx)
    assert all(torch.equal(d0[k], v) for k, v in prog.ctx.d.state_dict().items())
    assert int(prog.ctx.d.pool_b.count) == 0


def test_cyclegan_weights_follow_the_released_code():
    w = get_variant("cyclegan").translation_weights()
    assert w == {"adv": 1.0, "cycle_forward": 10.0, "cycle_backward": 10.0, "identity": 5.0}  # λ_idt = 0.5 λ
    assert get_variant("cyclegan-gan-only").translation_weights() == {"adv": 1.0}
    assert "cycle_backward" not in get_variant("cyclegan-forward").translation_weights()
    assert get_variant("pix2pix").translation_weights() == {"adv": 1.0, "l1": 100.0}


def test_translation_variants_refuse_what_they_cannot_do():
    with pytest.raises(ValueError, match="l1 belongs to image-to-image translation"):
        register_variant("t-bad-l1", base="gan-ns", l1=10.0)
    with pytest.raises(ValueError, match="the pix2pix step does not implement cycle"):
        register_variant("t-bad-cycle", base="pix2pix", cycle=10.0)
    with pytest.raises(ValueError, match="nothing would train"):
        register_variant("t-bad-none", base="pix2pix", adv=0.0, l1=0.0)
    with pytest.raises(ValueError, match="does not implement"):
        register_variant("t-bad-gp", base="cyclegan", gp=10.0)
    with pytest.raises(ValueError, match="cycle_directions"):
        register_variant("t-bad-dir", base="cyclegan", cycle_directions="sideways")


def test_translation_tasks_and_variants_refuse_each_other():
    with pytest.raises(ValueError, match="image-to-image translation task"):
        _program("digits-edges", "gan-ns")
    with pytest.raises(ValueError, match="trains on translation tasks"):
        _program("digits", "pix2pix")
