"""ganbench.report.stats against scipy, hand computations, closed forms and simulated error rates."""
import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.stats import (hedges_g, min_detectable_effect, prob_improvement, seeds_needed, tost_p,
                                   welch_diff_ci, welch_df, welch_p, welch_power)

RNG = np.random.default_rng(0)


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
    assert welch_diff_ci([2, 2, 2], [1, 1, 1]) == (1.0, 1.0, 1.0)
    d, lo, hi = welch_diff_ci([1.0], [0.0, 1.0])
    assert d == 0.5 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in welch_diff_ci([], [1.0, 2.0]))
    with pytest.raises(ValueError, match="finite"):
        welch_diff_ci([1.0, np.inf], [1.0, 2.0])
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
    assert math.isnan(hedges_g([1.0], [1.0, 2.0]))


def test_prob_improvement_closed_cases():
    sep = prob_improvement([5, 6, 7], [1, 2, 3])
    assert sep == (1.0, 1.0, 1.0)
    assert prob_improvement([5, 6, 7], [1, 2, 3], higher_is_better=False) == (0.0, 0.0, 0.0)
    x = RNG.normal(size=10)
    p, lo, hi = prob_improvement(x, x)
    assert p == 0.5 and lo < 0.5 < hi
    assert prob_improvement([1, 1], [1, 1])[0] == 0.5  # ties count one half
    # Equals the Mann-Whitney U statistic over n_a * n_b.
    a, b = RNG.normal(0.5, 1, 9), RNG.normal(0, 1, 11)
    p, lo, hi = prob_improvement(a, b)
    assert p == pytest.approx(stats.mannwhitneyu(a, b).statistic / 99) and lo < p < hi
    assert prob_improvement(a, b) == (p, lo, hi)  # fixed seed: reproducible


def test_prob_improvement_interval_covers_the_truth():
    # Coverage by simulation: N(0.5, 1) vs N(0, 1) has P(X > Y) = Phi(0.5 / sqrt 2) = 0.638.
    truth = stats.norm.cdf(0.5 / math.sqrt(2))
    rng = np.random.default_rng(1)
    n_sim = 300
    cover = np.mean([lo <= truth <= hi for lo, hi in
                     (prob_improvement(rng.normal(0.5, 1, 20), rng.normal(0, 1, 20), n_boot=500, seed=s)[1:]
                      for s in range(n_sim))])
    se = math.sqrt(0.95 * 0.05 / n_sim)
    # Measured 0.95 here; percentile intervals may undercover slightly at small n, so 5 MC SE of slack.
    assert cover > 0.95 - 5 * se, f"coverage {cover:.3f} (MC SE {se:.3f})"


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
    assert welch_power(1.0, 0.0, 0.0, 3, 3, 0.05) == 1.0 and math.isnan(welch_power(1.0, 1.0, 1.0, 1, 5, 0.05))


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
    with pytest.raises(ValueError, match="power"):
        min_detectable_effect(1.0, 1.0, 5, 0.05, power=0.01)


def test_seeds_needed_is_the_first_n_with_enough_power():
    n = seeds_needed(1.0, 1.0, 1.0, 0.05)
    assert n == 17  # the textbook value for d = 1 at 80% power (t-test; the normal approximation gives 16)
    assert welch_power(1.0, 1, 1, n, n, 0.05) >= 0.8 > welch_power(1.0, 1, 1, n - 1, n - 1, 0.05)
    assert seeds_needed(-1.0, 1.0, 1.0, 0.05) == n  # direction does not matter
    assert seeds_needed(0.0, 1.0, 1.0, 0.05) is None and seeds_needed(0.01, 1.0, 1.0, 0.05) is None
    assert seeds_needed(0.01, 1.0, 1.0, 0.05, max_n=10**6) > 10_000
    assert seeds_needed(1.0, 0.0, 0.0, 0.05) == 2
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
    assert tost_p([1, 1, 1], [1, 1.01, 0.99], 0.1) < 0.05  # one side varying is enough
    with pytest.raises(ValueError, match="margin"):
        tost_p(a, b, 0.0)


def test_tost_error_rate_at_the_margin_is_at_most_alpha():
    rng = np.random.default_rng(3)
    n_sim = 4000
    a, b = rng.normal(0.5, 1, (n_sim, 10)), rng.normal(0, 1, (n_sim, 10))
    rate = np.mean([tost_p(x, y, 0.5) < 0.05 for x, y in zip(a, b)])
    se = math.sqrt(0.05 * 0.95 / n_sim)
    assert rate <= 0.05 + 3 * se, f"false equivalence rate {rate:.4f} (MC SE {se:.4f})"
