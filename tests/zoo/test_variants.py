import dataclasses
import math

import pytest

from ganbench.harness import train_seeds
from ganbench.zoo import BUILTIN_VARIANTS, STEPS, VARIANTS, get_variant, load_plugin, register_variant
from ganbench.zoo.recipe import FLAT, GROUPS, TUNABLE, Optim, Variant
from ganbench.zoo.steps import BUILTIN_STEPS

ALL = sorted(BUILTIN_VARIANTS)
TRANSLATION = [n for n in ALL if VARIANTS[n].family.translation]  # image to image: their own tasks
BUILTIN = [n for n in ALL if n not in TRANSLATION]  # the generative variants
CONDITIONAL = [n for n in BUILTIN if VARIANTS[n].family.conditioning]  # trained on the labelled tasks
IMAGES = [n for n in BUILTIN if not VARIANTS[n].family.inference]  # the encoder GANs take vectors only
IMAGE_ARCH = [n for n in BUILTIN if VARIANTS[n].arch.family in ("dcgan", "progan", "stylegan", "stylegan2")]


def _labelled(task, name):
    return f"{task}-cond" if name in CONDITIONAL else task


@pytest.mark.parametrize("name", [n for n in BUILTIN if n not in IMAGE_ARCH])
def test_every_variant_trains_on_ring8_and_gives_finite_samples(name):
    (rec,) = train_seeds(_labelled("ring8", name), name, [0], {"g_steps": 3})
    assert rec.status == "ok", rec.error
    assert rec.spent["g_steps"] == 3 and rec.spent["d_steps"] == 3 * get_variant(name).optim.n_critic
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
    task = "digits-edges" if VARIANTS[name].family.translation == "pix2pix" else "digits-edges-unpaired"
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
    assert get_variant("pacgan").tricks.pack == 2 and get_variant("pacgan4").tricks.pack == 4
    w = get_variant("wgan")
    assert (w.optim.n_critic, w.reg.clip, w.optim.optimizer, w.optim.lr) == (5, 0.01, "rmsprop", 5e-5)
    assert get_variant("wgan-gp").reg.gp == 10.0 and get_variant("sngan").tricks.spectral_norm


def test_image_family_fields_need_their_family():
    with pytest.raises(ValueError, match="growth_kimg belongs to ProGAN's step; set step='progan', or drop it"):
        register_variant("t-bad-growth", growth_kimg=10.0)
    with pytest.raises(ValueError, match="drift and growth_kimg belong to ProGAN's step"):
        register_variant("t-bad-growth-2", growth_kimg=10.0, drift=0.1)
    with pytest.raises(ValueError, match="step 'progan' grows the progan architecture"):
        register_variant("t-bad-progan", base="progan", arch={"family": "dcgan"})
    with pytest.raises(ValueError, match="style_mixing belongs to style-based generators"):
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
    assert v.loss == "t-softplus-hinge" and v.optim.lr == 5e-4
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


# --- the recipe's schema ---------------------------------------------------------------------------

# The programs the built-in variants shared before the recipe was grouped by concern (computed with
# the flat recipe's hand-written program_key): each set shares one program, every other variant
# trains alone. The grouped recipe derives its key from the fields' knobs and must group the same.
OLD_PROGRAMS = [
    {"gan-ns", "gan-minimax", "lsgan", "hinge", "fgan-kl", "fgan-rkl", "fgan-pearson", "fgan-hellinger", "fgan-js",
     "ns-smooth"},
    {"wgan-gp", "wgan-gp-toy"},
]
# What the flat recipe's hand-written `tricks` listed (now `additions()`, in field order).
OLD_TRICKS = {
    "wgan": ["clip(0.01)"], "wgan-gp": ["gp(10)"], "wgan-gp-toy": ["gp(0.1)"], "sngan": ["spectral-norm"], "r1": ["r1(1)"],
    "unrolled-gan": ["unroll(5)"], "pacgan": ["pack(2)"], "pacgan4": ["pack(4)"], "mbd-gan": ["minibatch-discrimination"],
    "fm-gan": ["feature-matching"], "cgan": ["conditional(concat)"], "acgan": ["conditional(auxiliary)"],
    "cgan-projection": ["spectral-norm", "conditional(projection)"], "bigan": ["encoder(bigan)"], "aae": ["encoder(aae)"],
    "pix2pix": ["l1(100)"], "pix2pix-l1": ["adv(0)", "l1(100)"], "cyclegan": ["cycle(10, both)", "identity(0.5)"],
    "cyclegan-forward": ["cycle(10, forward)", "identity(0.5)"], "cycle-only": ["adv(0)", "cycle(10, both)", "identity(0.5)"],
    "progan": ["gp(10)", "growing(5 kimg/phase)", "drift(0.001)"], "stylegan": ["r1(10)", "style-mixing(0.9)"],
    "stylegan2": ["r1(10)", "lazy-reg(every 16)", "style-mixing(0.9)"]}


def _shares(a, b) -> bool:
    return a == b or any(a in g and b in g for g in OLD_PROGRAMS)


@pytest.mark.parametrize("train", [{}, {"batch_size": 64, "ema": 0.999}], ids=["recipes", "suite-settings"])
def test_program_key_groups_every_pair_of_builtin_variants_as_before(train):
    def key(n):
        v = VARIANTS[n]
        return v.replace(**(train if not v.family.translation else {})).program_key()

    wrong = [(a, b) for a in ALL for b in ALL if (key(a) == key(b)) != _shares(a, b)]
    assert not wrong


def test_additions_list_what_the_hand_written_tricks_listed():
    assert {n: sorted(VARIANTS[n].additions()) for n in ALL} == {n: sorted(OLD_TRICKS.get(n, [])) for n in ALL}


def test_flat_names_are_unique_across_groups_and_apart_from_group_names():
    flat = [f.name for f in dataclasses.fields(Variant) if not f.metadata.get("group")]
    flat += [g.name for cls in GROUPS.values() for g in dataclasses.fields(cls)]
    flat = [n for n in flat if n not in ("published_budget", "space", "origin")]
    assert len(flat) == len(set(flat)) == len(FLAT)
    assert not set(GROUPS) & set(FLAT)
    assert FLAT["lr"][0] == "optim" and FLAT["ema"][0] == "tricks" and FLAT["batch_size"][0] == ""


def test_replace_takes_flat_names_groups_and_whole_groups():
    v = get_variant("gan-ns")
    a = v.replace(lr=2e-4, betas=[0, 0.9], ema=0.999, arch={"ch": 16}, batch_size=64)
    b = v.replace(optim={"lr": 2e-4, "betas": (0, 0.9)}, tricks={"ema": 0.999}, arch={"ch": 16}, batch_size=64)
    assert a == b and a.optim.lr == 2e-4 and a.optim.betas == (0, 0.9) and a.tricks.ema == 0.999 and a.arch.ch == 16
    assert v.replace(optim=Optim(lr=5e-5)).optim == Optim(lr=5e-5)
    assert v.optim.lr == 1e-3  # frozen: the registered recipe is untouched
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['lrr'\]"):
        v.replace(lrr=1.0)
    with pytest.raises(ValueError, match=r"unknown optim field\(s\) \['ema'\]"):
        v.replace(optim={"ema": 0.9})
    with pytest.raises(ValueError, match=r"unknown arch field\(s\) \['width'\]"):
        v.replace(arch={"width": 3})
    with pytest.raises(AttributeError, match="read variant.optim.lr"):
        v.lr  # noqa: B018  (the flat attribute says where it went)


def test_register_variant_takes_flat_and_nested_overrides_and_is_idempotent():
    a = register_variant("t-flat", base="gan-ns", lr=2e-4, betas=(0, 0.9))
    assert register_variant("t-flat", base="gan-ns", lr=2e-4, betas=(0, 0.9)) is a  # the same recipe again
    b = register_variant("t-nested", base="gan-ns", optim={"lr": 2e-4, "betas": (0, 0.9)})
    assert b.optim == a.optim and b.config_hash() != get_variant("gan-ns").config_hash()
    with pytest.raises(ValueError, match="already registered with another recipe"):
        register_variant("t-flat", base="gan-ns", lr=3e-4)


def test_a_refused_plugin_step_leaves_its_name_free():
    from ganbench.zoo.steps import default_step

    with pytest.raises(ValueError, match="divisible by pack"):
        register_variant("t-step-refused", step=default_step, pack=3)
    assert "t-step-refused" not in STEPS
    assert register_variant("t-step-refused", step=default_step, pack=2).step == "t-step-refused"


def test_to_dict_is_flat_and_config_hash_covers_the_full_recipe_but_not_the_prose():
    v = get_variant("wgan-gp")
    d = v.to_dict()
    assert d["lr"] == 1e-4 and d["betas"] == [0.5, 0.9] and d["gp"] == 10.0 and d["arch"]["hidden"] == 128
    assert set(d) == set(FLAT) | {"published_budget", "space", "origin"}
    for k in FLAT:  # every training field, at its default or not, moves the hash
        if k in ("name", "paper", "doc"):
            continue
        other = {"arch": {"hidden": 64}, "betas": (0.1, 0.9), "d_lr": 1e-3, "cycle_directions": "forward"}.get(k)
        if other is None:
            x = v.get(k)
            other = (not x) if isinstance(x, bool) else (x + 1 if isinstance(x, (int, float)) else x + "x")
        assert v.replace(**{k: other}).config_hash() != v.config_hash(), k
    prose = dataclasses.replace(v.replace(name="t-renamed", paper="p", doc="d"), published_budget={"kimg": 1},
                                space={"lr": "logU[1e-5,1e-3]"})
    assert prose.config_hash() == v.config_hash()


def test_knobs_name_only_built_in_steps():
    for k, (_, f) in FLAT.items():
        kn = f.metadata.get("knob")
        assert kn is None or set(kn.unsupported_by) <= set(BUILTIN_STEPS), k


def test_steps_refuse_what_they_do_not_implement():
    with pytest.raises(ValueError, match="the unrolled step does not implement n_critic"):
        register_variant("t-unrolled-critic", base="unrolled-gan", n_critic=5)
    with pytest.raises(ValueError, match="the pix2pix step does not implement n_critic, ema"):
        register_variant("t-pix-critic", base="pix2pix", n_critic=2, ema=0.9)
    with pytest.raises(ValueError, match="unroll belongs to the unrolled step"):
        register_variant("t-unroll-default", unroll=5)
    with pytest.raises(ValueError, match="betas must be two numbers in"):
        register_variant("t-bad-betas", betas=(0.5, 1.5))
    with pytest.raises(ValueError, match="gp must be a number >= 0"):
        register_variant("t-bad-gp", gp=-1.0)
