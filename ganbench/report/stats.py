"""Statistics of per-seed values shared by leaderboards, ``compare``, claims and the sequential design:
one small-sample rule for every p-value, interval, power and seeds-needed figure.

**p-values.** Every test is Welch's t-test (unequal variances, Welch–Satterthwaite df) raised to the
exact permutation floor of its sample sizes,

    p = max(p_Welch, floor),  floor = 2 / C(n_a + n_b, n_a) two-sided (capped at 1), 1 / C(n_a + n_b, n_a) one-sided,

the smallest p-value that any test exact under exchangeability can reach with n_a and n_b values
(Ernst 2004, "Permutation methods: a basis for exact inference", Statistical Science 19(4)): a rank
or permutation test that sees the two groups fully separated gives exactly the floor. Welch's p can
only go below it by trusting a normal model that so few seeds cannot check (two seeds per side give
2/6 = 0.33 at best, four give 2/70 = 0.029: at α = 0.05 two-sided nothing is decided below 4 seeds
per side). Both groups constant: p = 1 when the means are equal, else the floor (the limit of Welch's
p, 0, raised to the floor), so p moves continuously from [8, 8] vs [7, 7.001] to [8, 8] vs [7, 7].
(Where every value of both groups is equal, Welch's p has no limit, its value depends on the
direction of approach; the rule says 1.) A group holding an infinite value (a diverged seed of an
unbounded metric, see ``ganbench.report.tables.scored_frame``) has no mean: its comparisons use the
Mann–Whitney U test (scipy: exact without ties at small n, else asymptotic) with the same floor.

**Intervals.** No zero-width interval: where the data carry no spread (both groups constant), or a
value is infinite, the Welch interval of the difference and its bootstrap are undefined (NaN); the
probability of improvement has Newcombe's score interval, which never collapses at 0 or 1.

**Power.** The power of the rule is Welch's power where the floor lies below the level and 0 where it
does not: a minimum detectable effect at such seeds is infinite, and seeds needed start where the
floor falls below the level.

Each function takes the per-seed values of two groups (``a``: candidate, ``b``: reference) as 1-D
sequences and returns plain floats; NaN values are refused (a failed seed has no value: leave it out).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, special, stats

from ganbench.report.constants import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CI_LEVEL, MAX_SEEDS, POWER

ALTERNATIVES = ("two-sided", "greater", "less")


def _group(x) -> np.ndarray:
    x = np.asarray(x, float).ravel()
    if np.isnan(x).any():
        raise ValueError("per-seed values must not be NaN (a failed seed has no value: leave it out; a diverged "
                         "seed scores its metric's worst value, ganbench.report.tables.scored_frame)")
    return x


def _two_groups(a, b) -> tuple[np.ndarray, np.ndarray]:
    return _group(a), _group(b)


def _finite(*groups: np.ndarray) -> bool:
    return all(np.isfinite(g).all() for g in groups)


def _check_alpha(alpha: float, name: str = "alpha") -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"{name} must lie in (0, 1), got {alpha!r}")


def _check_sd(*sds: float) -> None:
    for s in sds:
        if not (math.isfinite(s) and s >= 0):
            raise ValueError(f"standard deviations must be finite and >= 0, got {s!r}")


def _check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}")


# --- the small-sample rule ----------------------------------------------------------------------


def perm_floor(n_a: int, n_b: int, alternative: str = "two-sided") -> float:
    """The smallest p-value an exact permutation test of ``n_a`` against ``n_b`` values can give:
    2 / C(n_a + n_b, n_a) two-sided (capped at 1), 1 / C(n_a + n_b, n_a) one-sided (Ernst 2004)."""
    _check_alternative(alternative)
    k = 2.0 if alternative == "two-sided" else 1.0
    if n_a < 1 or n_b < 1:
        return 1.0
    if n_a + n_b <= 64:  # exact; beyond, the floor is below 1e-17 and the log form is as good
        return min(1.0, k / math.comb(n_a + n_b, n_a))
    return math.exp(math.log(k) - (math.lgamma(n_a + n_b + 1) - math.lgamma(n_a + 1) - math.lgamma(n_b + 1)))


def _rank_p(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    """Mann–Whitney U p-value (ties allowed; infinite values rank as the largest or smallest)."""
    both = np.concatenate([a, b])
    if np.all(both == both[0]):
        return 1.0
    with warnings.catch_warnings():  # scipy warns when ties force the asymptotic method; that is intended
        warnings.simplefilter("ignore")
        return float(stats.mannwhitneyu(a, b, alternative=alternative).pvalue)


def _moments(x: np.ndarray) -> tuple[float, float]:
    """Mean and the variance of the mean (ddof 1) of a finite group, without numpy's per-call overhead."""
    m = float(x.sum()) / len(x)
    d = x - m
    return m, float(d @ d) / (len(x) - 1) / len(x)


def welch_p(a, b, alternative: str = "two-sided") -> float:
    """The p-value of the difference of ``a`` and ``b`` by the one small-sample rule (module docstring):
    Welch's t-test raised to the permutation floor; ``alternative``: ``"two-sided"``, ``"greater"``
    (H1: mean(a) > mean(b)) or ``"less"``. NaN below two values per group; an infinite value switches
    to the Mann–Whitney test with the same floor. ``scipy.special.stdtr`` underneath, without the
    per-call overhead of scipy.stats (the simulation tests call it a hundred thousand times)."""
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    _check_alternative(alternative)
    na, nb = len(a), len(b)
    if not (math.isfinite(float(a.sum())) and math.isfinite(float(b.sum()))):
        a, b = _two_groups(a, b)  # refuses NaN
        if not _finite(a, b):
            return max(perm_floor(na, nb, alternative), _rank_p(a, b, alternative)) if min(na, nb) >= 2 else math.nan
    if na < 2 or nb < 2:
        return math.nan
    floor = perm_floor(na, nb, alternative)
    (ma, va), (mb, vb) = _moments(a), _moments(b)
    diff = ma - mb
    if va + vb == 0:
        # Neither side varies (a count at its ceiling): the limit of Welch's p as the spread vanishes
        # is 0 on the side of the difference and 1 on the other; the floor bounds it from below.
        if diff == 0:
            return 1.0
        return floor if alternative == "two-sided" or (diff > 0) == (alternative == "greater") else 1.0
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    t = diff / math.sqrt(va + vb)
    if alternative == "two-sided":
        p = 2.0 * float(special.stdtr(df, -abs(t)))
    else:
        p = float(special.stdtr(df, -t if alternative == "greater" else t))
    return max(floor, min(1.0, p))


def welch_p_many(a, b) -> np.ndarray:
    """Two-sided :func:`welch_p` of many pairs of groups at once: ``a`` of shape (..., n_a) and ``b`` of
    shape (..., n_b) with the same leading shape give p-values of that leading shape: the same rule, equal
    to :func:`welch_p` up to the rounding of the sums (~1e-15 relative; vectorised with numpy for the
    simulations, where :func:`welch_p` costs ~20 µs a call; pairs holding an infinite value go through
    :func:`welch_p` one by one). NaN values are refused; fewer than two values per
    group give NaN."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape[:-1] != b.shape[:-1]:
        raise ValueError(f"welch_p_many needs the same leading shape, got {a.shape} and {b.shape}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("per-seed values must not be NaN (a failed seed has no value: leave it out)")
    lead, na, nb = a.shape[:-1], a.shape[-1], b.shape[-1]
    if na < 2 or nb < 2:
        return np.full(lead, math.nan)
    a, b = a.reshape(-1, na), b.reshape(-1, nb)
    floor = perm_floor(na, nb)
    finite = np.isfinite(a).all(-1) & np.isfinite(b).all(-1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ma, mb = a.sum(-1) / na, b.sum(-1) / nb
        da, db = a - ma[..., None], b - mb[..., None]
        va, vb = (da * da).sum(-1) / (na - 1) / na, (db * db).sum(-1) / (nb - 1) / nb
        diff, v = ma - mb, va + vb
        df = v**2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        p = 2.0 * special.stdtr(df, -np.abs(diff) / np.sqrt(v))
    p = np.maximum(floor, np.minimum(1.0, p))
    p = np.where(v == 0, np.where(diff == 0, 1.0, floor), p)  # neither side varies: the module's limit
    for i in np.flatnonzero(~finite):
        p[i] = welch_p(a[i], b[i])
    return p.reshape(lead)


def better_p(values, floor, higher: bool) -> float:
    """One-sided p-value that ``values`` are better than ``floor``'s (direction-aware :func:`welch_p`):
    the test of "learned" (better than the untrained generator) in leaderboards and ``compare``."""
    return welch_p(values, floor, "greater" if higher else "less")


def mannwhitney_p(a, b) -> float:
    """Two-sided Mann–Whitney U p-value, raised to the same permutation floor; NaN for an empty group."""
    a, b = _two_groups(a, b)
    if len(a) < 1 or len(b) < 1:
        return math.nan
    return max(perm_floor(len(a), len(b)), _rank_p(a, b, "two-sided"))


def direction(a, b) -> int:
    """+1 when ``a`` lies above ``b``, −1 below, 0 neither: the sign of the difference of means, or of
    P(a > b) − 1/2 where a value is infinite (the rank statistic the test then used)."""
    a, b = _two_groups(a, b)
    if not len(a) or not len(b):
        return 0
    d = float(a.mean() - b.mean()) if _finite(a, b) else float(_auc(a, b)) - 0.5
    return int(np.sign(d))


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


# --- intervals ----------------------------------------------------------------------------------


def mean_ci(values, level: float = CI_LEVEL) -> dict:
    """Mean, sample std (ddof 1), n and the Student-t confidence interval of the mean of the non-NaN
    ``values``. The interval is NaN for one value, for values without spread and for infinite ones."""
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
    if s == 0:  # no spread: no interval (never a zero-width one)
        return {"mean": m, "std": 0.0, "n": n, "ci_lo": math.nan, "ci_hi": math.nan}
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * s / math.sqrt(n)
    return {"mean": m, "std": s, "n": n, "ci_lo": m - half, "ci_hi": m + half}


def welch_df(sd_a: float, sd_b: float, n_a: int, n_b: int) -> float:
    """Welch–Satterthwaite degrees of freedom of mean(a) − mean(b). With one group's spread zero
    the other group's ``n − 1``; with both zero the limit of equal spreads, ``n_a + n_b − 2``."""
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    if va + vb == 0:
        return float(n_a + n_b - 2)
    den = (va**2 / (n_a - 1) if va else 0.0) + (vb**2 / (n_b - 1) if vb else 0.0)
    return float((va + vb) ** 2 / den)


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return math.nan
    with np.errstate(invalid="ignore"):  # inf − inf: no difference of means
        return float(a.mean() - b.mean())


def welch_diff_ci(a, b, level: float = CI_LEVEL) -> tuple[float, float, float]:
    """mean(a) − mean(b) and its Welch t confidence interval (unequal variances, Welch–Satterthwaite
    degrees of freedom). The interval is NaN for a group of fewer than two values, when neither group
    varies (no spread, no interval) and when a value is infinite."""
    a, b = _two_groups(a, b)
    _check_alpha(level, "level")
    diff = _diff(a, b)
    if len(a) < 2 or len(b) < 2 or not _finite(a, b):
        return diff, math.nan, math.nan
    sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
    se = math.sqrt(sa**2 / len(a) + sb**2 / len(b))
    if se == 0:
        return diff, math.nan, math.nan
    half = float(special.stdtrit(welch_df(sa, sb, len(a), len(b)), 0.5 + level / 2)) * se
    return diff, diff - half, diff + half


def bootstrap_diff_ci(a, b, level: float = CI_LEVEL, n_boot: int = BOOTSTRAP_RESAMPLES,
                      seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap CI of mean(a) − mean(b), resampling each group independently
    (scipy.stats.bootstrap, fixed seed so the interval is reproducible); NaN where the Welch interval
    is (fewer than two values, no spread on either side, an infinite value)."""
    a, b = _two_groups(a, b)
    if len(a) < 2 or len(b) < 2 or not _finite(a, b) or (a.std() == 0 and b.std() == 0):
        return math.nan, math.nan
    res = stats.bootstrap((a, b), lambda x, y, axis=-1: x.mean(axis) - y.mean(axis), n_resamples=n_boot,
                          confidence_level=level, method="percentile", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def hedges_g(a, b) -> float:
    """Hedges' g: (mean(a) − mean(b)) / pooled sd, times the exact small-sample correction
    J = Γ(ν/2) / (√(ν/2) Γ((ν−1)/2)), ν = n_a + n_b − 2 (Hedges 1981; J ≈ 1 − 3/(4ν − 1)).
    Sign: positive when a's mean is larger. Both groups without spread: 0 for equal means, ±inf
    otherwise (the limit of a fixed difference over a vanishing spread). NaN with an infinite value."""
    a, b = _two_groups(a, b)
    if len(a) < 2 or len(b) < 2 or not _finite(a, b):
        return math.nan
    nu = len(a) + len(b) - 2
    pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / nu)
    diff = float(a.mean() - b.mean())
    if pooled == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    j = math.exp(special.gammaln(nu / 2) - special.gammaln((nu - 1) / 2)) / math.sqrt(nu / 2)
    return j * diff / pooled


def _auc(x: np.ndarray, y: np.ndarray) -> float:
    """P(x > y) + P(x = y) / 2 over all pairs (comparisons, not differences: infinite values count)."""
    gt = x[:, None] > y[None, :]
    eq = x[:, None] == y[None, :]
    return float(gt.mean() + 0.5 * eq.mean())


def newcombe_auc_ci(theta: float, m: int, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Newcombe's method 5 score interval of a Mann–Whitney probability θ estimated as ``theta`` from
    ``m`` and ``n`` values (Newcombe 2006, "Confidence intervals for an effect size measure based on the
    Mann–Whitney statistic. Part 2: asymptotic methods and evaluation", Stat. Med. 25:559–573): the θ
    that solve |θ̂ − θ| = z √V(θ), V the Hanley–McNeil variance under the exponential model with m − 1
    and n − 1 both replaced by N − 1, N = (m + n)/2,

        V(θ) = θ(1−θ) [1 + (N−1)(1−θ)/(2−θ) + (N−1) θ/(1+θ)] / (m n).

    (For m = n this is Hanley–McNeil's variance itself; using N − 2 instead undercovers, 0.90 at
    m = n = 5 and θ = 1/2.) Unlike a bootstrap or Wald interval it does not collapse at θ̂ = 0 or 1
    (separated samples): the end at the boundary is the boundary, the other end lies inside; coverage
    ≥ 0.94 at m = n = 5 for θ from 1/2 to 0.97 (tests/report/test_stats.py). NaN below two values per
    group."""
    _check_alpha(level, "level")
    if m < 2 or n < 2 or not 0 <= theta <= 1:
        return math.nan, math.nan
    z2 = float(special.ndtri(0.5 + level / 2)) ** 2
    k = (m + n) / 2 - 1  # N − 1

    def f(t: float) -> float:
        v = t * (1 - t) * (1 + k * (1 - t) / (2 - t) + k * t / (1 + t)) / (m * n)
        return (theta - t) ** 2 - z2 * v

    eps = 1e-12  # f vanishes at θ̂ itself when θ̂ is 0 or 1: bracket past that trivial root
    lo = 0.0 if theta == 0 else float(optimize.brentq(f, 0.0, min(theta, 1 - eps), xtol=1e-14))
    hi = 1.0 if theta == 1 else float(optimize.brentq(f, max(theta, eps), 1.0, xtol=1e-14))
    return lo, hi


def prob_improvement(a, b, higher_is_better: bool = True, level: float = CI_LEVEL) -> tuple[float, float, float]:
    """Probability that a random seed of ``a`` beats a random seed of ``b`` (ties count ½): the
    Mann–Whitney AUC, rliable's "probability of improvement" (Agarwal et al. 2021, "Deep RL at the edge
    of the statistical precipice"; Bouthillier et al. 2021, "Accounting for variance in machine
    learning benchmarks"). 0.5: no difference; 1: every seed of ``a`` beats every seed of ``b``.
    Returns (θ̂, lo, hi) with :func:`newcombe_auc_ci`'s interval (NaN below two values per group).
    Rank-based, so infinite values (diverged seeds of unbounded metrics) count as the extremes."""
    a, b = _two_groups(a, b)
    _check_alpha(level, "level")
    if not higher_is_better:
        a, b = -a, -b
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    p = _auc(a, b)
    return (p, *newcombe_auc_ci(p, len(a), len(b), level))


# --- power and seeds ----------------------------------------------------------------------------


def welch_power(delta: float, sd_a: float, sd_b: float, n_a: int, n_b: int, alpha: float) -> float:
    """Power of the two-sided test of the small-sample rule at level ``alpha`` to detect a true difference
    of means ``delta`` (units of the metric) with ``n_a``, ``n_b`` seeds and per-seed standard deviations
    ``sd_a``, ``sd_b``. 0 where the permutation floor of ``n_a``, ``n_b`` is not below ``alpha`` (the
    rule cannot reject); else Welch's: P(|T| > t_{1−α/2, ν}) with T noncentral t (scipy.special.nctdtr),
    ν the Welch–Satterthwaite df, noncentrality δ / √(sd_a²/n_a + sd_b²/n_b); ``delta = 0`` gives
    ``alpha``. Both sds zero: the limit of vanishing spread, 1 for ``delta != 0``, ``alpha`` for 0."""
    _check_alpha(alpha)
    _check_sd(sd_a, sd_b)
    if not math.isfinite(delta):
        raise ValueError(f"delta must be finite, got {delta!r}")
    if n_a < 2 or n_b < 2:
        return math.nan
    if perm_floor(n_a, n_b) >= alpha:
        return 0.0
    se = math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
    if se == 0:
        return 1.0 if delta != 0 else float(alpha)
    df, nc = welch_df(sd_a, sd_b, n_a, n_b), abs(delta) / se
    if nc == 0:
        return float(alpha)
    crit = float(special.stdtrit(df, 1 - alpha / 2))
    upper = 1.0 - float(special.nctdtr(df, nc, crit))
    # The wrong-sign tail underflows to NaN for large noncentrality; it is below 1 - upper there.
    lower = float(special.nctdtr(df, nc, -crit))
    if not math.isfinite(lower):
        lower = 0.0
    return min(1.0, upper + lower)


def _check_power(alpha: float, power: float) -> None:
    if not alpha < power < 1:
        raise ValueError(f"power must lie in (alpha, 1) = ({alpha}, 1), got {power!r}")


def min_detectable_effect(sd_a: float, sd_b: float, n: int, alpha: float, power: float = POWER) -> float:
    """Smallest true |difference of means| that the two-sided test at ``alpha`` with ``n`` seeds per side
    detects with probability ``power`` (solves :func:`welch_power` = ``power``, scipy.optimize.brentq);
    units of the metric. ``inf`` when the permutation floor of ``n`` seeds per side is not below
    ``alpha`` (no effect is detectable); 0 when both sds are zero; NaN with fewer than two seeds."""
    _check_alpha(alpha)
    _check_sd(sd_a, sd_b)
    _check_power(alpha, power)
    if n < 2:
        return math.nan
    if perm_floor(n, n) >= alpha:
        return math.inf
    se = math.sqrt((sd_a**2 + sd_b**2) / n)
    if se == 0:
        return 0.0
    hi = se * (stats.norm.isf(alpha / 2) + stats.norm.ppf(power))  # normal approximation: t needs more
    while welch_power(hi, sd_a, sd_b, n, n, alpha) < power:
        hi *= 2
    return float(optimize.brentq(lambda d: welch_power(d, sd_a, sd_b, n, n, alpha) - power, 0.0, hi,
                                 xtol=1e-12 * hi, rtol=1e-10))


def seeds_needed(delta: float, sd_a: float, sd_b: float, alpha: float, power: float = POWER,
                 max_n: int = MAX_SEEDS) -> int | None:
    """Seeds per side for the two-sided test at ``alpha`` to detect a true difference ``delta`` with
    probability ``power``, given the per-seed sds (Colas et al. 2018, "How many random seeds?"): the
    smallest n whose permutation floor lies below ``alpha`` and whose :func:`welch_power` reaches
    ``power`` (at α = 0.05 never fewer than 4). None when ``delta`` is 0 or more than ``max_n`` seeds
    would be needed."""
    _check_alpha(alpha)
    _check_sd(sd_a, sd_b)
    _check_power(alpha, power)
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


# --- equivalence --------------------------------------------------------------------------------


def tost_p(a, b, margin: float) -> float:
    """Two one-sided Welch tests (Schuirmann 1987) of equivalence, |mean(a) − mean(b)| < ``margin``
    (units of the metric): p = max of the p-values of diff > −margin and diff < +margin, raised to the
    one-sided permutation floor 1 / C(n_a + n_b, n_a). Equivalence is claimed at level α when p < α
    (the 1 − 2α Welch CI lies inside ±margin). NaN below two seeds per group, with an infinite value,
    and when neither group varies: seeds that all scored the same (a count at its ceiling, e.g. 8 of
    8 modes) carry no estimate of the spread, so they cannot show equivalence (baselines/claims:
    gan-ns covered 8 of 8 ring modes in its first 5 seeds and 6-7 in 8 of the next 15)."""
    a, b = _two_groups(a, b)
    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"equivalence margin must be finite and > 0, got {margin!r}")
    if len(a) < 2 or len(b) < 2 or not _finite(a, b):
        return math.nan
    sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
    diff, se = float(a.mean() - b.mean()), math.sqrt(sa**2 / len(a) + sb**2 / len(b))
    if se == 0:
        return math.nan
    df = welch_df(sa, sb, len(a), len(b))
    p_lower = float(special.stdtr(df, -(diff + margin) / se))  # H0: diff <= -margin
    p_upper = float(special.stdtr(df, (diff - margin) / se))  # H0: diff >= +margin
    return max(p_lower, p_upper, perm_floor(len(a), len(b), "greater"))
