"""ganbench.report.stats against scipy, hand computations, closed forms and simulated error rates."""
import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.stats import (better_p, direction, hedges_g, mannwhitney_p, mean_ci, min_detectable_effect,
                                   newcombe_auc_ci, perm_floor, prob_improvement, seeds_needed, tost_p,
                                   welch_diff_ci, welch_df, welch_p, welch_power)

RNG = np.random.default_rng(0)


# --- the one small-sample rule: p = max(Welch, permutation floor) ---------------------------------

def test_the_permutation_floor():
    assert perm_floor(2, 2) == pytest.approx(1 / 3) and perm_floor(4, 4) == pytest.approx(2 / 70)
    assert perm_floor(5, 5) == pytest.approx(2 / 252) and perm_floor(5, 5, "greater") == pytest.approx(1 / 252)
    assert perm_floor(1, 1) == 1.0 and perm_floor(3, 3) == pytest.approx(0.1) and perm_floor(3, 3, "less") == 0.05
    # the log form beyond 64 values agrees with the exact binomial
    assert perm_floor(33, 32) == pytest.approx(2 / math.comb(65, 32), rel=1e-12)
    with pytest.raises(ValueError, match="alternative"):
        perm_floor(3, 3, "bigger")


def test_welch_p_is_scipys_welch_test_raised_to_the_floor():
    rng = np.random.default_rng(3)
    for n_a, n_b in ((2, 2), (3, 5), (5, 5), (20, 7)):
        for scale in (1.0, 1e-3, 10.0):
            a, b = rng.normal(0, 1, n_a), rng.normal(0.3, scale, n_b)
            for alt in ("two-sided", "greater", "less"):
                ref = stats.ttest_ind(a, b, equal_var=False, alternative=alt).pvalue
                assert welch_p(a, b, alt) == pytest.approx(max(ref, perm_floor(n_a, n_b, alt)), rel=1e-9, abs=1e-15)
    a, b = rng.normal(1, 1, 8), rng.normal(0, 1, 8)
    assert better_p(a, b, True) == welch_p(a, b, "greater") and better_p(a, b, False) == welch_p(a, b, "less")
    assert math.isnan(welch_p([1.0], [1.0, 2.0]))


def test_constant_groups_get_the_floor_so_there_is_no_cliff():
    # The degenerate cases of the issue: one answer on every path, and no jump when one seed moves.
    assert welch_p([8, 8], [7, 7]) == pytest.approx(1 / 3) == welch_p([8, 8], [7, 7.001])
    assert welch_p([8] * 5, [7] * 5) == pytest.approx(2 / 252)
    assert welch_p([8] * 5, [7] * 5, "greater") == pytest.approx(1 / 252) and welch_p([8] * 5, [7] * 5, "less") == 1.0
    assert welch_p([8, 8, 8], [8, 8, 8]) == 1.0 and welch_p([8, 8, 8], [8, 8, 8], "greater") == 1.0


def _datasets(rng, count):
    """Random pairs of seed groups: normal values, mode counts with ties, constant groups (equal only
    when every value of both is equal, the one point where Welch's p has no limit)."""
    for i in range(count):
        n_a, n_b = rng.integers(2, 9, 2)
        kind = i % 4
        if kind == 0:
            a, b = rng.normal(0, 1, n_a), rng.normal(rng.normal(), rng.uniform(0.1, 3), n_b)
        elif kind == 1:
            a, b = rng.choice([8.0, 7.0, 6.0], n_a), rng.choice([8.0, 7.0, 6.0], n_b)
        elif kind == 2:
            a, b = np.full(n_a, float(rng.integers(0, 9))), np.full(n_b, float(rng.integers(0, 9)))
        else:
            a, b = np.full(n_a, 8.0), rng.choice([8.0, 7.0], n_b)
        if np.all(np.r_[a, b] == a[0]):
            continue
        yield a, b


def test_p_moves_continuously_when_one_seed_moves_by_1e_9():
    rng = np.random.default_rng(11)
    for a, b in _datasets(rng, 400):
        for alt in ("two-sided", "greater"):
            p = welch_p(a, b, alt)
            assert p >= perm_floor(len(a), len(b), alt)
            for i in range(len(a)):
                for step in (1e-9, -1e-9):
                    moved = a.copy()
                    moved[i] += step
                    assert abs(welch_p(moved, b, alt) - p) < 1e-6, (a, b, i, step, alt)


def test_infinite_values_use_mann_whitney_with_the_same_floor():
    # A diverged seed of an unbounded metric is infinite on its worse side: ranks, not means.
    good, bad = np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 6.0, 7.0, np.inf])
    assert welch_p(good, bad) == pytest.approx(2 / 70)  # separated: the exact rank test's p is the floor
    mixed = np.array([1.0, 9.0, np.inf, 2.0])
    ref = stats.mannwhitneyu(mixed, bad, alternative="two-sided").pvalue
    assert welch_p(mixed, bad) == pytest.approx(max(ref, 2 / 70))
    assert welch_p(np.full(3, np.inf), np.full(3, np.inf)) == 1.0
    assert mannwhitney_p(good, bad) == pytest.approx(2 / 70)
    assert direction(good, bad) == -1 and direction(bad, good) == 1 and direction(good, good) == 0
    with pytest.raises(ValueError, match="NaN"):
        welch_p([1.0, np.nan], [1.0, 2.0])


def test_false_positive_rate_of_the_rule_at_small_n_stays_within_alpha():
    """4000 null experiments per n, normal seeds and mode counts at their ceiling (P(8) = 0.9): the
    rule rejects a true null at most α of the time, where the old rule (p = 0 for two constant groups
    that differ) rejected 1.8% of the count experiments at two seeds and every n < 4 is now silent."""
    rng = np.random.default_rng(12)
    n_sim, alpha = 4000, 0.05
    se = math.sqrt(alpha * (1 - alpha) / n_sim)
    for n in range(2, 7):
        for x in (rng.normal(size=(n_sim, 2, n)), rng.choice([8.0, 7.0], p=[0.9, 0.1], size=(n_sim, 2, n))):
            rate = float(np.mean([welch_p(a, b) < alpha for a, b in x]))
            assert rate <= alpha + 3 * se, f"n = {n}: false-positive rate {rate:.4f} (MC SE {se:.4f})"
            if n < 4:
                assert rate == 0.0  # the floor 2 / C(2n, n) is not below 0.05


def test_welch_ci_matches_scipy_and_its_test():
    a, b = RNG.normal(1, 1, 7), RNG.normal(0, 3, 12)
    diff, lo, hi = welch_diff_ci(a, b)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(a.mean() - b.mean()) and (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-10)
    # The CI excludes 0 exactly when the two-sided test rejects at the same level.
    for level in (0.5, 0.9, 0.99):
        _, lo, hi = welch_diff_ci(a, b, level)
        assert (lo > 0 or hi < 0) == (welch_p(a, b) < 1 - level)


def test_welch_ci_degenerate_cases():
    # no spread on either side: no interval (the old [1, 1] was a zero-width interval)
    d, lo, hi = welch_diff_ci([2, 2, 2], [1, 1, 1])
    assert d == 1.0 and math.isnan(lo) and math.isnan(hi)
    d, lo, hi = welch_diff_ci([2, 3, np.inf], [1, 1, 2])
    assert d == math.inf and math.isnan(lo) and math.isnan(hi)
    d, lo, hi = welch_diff_ci([1.0], [0.0, 1.0])
    assert d == 0.5 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in welch_diff_ci([], [1.0, 2.0]))
    with pytest.raises(ValueError, match="NaN"):
        welch_diff_ci([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="level"):
        welch_diff_ci([1.0, 2.0], [1.0, 2.0], level=95)


def test_welch_df_limits():
    assert welch_df(1.0, 1.0, 10, 10) == pytest.approx(18.0)
    assert welch_df(0.0, 2.0, 10, 6) == pytest.approx(5.0)  # only b varies: b's n - 1
    assert welch_df(0.0, 0.0, 4, 5) == 7.0


def test_hedges_g_against_a_hand_computation():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 2.0])
    # pooled var = (3 * 5/3 + 2 * 1) / 5 = 1.4; d = (2.5 - 1) / sqrt(1.4); J with nu = 5:
    # Gamma(2.5) / (sqrt(2.5) Gamma(2)) = 1.32934 / 1.58114 = 0.840750.
    d = 1.5 / math.sqrt(1.4)
    assert hedges_g(a, b) == pytest.approx(0.8407487 * d, rel=1e-6)
    assert hedges_g(a, b) == pytest.approx(d * (1 - 3 / (4 * 5 - 1)), rel=5e-3)  # Hedges' approximation
    assert hedges_g(b, a) == -hedges_g(a, b)
    assert hedges_g([1, 1, 1], [1, 1, 1]) == 0.0 and hedges_g([2, 2], [1, 1]) == math.inf
    assert math.isnan(hedges_g([1.0], [1.0, 2.0])) and math.isnan(hedges_g([1.0, np.inf], [1.0, 2.0]))


def test_mean_ci_has_no_zero_width_interval():
    c = mean_ci([8.0, 8.0, 8.0])
    assert c["mean"] == 8.0 and c["std"] == 0.0 and math.isnan(c["ci_lo"]) and math.isnan(c["ci_hi"])


def test_prob_improvement_closed_cases():
    # Separated samples: θ̂ = 1 and the interval keeps its width (the old bootstrap gave (1, 1, 1)).
    p, lo, hi = prob_improvement([5, 6, 7], [1, 2, 3])
    assert p == 1.0 and hi == 1.0 and 0.4 < lo < 0.8
    assert prob_improvement([5, 6, 7], [1, 2, 3], higher_is_better=False) == pytest.approx((0.0, 1 - hi, 1 - lo))
    x = RNG.normal(size=10)
    p, lo, hi = prob_improvement(x, x)
    assert p == 0.5 and lo < 0.5 < hi and lo == pytest.approx(1 - hi)  # the score interval is symmetric
    assert prob_improvement([1, 1], [1, 1])[0] == 0.5  # ties count one half
    # Equals the Mann-Whitney U statistic over n_a * n_b.
    a, b = RNG.normal(0.5, 1, 9), RNG.normal(0, 1, 11)
    p, lo, hi = prob_improvement(a, b)
    assert p == pytest.approx(stats.mannwhitneyu(a, b).statistic / 99) and lo < p < hi
    assert prob_improvement(a, b) == (p, lo, hi)
    assert prob_improvement([1.0, np.inf], [2.0, 3.0])[0] == 0.5  # ranks: an infinite value is the largest
    assert all(math.isnan(v) for v in prob_improvement([1.0], [2.0, 3.0])[1:])


def _newcombe_v(t, m, n):
    k = (m + n) / 2 - 1
    return t * (1 - t) * (1 + k * (1 - t) / (2 - t) + k * t / (1 + t)) / (m * n)


def test_newcombe_interval_is_the_set_where_the_score_statistic_is_within_z():
    # The ends solve |θ̂ − θ| = z √V(θ), and the interval is exactly where |θ̂ − θ| ≤ z √V(θ) (one crossing on
    # each side); with m = n, V is Hanley & McNeil's (1982) variance under the exponential model.
    z = stats.norm.isf(0.025)
    grid = np.linspace(0, 1, 20001)
    for theta, m, n in ((1.0, 5, 5), (0.0, 5, 5), (0.64, 5, 5), (0.5, 3, 9), (0.9, 20, 12)):
        lo, hi = newcombe_auc_ci(theta, m, n)
        inside = grid[np.abs(theta - grid) <= z * np.sqrt(_newcombe_v(grid, m, n)) + 1e-12]
        assert lo == pytest.approx(inside.min(), abs=1e-4) and hi == pytest.approx(inside.max(), abs=1e-4)
        assert lo < hi
    t, m = 0.7, 6
    q1, q2 = t / (2 - t), 2 * t * t / (1 + t)
    hanley_mcneil = (t * (1 - t) + (m - 1) * (q1 - t * t) + (m - 1) * (q2 - t * t)) / (m * m)
    assert _newcombe_v(t, m, m) == pytest.approx(hanley_mcneil)


@pytest.mark.parametrize("m", [5, 10])
def test_newcombe_interval_covers_the_truth_at_small_n(m):
    """Coverage by simulation (4000 experiments per θ): N(δ, 1) vs N(0, 1) has θ = Φ(δ / √2). Measured
    0.942-0.960 at m = n = 5 and 0.949-0.964 at 10 for θ from 1/2 to 0.97."""
    rng = np.random.default_rng(1)
    for theta in (0.5, 0.7, 0.9, 0.97):
        d = math.sqrt(2) * stats.norm.ppf(theta)
        a, b = rng.normal(d, 1, (4000, m)), rng.normal(0, 1, (4000, m))
        auc = (a[:, :, None] > b[:, None, :]).mean(axis=(1, 2))
        cover = np.mean([lo <= theta <= hi for lo, hi in (newcombe_auc_ci(t, m, m) for t in auc)])
        assert cover >= 0.93, f"coverage {cover:.3f} at θ = {theta}, m = n = {m}"


def test_welch_power_at_zero_is_alpha_and_matches_simulation():
    for alpha in (0.01, 0.05):
        assert welch_power(0.0, 1.0, 2.0, 5, 9, alpha) == alpha
    power = welch_power(1.0, 1.0, 1.5, 8, 8, 0.05)
    rng = np.random.default_rng(2)
    a, b = rng.normal(1, 1, (20000, 8)), rng.normal(0, 1.5, (20000, 8))
    sim = float(np.mean(stats.ttest_ind(a, b, axis=1, equal_var=False).pvalue < 0.05))
    se = math.sqrt(power * (1 - power) / 20000)
    # Welch's test is itself approximate at 8 seeds, hence a margin of 0.01 beside the MC error.
    assert abs(sim - power) < 3 * se + 0.01, f"simulated {sim:.4f} vs {power:.4f} (MC SE {se:.4f})"
    assert welch_power(1.0, 0.0, 0.0, 4, 4, 0.05) == 1.0 and math.isnan(welch_power(1.0, 1.0, 1.0, 1, 5, 0.05))
    # three seeds per side cannot reach 0.05 (floor 2/20): the rule has no power there, whatever the effect
    assert welch_power(100.0, 1.0, 1.0, 3, 3, 0.05) == 0.0


def test_welch_power_is_finite_and_monotone_in_seeds():
    for delta in (0.05, 1.0, 20.0):
        p = [welch_power(delta, 1.0, 0.5, n, n, 0.05) for n in range(2, 3000, 13)]
        assert np.isfinite(p).all() and (np.diff(p) >= -1e-12).all()


def test_min_detectable_effect_inverts_power():
    mde = min_detectable_effect(1.0, 2.0, 10, 0.05)
    assert welch_power(mde, 1.0, 2.0, 10, 10, 0.05) == pytest.approx(0.8, abs=1e-8)
    # Normal approximation (z_{0.975} + z_{0.8}) * se is a slight underestimate for t.
    assert mde > 2.8016 * math.sqrt(5 / 10)
    assert min_detectable_effect(1.0, 1.0, 10, 0.01) > min_detectable_effect(1.0, 1.0, 10, 0.05)
    assert min_detectable_effect(0.0, 0.0, 5, 0.05) == 0.0 and math.isnan(min_detectable_effect(1, 1, 1, 0.05))
    assert min_detectable_effect(1.0, 1.0, 3, 0.05) == math.inf  # nothing is detectable below the floor
    with pytest.raises(ValueError, match="power"):
        min_detectable_effect(1.0, 1.0, 5, 0.05, power=0.01)


def test_seeds_needed_is_the_first_n_with_enough_power():
    n = seeds_needed(1.0, 1.0, 1.0, 0.05)
    assert n == 17  # the textbook value for d = 1 at 80% power (t-test; the normal approximation gives 16)
    assert welch_power(1.0, 1, 1, n, n, 0.05) >= 0.8 > welch_power(1.0, 1, 1, n - 1, n - 1, 0.05)
    assert seeds_needed(-1.0, 1.0, 1.0, 0.05) == n  # direction does not matter
    assert seeds_needed(0.0, 1.0, 1.0, 0.05) is None and seeds_needed(0.01, 1.0, 1.0, 0.05) is None
    assert seeds_needed(0.01, 1.0, 1.0, 0.05, max_n=10**6) > 10_000
    # the floor first: at alpha 0.05 never fewer than 4 per side (2 / C(8, 4) = 0.029), at 0.01 five (0.0079);
    # the old rule said 2 for an effect without spread
    assert seeds_needed(1.0, 0.0, 0.0, 0.05) == 4 and seeds_needed(100.0, 1.0, 1.0, 0.05) == 4
    assert seeds_needed(100.0, 1.0, 1.0, 0.01) == 5
    with pytest.raises(ValueError, match="standard deviations"):
        seeds_needed(1.0, -1.0, 1.0, 0.05)
    with pytest.raises(ValueError, match="alpha"):
        seeds_needed(1.0, 1.0, 1.0, 5)


def test_tost_equals_the_confidence_interval_rule():
    a, b = RNG.normal(0, 1, 10), RNG.normal(0.1, 1, 10)
    _, lo, hi = welch_diff_ci(a, b, level=0.90)
    for margin in (0.2, 0.5, 1.0, 2.0):
        assert (tost_p(a, b, margin) < 0.05) == (-margin < lo and hi < margin)
    # One side against scipy's one-sided Welch test of diff > -margin.
    p_lower = stats.ttest_ind(a + 2.0, b, equal_var=False, alternative="greater").pvalue
    p_upper = stats.ttest_ind(a - 2.0, b, equal_var=False, alternative="less").pvalue
    assert tost_p(a, b, 2.0) == pytest.approx(max(p_lower, p_upper))
    # seeds that all scored the same carry no spread: no equivalence, whatever the means
    assert np.isnan(tost_p([1, 1, 1], [1, 1, 1], 0.1)) and np.isnan(tost_p([2, 2], [1, 1], 0.5))
    assert tost_p([1] * 4, [1, 1.01, 0.99, 1], 0.1) < 0.05  # one side varying is enough
    # ... with seeds enough: three per side cannot go below the one-sided floor 1/20 = 0.05
    assert tost_p([1] * 3, [1, 1.01, 0.99], 0.1) == pytest.approx(0.05)
    assert np.isnan(tost_p([1.0, np.inf], [1.0, 2.0], 0.1))
    with pytest.raises(ValueError, match="margin"):
        tost_p(a, b, 0.0)


def test_tost_error_rate_at_the_margin_is_at_most_alpha():
    rng = np.random.default_rng(3)
    n_sim = 4000
    a, b = rng.normal(0.5, 1, (n_sim, 10)), rng.normal(0, 1, (n_sim, 10))
    rate = np.mean([tost_p(x, y, 0.5) < 0.05 for x, y in zip(a, b)])
    se = math.sqrt(0.05 * 0.95 / n_sim)
    assert rate <= 0.05 + 3 * se, f"false equivalence rate {rate:.4f} (MC SE {se:.4f})"
