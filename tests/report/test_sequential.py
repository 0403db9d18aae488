"""The group-sequential stopping rule, proven by simulation: seeded normal draws stand in for seeds of
trained variants (no training). Monte-Carlo standard errors are stated in every assertion."""
import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.sequential import Decision, Design, decide, decide_all, plan, z_boundaries
from ganbench.report.stats import holm, perm_floor, welch_p, welch_power

N_EXPERIMENTS = 4000
ALPHA = 0.05
DESIGN = plan(5, 20, 5, ALPHA)  # looks at 5, 10, 15, 20 seeds per side


def _mc_se(p: float, n: int = N_EXPERIMENTS) -> float:
    return math.sqrt(p * (1 - p) / n)


def _null_experiments(seed: int) -> np.ndarray:
    """N_EXPERIMENTS x 2 sides x 20 seeds of one normal distribution."""
    return np.random.default_rng(seed).normal(size=(N_EXPERIMENTS, 2, DESIGN.looks[-1]))


# --- boundaries: closed forms and published values ------------------------------------------------

def test_one_look_spends_exactly_alpha():
    for alpha in (0.01, 0.05, 0.2):
        assert Design((10,), alpha).boundaries() == (pytest.approx(alpha, rel=1e-12),)


def test_two_equal_looks_match_the_published_lan_demets_obrien_fleming_boundaries():
    # Jennison & Turnbull (2000) / Reboussin et al. (2000): 2.963 and 1.969 at alpha 0.05 two-sided.
    z = z_boundaries((0.5, 1.0), 0.05)
    assert z == (pytest.approx(2.963, abs=5e-4), pytest.approx(1.969, abs=5e-4))
    assert Design((10, 20)).boundaries() == pytest.approx(tuple(2 * stats.norm.sf(z)), rel=1e-12)


def test_four_equal_looks_match_the_published_boundaries():
    # Jennison & Turnbull (2000), Lan-DeMets O'Brien-Fleming type, K = 4, alpha 0.05: 4.333 2.963 2.359 2.014.
    z = [stats.norm.isf(p / 2) for p in DESIGN.boundaries()]
    assert z == pytest.approx([4.333, 2.963, 2.359, 2.014], abs=1e-3)


@pytest.mark.parametrize("looks", [(3, 7, 12, 20), (5, 6, 7, 8, 9, 10)])
def test_boundaries_spend_the_planned_alpha_on_the_joint_normal(looks):
    # An independent check of the grid recursion: P(cross by look k) from scipy's multivariate normal
    # with the Brownian covariance sqrt(t_i / t_j) equals the alpha spent by t_k.
    from ganbench.report.sequential import spent

    t = np.asarray(looks, float) / looks[-1]
    z = np.asarray(z_boundaries(tuple(t), ALPHA))
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    for k in range(1, len(t) + 1):
        inside = stats.multivariate_normal(np.zeros(k), cov[:k, :k], seed=0).cdf(z[:k], lower_limit=-z[:k])
        assert inside == pytest.approx(1 - spent(t[k - 1], ALPHA), abs=2e-5)


def test_boundaries_are_monotone_and_the_last_is_below_alpha():
    b = DESIGN.boundaries()
    assert list(b) == sorted(b) and b[-1] < ALPHA and b[0] < 1e-4


def test_design_validation_names_the_problem():
    with pytest.raises(ValueError, match="increase"):
        Design((10, 5))
    with pytest.raises(ValueError, match="two"):
        Design((1, 5))
    with pytest.raises(ValueError, match="alpha"):
        Design((5, 10), alpha=1.5)
    with pytest.raises(ValueError, match="start >= 2"):
        plan(1, 10, 2)
    assert plan(5, 12, 5).looks == (5, 10, 12)
    with pytest.raises(ValueError, match=r"looks at \[5, 10, 15, 20\]"):
        decide(np.zeros(7), np.zeros(7), DESIGN, True)
    with pytest.raises(ValueError, match="as many seeds per side"):
        decide(np.zeros(5), np.zeros(10), DESIGN, True)
    with pytest.raises(ValueError, match="NaN"):
        decide(np.r_[np.nan, np.zeros(4)], np.zeros(5), DESIGN, True)


def test_every_look_uses_the_one_p_value_rule_of_the_stats_module():
    rng = np.random.default_rng(3)
    for a, b in [(rng.normal(0, 1, 10), rng.normal(0.3, 2, 10)), (np.ones(10), np.zeros(10)),
                 (np.r_[np.ones(9), np.inf], np.zeros(10))]:
        d = decide(a, b, Design((5, 10)), True)
        assert d.p == welch_p(a[: d.n], b[: d.n])


# --- one rule on both paths: properties over many random datasets ---------------------------------

def _random_pair(rng, n: int):
    """A pair of seed groups of one of the kinds a run produces: normal values, mode counts with ties,
    constant groups (a count at its ceiling), a diverged seed of an unbounded metric (infinite)."""
    kind = rng.integers(0, 4)
    if kind == 0:
        a, b = rng.normal(rng.normal(0, 2), 1, n), rng.normal(0, rng.uniform(0.2, 2), n)
    elif kind == 1:
        a, b = rng.choice([8.0, 7.0, 6.0], n), rng.choice([8.0, 7.0, 6.0, 4.0], n)
    elif kind == 2:
        a, b = np.full(n, float(rng.integers(6, 9))), np.full(n, float(rng.integers(6, 9)))
    else:
        a, b = rng.normal(0, 1, n), rng.normal(2, 1, n)
        a[rng.integers(n)] = np.inf
    return a, b, bool(rng.integers(2)), (float(rng.choice([0.5, 1.0])) if rng.integers(2) else None)


def test_a_one_look_design_and_the_fixed_sample_test_agree_and_respect_the_floor():
    """decide_all without a design (what compare runs without --until-decided) and with Design((n,)) give
    the same p-values, thresholds, verdicts and seeds needed on 400 random families of 1-4 comparisons
    (constant groups, ties and infinite values included); the fixed-sample rejections are Holm's
    step-down; no p-value is below the permutation floor."""
    rng = np.random.default_rng(21)
    for _ in range(400):
        n = int(rng.integers(2, 13))
        pairs = [_random_pair(rng, n) for _ in range(rng.integers(1, 5))]
        fixed, one = decide_all(pairs), decide_all(pairs, Design((n,)))
        key = lambda d: (d.verdict, d.p, d.threshold, d.seeds_needed, d.n, d.stop)  # noqa: E731
        assert [key(d) for d in fixed] == [key(d) for d in one]
        assert all(d.stop and d.p >= perm_floor(n, n) for d in fixed)
        rejected = [d.verdict in ("better", "worse") for d in fixed]
        assert rejected == [p < ALPHA for p in holm([d.p for d in fixed])]


def test_with_more_looks_the_last_threshold_is_never_looser_than_the_fixed_sample_level():
    rng = np.random.default_rng(22)
    for looks in [(5, 10), (2, 3, 4), (5, 10, 15, 20), (3, 7, 12, 20), (4, 6, 8, 10, 12, 14)]:
        for level in (0.001, 0.01, 0.025, 0.05, 0.2):
            assert Design(looks).boundaries(level)[-1] <= level
        design, n = Design(looks), looks[-1]
        for _ in range(40):  # a comparison that runs to the last look is held there to no more than alpha
            a, b, higher, margin = _random_pair(rng, n)
            d, fixed = decide(a, b, design, higher, margin), decide_all([(a, b, higher, margin)])[0]
            if d.look == len(looks) - 1:
                assert d.threshold <= fixed.threshold == ALPHA
            assert d.p == welch_p(a[: d.n], b[: d.n]) >= perm_floor(d.n, d.n)


# --- error rates by simulation --------------------------------------------------------------------

def test_false_positive_rate_under_repeated_looks_stays_within_alpha_while_naive_testing_exceeds_it():
    x = _null_experiments(0)
    # decide() on all 20 seeds replays every look, so it is the verdict of the adaptive loop.
    decided = [decide(a, b, DESIGN, True).verdict in ("better", "worse") for a, b in x]
    rate = float(np.mean(decided))
    se = _mc_se(ALPHA)
    assert rate <= ALPHA + 3 * se, f"sequential false-positive rate {rate:.4f} > {ALPHA} + 3 MC SE ({se:.4f})"
    # The same experiments tested naively (fixed-sample Welch at alpha at every look): about 0.12.
    naive = np.zeros(N_EXPERIMENTS, bool)
    for n in DESIGN.looks:
        naive |= stats.ttest_ind(x[:, 0, :n], x[:, 1, :n], axis=1, equal_var=False).pvalue < ALPHA
    naive_rate = float(naive.mean())
    assert naive_rate > 0.08 + 3 * _mc_se(0.08), f"naive repeated testing rate {naive_rate:.4f} (MC SE {_mc_se(naive_rate):.4f})"
    assert rate < naive_rate


def test_the_adaptive_loop_and_one_call_on_all_seeds_agree():
    x = np.random.default_rng(5).normal(size=(200, 2, 20))
    x[:100, 0] += 1.5  # half with an effect, so that many stop early
    for a, b in x:
        for n in DESIGN.looks:  # what the caller does: one decide per round of seeds
            step = decide(a[:n], b[:n], DESIGN, True, margin=0.8)
            if step.stop:
                break
        assert step == decide(a, b, DESIGN, True, margin=0.8)


def test_familywise_error_of_three_null_comparisons_stays_within_alpha():
    x = np.random.default_rng(1).normal(size=(N_EXPERIMENTS, 3, 2, 20))
    hits = [any(d.verdict in ("better", "worse") for d in decide_all([(a, b, True, None) for a, b in e], DESIGN))
            for e in x]
    rate, se = float(np.mean(hits)), _mc_se(ALPHA)
    assert rate <= ALPHA + 3 * se, f"familywise rate {rate:.4f} > {ALPHA} + 3 MC SE ({se:.4f})"


def test_alpha_recycled_from_a_true_effect_keeps_the_familywise_error_of_the_nulls():
    # One real effect (rejected early, its alpha passed on) and two true nulls.
    x = np.random.default_rng(2).normal(size=(N_EXPERIMENTS, 3, 2, 20))
    x[:, 0, 0] += 3.0
    hits, first = [], []
    for e in x:
        ds = decide_all([(a, b, True, None) for a, b in e], DESIGN)
        hits.append(any(d.verdict in ("better", "worse") for d in ds[1:]))
        first.append(ds[0].verdict == "better")
    rate, se = float(np.mean(hits)), _mc_se(ALPHA)
    assert rate <= ALPHA + 3 * se, f"familywise rate of the nulls {rate:.4f} > {ALPHA} + 3 MC SE ({se:.4f})"
    assert np.mean(first) > 0.99


def test_holm_recycling_lets_a_second_comparison_use_the_first_ones_alpha():
    # Comparison 2 alone fails the Bonferroni share alpha/2 at the last look but passes once comparison 1,
    # rejected, hands its alpha on.
    rng = np.random.default_rng(0)
    # crosses look 1 (10 seeds; 5 cannot reach look 0's 1e-5: their floor is 2/252)
    strong = (rng.normal(20, 1, 10), rng.normal(0, 1, 10), True, None)
    thr_half, thr_full = DESIGN.boundaries(ALPHA / 2)[-1], DESIGN.boundaries(ALPHA)[-1]
    full = DESIGN.boundaries(ALPHA)
    for _ in range(5000):  # a pair that crosses only at the last look, and only at the full level
        a, b = rng.normal(0, 1, 20), rng.normal(0, 1, 20)
        early = [welch_p(a[:n], b[:n]) for n in DESIGN.looks[:-1]]
        if thr_half < welch_p(a, b) < thr_full and all(p >= t for p, t in zip(early, full)):
            break
    else:
        pytest.fail("no such pair drawn")
    one, two = decide_all([strong, (a, b, True, None)], DESIGN)
    assert one.verdict == "better" and one.n == 10 and one.stop
    assert two.verdict in ("better", "worse") and two.threshold == pytest.approx(thr_full)
    alone = decide_all([(rng.normal(0, 1, 20), rng.normal(0, 1, 20), True, None), (a, b, True, None)], DESIGN)[1]
    assert alone.threshold <= thr_half and alone.verdict == "undecided"


def test_power_on_a_known_effect_and_the_seeds_it_saves():
    delta = 1.2  # in units of the per-seed sd
    x = np.random.default_rng(4).normal(size=(N_EXPERIMENTS, 2, 20))
    x[:, 0] += delta
    ds = [decide(a, b, DESIGN, True) for a, b in x]
    power = float(np.mean([d.verdict == "better" for d in ds]))
    # The sequential test rejects whenever its final look would, so its power is at least the fixed
    # test's at the final look's nominal level (0.953 here), less Monte-Carlo error.
    floor = welch_power(delta, 1.0, 1.0, 20, 20, DESIGN.boundaries()[-1])
    se = _mc_se(floor)
    assert power >= floor - 3 * se, f"power {power:.4f} < {floor:.4f} - 3 MC SE ({se:.4f})"
    mean_n = float(np.mean([d.n for d in ds]))
    assert mean_n < 16, f"expected seeds per side {mean_n:.2f} (max 20)"
    assert not any(d.verdict == "worse" for d in ds)


def test_equivalence_is_claimed_for_equal_distributions_and_rarely_at_the_margin():
    x = np.random.default_rng(6).normal(size=(N_EXPERIMENTS, 2, 20))
    inside = np.mean([decide(a, b, DESIGN, True, margin=1.0).verdict == "equivalent" for a, b in x[:1000]])
    assert inside > 0.7, f"equivalence within 1 sd claimed in {inside:.3f} of 1000 equal pairs (measured 0.84)"
    x[:, 0] += 0.5  # the true difference is the margin: claiming equivalence is an error
    wrong = float(np.mean([decide(a, b, DESIGN, True, margin=0.5).verdict == "equivalent" for a, b in x]))
    assert wrong <= ALPHA + 3 * _mc_se(ALPHA), f"false equivalence {wrong:.4f} (MC SE {_mc_se(ALPHA):.4f})"


# --- single decisions -----------------------------------------------------------------------------

def test_decision_fields_and_directions():
    a, b = np.arange(10.0), np.arange(10.0) + 100
    # five seeds per side: the permutation floor 2/252 cannot cross look 0's boundary (1.5e-5), whatever the gap
    d = decide(a[:5], b[:5], DESIGN, higher_is_better=False)
    assert d.verdict == "undecided" and d.p == pytest.approx(2 / 252) and not d.stop
    d = decide(a, b, DESIGN, higher_is_better=False)
    assert isinstance(d, Decision) and d.verdict == "better" and d.stop and (d.n, d.look) == (10, 1)
    assert d.p < d.threshold == DESIGN.boundaries()[1] and d.seeds_needed is None
    assert decide(a, b, DESIGN, higher_is_better=True).verdict == "worse"
    rng = np.random.default_rng(8)
    a, b = rng.normal(0, 1, 10), rng.normal(0.3, 1, 10)
    u = decide(a, b, DESIGN, True)
    assert u.verdict == "undecided" and not u.stop and u.look == 1 and u.threshold < u.p
    # Seeds to detect the observed difference at the final look's level, with the observed sds.
    final = DESIGN.boundaries()[-1]
    sds = a.std(ddof=1), b.std(ddof=1)
    assert welch_power(a.mean() - b.mean(), *sds, u.seeds_needed, u.seeds_needed, final) >= 0.8
    assert welch_power(a.mean() - b.mean(), *sds, u.seeds_needed - 1, u.seeds_needed - 1, final) < 0.8
    last = decide(rng.normal(0, 1, 20), rng.normal(0, 1, 20), DESIGN, True)
    assert last.stop and last.look == 3


def test_seeds_without_spread_are_never_equivalent_and_separate_by_the_exact_rank_test():
    """Constant seeds (a count at its ceiling: 8 of 8 modes) show no spread, not equivalence; two
    separated constant groups have the exact rank-test p 2 / C(2n, n), not Welch's 0."""
    same = np.full(5, 0.9)
    d = decide(same, same, DESIGN, True)
    assert d.verdict == "undecided" and d.p == 1.0 and d.seeds_needed is None  # no difference to detect
    d = decide(same, same, DESIGN, True, margin=0.01)
    assert d.verdict == "undecided" and not d.stop
    # one side varying is enough, once the seeds can reach the look's level: 5 per side cannot go below the
    # one-sided floor 1/252 (look 0 of DESIGN is held to 1.5e-5); 10 per side reach 1/184756 (look 1: 0.0031)
    near = np.r_[0.001, -0.001, 0.0, 0.0, 0.0]
    assert decide(same, same + near, DESIGN, True, margin=0.01).verdict == "undecided"
    d = decide(np.full(10, 0.9), np.full(10, 0.9) + np.r_[near, near], DESIGN, True, margin=0.01)
    assert d.verdict == "equivalent" and d.n == 10
    d = decide(same + 1, same, DESIGN, True)
    assert d.p == pytest.approx(2 / 252) and d.verdict == "undecided"  # 5 vs 5 at a first look: not enough
    d = decide(np.full(20, 1.9), np.full(20, 0.9), DESIGN, True)
    assert d.verdict == "better" and d.n == 10  # 2 / C(20, 10) = 1.1e-5 crosses the second look


def test_decide_all_keeps_an_early_stopper_decided_while_others_go_on():
    rng = np.random.default_rng(9)
    early = (rng.normal(20, 1, 10), rng.normal(0, 1, 10), True, None)  # stopped at look 1: 10 seeds
    going = (rng.normal(0, 1, 15), rng.normal(0, 1, 15), True, None)
    d0, d1 = decide_all([early, going], DESIGN)
    assert (d0.verdict, d0.n, d0.look) == ("better", 10, 1) and (d1.n, d1.look) == (15, 2)
    assert decide_all([], DESIGN) == []


def test_counts_at_their_ceiling_keep_the_false_positive_rate_and_give_no_false_equivalence():
    """Mode counts are bounded and often all at the ceiling (baselines/claims: gan-ns covered 8 of 8 ring
    modes in 12 of 20 seeds). Identical count distributions (P(8) = 0.6, P(7) = 0.2, P(6) = 0.2): the
    better/worse rate stays within alpha. With a true gap of 1.2 modes, beyond the 1-mode margin, where
    the worse side scores 8 in 70% of seeds (all 5 first seeds at 8 in 17% of experiments: Welch's
    zero-spread TOST called those equivalent), equivalence is claimed no more often than alpha."""
    rng = np.random.default_rng(11)
    counts = lambda p, size: rng.choice([8.0, 7.0, 6.0], p=p, size=size)  # noqa: E731
    same = counts([0.6, 0.2, 0.2], (N_EXPERIMENTS, 2, DESIGN.looks[-1]))
    rate = float(np.mean([decide(a, b, DESIGN, True, margin=1.0).verdict in ("better", "worse") for a, b in same]))
    assert rate <= ALPHA + 3 * _mc_se(ALPHA), f"false-positive rate {rate:.4f} on ceiling counts"
    a = np.full((N_EXPERIMENTS, DESIGN.looks[-1]), 8.0)  # PacGAN: every seed 8 of 8
    b = rng.choice([8.0, 4.0], p=[0.7, 0.3], size=(N_EXPERIMENTS, DESIGN.looks[-1]))  # mean 6.8: a gap of 1.2
    wrong = float(np.mean([decide(x, y, DESIGN, True, margin=1.0).verdict == "equivalent" for x, y in zip(a, b)]))
    assert wrong <= ALPHA + 3 * _mc_se(ALPHA), f"false equivalence {wrong:.4f} with a gap beyond the margin"


# --- one budget per question: the decisions of the procedure before budgets -----------------------

def test_questions_of_one_budget_give_the_decisions_saved_before_budgets_existed():
    """450 frozen random families (1,300 comparisons; sequential with early stoppers and fixed-sample
    with unequal sides; ties, constant groups, infinite values, margins) decided by decide_all before
    issue 41 (tests/report/data/decide_all_reference.json): the same verdicts, stops, seeds, looks,
    p-values and seeds needed, and thresholds to 1e-9 (the levels are now computed in closed form,
    α / open questions, where they were summed share by share)."""
    from tests.report.sequential_reference import decision_key, digest, load, reference_families

    saved = load()
    families = list(reference_families())
    assert digest(families) == saved["inputs_sha256"], "the frozen generator no longer draws the saved inputs"
    for (pairs, design, alpha), expected in zip(families, saved["decisions"], strict=True):
        for q in (None, list(range(len(pairs)))):  # no questions given, and one question per pair
            got = [decision_key(d) for d in decide_all(pairs, design, alpha, questions=q)]
            for g, e in zip(got, expected, strict=True):
                assert g[:5] + g[6:] == e[:5] + e[6:], (g, e)
                assert g[5] == pytest.approx(e[5], rel=1e-9, abs=0), (g, e)


def test_a_pair_short_of_the_first_look_is_untested_but_holds_its_share():
    """A budget whose seeds cannot make the first look yet (a point that failed to evaluate) is not
    tested: undecided, open, p NaN, and its share of alpha stays with it (the others are not raised)."""
    rng = np.random.default_rng(12)
    a, b = rng.normal(0, 1, 20), rng.normal(0, 1, 20)
    short, full = decide_all([(a[:3], b[:3], True, None), (a, b, True, None)], DESIGN, questions=["q", "q"])
    assert (short.verdict, short.stop, short.n, short.seeds_needed) == ("undecided", False, 3, None)
    assert math.isnan(short.p) and math.isnan(short.threshold)
    assert full.threshold == pytest.approx(DESIGN.boundaries(ALPHA / 2)[-1])
    with pytest.raises(ValueError, match="not a planned look"):
        decide_all([(a[:7], b[:7], True, None)], DESIGN)
