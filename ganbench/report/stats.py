"""Statistics shared by leaderboards, ``compare`` and ``check`` (scipy.stats underneath)."""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats


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
