"""The recorded core run (baselines/core) is the shipped suite, trained: every task has its floor and
ceiling, the reference recipe learned each task, every variant the literature reports as working is
better than the untrained generator, the ring separates variant families, and the published
directions that reproduce at this budget hold (those that do not are listed, strict xfail). A
baseline of undertrained generators (the one recorded before these checks, where the
"winners" were the variants that trained least) fails here."""
import numpy as np
import pytest

from ganbench.records import load_records
from ganbench.report.leaderboard import aggregate, load_results
from ganbench.report.stats import welch_p, welch_p_one_sided
from tests.runner.baselines import assert_is_shipped_suite, baseline_dir, values

CORE = baseline_dir("core")
MODES = "modes[identity]"

# Variants the papers report as working on the 2-D mixtures (VEEGAN, PacGAN, Unrolled GAN, WGAN-GP's
# toy experiments, LSGAN, SNGAN with its paper's five D steps); each task lists those it trains.
WORKING = {"ring8": ["gan-ns", "lsgan", "hinge", "sngan", "wgan-gp-toy", "unrolled-gan", "pacgan"],
           "grid25": ["gan-ns", "hinge", "pacgan"]}

# The published directions testable at the core's budget, by the columns of the papers' tables:
# (task, better, worse, column, lower_is_better, source). At 5 seeds in a trained regime none is
# significant after Holm (README, "Core leaderboard", gives the p-values), so what must reproduce
# is each direction in the means.
KNOWN = [
    ("ring8", "pacgan", "gan-ns", MODES, False, "Lin et al. 2018 (PacGAN), Table 1: modes on the ring"),
    ("ring8", "pacgan", "gan-ns", "reverse_kl[identity]", True, "PacGAN Table 1: reverse KL on the ring"),
    ("ring8", "unrolled-gan", "gan-ns", MODES, False, "Srivastava et al. 2017 (VEEGAN), Table 1: modes"),
    ("ring8", "unrolled-gan", "gan-ns", "reverse_kl[identity]", True, "reverse KL on the ring (PacGAN's column)"),
]
# Published directions that do not reproduce at this budget and 5 seeds: on the grid PacGAN's
# advantage held in the means on two AMD CPUs (22 vs 20 modes) and reversed on an Intel AVX-512 CPU
# (21.4 vs 22.4; its float rounding trains other GANs), never significant: within seed noise.
NOT_REPRODUCED = [
    ("grid25", "pacgan", "gan-ns", MODES, False, "PacGAN Table 1: modes on the 5x5 grid"),
    ("grid25", "pacgan", "gan-ns", "reverse_kl[identity]", True, "PacGAN Table 1: reverse KL on the grid"),
]


@pytest.fixture(scope="module")
def results():
    return load_results(CORE)


@pytest.fixture(scope="module")
def tables():
    return aggregate(load_records(CORE))


def _values(results, task, variant, column=MODES):
    return values(results, task, variant, column)


def test_baseline_is_the_shipped_core_suite_with_reference_rows():
    assert_is_shipped_suite("core", CORE)


def test_floor_and_ceiling(results):
    for task, n_modes in (("ring8", 8), ("grid25", 25)):
        real, init = _values(results, task, "real"), _values(results, task, "init")
        assert len(real) == len(init) == 5
        assert real.min() == n_modes  # held-out data covers every mode
        assert init.max() <= 1  # an untrained MLP puts its samples at the origin: the grid's center mode at most


def test_the_reference_recipe_learned_every_task(results):
    for task in ("ring8", "grid25"):
        hq = _values(results, task, "gan-ns", "hq_fraction[identity]")
        assert np.median(hq) >= 0.8, (task, hq)
        assert welch_p_one_sided(_values(results, task, "gan-ns"), _values(results, task, "init")) < 0.05


def test_working_variants_are_better_than_the_floor(tables):
    for task, variants in WORKING.items():
        table = tables[task]
        for v in variants:
            assert bool(table.loc[v, "learned"]), f"{task}/{v}: not better than init (p = {table.loc[v, 'p_vs_init']})"


def _direction_holds(results, task, better, worse, column, lower, source):
    x, y = _values(results, task, better, column), _values(results, task, worse, column)
    assert len(x) == len(y) == 5, (task, better, worse, column)
    a, b = x.mean(), y.mean()
    assert (a <= b if lower else a >= b), f"{task}: {better} {a:.3g} vs {worse} {b:.3g} ({source})"


def test_published_directions_hold(results):
    # Every direction of the papers' tables holds in the means (mode counts may tie at the ceiling);
    # an undertrained baseline breaks this (the one recorded before had PacGAN below gan-ns on grid25).
    for known in KNOWN:
        _direction_holds(results, *known)
    assert any(_values(results, t, a, c).mean() != _values(results, t, b, c).mean() for t, a, b, c, *_ in KNOWN)


@pytest.mark.xfail(strict=True, reason="PacGAN over GAN on grid25 does not reproduce at 5 seeds (issue 12); "
                                       "a baseline where it does must move it back to KNOWN")
def test_published_directions_not_reproduced_at_this_budget(results):
    for known in NOT_REPRODUCED:
        _direction_holds(results, *known)


def _separation_p(results, tables, task, column, lower):
    """Welch p between the best and the worst learned variant of ``task`` by ``column``'s means."""
    table = tables[task]
    learned = [v for v in table.index if table.loc[v, "kind"] == "trial" and table.loc[v, "learned"]]
    means = {v: _values(results, task, v, column).mean() for v in learned}
    best, worst = (min, max) if lower else (max, min)
    a, b = best(means, key=means.get), worst(means, key=means.get)
    return welch_p(_values(results, task, a, column), _values(results, task, b, column))


def test_ring8_separates_variant_families(results, tables):
    # Every working variant finds all 8 modes, so the ring separates them by reverse KL (PacGAN's
    # column, which measures balance as well): the critics with a Lipschitz control (sngan,
    # wgan-gp-toy) and the unrolled GAN spread their samples evenly, the plain losses do not.
    assert _separation_p(results, tables, "ring8", "reverse_kl[identity]", True) < 0.05


@pytest.mark.xfail(strict=True, reason="grid25 separates no two of gan-ns, hinge, pacgan at 5 seeds on this "
                                       "baseline (modes: hinge 23.2 vs pacgan 21.4, p = 0.36; issue 12)")
def test_grid25_separates_variant_families(results, tables):
    assert _separation_p(results, tables, "grid25", MODES, False) < 0.05
