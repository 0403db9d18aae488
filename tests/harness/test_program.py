"""A trial's record does not depend on what shares its program: packed with other variants and
seeds, it trains bit for bit as it does alone (long enough for any rounding difference to have grown
into a different GAN: GAN training amplifies one ulp within a few hundred steps)."""
import dataclasses

import pytest

from ganbench.harness import Group, train_program, train_seeds
from ganbench.harness.program import check_groups
from ganbench.tasks import get_task
from ganbench.zoo import get_variant, register_variant


def _fast(name, **kw):
    if name == "sn-1":  # spectral normalisation with one D step: packs with the plain losses
        return get_variant("sngan").replace(**{"name": name, "n_critic": 1, "batch_size": 32, **kw})
    return get_variant(name).replace(**{"batch_size": 32, **kw})


def _same(a, b):
    assert a.history == b.history, (a.trial_id, b.trial_id)
    assert a.metrics == b.metrics and a.spent["g_steps"] == b.spent["g_steps"]


@pytest.mark.parametrize("names,steps", [
    (("gan-ns", "gan-minimax", "lsgan", "hinge", "sn-1", "ns-smooth"), 300),  # losses, lr, betas, SN differ
    (("sngan",), 100),  # five D steps
    (("wgan-gp", "t-gp-lambda-1"), 120),  # penalty weight differs
    (("wgan", "t-wgan-clip-0.1"), 120),  # clip bound differs
    # Measured on a 2-core AMD EPYC Zen 5 (CPU family 26): the unrolled step's packed records differ
    # from the lone ones in the last bits (exact on Zen 3/4 and on an AVX-512 Xeon); not yet traced.
    pytest.param(("unrolled-gan",), 60, marks=pytest.mark.xfail(
        reason="unrolled lookahead not bit-identical packed vs lone on AMD Zen 5", strict=False)),
])
def test_packed_trials_equal_lone_trials(names, steps):
    if "t-gp-lambda-1" in names and "t-gp-lambda-1" not in __import__("ganbench.zoo", fromlist=["VARIANTS"]).VARIANTS:
        register_variant("t-gp-lambda-1", base="wgan-gp", gp=1.0, lr=3e-4)
        register_variant("t-wgan-clip-0.1", base="wgan", clip=0.1)
    variants = [_fast(n, ema=0.99) for n in names]
    packed = train_program("ring8", [Group(v, (0, 2)) for v in variants], {"g_steps": steps})
    assert packed[0].pack["size"] == 2 * len(names)
    for k, v in enumerate(variants):
        (alone,) = train_program("ring8", [Group(v, (2,))], {"g_steps": steps})
        _same(packed[2 * k + 1], alone)
        assert alone.metrics_raw and alone.protocol["generator"] == "ema(0.99)"
    assert packed[0].history != packed[1].history  # seeds really differ


def test_packed_convolutional_trials_equal_lone_trials():
    variants = [_fast("gan-ns"), _fast("sn-1"), _fast("lsgan")]
    packed = train_program("digits", [Group(v, (0, 1)) for v in variants], {"g_steps": 25})
    for k, v in enumerate(variants):
        (alone,) = train_program("digits", [Group(v, (1,))], {"g_steps": 25})
        _same(packed[2 * k + 1], alone)


@pytest.mark.parametrize("names", [("progan", "t-progan-lr"), ("stylegan", "t-stylegan-gamma"), ("stylegan2",)])
def test_packed_progressive_and_style_trials_equal_lone_trials(names):
    from ganbench.zoo import VARIANTS
    from ganbench.zoo.networks import Arch

    if "t-progan-lr" not in VARIANTS:
        register_variant("t-progan-lr", base="progan", lr=5e-4, gp=5.0)
        register_variant("t-stylegan-gamma", base="stylegan", r1=1.0, betas=(0.5, 0.99))
    # small nets; ProGAN grows 4 -> 8 -> 16 within the 8 steps (8 images, two steps, per phase), EMA on
    variants = [get_variant(n).replace(batch_size=4, ema=0.9, arch=Arch(family=get_variant(n).arch.family, ch=4, depth=2),
                                       **({"growth_kimg": 0.008} if n.startswith("t-progan") or n == "progan" else {}))
                for n in names]
    import copy

    task = copy.copy(get_task("digits32"))  # judged on 256 samples: equality is what is tested here
    task.protocol = dataclasses.replace(task.protocol, n_fake=256)
    packed = train_program(task, [Group(v, (0, 2)) for v in variants], {"g_steps": 8})
    for k, v in enumerate(variants):
        (alone,) = train_program(task, [Group(v, (2,))], {"g_steps": 8})
        _same(packed[2 * k + 1], alone)
        assert {"ppl_z", "fid", "modes"} <= set(alone.metrics) and ("ppl_w" in alone.metrics) == ("style" in v.name)
    assert packed[0].history != packed[1].history


def test_seed_batched_equals_per_seed_over_many_steps():
    together = train_seeds("ring8", _fast("gan-ns"), [0, 1, 2], {"g_steps": 400})
    alone = train_seeds("ring8", _fast("gan-ns"), [1], {"g_steps": 400})[0]
    _same(together[1], alone)


def test_incompatible_variants_do_not_share_a_program():
    with pytest.raises(ValueError, match="cannot share a program"):
        check_groups([Group(get_variant("gan-ns"), (0,)), Group(get_variant("pacgan"), (0,))])
    with pytest.raises(ValueError, match="cannot share a program"):
        check_groups([Group(get_variant("gan-ns"), (0,)), Group(get_variant("wgan-gp"), (0,))])
    assert get_variant("gan-ns").program_key() == _fast("sn-1", batch_size=256).program_key()
    assert get_variant("gan-ns").program_key() != get_variant("sngan").program_key()  # five D steps
    assert get_variant("wgan").program_key() != get_variant("wgan-gp").program_key()  # GP runs or not


@pytest.mark.parametrize("task,names,steps", [
    ("ring8-cond", ("cgan", "t-cgan-lsgan"), 150),  # the label stream is per trial too
    ("ring8-cond", ("acgan",), 80),
    ("digits-cond", ("cgan",), 15),
    ("digits-cond", ("cgan-projection",), 6),  # conditional BatchNorm in G
])
def test_packed_conditional_trials_equal_lone_trials(task, names, steps):
    from ganbench.zoo import VARIANTS

    if "t-cgan-lsgan" not in VARIANTS:
        register_variant("t-cgan-lsgan", base="cgan", loss="lsgan", lr=3e-4)
    variants = [_fast(n) for n in names]
    packed = train_program(task, [Group(v, (0, 2)) for v in variants], {"g_steps": steps})
    for k, v in enumerate(variants):
        (alone,) = train_program(task, [Group(v, (2,))], {"g_steps": steps})
        _same(packed[2 * k + 1], alone)
        assert "cond_accuracy" in alone.metrics


@pytest.mark.parametrize("task,names,steps", [("ring8", ("bigan", "t-bigan-lsgan"), 120), ("ring8", ("aae",), 120),
                                              ("digits", ("bigan", "t-bigan-lsgan"), 10), ("digits", ("aae",), 10)])
def test_packed_inference_trials_equal_lone_trials(task, names, steps):
    from ganbench.zoo import VARIANTS

    if "t-bigan-lsgan" not in VARIANTS:
        register_variant("t-bigan-lsgan", base="bigan", loss="lsgan", lr=3e-4)
    variants = [_fast(n) for n in names]
    packed = train_program(task, [Group(v, (0, 2)) for v in variants], {"g_steps": steps})
    for k, v in enumerate(variants):
        (alone,) = train_program(task, [Group(v, (2,))], {"g_steps": steps})
        _same(packed[2 * k + 1], alone)
        assert {"recon_error", "recon_kept", "probe_accuracy", "prior_kid"} <= set(alone.metrics)


@pytest.mark.parametrize("task,names,steps", [("digits-edges", ("pix2pix", "t-pix2pix-lr"), 30),
                                              ("digits-edges-unpaired", ("cyclegan", "t-cyclegan-lambda-5"), 20)])
def test_packed_translation_trials_equal_lone_trials(task, names, steps):
    from ganbench.zoo import VARIANTS

    if "t-pix2pix-lr" not in VARIANTS:
        register_variant("t-pix2pix-lr", base="pix2pix", lr=5e-4, l1=50.0)
        register_variant("t-cyclegan-lambda-5", base="cyclegan", cycle=5.0, betas=(0.9, 0.999))
    # batch 4: CycleGAN's 50-image histories are full after 13 steps, so the swaps run too
    variants = [get_variant(n).replace(batch_size=4) for n in names]
    packed = train_program(task, [Group(v, (0, 2)) for v in variants], {"g_steps": steps})
    for k, v in enumerate(variants):
        (alone,) = train_program(task, [Group(v, (2,))], {"g_steps": steps})
        _same(packed[2 * k + 1], alone)
        assert {"l1", "ssim", "label_kept"} <= set(alone.metrics)
    assert packed[0].history != packed[1].history
