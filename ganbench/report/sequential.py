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

Several comparisons, each judged at several budgets (:func:`decide_all` with ``questions``): every
(question, budget) pair is one hypothesis — a question is a task of ``compare`` or a claim, its
budgets the points of the task's grid at which every trial was judged (nested budgets,
:mod:`ganbench.report.curves`) — and the hypotheses share the familywise α by a graphical
sequentially rejective procedure (Bretz, Maurer, Brannath & Posch 2009, "A graphical approach to
sequentially rejective multiple test procedures", Stat. Med. 28:586–604) run group-sequentially
(Maurer & Bretz 2013, "Multiple testing in group sequential trials using graphical approaches",
Stat. Biopharm. Res. 5:311–320):

- initial levels: α split equally over the questions, then equally over each question's budgets
  (α / Q / B_q);
- the graph: a rejected (q, b) passes its level equally to q's budgets not yet rejected; once every
  budget of q is rejected, q's level passes equally to the other questions with a hypothesis open,
  each spreading it equally over its open budgets (Holm across questions). This is Bretz et al.'s
  graph with equal edges inside a question and ε-edges between questions (their section 3.3) in the
  limit ε → 0, and its levels have a closed form that depends on the set rejected only
  (:func:`graph_levels`): α / (open questions) / (open budgets of the question). They only grow as
  rejections accumulate and sum to α over the open hypotheses, the two conditions of Goeman & Solari
  (2010, "The sequential rejection principle of familywise error control", Ann. Stat. 38:3782) under
  which the procedure controls the familywise error;
- each hypothesis has its own spending boundaries over the seed looks at its current level; at each
  look the smallest p-value under its boundary is rejected, the levels grow, and the look is tested
  again until nothing more crosses (α recycled within the look). Testing only at the current look
  (not retesting earlier looks at the grown level) keeps a subset of Maurer & Bretz's rejections, so
  the familywise error stays ≤ α;
- equivalence (two one-sided tests within a margin) is tested per hypothesis at its threshold of the
  same look; it stops that hypothesis but does not pass α on.

A question with one budget is exactly the procedure before budgets existed (Holm's complete graph
over the comparisons; tests/report/test_sequential.py checks 1,300 saved decisions of it). The
verdicts are directional ("better"/"worse" from a two-sided test): a rejection of the wrong sign is an
error too (a directional or type III error; Shaffer 1980, "Control of directional errors with
stagewise multiple test procedures", Ann. Stat. 8:1342, shows Holm's step-down controls them for
independent statistics; budgets of one trial are correlated, so tests/report/test_budget_verdicts.py
measures them). Measured there on 10,000 experiments of correlated synthetic curves (3 questions ×
5 budgets, neighbouring budgets correlated 0.8, looks at 5, 10, 15, 20 seeds per side, α = 0.05): a
familywise error of 0.040 under the global null, where testing each (question, budget) at α gives
0.71 (0.38 at the last look only); with an effect at the first two budgets only, false or wrong-sign
verdicts 0.036 (wrong sign 0.000) and power 0.94 at an early effect of 1.5 sd. The price of judging
B budgets is the split: a question's final budget starts at α / Q / B instead of α / Q.

Cost: :func:`step_down` runs the procedure on precomputed statistics for E experiments at once
(numpy; the boundaries of every level α / i / j are computed once and cached): 10,000 experiments of
15 hypotheses and 4 looks take about 0.1 s, their p-values (:func:`ganbench.report.stats.welch_p_many`)
about 1.4 s, on a loaded 2-core CPU. :func:`decide_all` is the same procedure for one experiment, its
statistics computed look by look only where a hypothesis is still open: ~0.5 ms a hypothesis there
(7.6 ms for one experiment of those 15), so 10,000 experiments through it would take over a minute.

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


def _needed(a: np.ndarray, b: np.ndarray, level: float, power: float) -> int | None:
    """Seeds per side to detect the observed difference at ``level`` (None: no finite difference)."""
    if len(a) < 2 or len(b) < 2 or level <= 0 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    return _seeds_needed(float(a.mean() - b.mean()), float(a.std(ddof=1)), float(b.std(ddof=1)), level, power)


# --- the graph over (question, budget) hypotheses, vectorised over experiments ---------------------

VERDICTS = ("undecided", "better", "worse", "equivalent")  # the codes of Outcome.code


def _question_index(questions, m: int) -> np.ndarray:
    """Questions as integers 0..Q-1 in order of first appearance (None: every hypothesis its own)."""
    if questions is None:
        return np.arange(m)
    questions = list(questions)
    if len(questions) != m:
        raise ValueError(f"questions must name one question per hypothesis: got {len(questions)} for {m}")
    index = {q: i for i, q in enumerate(dict.fromkeys(questions))}
    return np.array([index[q] for q in questions], dtype=np.intp)


def graph_levels(rejected: np.ndarray, questions, alpha: float) -> np.ndarray:
    """Each hypothesis's share of ``alpha`` once the hypotheses ``rejected`` (bool, shape (..., H)) are
    rejected: α / (questions with a hypothesis not rejected) / (hypotheses of its question not rejected),
    0 for a rejected one. ``questions``: one question per hypothesis (its budgets share it). These are
    the levels of the graph of the module docstring (they depend on the set rejected, not its order)."""
    rejected = np.asarray(rejected, bool)
    q = _question_index(questions, rejected.shape[-1])
    open_ = (~rejected).astype(np.int64)
    per_q = open_ @ (q[:, None] == np.arange(q.max() + 1)[None, :]).astype(np.int64)  # (..., Q)
    n_q = (per_q > 0).sum(-1)[..., None]
    n_b = per_q[..., q]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rejected, 0.0, alpha / np.maximum(n_q, 1) / np.maximum(n_b, 1))


@lru_cache(maxsize=256)
def _threshold_table(looks: tuple[int, ...] | None, alpha: float, n_questions: int, n_budgets: int) -> np.ndarray:
    """T[i - 1, j - 1, k]: the nominal threshold at look k of a hypothesis at level α / i / j (the
    level :func:`graph_levels` gives with i open questions and j open budgets of its question)."""
    table = np.empty((n_questions, n_budgets, 1 if looks is None else len(looks)))
    for i in range(1, n_questions + 1):
        for j in range(1, n_budgets + 1):
            level = alpha / i / j
            table[i - 1, j - 1] = level if looks is None else _thresholds(looks, level)
    return table


@dataclass(frozen=True)
class Outcome:
    """What :func:`step_down` decides for E experiments of H hypotheses (arrays of shape (E, H))."""

    code: np.ndarray  # index into VERDICTS: undecided, better, worse, equivalent
    look: np.ndarray  # the look of the decision; undecided: the last look the hypothesis was tested at
    threshold: np.ndarray  # the nominal level it was held to there (the level it was rejected at)
    level: np.ndarray  # its share of α after the last look (0 once rejected)


class _Procedure:
    """The state of the procedure over the looks, for E experiments of H hypotheses at once. A look is
    three calls, so that a caller computes each statistic only where it is needed: :meth:`open_at`
    (the hypotheses tested at look k), :meth:`reject` (Holm's step-down on the graph with their
    p-values: returns those left open) and :meth:`equivalence` (their TOST p-values)."""

    def __init__(self, n_exp: int, questions, design: Design | None, alpha: float, last):
        self.q = _question_index(questions, np.shape(last)[-1])
        self.onehot = (self.q[:, None] == np.arange(self.q.max() + 1)[None, :]).astype(np.int64)
        self.alpha = alpha
        self.table = _threshold_table(design.looks if design is not None else None, alpha, self.onehot.shape[1],
                                      int(self.onehot.sum(0).max()))
        m = len(self.q)
        self.last = np.broadcast_to(np.asarray(last, int), (n_exp, m))
        self.code = np.zeros((n_exp, m), np.int8)
        self.look = np.zeros((n_exp, m), np.intp)
        self.threshold = np.full((n_exp, m), math.nan)
        self.rejected = np.zeros((n_exp, m), bool)
        self._count()

    def _count(self) -> None:
        """Open questions and open budgets of each hypothesis's question, as indices into the table."""
        per_q = (~self.rejected).astype(np.int64) @ self.onehot
        self.i_q = np.maximum((per_q > 0).sum(1), 1)[:, None] - 1
        self.i_b = np.maximum(per_q[:, self.q], 1) - 1

    def open_at(self, k: int) -> np.ndarray:
        self.here = (k <= self.last) & (self.code == 0)
        return self.here

    def reject(self, k: int, p: np.ndarray, better) -> np.ndarray:
        """``p``: (E, H) p-values at look k (read where :meth:`open_at` said); ``better``: (E, H) bool, or a
        function of (rows, cols) that gives it for the rejected hypotheses only."""
        pk = np.where(self.here, p, np.nan)
        while True:  # Holm's step-down on the graph: reject the smallest p under its threshold, again
            thr = self.table[self.i_q, self.i_b, k]
            hit = self.here & ~self.rejected & (pk < thr)
            rows = np.flatnonzero(hit.any(1))
            if not len(rows):
                break
            cols = np.argmin(np.where(hit[rows], pk[rows], np.inf), axis=1)
            self.rejected[rows, cols] = True
            self._count()
            self.threshold[rows, cols] = thr[rows, cols]
            self.code[rows, cols] = np.where(better(rows, cols) if callable(better) else better[rows, cols], 1, 2)
            self.look[rows, cols] = k
        self.rest, self.thr = self.here & ~self.rejected, thr
        self.threshold[self.rest], self.look[self.rest] = thr[self.rest], k
        return self.rest

    def equivalence(self, tost: np.ndarray) -> None:
        """``tost``: (E, H) TOST p-values at this look (read where :meth:`reject` left open; NaN: none)."""
        self.code[self.rest & (np.where(self.rest, tost, np.nan) < self.thr)] = 3

    def outcome(self) -> Outcome:
        level = np.where(self.rejected, 0.0, self.alpha / (self.i_q + 1) / (self.i_b + 1))  # graph_levels
        return Outcome(code=self.code, look=self.look, threshold=self.threshold, level=level)


def step_down(p, better, tost, questions=None, design: Design | None = None, alpha: float | None = None,
              last=None) -> Outcome:
    """The procedure of the module docstring on precomputed statistics, for E experiments at once
    (what :func:`decide_all` runs, one experiment at a time; the simulations run it on thousands).

    ``p``: (E, H, K) two-sided p-values of H hypotheses at the K looks of ``design`` (K = 1 without one);
    ``better``: (E, H, K) bool, a rejection there says "better" (else "worse"); ``tost``: (E, H, K)
    equivalence p-values (NaN: no margin); ``questions``: the question of each of the H hypotheses (its
    budgets share it; None: each its own); ``last``: (E, H) or (H,) the last look each hypothesis has
    data for (default K−1). At each look, Holm's step-down on the graph: the smallest p-value under its
    threshold is rejected and the levels grow (:func:`graph_levels`) until nothing more crosses; then
    equivalence at each open hypothesis's threshold."""
    p, better, tost = np.asarray(p, float), np.asarray(better, bool), np.asarray(tost, float)
    if p.ndim != 3 or better.shape != p.shape or tost.shape != p.shape:
        raise ValueError(f"p, better and tost must share one shape (experiments, hypotheses, looks); got {p.shape}, "
                         f"{better.shape}, {tost.shape}")
    n_exp, m, n_looks = p.shape
    if n_looks != (len(design.looks) if design is not None else 1):
        raise ValueError(f"{n_looks} looks of statistics for a design of {len(design.looks) if design else 1}")
    alpha = float(alpha if alpha is not None else design.alpha if design is not None else ALPHA)
    proc = _Procedure(n_exp, questions, design, alpha, np.full(m, n_looks - 1) if last is None else last)
    for k in range(n_looks):
        proc.open_at(k)
        proc.reject(k, p[:, :, k], better[:, :, k])
        proc.equivalence(tost[:, :, k])
    return proc.outcome()


def _replay(pairs, design: Design | None, alpha: float, questions=None) -> list[Decision]:
    """Every look up to each pair's own, through :class:`_Procedure` with one experiment: each look's
    statistics computed only for the hypotheses still open there. Without a design, one look at every
    pair's own seeds."""
    m = len(pairs)
    data = [_pair(a, b, design is None) for a, b, _, _ in pairs]
    # under a design, a pair short of the first look is not tested yet (it holds its share of α)
    last = [0 if design is None else -1 if len(a) < design.looks[0] else design.look_of(len(a)) for a, _ in data]
    n_looks = len(design.looks) if design is not None else 1
    power = design.power if design is not None else POWER

    def prefix(i: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = data[i]
        return (a[: design.looks[k]], b[: design.looks[k]]) if design is not None else (a, b)

    proc = _Procedure(1, questions, design, alpha, last)
    p = np.full(m, math.nan)
    seen = {}
    for k in range(max(last) + 1):
        for i in np.flatnonzero(proc.open_at(k)[0]):
            x, y = prefix(i, k)
            p[i] = welch_p(x, y)
            seen[i] = (p[i], x, y)

        def better(rows, cols):  # the direction of a rejected hypothesis (only those need one)
            return np.array([(direction(*seen[i][1:]) > 0) == pairs[i][2] for i in cols])

        rest = np.flatnonzero(proc.reject(k, p[None], better)[0])
        tost = np.full((1, m), math.nan)
        for i in rest:
            if pairs[i][3] is not None:
                tost[0, i] = tost_p(*seen[i][1:], pairs[i][3])
        proc.equivalence(tost)
    out = proc.outcome()
    decisions = []
    for i in range(m):
        k, code = int(out.look[0, i]), int(out.code[0, i])
        if i not in seen:
            decisions.append(Decision(verdict="undecided", stop=False, n=len(data[i][0]), look=0, p=math.nan,
                                      threshold=math.nan, seeds_needed=None))
            continue
        p_i, x, y = seen[i]
        d = Decision(verdict=VERDICTS[code], stop=code != 0 or k == n_looks - 1, n=min(len(x), len(y)), look=k,
                     p=float(p_i), threshold=float(out.threshold[0, i]), seeds_needed=None)
        if code == 0:
            level = float(out.level[0, i])
            d.seeds_needed = _needed(x, y, design.boundaries(level)[-1] if design is not None else level, power)
        decisions.append(d)
    return decisions


def decide(a, b, design: Design, higher_is_better: bool, margin: float | None = None,
           alpha: float | None = None) -> Decision:
    """One comparison of candidate values ``a`` with reference values ``b`` (per seed, in seed order;
    ``len(a)`` seeds per side must be one of ``design.looks``) at two-sided ``alpha`` (default the
    design's). ``margin``: equivalence margin in the metric's units (None: no equivalence verdict)."""
    return _replay([(a, b, higher_is_better, margin)], design, design.alpha if alpha is None else alpha)[0]


def decide_all(pairs: list[tuple[np.ndarray, np.ndarray, bool, float | None]], design: Design | None = None,
               alpha: float | None = None, questions=None) -> list[Decision]:
    """Decisions for several comparisons ``(a, b, higher_is_better, margin)`` with the familywise error
    of their "better"/"worse" verdicts held at ``alpha`` (default the design's, or
    :data:`~ganbench.report.constants.ALPHA`; the graph of the module docstring, α recycled at each
    look). A pair with fewer seeds than the design's first look is not tested yet (undecided, p NaN,
    holding its share of α). ``questions``: one label per pair, pairs with the same label being the budgets of one
    question (they share its α first); None: each pair its own question (Holm across the pairs). A
    comparison may have stopped at an earlier look than the others (its values end there). Without a
    ``design``: one look at the seeds each pair has (the fixed-sample test; the sides may differ in
    size; a pair with fewer than two values on a side has no p-value: leave it out)."""
    if not pairs:
        return []
    if alpha is None:
        alpha = design.alpha if design is not None else ALPHA
    return _replay(pairs, design, alpha, questions)
