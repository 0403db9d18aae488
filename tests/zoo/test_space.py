"""Search spaces: the distributions, their notation, the ranges the recipe declares, the sampler."""
import math

import numpy as np
import pytest
from scipy import stats

from ganbench.zoo import BUILTIN_VARIANTS, VARIANTS, get_variant, register_variant, sample_configurations
from ganbench.zoo.recipe import TUNABLE
from ganbench.zoo.space import Choice, LogUniform, Uniform, covers, format_space, narrower, parse_distribution
from ganbench.zoo.variants import configuration_name


def test_notation_round_trips_and_bad_ranges_are_refused():
    for text in ("logU[1e-5,1e-2]", "U[0,1]", "{1,5}", "{0,0.5,0.9,1}", "logU[0.1,100]", "logU[2e-4,0.5]"):
        assert str(parse_distribution(text)) == text
    assert parse_distribution(" logU[ 1e-4 , 1e-3 ] ") == LogUniform(1e-4, 1e-3)
    assert parse_distribution("{2,4}") == Choice((2, 4)) and isinstance(parse_distribution("{2,4}").values[0], int)
    for bad, why in [("logU[0,1]", "0 < low"), ("U[1,0]", "low <= high"), ("{}", "empty"), ("{1,1}", "distinct"),
                     ("N(0,1)", "cannot read")]:
        with pytest.raises(ValueError, match=why):
            parse_distribution(bad)


def test_log_uniform_draws_are_uniform_in_the_exponent():
    rng = np.random.default_rng(0)
    d = LogUniform(1e-5, 1e-2)
    x = np.array([d.sample(rng) for _ in range(4000)])
    assert x.min() >= 1e-5 and x.max() < 1e-2
    assert stats.kstest(np.log10(x), stats.uniform(-5, 3).cdf).pvalue > 1e-3
    # a uniform draw of the same range puts only 1% of its mass below 1e-4; log-uniform a third
    assert abs((x < 1e-4).mean() - 1 / 3) < 0.03
    c = Choice((1, 5))
    draws = [c.sample(rng) for _ in range(2000)]
    assert set(draws) == {1, 5} and abs(draws.count(5) / 2000 - 0.5) < 0.05


def test_covers_and_narrower():
    wide = {"lr": LogUniform(1e-5, 1e-2), "beta1": Uniform(0, 1), "n_critic": Choice((1, 5))}
    assert covers(wide["lr"], LogUniform(1e-4, 1e-3)) and not covers(LogUniform(1e-4, 1e-3), wide["lr"])
    assert covers(Choice((1, 5)), Choice((5,))) and not covers(Choice((1, 5)), Uniform(1, 5))
    assert narrower(wide, wide) == {}
    narrow = {"lr": LogUniform(1e-4, 1e-3), "n_critic": Choice((1, 5)), "gp": LogUniform(0.1, 100)}
    why = narrower(narrow, wide)
    assert set(why) == {"lr", "beta1"}  # gp, tuned only by the narrow one, does not make it narrower
    assert why["lr"] == "lr∈logU[1e-4,1e-3] does not cover logU[1e-5,1e-2]" and "β1 is fixed" in why["beta1"]
    assert format_space(wide) == "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}" and format_space({}) == "-"


# Each built-in's space, as the issue asks: learning rates and β1, critic steps where the step takes
# several, penalty weights, packing degree, unrolling steps (and StyleGAN's mixing probability).
EXPECTED = {
    "gan-ns": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}",
    "wgan": "lr∈logU[1e-5,1e-2]; n_critic∈{1,5}; clip∈logU[1e-3,1]",  # RMSprop: no betas
    "wgan-gp": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}; gp∈logU[0.1,100]",
    "r1": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}; r1∈logU[0.1,100]",
    "unrolled-gan": "lr∈logU[1e-5,1e-2]; d_lr∈logU[1e-5,1e-2]; β1∈U[0,1]; unroll∈{1,5,10}",  # one D step
    "pacgan": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}; pack∈{2,4}",
    "pix2pix": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]",  # one D step per G step
    "progan": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}; gp∈logU[0.1,100]",
    "stylegan": "lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n_critic∈{1,5}; r1∈logU[0.1,100]; style_mixing∈{0,0.5,0.9,1}",
}


def test_every_builtin_declares_its_space_with_one_range_per_hyperparameter():
    assert {n: format_space(get_variant(n).search_space()) for n in EXPECTED} == EXPECTED
    for name in BUILTIN_VARIANTS:
        v = VARIANTS[name]
        space = v.search_space()
        assert "lr" in space, name
        for k, dist in space.items():
            assert dist == TUNABLE[k][1].dist, (name, k)  # shared hyper-parameters: the same range everywhere
            assert covers(dist, Choice((v.hyperparameter(k),))), (name, k)  # the recipe is configuration 0
    for k, (_, t) in TUNABLE.items():
        assert t.source, k


def test_sample_configurations_is_pure_seeded_and_starts_with_the_recipe():
    base = get_variant("wgan-gp")
    cs = sample_configurations("wgan-gp", 6, seed=3)
    assert cs[0] is base and [c.name for c in cs[1:]] == [f"wgan-gp+s3c{i:02d}" for i in range(1, 6)]
    assert [c.name for c in sample_configurations("wgan-gp", 6, seed=3)] == [c.name for c in cs]
    assert sample_configurations("wgan-gp", 6, seed=3) == cs and sample_configurations("wgan-gp", 3, seed=3) == cs[:3]
    assert sample_configurations("wgan-gp", 3, seed=4)[1] != cs[1]
    assert len({c.config_hash() for c in cs}) == 6
    space = base.search_space()
    for c in cs[1:]:
        assert c.origin["base"] == "wgan-gp" and c.origin["seed"] == 3 and set(c.origin["values"]) == set(space)
        assert all(covers(d, Choice((c.hyperparameter(k),))) for k, d in space.items())
        assert c.optim.betas[1] == 0.9 and c.loss == "wasserstein" and c.paper == base.paper  # β2 is not tuned
        assert c.origin["values"]["n_critic"] == c.optim.n_critic and c.doc.startswith("configuration ")
    # the same range gives the same draws (common random numbers): one lr per configuration index
    other = sample_configurations("gan-ns", 6, seed=3)
    assert [c.optim.lr for c in other[1:]] == [c.optim.lr for c in cs[1:]]
    with pytest.raises(ValueError, match="positive integer"):
        sample_configurations("gan-ns", 0, seed=0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        sample_configurations("gan-ns", 2, seed=-1)


def test_sampled_learning_rates_follow_the_log_uniform_range():
    lrs = np.array([c.optim.lr for c in sample_configurations("gan-ns", 400, seed=0)[1:]])
    assert stats.kstest(np.log10(lrs), stats.uniform(-5, 3).cdf).pvalue > 1e-3


def test_registering_configurations_is_idempotent():
    cs = sample_configurations("pacgan", 3, seed=11, register=True)
    again = sample_configurations("pacgan", 3, seed=11, register=True)
    assert all(a is b for a, b in zip(again, cs)) and VARIANTS[cs[1].name] is cs[1]
    with pytest.raises(ValueError, match="already registered with another recipe"):
        register_variant(configuration_name("pacgan", 11, 1), base="pacgan", lr=0.5e-3)
    (rec,) = train_seeds_quick(cs[2].name)
    assert rec.status == "ok" and rec.variant == "pacgan+s11c02"


def train_seeds_quick(name):
    from ganbench.harness import train_seeds

    return train_seeds("ring8", name, [0], {"g_steps": 2}, evaluate=False)


def test_a_plugin_declares_its_own_space():
    v = register_variant("t-space", base="wgan-gp", space={"lr": "logU[1e-5,1e-3]", "beta1": None, "n_critic": "{5}"})
    assert format_space(v.search_space()) == "lr∈logU[1e-5,1e-3]; n_critic∈{5}; gp∈logU[0.1,100]"
    assert set(narrower(v.search_space(), get_variant("wgan-gp").search_space())) == {"lr", "beta1", "n_critic"}
    assert register_variant("t-space-child", base="t-space", gp=5.0).search_space() == v.search_space()  # inherited
    with pytest.raises(ValueError, match="space names 'lrr', which is not tunable"):
        register_variant("t-space-bad-1", space={"lrr": "U[0,1]"})
    with pytest.raises(ValueError, match=r"leaves the values beta1 may take: beta1 must be a number in \[0, 1\)"):
        register_variant("t-space-bad-2", space={"beta1": "U[0,2]"})
    with pytest.raises(ValueError, match="does not contain the recipe's lr = 0.001; the recipe is configuration 0"):
        register_variant("t-space-bad-3", space={"lr": "logU[1e-5,1e-4]"})
    with pytest.raises(ValueError, match=r"pack = 3 gives an invalid recipe .*divisible by pack 3"):
        register_variant("t-space-bad-4", base="pacgan", space={"pack": "{2,3}"})
    with pytest.raises(ValueError, match="the unrolled step does not implement n_critic"):
        register_variant("t-space-bad-5", base="unrolled-gan", space={"n_critic": "{1,5}"})
    with pytest.raises(ValueError, match="beta1 does not act in this recipe"):
        register_variant("t-space-bad-6", base="wgan", space={"beta1": "U[0,1]"})
    with pytest.raises(ValueError, match="space: cannot read"):
        register_variant("t-space-bad-7", space={"lr": "1e-4..1e-3"})
    assert not any(n.startswith("t-space-bad") for n in VARIANTS)
    assert math.isclose(get_variant("t-space").optim.lr, 1e-4)


def test_every_declared_range_stays_in_its_fields_values():
    from ganbench.zoo.recipe import FLAT

    for k, (flat, t) in TUNABLE.items():
        kn = FLAT[flat][1].metadata["knob"]
        assert (t.domain or kn.domain).covers(t.dist), k


def test_a_recipe_outside_its_space_trains_but_cannot_be_sampled():
    from ganbench.zoo.variants import validate_variant

    fast = register_variant("t-fast-lr", lr=0.05)  # a valid recipe no search of the default space would draw
    with pytest.raises(ValueError, match="does not contain the recipe's lr = 0.05; the recipe is configuration 0"):
        sample_configurations(fast, 2, seed=0)
    small = get_variant("pacgan").replace(batch_size=6)  # a suite's batch: pack 2 divides it, pack 4 does not
    assert validate_variant(small) is small
    with pytest.raises(ValueError, match=r"pack = 4 gives an invalid recipe .*divisible by pack 4"):
        sample_configurations(small, 2, seed=0)
