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
is held to them through its Welch t-test: the nominal two-sided level 2(1 − Φ(c_k)) is compared with
the Welch p-value at that look, i.e. |t| is compared with the t quantile at the Welch–Satterthwaite df
of that look. With few seeds this is an approximation (t statistics at different looks are not exactly
a Brownian motion); tests/report/test_sequential.py measures the resulting false-positive rate by
simulation.

Several comparisons (:func:`decide_all`): Holm's step-down on the spent α at each look with the
α of rejected hypotheses passed on equally to the others (the graphical approach of Maurer & Bretz
2013, "Multiple testing in group sequential trials using graphical approaches", with Holm's complete
graph): each comparison starts with α/m and its own spending boundaries at that level; when one is
rejected, the others' levels grow and their boundaries are recomputed. Testing only at the current
look (not retesting earlier looks at the grown level) keeps a subset of Maurer & Bretz's rejections,
so the familywise error stays ≤ α. Equivalence (two one-sided tests within a margin) is tested at
the comparison's threshold of the same look; it stops the comparison but does not pass α on.

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

from ganbench.report.stats import seeds_needed as _seeds_needed
from ganbench.report.stats import tost_p, welch_p

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
    fractions = tuple(n / looks[-1] for n in looks)
    return tuple(float(2 * special.ndtr(-c)) for c in z_boundaries(fractions, alpha))


def _welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`ganbench.report.stats.welch_p` for finite samples of >= 2 values, without scipy.stats'
    per-call overhead (the simulation tests call it a hundred thousand times; a test checks they agree)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff = a.mean() - b.mean()
    if va + vb == 0:
        # Neither side varies (a count at its ceiling or floor): Welch's t is undefined, so the exact
        # two-sided rank test of two separated constant groups, 2 / C(n_a + n_b, n_a), or 1 when equal.
        return 1.0 if diff == 0 else min(1.0, 2.0 / math.comb(len(a) + len(b), len(a)))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(2 * special.stdtr(df, -abs(diff) / math.sqrt(va + vb)))


@dataclass(frozen=True)
class Design:
    """A group-sequential plan: the seeds per side at each look and the familywise two-sided α."""

    looks: tuple[int, ...]  # seeds per side at each planned look, increasing, last = max seeds
    alpha: float = 0.05  # two-sided, familywise over the comparisons of one decide_all
    power: float = 0.8  # the power that seeds_needed aims for

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


def plan(start: int, max_seeds: int, step: int, alpha: float = 0.05) -> Design:
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
    n: int  # seeds per side used
    look: int  # index into Design.looks
    p: float  # Welch two-sided p at this look
    threshold: float  # the nominal threshold it was held to (after Holm)
    seeds_needed: int | None  # per side, to detect the observed effect at the final-look level (None if decided)


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("per-seed values must be finite (a diverged or failed seed has no value: leave the "
                         "comparison at its last complete look)")
    if len(a) != len(b):
        raise ValueError(f"a comparison needs as many seeds per side: got {len(a)} and {len(b)} "
                         "(run the missing seeds, or drop the extra ones)")
    return a, b


def _verdict(a, b, p: float, higher: bool, margin: float | None, threshold: float) -> str:
    if p < threshold:
        return "better" if (a.mean() > b.mean()) == higher else "worse"
    if margin is not None and tost_p(a, b, margin) < threshold:  # NaN (never) when neither side varies
        return "equivalent"
    return "undecided"


def _replay(pairs, design: Design, alpha: float) -> list[Decision]:
    """Every look up to each pair's own, in order: Holm with α recycling within a look."""
    m = len(pairs)
    data = [_pair(a, b) for a, b, _, _ in pairs]
    last = [design.look_of(len(a)) for a, _ in data]
    level = [alpha / m] * m  # each hypothesis's current share of α
    rejected = [False] * m  # the difference null rejected ("better" / "worse"): its α moves on
    held: dict[int, float] = {}  # the threshold a rejected hypothesis crossed
    out: list[Decision | None] = [None] * m
    final_look = len(design.looks) - 1
    for k in range(max(last) + 1):
        n = design.looks[k]
        here = [i for i in range(m) if k <= last[i] and (out[i] is None or not out[i].stop)]
        prefix = {i: (data[i][0][:n], data[i][1][:n]) for i in here}
        p = {i: _welch_p(*prefix[i]) for i in here}
        # Holm's step-down at this look: reject what crosses its boundary, pass its α on, try again.
        while hit := [i for i in here if not rejected[i] and p[i] < design.boundaries(level[i])[k]]:
            i = min(hit, key=p.get)
            rejected[i], held[i] = True, design.boundaries(level[i])[k]
            others = [j for j in range(m) if not rejected[j]]
            for j in others:  # Holm's graph: equal shares to every hypothesis not yet rejected
                level[j] += level[i] / len(others)
            level[i] = 0.0
        for i in here:
            threshold = held[i] if rejected[i] else design.boundaries(level[i])[k]
            verdict = _verdict(*prefix[i], p[i], pairs[i][2], pairs[i][3], threshold)
            out[i] = Decision(verdict, verdict != "undecided" or k == final_look, n, k, p[i], threshold, None)
    for i, d in enumerate(out):
        if d.verdict == "undecided":
            a, b = data[i][0][: d.n], data[i][1][: d.n]
            final = design.boundaries(level[i])[-1]
            sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
            diff = float(a.mean() - b.mean())
            d.seeds_needed = _seeds_needed(diff, sa, sb, final, design.power) if final > 0 else None
    return out


def decide(a, b, design: Design, higher_is_better: bool, margin: float | None = None,
           alpha: float | None = None) -> Decision:
    """One comparison of candidate values ``a`` with reference values ``b`` (per seed, in seed order;
    ``len(a)`` seeds per side must be one of ``design.looks``) at two-sided ``alpha`` (default the
    design's). ``margin``: equivalence margin in the metric's units (None: no equivalence verdict)."""
    return _replay([(a, b, higher_is_better, margin)], design, design.alpha if alpha is None else alpha)[0]


def decide_all(pairs: list[tuple[np.ndarray, np.ndarray, bool, float | None]], design: Design) -> list[Decision]:
    """Decisions for several comparisons ``(a, b, higher_is_better, margin)`` with the familywise error
    of their "better"/"worse" verdicts held at ``design.alpha`` (Holm with α recycling at each look).
    A comparison may have stopped at an earlier look than the others (its values end there)."""
    if not pairs:
        return []
    return _replay(pairs, design, design.alpha)
