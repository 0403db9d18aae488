"""Group-sequential decisions: test after every round of seeds and stop a comparison once decided,
keeping the error rates of a single test at the end.

Testing at every look with the fixed-sample α inflates false positives (four looks at α = 0.05
reject a true null about 12% of the time). A group-sequential design spends α over the looks
instead (Lan & DeMets 1983): each side spends α/2 with the O'Brien–Fleming-type function

    α_side(t) = 2 − 2 Φ(z_{1−α/4} / √t),   t = n / n_max (the information fraction, seeds per side),

so early looks need overwhelming evidence and the last look is tested near the nominal level. This
is the two-sided symmetric form of Reboussin et al. (2000, "Computations for group sequential
boundaries using the Lan–DeMets spending function method") whose values Jennison & Turnbull (2000,
"Group Sequential Methods with Applications to Clinical Trials") tabulate: two equally spaced looks at
α = 0.05 give nominal z boundaries 2.963 and 1.969. (Putting the two-sided α into the same function
instead, 2 − 2Φ(z_{1−α/2}/√t), gives 2.772 and 1.979; the classical O'Brien–Fleming design, which
spends nothing by formula, gives 2.797 and 1.977.)

Boundaries: the nominal z boundaries c_k solve P(|Z_1| < c_1, …, |Z_{k−1}| < c_{k−1}, |Z_k| ≥ c_k) =
spent(t_k) − spent(t_{k−1}) for the score statistics of a Brownian motion (corr(Z_i, Z_j) = √(t_i/t_j)),
computed by numerical integration of the continuation density look by look (Armitage, McPherson &
Rowe 1969; Jennison & Turnbull 2000, ch. 19): Simpson's rule on a grid of at most 2001 points,
spacing ≤ 1/16 of the sd of the increment between looks, truncated at 8 sd. A test checks them
against scipy.stats.multivariate_normal.cdf.

Welch approximation: the boundaries assume normal statistics with known variance. Each comparison
is held to them through its p-value by the one small-sample rule of :mod:`ganbench.report.stats`
(Welch's t-test raised to the exact permutation floor; Mann–Whitney where a diverged seed left an
infinite value): the nominal two-sided level 2(1 − Φ(c_k)) is compared with that p-value at the look.
With few seeds this is an approximation (t statistics at different looks are not exactly a Brownian
motion); tests/report/test_sequential.py measures the resulting false-positive rate by simulation.
The floor also means that a look whose seeds cannot reach its boundary (5 seeds per side reach
2/252 = 0.0079 at best) decides nothing but equivalence.

Several comparisons (:func:`decide_all`): Holm's step-down on the spent α at each look with the
α of rejected hypotheses passed on equally to the others (the graphical approach of Maurer & Bretz
2013, "Multiple testing in group sequential trials using graphical approaches", with Holm's complete
graph): each comparison starts with α/m and its own spending boundaries at that level; when one is
rejected, the others' levels grow and their boundaries are recomputed. Testing only at the current
look (not retesting earlier looks at the grown level) keeps a subset of Maurer & Bretz's rejections,
so the familywise error stays ≤ α. Equivalence (two one-sided tests within a margin) is tested at
the comparison's threshold of the same look; it stops the comparison but does not pass α on.

One look is the fixed-sample test: a one-look design spends exactly α at its look, and
``decide_all(pairs)`` without a design tests every pair once at the seeds it has (sides may differ),
which is Holm's step-down with equivalence tested at the row's own level. ``ganbench compare``
without ``--until-decided`` is that call, so both paths give the same p-values and verdicts.

Decisions are a pure function of the data: given the per-seed values in seed order, every look is
replayed from prefixes, so a comparison decided at an earlier look stays decided and repeated calls
(one per round of seeds) agree with one call on all the data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize, special, stats

from ganbench.report.constants import ALPHA, POWER
from ganbench.report.stats import direction, tost_p, welch_p
from ganbench.report.stats import seeds_needed as _seeds_needed

_GRID_MAX = 2001  # points of the continuation grid (Simpson needs an odd count)
_GRID_PER_SD = 16  # grid points per sd of the increment between looks
_TAIL_SD = 8.0  # the continuation density is cut at 8 sd (mass beyond: < 1e-15)


def spent(t: float, alpha: float) -> float:
    """Two-sided α spent by information fraction ``t`` in (0, 1]: each side spends α/2 with the
    O'Brien–Fleming-type function of Lan & DeMets (1983)."""
    return 2.0 * (2.0 - 2.0 * stats.norm.cdf(stats.norm.isf(alpha / 4) / math.sqrt(t)))


def _simpson_grid(half: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    n = min(_GRID_MAX, max(101, 2 * math.ceil(half / step) + 1))
    x = np.linspace(-half, half, n)
    w = np.ones(n)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return x, w * (x[1] - x[0]) / 3.0


@lru_cache(maxsize=256)
def z_boundaries(fractions: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    """Nominal two-sided z boundaries at information fractions ``fractions`` (increasing, last 1)
    for the spending function :func:`spent` at two-sided ``alpha``; ``inf`` where a look has no α
    left to spend."""
    t = np.asarray(fractions, float)
    bounds = [float(stats.norm.isf(spent(t[0], alpha) / 2))]
    # Density of the score S_1 = Z_1 √t_1 on the continuation region |S_1| < c_1 √t_1.
    sd = math.sqrt(t[0])
    x, w = _simpson_grid(min(bounds[0], _TAIL_SD) * sd, min(np.sqrt(np.diff(t)), default=1.0) / _GRID_PER_SD)
    f = stats.norm.pdf(x, scale=sd)
    for k in range(1, len(t)):
        inc = spent(t[k], alpha) - spent(t[k - 1], alpha)
        step_sd, root = math.sqrt(t[k] - t[k - 1]), math.sqrt(t[k])
        wf = w * f

        def exit_prob(c: float) -> float:
            b = c * root
            return float(wf @ (special.ndtr((x - b) / step_sd) + special.ndtr((-b - x) / step_sd)))

        if inc <= 0 or exit_prob(40.0) >= inc:
            c = math.inf
        else:
            c = float(optimize.brentq(lambda c: exit_prob(c) - inc, 0.0, 40.0, xtol=1e-10))
        bounds.append(c)
        if k + 1 < len(t):  # density of S_k on its continuation region, for the next look
            nx, nw = _simpson_grid(min(c, _TAIL_SD) * root, min(np.sqrt(np.diff(t[k:]))) / _GRID_PER_SD)
            f = stats.norm.pdf((nx[:, None] - x[None, :]) / step_sd) @ wf / step_sd
            x, w = nx, nw
    return tuple(bounds)


@lru_cache(maxsize=1024)
def _thresholds(looks: tuple[int, ...], alpha: float) -> tuple[float, ...]:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if len(looks) == 1:  # one look spends all of α there: the fixed-sample level, exactly
        return (float(alpha),)
    fractions = tuple(n / looks[-1] for n in looks)
    return tuple(float(2 * special.ndtr(-c)) for c in z_boundaries(fractions, alpha))


@dataclass(frozen=True)
class Design:
    """A group-sequential plan: the seeds per side at each look and the familywise two-sided α."""

    looks: tuple[int, ...]  # seeds per side at each planned look, increasing, last = max seeds
    alpha: float = ALPHA  # two-sided, familywise over the comparisons of one decide_all
    power: float = POWER  # the power that seeds_needed aims for

    def __post_init__(self):
        looks = tuple(int(n) for n in self.looks)
        if not looks or any(n != m for n, m in zip(looks, self.looks)):
            raise ValueError(f"looks must be a non-empty sequence of integers, got {self.looks!r}")
        if looks[0] < 2 or any(b <= a for a, b in zip(looks, looks[1:])):
            raise ValueError(f"looks must increase and start at >= 2 seeds per side (a t-test needs two), got {looks}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {self.alpha!r}")
        if not self.alpha < self.power < 1:
            raise ValueError(f"power must lie in (alpha, 1), got {self.power!r}")
        object.__setattr__(self, "looks", looks)

    def boundaries(self, alpha: float | None = None) -> tuple[float, ...]:
        """Nominal two-sided p-value threshold per look at the design's α (or ``alpha``, a comparison's
        share of it after Holm)."""
        return _thresholds(self.looks, float(self.alpha if alpha is None else alpha))

    def look_of(self, n: int) -> int:
        """The index of the look with ``n`` seeds per side."""
        if n not in self.looks:
            raise ValueError(f"{n} seeds per side is not a planned look; the design looks at {list(self.looks)} "
                             "seeds per side (run seeds up to the next look)")
        return self.looks.index(n)


def plan(start: int, max_seeds: int, step: int, alpha: float = ALPHA) -> Design:
    """Looks at ``start``, ``start + step``, …, and ``max_seeds`` seeds per side."""
    if start < 2 or step < 1 or max_seeds < start:
        raise ValueError(f"need start >= 2, step >= 1 and max_seeds >= start; got start={start}, step={step}, "
                         f"max_seeds={max_seeds}")
    looks = list(range(start, max_seeds + 1, step))
    if looks[-1] != max_seeds:
        looks.append(max_seeds)
    return Design(tuple(looks), alpha)


@dataclass
class Decision:
    """What a comparison's look says (seeds per side ``n``, the ``look``-th of the design)."""

    verdict: str  # "better" | "worse" | "equivalent" | "undecided"
    stop: bool  # decided, or at the last look
    n: int  # seeds per side used (the smaller side without a design)
    look: int  # index into Design.looks (0 without a design)
    p: float  # two-sided p at this look (stats.welch_p: Welch raised to the permutation floor)
    threshold: float  # the nominal threshold it was held to (after Holm)
    seeds_needed: int | None  # per side, to detect the observed effect at the final-look level (None if decided)


def _pair(a, b, one_look: bool) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("per-seed values must not be NaN (a failed seed has no value: leave the comparison at its "
                         "last complete look; a diverged seed scores its metric's worst value)")
    if not one_look and len(a) != len(b):
        raise ValueError(f"a comparison needs as many seeds per side: got {len(a)} and {len(b)} "
                         "(run the missing seeds, or drop the extra ones)")
    return a, b


def _verdict(a, b, p: float, higher: bool, margin: float | None, threshold: float) -> str:
    if p < threshold:
        return "better" if (direction(a, b) > 0) == higher else "worse"
    if margin is not None and tost_p(a, b, margin) < threshold:  # NaN (never) when neither side varies
        return "equivalent"
    return "undecided"


def _needed(a: np.ndarray, b: np.ndarray, level: float, power: float) -> int | None:
    """Seeds per side to detect the observed difference at ``level`` (None: no finite difference)."""
    if len(a) < 2 or len(b) < 2 or level <= 0 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    return _seeds_needed(float(a.mean() - b.mean()), float(a.std(ddof=1)), float(b.std(ddof=1)), level, power)


def _replay(pairs, design: Design | None, alpha: float) -> list[Decision]:
    """Every look up to each pair's own, in order: Holm with α recycling within a look. Without a
    design, one look at every pair's own seeds."""
    m = len(pairs)
    data = [_pair(a, b, design is None) for a, b, _, _ in pairs]
    last = [design.look_of(len(a)) if design is not None else 0 for a, _ in data]
    n_looks = len(design.looks) if design is not None else 1
    power = design.power if design is not None else POWER

    def boundary(level: float, k: int) -> float:
        return design.boundaries(level)[k] if design is not None else level

    level = [alpha / m] * m  # each hypothesis's current share of α
    rejected = [False] * m  # the difference null rejected ("better" / "worse"): its α moves on
    held: dict[int, float] = {}  # the threshold a rejected hypothesis crossed
    out: list[Decision | None] = [None] * m
    for k in range(max(last) + 1):
        here = [i for i in range(m) if k <= last[i] and (out[i] is None or not out[i].stop)]
        if design is not None:
            n = design.looks[k]
            prefix = {i: (data[i][0][:n], data[i][1][:n]) for i in here}
        else:
            prefix = {i: data[i] for i in here}
        p = {i: welch_p(*prefix[i]) for i in here}
        # Holm's step-down at this look: reject what crosses its boundary, pass its α on, try again.
        while hit := [i for i in here if not rejected[i] and p[i] < boundary(level[i], k)]:
            i = min(hit, key=p.get)
            rejected[i], held[i] = True, boundary(level[i], k)
            others = [j for j in range(m) if not rejected[j]]
            for j in others:  # Holm's graph: equal shares to every hypothesis not yet rejected
                level[j] += level[i] / len(others)
            level[i] = 0.0
        for i in here:
            threshold = held[i] if rejected[i] else boundary(level[i], k)
            verdict = _verdict(*prefix[i], p[i], pairs[i][2], pairs[i][3], threshold)
            n_i = min(len(x) for x in prefix[i])
            out[i] = Decision(verdict=verdict, stop=verdict != "undecided" or k == n_looks - 1, n=n_i, look=k, p=p[i],
                              threshold=threshold, seeds_needed=None)
    for i, d in enumerate(out):
        if d.verdict == "undecided":
            a, b = (data[i][0][: d.n], data[i][1][: d.n]) if design is not None else data[i]
            d.seeds_needed = _needed(a, b, boundary(level[i], n_looks - 1), power)
    return out


def decide(a, b, design: Design, higher_is_better: bool, margin: float | None = None,
           alpha: float | None = None) -> Decision:
    """One comparison of candidate values ``a`` with reference values ``b`` (per seed, in seed order;
    ``len(a)`` seeds per side must be one of ``design.looks``) at two-sided ``alpha`` (default the
    design's). ``margin``: equivalence margin in the metric's units (None: no equivalence verdict)."""
    return _replay([(a, b, higher_is_better, margin)], design, design.alpha if alpha is None else alpha)[0]


def decide_all(pairs: list[tuple[np.ndarray, np.ndarray, bool, float | None]], design: Design | None = None,
               alpha: float | None = None) -> list[Decision]:
    """Decisions for several comparisons ``(a, b, higher_is_better, margin)`` with the familywise error
    of their "better"/"worse" verdicts held at ``alpha`` (default the design's, or
    :data:`~ganbench.report.constants.ALPHA`; Holm with α recycling at each look). A comparison may
    have stopped at an earlier look than the others (its values end there). Without a ``design``: one
    look at the seeds each pair has (the fixed-sample test; the sides may differ in size, and a pair
    with fewer than two values on a side has no p-value but still holds its share of α: leave it out)."""
    if not pairs:
        return []
    if alpha is None:
        alpha = design.alpha if design is not None else ALPHA
    return _replay(pairs, design, alpha)
