"""Anytime performance: what a learning curve says over the whole budget grid, per trial and per variant.

Every function takes a curve matrix, ``(n_seeds, n_budgets)`` values of one variant's headline at the
points of its task's grid (``budgets``, increasing, in the budget's unit), a diverged seed already
scored at the metric's worst value (:func:`ganbench.report.curves.curve_frame`), and returns plain
floats or numpy arrays. Pure numpy: no records, no pandas.

- **Normalised progress** (:func:`progress`): 0 at the task's floor (the untrained generator's mean),
  1 at its ceiling (held-out real data's mean), whatever the metric's direction:
  ``(value − floor) / (ceiling − floor)``.
- **Time-to-target** (:func:`hitting`, :func:`ert`, :func:`ert_ci`): a trial reaches the target
  ``floor + f·(ceiling − floor)`` at the first grid budget where its progress is at least ``f`` (the
  first hitting time: a later fall back does not undo it); a trial that never does is *censored* at
  its last budget. The expected running time (Auger & Hansen 2005, "Performance evaluation of an
  advanced local search evolutionary algorithm", CEC; Hansen et al. 2022, "Anytime performance
  assessment in blackbox optimization benchmarking", IEEE TEVC; IOHanalyzer's ERT) counts censored
  trials instead of dropping them:

      ERT = (Σ over seeds of the budget used until success, or the whole budget when censored) / successes,

  ∞ when no seed succeeds. It is the expected budget to a first success if unsuccessful trials were
  restarted; with every seed successful it is the mean hitting budget. Its interval is a percentile
  bootstrap over seeds (an end may be ∞: a resample without a success).
- **Normalised area under the curve** (:func:`normalised_auc`): the mean progress over the grid, the
  trapezoid rule on log budget divided by the log-budget range, with progress clipped to [0, 1]
  first: a point below the floor made no progress (a diverged seed of an unbounded metric would
  otherwise be −∞), and a point past the ceiling (sampling noise of a near-perfect generator) is not
  more than perfect, so the area stays in [0, 1] and no single point dominates it. One number per
  trial; 1 means at the ceiling from the first point on. Log budget, because the grid is log-spaced
  (1-2-5 series) and early learning matters as much per decade as late learning.
- **Bands** (:func:`mean_band`): the pointwise percentile bootstrap band of a variant's mean curve,
  resampling whole curves (seeds) with replacement, the mean curve of each resample, its 2.5th and
  97.5th percentiles at each budget (rliable's stratified bootstrap, Agarwal et al. 2021, "Deep RL at
  the edge of the statistical precipice", who draw such pointwise sample-efficiency curves). Pointwise:
  each budget's band covers that budget's mean, not the whole curve at once.

The bootstraps draw :data:`ganbench.report.constants.BOOTSTRAP_RESAMPLES` resamples from a generator
seeded with :data:`~ganbench.report.constants.BOOTSTRAP_SEED`, so the same records give the same
intervals; with the 3-10 seeds of a benchmark the percentile bootstrap undercovers (it cannot see
more spread than the seeds show), which is why the bands are labelled as what they are.
"""
from __future__ import annotations

import math

import numpy as np

from ganbench.report.constants import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CI_LEVEL

TARGETS = (0.5, 0.9)  # fractions of the way from floor to ceiling whose time-to-target a leaderboard shows
_REACHED = 1e-12  # progress within this of the target counts as reached (floating-point round trips)


def _matrix(values) -> np.ndarray:
    m = np.asarray(values, float)
    if m.ndim != 2:
        raise ValueError(f"a curve matrix is (seeds, budgets), got shape {m.shape}")
    return m


def _budgets(budgets, k: int) -> np.ndarray:
    b = np.asarray(budgets, float).ravel()
    if len(b) != k:
        raise ValueError(f"{len(b)} budgets for a curve matrix of {k} columns")
    if len(b) and (not np.all(np.isfinite(b)) or np.any(b <= 0) or np.any(np.diff(b) <= 0)):
        raise ValueError(f"budgets must be finite, positive and increasing, got {b.tolist()}")
    return b


def progress(values, floor: float, ceiling: float) -> np.ndarray:
    """``(values − floor) / (ceiling − floor)``: 0 at the floor, 1 at the ceiling, for either direction of
    the metric (for a lower-is-better value the ceiling lies below the floor). NaN everywhere when floor
    and ceiling coincide or are undefined (nothing to normalise by); ±∞ values give ±∞."""
    v = np.asarray(values, float)
    span = float(ceiling) - float(floor)
    if not math.isfinite(span) or span == 0:
        return np.full(v.shape, math.nan)
    with np.errstate(invalid="ignore"):
        return (v - float(floor)) / span


def hitting(prog, budgets, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Per seed (row of the progress matrix ``prog``): the budget used until its first point at or past
    ``fraction`` of the way from floor to ceiling, or its last budget when it never gets there
    (censored); and whether it succeeded. NaN progress (an undefined scale) never succeeds."""
    p = _matrix(prog)
    b = _budgets(budgets, p.shape[1])
    if p.shape[1] == 0:
        raise ValueError("a curve needs at least one budget point")
    with np.errstate(invalid="ignore"):
        reached = p >= fraction - _REACHED
    success = reached.any(axis=1)
    first = np.argmax(reached, axis=1)
    used = np.where(success, b[first], b[-1])
    return used, success


def ert(used, success) -> float:
    """Expected running time: Σ ``used`` / number of successes (∞ with none; NaN without seeds)."""
    used, success = np.asarray(used, float), np.asarray(success, bool)
    if len(used) == 0:
        return math.nan
    k = int(success.sum())
    return float(used.sum()) / k if k else math.inf


def ert_ci(used, success, level: float = CI_LEVEL, n_boot: int = BOOTSTRAP_RESAMPLES,
           seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`ert` over seeds (seeds resampled with replacement; a
    resample without a success has ERT ∞, so the upper end is ∞ when that happens in more than
    (1 − level)/2 of the resamples). Order statistics, no interpolation (an interpolation between ∞
    and a number is undefined). NaN below two seeds."""
    used, success = np.asarray(used, float), np.asarray(success, bool)
    n = len(used)
    if n < 2:
        return math.nan, math.nan
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    total, k = used[idx].sum(axis=1), success[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = np.where(k > 0, total / np.maximum(k, 1), math.inf)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return float(lo), float(hi)


def normalised_auc(prog, budgets) -> np.ndarray:
    """Per seed, the area under its progress curve, progress clipped to [0, 1], by the trapezoid rule on
    log budget, divided by the log-budget range: the mean progress over the grid, in [0, 1]. A grid of
    one point gives that point's clipped progress. NaN where a row holds NaN (an undefined scale)."""
    p = np.clip(_matrix(prog), 0.0, 1.0)
    b = _budgets(budgets, p.shape[1])
    if p.shape[1] == 0:
        raise ValueError("a curve needs at least one budget point")
    if p.shape[1] == 1:
        return p[:, 0].copy()
    x = np.log(b)
    area = ((p[:, 1:] + p[:, :-1]) / 2 * np.diff(x)).sum(axis=1)
    return area / (x[-1] - x[0])


def mean_band(values, level: float = CI_LEVEL, n_boot: int = BOOTSTRAP_RESAMPLES,
              seed: int = BOOTSTRAP_SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean curve over seeds (rows of ``values``) and its pointwise percentile bootstrap band:
    whole curves resampled with replacement, the mean curve of each resample, its ``(1 − level)/2`` and
    ``(1 + level)/2`` quantiles at each budget (order statistics: an infinite worst value in a resample
    gives an infinite end, not NaN). One seed: the band is the curve itself (no spread to show)."""
    v = _matrix(values)
    n = v.shape[0]
    if n == 0:
        nan = np.full(v.shape[1], math.nan)
        return nan, nan.copy(), nan.copy()
    with np.errstate(invalid="ignore"):
        mean = v.mean(axis=0)
    if n == 1:
        return mean, mean.copy(), mean.copy()
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    with np.errstate(invalid="ignore"):
        boot = v[idx].mean(axis=1)  # (n_boot, budgets)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], axis=0, method="inverted_cdf")
    return mean, lo, hi


def ema_initial_share(decay: float, steps) -> np.ndarray:
    """The share of the initial weights an exponential moving average of decay ``decay`` without ramp-up
    (initialised to the generator at step 0, ``g_ema ← d·g_ema + (1 − d)·g`` once per step) still holds
    after ``steps`` generator steps: ``decay ** steps`` (0.999 at 500 steps: 0.61). An early point of an
    averaged generator's curve judges that blend, not the generator trained so far."""
    if not 0 <= decay < 1:
        raise ValueError(f"an EMA decay lies in [0, 1), got {decay!r}")
    return np.power(float(decay), np.asarray(steps, float))
