"""Statistics shared by leaderboards, ``compare`` and ``check`` (scipy.stats underneath)."""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, special, stats


def mean_ci(values, level: float = 0.95) -> dict:
    """Mean, sample std (ddof 1), n and the Student-t confidence interval of the mean."""
    x = np.asarray([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], float)
    n = len(x)
    if n == 0:
        return {"mean": math.nan, "std": math.nan, "n": 0, "ci_lo": math.nan, "ci_hi": math.nan}
    if not np.isfinite(x).all():  # e.g. reverse KL = inf when no sample is high quality
        m = float(x.mean()) if not np.isnan(x).any() else math.nan
        return {"mean": m, "std": math.nan, "n": n, "ci_lo": math.nan, "ci_hi": math.nan}
    m = float(x.mean())
    if n == 1:
        return {"mean": m, "std": math.nan, "n": 1, "ci_lo": math.nan, "ci_hi": math.nan}
    s = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * s / math.sqrt(n) if s > 0 else 0.0
    return {"mean": m, "std": s, "n": n, "ci_lo": m - half, "ci_hi": m + half}


def welch_p(a, b) -> float:
    """Two-sided Welch t-test p-value; degenerate samples (no spread) are decided exactly."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return math.nan
    if a.std() == 0 and b.std() == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    with warnings.catch_warnings():  # near-identical samples: scipy warns, the p-value is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def welch_p_one_sided(a, b, greater: bool = True) -> float:
    """One-sided Welch t-test p-value of mean(a) > mean(b) (``greater``) or mean(a) < mean(b);
    samples without spread are decided exactly."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return math.nan
    if a.std() == 0 and b.std() == 0:
        better = a.mean() > b.mean() if greater else a.mean() < b.mean()
        return 0.0 if better else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False, alternative="greater" if greater else "less").pvalue)


def mannwhitney_p(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 1 or len(b) < 1:
        return math.nan
    if np.all(a == a[0]) and np.all(b == a[0]):
        return 1.0
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def bootstrap_diff_ci(a, b, level: float = 0.95, n_boot: int = 10000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI of mean(a) - mean(b), resampling each group independently
    (scipy.stats.bootstrap, fixed seed so the interval is reproducible)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    if a.std() == 0 and b.std() == 0:
        d = float(a.mean() - b.mean())
        return d, d
    res = stats.bootstrap((a, b), lambda x, y, axis=-1: x.mean(axis) - y.mean(axis), n_resamples=n_boot,
                          confidence_level=level, method="percentile", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def holm(pvalues) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given); NaN stays NaN."""
    p = np.asarray(pvalues, float)
    out = np.full(len(p), math.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok])]
    m, running = len(order), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()


# --- Effect sizes, power and equivalence of two groups of per-seed values ------------------------
# Each function takes the per-seed values of the two groups (``a``: candidate, ``b``: reference) as
# 1-D arrays and returns plain floats. A group with fewer than two finite values has no spread, so
# every interval, test and power below is NaN for it (never a guess).


def _two_groups(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("per-seed values must be finite (drop diverged or failed seeds before testing)")
    return a, b


def _check_alpha(alpha: float, name: str = "alpha") -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"{name} must lie in (0, 1), got {alpha!r}")


def _check_sd(*sds: float) -> None:
    for s in sds:
        if not (math.isfinite(s) and s >= 0):
            raise ValueError(f"standard deviations must be finite and >= 0, got {s!r}")


def welch_df(sd_a: float, sd_b: float, n_a: int, n_b: int) -> float:
    """Welch–Satterthwaite degrees of freedom of mean(a) − mean(b). With one group's spread zero
    the other group's ``n − 1``; with both zero the limit of equal spreads, ``n_a + n_b − 2``."""
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    if va + vb == 0:
        return float(n_a + n_b - 2)
    den = (va**2 / (n_a - 1) if va else 0.0) + (vb**2 / (n_b - 1) if vb else 0.0)
    return float((va + vb) ** 2 / den)


def welch_diff_ci(a, b, level: float = 0.95) -> tuple[float, float, float]:
    """mean(a) − mean(b) and its Welch t confidence interval (unequal variances, Welch–Satterthwaite
    degrees of freedom). Groups without spread give the degenerate interval ``[diff, diff]``; a group
    of fewer than two values gives a NaN interval."""
    a, b = _two_groups(a, b)
    _check_alpha(level, "level")
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    diff = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return diff, math.nan, math.nan
    sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
    se = math.sqrt(sa**2 / len(a) + sb**2 / len(b))
    if se == 0:
        return diff, diff, diff
    half = float(stats.t.ppf(0.5 + level / 2, welch_df(sa, sb, len(a), len(b)))) * se
    return diff, diff - half, diff + half


def hedges_g(a, b) -> float:
    """Hedges' g: (mean(a) − mean(b)) / pooled sd, times the exact small-sample correction
    J = Γ(ν/2) / (√(ν/2) Γ((ν−1)/2)), ν = n_a + n_b − 2 (Hedges 1981; J ≈ 1 − 3/(4ν − 1)).
    Sign: positive when a's mean is larger. Both groups without spread: 0 for equal means, ±inf
    otherwise (the limit of a fixed difference over a vanishing spread)."""
    a, b = _two_groups(a, b)
    if len(a) < 2 or len(b) < 2:
        return math.nan
    nu = len(a) + len(b) - 2
    pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / nu)
    diff = float(a.mean() - b.mean())
    if pooled == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    j = math.exp(special.gammaln(nu / 2) - special.gammaln((nu - 1) / 2)) / math.sqrt(nu / 2)
    return j * diff / pooled


def _auc(x, y, axis=-1):
    """P(x > y) + P(x = y) / 2 over all pairs; vectorised over leading axes for scipy.stats.bootstrap."""
    x, y = np.moveaxis(np.asarray(x), axis, -1), np.moveaxis(np.asarray(y), axis, -1)
    d = x[..., :, None] - y[..., None, :]
    return (d > 0).mean(axis=(-2, -1)) + 0.5 * (d == 0).mean(axis=(-2, -1))


def prob_improvement(a, b, higher_is_better: bool = True, level: float = 0.95, n_boot: int = 2000,
                     seed: int = 0) -> tuple[float, float, float]:
    """Probability that a random seed of ``a`` beats a random seed of ``b`` (ties count ½): the
    Mann–Whitney AUC, rliable's "probability of improvement" (Agarwal et al. 2021, "Deep RL at the edge
    of the statistical precipice"; Bouthillier et al. 2021, "Accounting for variance in machine
    learning benchmarks"). 0.5: no difference; 1: every seed of ``a`` beats every seed of ``b``.

    The CI is a stratified percentile bootstrap (each group resampled on its own,
    scipy.stats.bootstrap, fixed ``seed``); NaN when a group has fewer than two values. Separated
    samples give ``(1, 1, 1)``: every resample is separated too."""
    a, b = _two_groups(a, b)
    _check_alpha(level, "level")
    if not higher_is_better:
        a, b = -a, -b
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    p = float(_auc(a, b))
    if len(a) < 2 or len(b) < 2:
        return p, math.nan, math.nan
    if p in (0.0, 1.0):  # separated: the bootstrap distribution is a point (scipy would warn)
        return p, p, p
    with warnings.catch_warnings():  # a near-degenerate resample distribution warns; percentile is fine
        warnings.simplefilter("ignore")
        res = stats.bootstrap((a, b), _auc, n_resamples=n_boot, confidence_level=level, method="percentile",
                              vectorized=True, random_state=np.random.default_rng(seed))
    return p, float(res.confidence_interval.low), float(res.confidence_interval.high)


def welch_power(delta: float, sd_a: float, sd_b: float, n_a: int, n_b: int, alpha: float) -> float:
    """Power of the two-sided Welch t-test at level ``alpha`` to detect a true difference of means
    ``delta`` (units of the metric) with ``n_a``, ``n_b`` seeds and per-seed standard deviations
    ``sd_a``, ``sd_b``: P(|T| > t_{1−α/2, ν}) with T noncentral t (scipy.stats.nct), ν the
    Welch–Satterthwaite df, noncentrality δ / √(sd_a²/n_a + sd_b²/n_b). ``delta = 0`` gives ``alpha``.
    Both sds zero: the limit of vanishing spread, 1 for ``delta != 0``, ``alpha`` for 0."""
    _check_alpha(alpha)
    _check_sd(sd_a, sd_b)
    if not math.isfinite(delta):
        raise ValueError(f"delta must be finite, got {delta!r}")
    if n_a < 2 or n_b < 2:
        return math.nan
    se = math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
    if se == 0:
        return 1.0 if delta != 0 else float(alpha)
    df, nc = welch_df(sd_a, sd_b, n_a, n_b), abs(delta) / se
    if nc == 0:
        return float(alpha)
    # scipy.special's t and noncentral t (what scipy.stats.t / nct call), without their per-call overhead.
    crit = float(special.stdtrit(df, 1 - alpha / 2))
    upper = 1.0 - float(special.nctdtr(df, nc, crit))
    # The wrong-sign tail underflows to NaN for large noncentrality; it is below 1 - upper there.
    lower = float(special.nctdtr(df, nc, -crit))
    if not math.isfinite(lower):
        lower = 0.0
    return min(1.0, upper + lower)


def min_detectable_effect(sd_a: float, sd_b: float, n: int, alpha: float, power: float = 0.8) -> float:
    """Smallest true |difference of means| that a two-sided Welch test at ``alpha`` with ``n`` seeds per
    side detects with probability ``power`` (solves :func:`welch_power` = ``power``, scipy.optimize.brentq);
    units of the metric. 0 when both sds are zero; NaN with fewer than two seeds."""
    _check_alpha(alpha)
    _check_sd(sd_a, sd_b)
    if not alpha < power < 1:
        raise ValueError(f"power must lie in (alpha, 1) = ({alpha}, 1), got {power!r}")
    if n < 2:
        return math.nan
    se = math.sqrt((sd_a**2 + sd_b**2) / n)
    if se == 0:
        return 0.0
    hi = se * (stats.norm.isf(alpha / 2) + stats.norm.ppf(power))  # normal approximation: t needs more
    while welch_power(hi, sd_a, sd_b, n, n, alpha) < power:
        hi *= 2
    return float(optimize.brentq(lambda d: welch_power(d, sd_a, sd_b, n, n, alpha) - power, 0.0, hi,
                                 xtol=1e-12 * hi, rtol=1e-10))


def seeds_needed(delta: float, sd_a: float, sd_b: float, alpha: float, power: float = 0.8,
                 max_n: int = 10_000) -> int | None:
    """Seeds per side (at least 2) for a two-sided Welch test at ``alpha`` to detect a true difference
    ``delta`` with probability ``power``, given the per-seed sds (Colas et al. 2018, "How many random
    seeds?"): the smallest n with :func:`welch_power` >= ``power``. None when ``delta`` is 0 or more than
    ``max_n`` seeds would be needed."""
    _check_alpha(alpha)
    _check_sd(sd_a, sd_b)
    if not alpha < power < 1:
        raise ValueError(f"power must lie in (alpha, 1) = ({alpha}, 1), got {power!r}")
    if not math.isfinite(delta):
        raise ValueError(f"delta must be finite, got {delta!r}")
    if delta == 0:
        return None
    ok = lambda n: welch_power(delta, sd_a, sd_b, n, n, alpha) >= power  # noqa: E731 (monotone in n)
    if not ok(max_n):
        return None
    lo, hi = 1, max_n  # invariant: not ok(lo) (n = 1 cannot test), ok(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def tost_p(a, b, margin: float) -> float:
    """Two one-sided Welch tests (Schuirmann 1987) of equivalence, |mean(a) − mean(b)| < ``margin``
    (units of the metric): p = max of the p-values of diff > −margin and diff < +margin. Equivalence
    is claimed at level α when p < α (the 1 − 2α Welch CI lies inside ±margin). NaN below two
    seeds per group, and when neither group varies: seeds that all scored the same (a count at its
    ceiling, e.g. 8 of 8 modes) carry no estimate of the spread, so they cannot show equivalence
    (baselines/claims: gan-ns covered 8 of 8 ring modes in its first 5 seeds and 6-7 in 8 of the next 15)."""
    a, b = _two_groups(a, b)
    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"equivalence margin must be finite and > 0, got {margin!r}")
    if len(a) < 2 or len(b) < 2:
        return math.nan
    sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
    diff, se = float(a.mean() - b.mean()), math.sqrt(sa**2 / len(a) + sb**2 / len(b))
    if se == 0:
        return math.nan
    df = welch_df(sa, sb, len(a), len(b))
    p_lower = float(stats.t.sf((diff + margin) / se, df))  # H0: diff <= -margin
    p_upper = float(stats.t.cdf((diff - margin) / se, df))  # H0: diff >= +margin
    return max(p_lower, p_upper)
