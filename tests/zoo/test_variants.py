import math

import pytest

from ganbench.harness import train_seeds
from ganbench.zoo import VARIANTS, get_variant, load_plugin, register_variant
from ganbench.zoo.variants import BUILTIN_VARIANTS

ALL = sorted(BUILTIN_VARIANTS)
TRANSLATION = [n for n in ALL if VARIANTS[n].translation]  # image to image: their own tasks
BUILTIN = [n for n in ALL if n not in TRANSLATION]  # the generative variants
CONDITIONAL = [n for n in BUILTIN if VARIANTS[n].conditioning]  # trained on the labelled tasks
IMAGES = [n for n in BUILTIN if not VARIANTS[n].inference]  # the encoder GANs take vectors only
IMAGE_ARCH = [n for n in BUILTIN if VARIANTS[n].arch.family in ("dcgan", "progan", "stylegan", "stylegan2")]


def _labelled(task, name):
    return f"{task}-cond" if name in CONDITIONAL else task


@pytest.mark.parametrize("name", [n for n in BUILTIN if n not in IMAGE_ARCH])
def test_every_variant_trains_on_ring8_and_gives_finite_samples(name):
    (rec,) = train_seeds(_labelled("ring8", name), name, [0], {"g_steps": 3})
    assert rec.status == "ok", rec.error
    assert rec.spent["g_steps"] == 3 and rec.spent["d_steps"] == 3 * get_variant(name).n_critic
    assert all(math.isfinite(rec.metrics[k]) for k in ("fid", "precision", "recall", "hq_fraction"))


@pytest.mark.parametrize("name", IMAGES)
def test_every_variant_trains_on_digits(name):
    (rec,) = train_seeds(_labelled("digits", name), name, [0], {"g_steps": 2}, evaluate=False)
    assert rec.status == "ok", rec.error
    assert rec.spent["gflops"] > 0


@pytest.mark.parametrize("name", IMAGE_ARCH)
def test_every_image_architecture_trains_on_digits32_and_is_judged(name):
    (rec,) = train_seeds("digits32", name, [0], {"g_steps": 2})
    assert rec.status == "ok", rec.error
    assert all(math.isfinite(rec.metrics[k]) for k in ("fid", "kid", "precision", "is")), rec.metrics
    with pytest.raises(ValueError, match="family takes"):
        train_seeds("ring8", name, [0], {"g_steps": 1})


@pytest.mark.parametrize("name", TRANSLATION)
def test_every_translation_variant_trains_and_is_judged_on_its_task(name):
    task = "digits-edges" if VARIANTS[name].translation == "pix2pix" else "digits-edges-unpaired"
    (rec,) = train_seeds(task, name, [0], {"g_steps": 2})
    assert rec.status == "ok", rec.error
    values = ("l1", "psnr", "ssim", "label_kept", "fid") + (("cycle_error",) if "cycle" in name else ())
    assert all(math.isfinite(rec.metrics[k]) for k in values), rec.metrics


def test_papers_and_docs_are_declared():
    assert len(BUILTIN) == 29 and len(CONDITIONAL) == 3 and len(IMAGES) == 27 and len(TRANSLATION) == 7
    assert IMAGE_ARCH == ["dcgan32", "progan", "stylegan", "stylegan2"]
    for name in ALL:
        v = VARIANTS[name]
        assert v.paper and v.doc, v.name


def test_pacgan_packs_and_wgan_uses_five_critic_steps():
    assert get_variant("pacgan").pack == 2 and get_variant("pacgan4").pack == 4
    w = get_variant("wgan")
    assert (w.n_critic, w.clip, w.optimizer, w.lr) == (5, 0.01, "rmsprop", 5e-5)
    assert get_variant("wgan-gp").gp == 10.0 and get_variant("sngan").spectral_norm


def test_image_family_fields_need_their_family():
    with pytest.raises(ValueError, match="growth_kimg and drift belong to ProGAN's step"):
        register_variant("t-bad-growth", growth_kimg=10.0)
    with pytest.raises(ValueError, match="step 'progan' grows the progan architecture"):
        register_variant("t-bad-progan", base="progan", arch={"family": "dcgan"})
    with pytest.raises(ValueError, match="need a style-based generator"):
        register_variant("t-bad-mixing", style_mixing=0.5)
    with pytest.raises(ValueError, match="probability in"):
        register_variant("t-bad-mixing-2", base="stylegan", style_mixing=1.5)


def test_register_variant_validates():
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['lrr'\]"):
        register_variant("t-bad-field", lrr=1.0)
    with pytest.raises(ValueError, match="unknown base variant 'nope'"):
        register_variant("t-bad-base", base="nope")
    with pytest.raises(ValueError, match="already registered"):
        register_variant("gan-ns")
    with pytest.raises(ValueError, match="unknown loss"):
        register_variant("t-bad-loss", loss="nope")
    with pytest.raises(ValueError, match="divisible by pack"):
        register_variant("t-bad-pack", pack=3, batch_size=256)


def test_plugin_file_registers_a_loss_and_a_variant(tmp_path):
    plugin = tmp_path / "my_loss.py"
    plugin.write_text(
        "import torch.nn.functional as F\n"
        "from ganbench.zoo import register_loss, register_variant\n"
        "@register_loss('t-softplus-hinge')\n"
        "def loss(d_real, d_fake):\n"
        "    return F.softplus(1 - d_real).mean(1) + F.softplus(1 + d_fake).mean(1), -d_fake.mean(1)\n"
        "register_variant('t-my-gan', base='gan-ns', loss='t-softplus-hinge', lr=5e-4)\n"
    )
    load_plugin(str(plugin))
    load_plugin(str(plugin))  # loading twice is harmless
    v = get_variant("t-my-gan")
    assert v.loss == "t-softplus-hinge" and v.lr == 5e-4
    (rec,) = train_seeds("ring8", "t-my-gan", [0], {"g_steps": 2}, evaluate=False)
    assert rec.status == "ok"


def test_custom_step_function():
    calls = []

    def my_step(ctx):
        from ganbench.zoo.steps import default_step

        calls.append(1)
        return default_step(ctx)

    register_variant("t-custom-step", step=my_step)
    train_seeds("ring8", "t-custom-step", [0], {"g_steps": 4}, evaluate=False)
    assert len(calls) == 4


def test_missing_plugin_file():
    with pytest.raises(ValueError, match="does not exist"):
        load_plugin("/nonexistent/plugin.py")
