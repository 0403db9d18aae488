"""Nested budgets: a trial judged at a point of its budget grid gets, bit for bit, the status and values
of the same trial trained to that point; judging does not perturb training; points survive a kill."""
import math
import warnings

import pytest
import torch

from ganbench.features.digits import load_classifier
from ganbench.harness import Budget, train_seeds
from ganbench.harness.budget import budget_grid, default_grid
from ganbench.records import TrialRecord
from ganbench.runner.suite import TaskPlan
from ganbench.zoo import get_loss, get_variant, register_loss, register_variant
from ganbench.zoo.networks import Arch

FIELDS = ("status", "failed_step", "metrics", "metrics_raw")


def _bits(d: dict) -> dict:
    """Values compared with ==, a NaN equal to itself (an untrained G's KID std can be one)."""
    return {k: ("nan" if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def _fields(x) -> tuple:
    get = x.get if isinstance(x, dict) else lambda k: getattr(x, k)
    return tuple(_bits(get(k)) if isinstance(get(k), dict) else get(k) for k in FIELDS)


def _check_nested(task, variant, budget: dict, point, seeds=(0, 1), judged=True):
    """Train to ``budget`` judged at ``point`` too, and train to ``point``: the point's status and
    values equal the short trial's record, bit for bit, and the curve's last point is the record."""
    (unit, total), = budget.items()
    long = train_seeds(task, variant, seeds, budget, eval_at=[point])
    short = train_seeds(task, variant, seeds, {unit: point})
    for lg, sh in zip(long, short):
        assert [p["budget"] for p in lg.curve] == [{unit: point}, {unit: total}]
        at = lg.curve[0]
        assert _fields(at) == _fields(sh)
        assert at["selection"] == sh.curve[-1]["selection"]
        assert at["spent"]["g_steps"] == sh.spent["g_steps"] and at["spent"]["kimg"] == sh.spent["kimg"]
        assert _fields(lg.curve[-1]) == _fields(lg)
        assert lg.eval_wall_s == pytest.approx(sum(p["eval_wall_s"] for p in lg.curve))
        if judged:
            assert sh.status == "ok" and sh.metrics, sh.error
    return long, short


def _plan_task(name, **overrides):
    """The task with protocol overrides, as a suite applies them (smaller evaluations for tests)."""
    return TaskPlan(name, Budget(g_steps=1), overrides).task()


# --- the grid -----------------------------------------------------------------------------------

def test_default_grid_is_seven_1_2_5_points_over_two_decades():
    assert default_grid(Budget(g_steps=10_000)) == (100, 200, 500, 1000, 2000, 5000, 10_000)
    assert default_grid(Budget(g_steps=15_000)) == (200, 500, 1000, 2000, 5000, 10_000, 15_000)
    assert default_grid(Budget(g_steps=3000)) == (50, 100, 200, 500, 1000, 2000, 3000)
    assert default_grid(Budget(g_steps=8)) == (1, 2, 5, 8)  # integer steps only
    assert default_grid(Budget(kimg=48)) == (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 48)
    assert default_grid(Budget(kimg=0.5))[:2] == (0.005, 0.01)  # the floats a user would write
    assert default_grid(Budget(seconds=60)) == (60,)  # not nested
    for total in (3, 40, 400, 999, 1000, 1001, 7000, 25_000):
        grid = default_grid(Budget(g_steps=total))
        assert grid[-1] == total and list(grid) == sorted(set(grid))
        assert all(total / 100 <= p < total for p in grid[:-1]) and len(grid) <= 7


def test_budget_grid_validation():
    b = Budget(g_steps=3000)
    assert budget_grid(b, [250, 500, 1000]) == (250, 500, 1000, 3000)
    assert budget_grid(b, [500, 3000]) == (500, 3000)
    assert budget_grid(b, "final") == (3000,)
    assert budget_grid(b, None) == budget_grid(b, "default") == default_grid(b)
    assert budget_grid(Budget(kimg=4.8), [0.1, 4.8 * (1 + 1e-12)]) == (0.1, 4.8)
    for bad, match in [([500, 250], "increase"), ([0], "positive"), ([4000], "beyond the budget"),
                       ([2.5], "integers"), ([], "list of budget points"), ("half", "list of budget points"),
                       ([True], "positive"), ([float("nan")], "positive")]:
        with pytest.raises(ValueError, match=match):
            budget_grid(b, bad)
    with pytest.raises(ValueError, match="seconds budget is not nested"):
        budget_grid(Budget(seconds=10), [5])


def test_records_keep_their_curve_and_old_records_load(tmp_path):
    rec = TrialRecord(trial_id="t", suite="s", task="ring8", variant="v", seed_index=0, seed=1, fake_seed=2,
                      metrics={"fid": 1.0},
                      curve=[{"budget": {"g_steps": 5}, "spent": {"g_steps": 5}, "status": "ok", "failed_step": None,
                              "error": "", "metrics": {"reverse_kl": math.inf}, "metrics_raw": {},
                              "selection": {"mode_tv": 0.5}, "eval_wall_s": 0.1}])
    rec.save(tmp_path / "r.json")
    assert '"inf"' in (tmp_path / "r.json").read_text()
    assert TrialRecord.load(tmp_path / "r.json") == rec
    old = rec.to_dict()
    del old["curve"]
    assert TrialRecord.from_dict(old).curve == []


# --- a point is a trial trained to it, per family ------------------------------------------------

def test_mixtures_point_and_training_unperturbed():
    long, _ = _check_nested("ring8", "gan-ns", {"g_steps": 12}, 5)
    plain = train_seeds("ring8", "gan-ns", (0, 1), {"g_steps": 12})  # judged at the end only
    for lg, pl in zip(long, plain):
        assert lg.history == pl.history and _fields(lg) == _fields(pl)  # judging at 5 changed nothing after it
        assert lg.curve[0]["selection"].keys() == {"mode_tv"}
        assert lg.protocol["selection"]["headline"] == "mode_tv"


def test_a_gflops_budget_nests():
    (probe,) = train_seeds("ring8", "gan-ns", [0], {"g_steps": 1}, evaluate=False)
    per_step = probe.spent["gflops"]  # measured on the first step; every step of the program costs the same
    long, _ = _check_nested("ring8", "gan-ns", {"gflops": 6.5 * per_step}, 2.5 * per_step)
    assert long[0].curve[0]["spent"]["g_steps"] == 3 and long[0].spent["g_steps"] == 7


def test_mixtures_with_an_average():
    long, _ = _check_nested("ring8", get_variant("gan-ns").replace(ema=0.9), {"g_steps": 10}, 4)
    assert long[0].curve[0]["metrics_raw"] and long[0].curve[0]["metrics_raw"] != long[0].curve[0]["metrics"]


def test_digits():
    long, _ = _check_nested("digits", "gan-ns", {"g_steps": 6}, 3, seeds=(0,))
    # selected on the ceiling split, reported on the test split
    assert "ceiling" in long[0].protocol["selection"]["reference"] and long[0].curve[0]["selection"].keys() == {"fid"}


def test_stacked_digits():
    task = _plan_task("stacked-digits", n_fake=1000, n_real=1000)
    long, _ = _check_nested(task, "pacgan", {"g_steps": 5}, 2, seeds=(0,))
    assert long[0].curve[0]["selection"].keys() == {"modes"}


def test_conditional():
    _check_nested("ring8-cond", "cgan", {"g_steps": 8}, 3)


@pytest.mark.parametrize("variant", ["bigan", "aae"])
def test_encoders(variant):
    long, _ = _check_nested("ring8", variant, {"g_steps": 6}, 3, seeds=(0,))
    assert "probe_accuracy" in long[0].curve[0]["metrics"]


@pytest.mark.parametrize("task,variant", [("digits-edges", "pix2pix"), ("digits-edges-unpaired", "cyclegan")])
def test_translation(task, variant):
    long, _ = _check_nested(task, variant, {"g_steps": 4}, 2, seeds=(0,))
    assert long[0].curve[0]["selection"] == {} and "none" in long[0].protocol["selection"]
    if variant == "cyclegan":
        assert "cycle_error" in long[0].curve[0]["metrics"]


def _small(name, **kw):
    return get_variant(name).replace(batch_size=8, **kw)


def test_progan_point_inside_a_fade_in():
    # 32 images a phase at batch 8: the 4x4 stage for 4 steps, then 8x8 fades in over 4; the point at
    # 0.048 kimg (6 steps) lands at α = 0.25, the budget (0.08 kimg, 10 steps) in the 8x8 stable phase
    v = _small("progan", growth_kimg=0.032, ema=0.9, arch=Arch(family="progan", ch=4))
    task = _plan_task("digits32", n_fake=128, metrics=["fid", "modes"])
    long, _ = _check_nested(task, v, {"kimg": 0.08}, 0.048, seeds=(0,))
    assert long[0].curve[0]["spent"]["g_steps"] == 6 and long[0].spent["g_steps"] == 10
    plain = train_seeds(task, v, (0,), {"kimg": 0.08})
    assert _fields(long[0]) == _fields(plain[0]) and long[0].history == plain[0].history


@pytest.mark.parametrize("name", ["stylegan", "stylegan2"])
def test_style_based_with_truncation_curve(name):
    # style mixing and w_avg tracking run in training only: judging in eval mode must leave w_avg as it is
    v = _small(name, ema=0.9, arch=Arch(family=name, ch=4, depth=2))
    # stylegan with the whole protocol (the path lengths walk the mapping network), stylegan2 a lighter one
    task = _plan_task("digits32", n_fake=128, **({} if name == "stylegan" else {"metrics": ["fid", "modes"]}))
    long, _ = _check_nested(task, v, {"g_steps": 5}, 2, seeds=(0,))
    assert {"fid_psi0.5", "fid_psi0.7"} <= set(long[0].curve[0]["metrics"])
    if name == "stylegan":
        assert "ppl_w" in long[0].curve[0]["metrics"]
        plain = train_seeds(task, v, (0,), {"g_steps": 5})
        assert _fields(long[0]) == _fields(plain[0]) and long[0].history == plain[0].history


def test_a_point_after_divergence_says_diverged():
    @register_loss("t-nested-nan")
    class NanLater:
        def __init__(self):
            self.calls = 0

        def __call__(self, d_real, d_fake):
            self.calls += 1
            scale = float("nan") if self.calls > 4 else 1.0  # two calls per step: NaN from step 3 on
            return scale * d_fake.mean(1) - d_real.mean(1), -scale * d_fake.mean(1)

    register_variant("t-nested-nan-gan", loss="t-nested-nan")
    loss = get_loss("t-nested-nan")  # one instance: its count starts again with each run
    loss.calls = 0
    (rec,) = train_seeds("ring8", "t-nested-nan-gan", [0], {"g_steps": 10}, eval_at=[2, 5])
    assert [p["status"] for p in rec.curve] == ["ok", "diverged", "diverged"]
    assert [p["failed_step"] for p in rec.curve] == [None, 3, 3] and rec.curve[1]["metrics"] == {}
    assert rec.spent["g_steps"] == 3  # the program stopped at the divergence; the later points were judged there
    for point, budget in ((rec.curve[0], 2), (rec.curve[1], 5)):
        loss.calls = 0
        (short,) = train_seeds("ring8", "t-nested-nan-gan", [0], {"g_steps": budget})
        assert _fields(point) == _fields(short)


# --- judging leaves training alone ----------------------------------------------------------------

def test_judging_leaves_the_global_rng_alone():
    # a plugin loss drawing from the global RNG; judging digits builds the classifier at the first
    # point (module init draws from the global RNG): without fork_rng, training after it would differ
    @register_loss("t-nested-global-rng")
    def jitter(d_real, d_fake):
        w = 1 + 0.1 * torch.rand(())
        return w * (torch.nn.functional.softplus(d_fake).mean(1) + torch.nn.functional.softplus(-d_real).mean(1)), \
            torch.nn.functional.softplus(-d_fake).mean(1)

    register_variant("t-nested-global-rng-gan", loss="t-nested-global-rng")
    runs = []
    for eval_at in ([2], "final"):
        load_classifier.cache_clear()  # built (from the global RNG, then loaded) at the first judging
        torch.manual_seed(0)
        runs.append(train_seeds("digits", "t-nested-global-rng-gan", [0], {"g_steps": 6}, eval_at=eval_at)[0])
    pointed, plain = runs
    assert pointed.history == plain.history and _fields(pointed) == _fields(plain)


# --- points survive a kill ------------------------------------------------------------------------

@pytest.mark.parametrize("stop", [5, 7])  # killed right after the point's step, or two steps later
def test_a_point_survives_a_kill(tmp_path, stop):
    straight = train_seeds("ring8", "wgan-gp", [0, 1], {"g_steps": 10}, eval_at=[5])
    with pytest.raises(KeyboardInterrupt):
        train_seeds("ring8", "wgan-gp", [0, 1], {"g_steps": 10}, eval_at=[5], checkpoint_dir=tmp_path,
                    stop_after_steps=stop)
    resumed = train_seeds("ring8", "wgan-gp", [0, 1], {"g_steps": 10}, eval_at=[5], checkpoint_dir=tmp_path)
    for s, r in zip(straight, resumed):
        assert [_fields(p) for p in r.curve] == [_fields(p) for p in s.curve]
        assert [p["selection"] for p in r.curve] == [p["selection"] for p in s.curve]
        assert r.history == s.history and not r.notes


def test_a_checkpoint_that_passed_an_unjudged_point_is_not_used(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        train_seeds("ring8", "gan-ns", [0], {"g_steps": 10}, checkpoint_dir=tmp_path, stop_after_steps=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (resumed,) = train_seeds("ring8", "gan-ns", [0], {"g_steps": 10}, eval_at=[4], checkpoint_dir=tmp_path)
    (straight,) = train_seeds("ring8", "gan-ns", [0], {"g_steps": 10}, eval_at=[4])
    assert "without judging them" in resumed.notes[0]
    assert [_fields(p) for p in resumed.curve] == [_fields(p) for p in straight.curve]
