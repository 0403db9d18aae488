"""Ranks at every budget of the grid, and the changes of order a test can back.

At each point of a task's budget grid the leaderboard's own ranking rule
(:func:`ganbench.report.tables.judge`) ranks the variants whose headline there is significantly better
than the untrained generator's (one-sided, the small-sample rule of :mod:`ganbench.report.stats`), by the
mean over every seed, a seed that had diverged by that point counted at the metric's worst value
(:func:`ganbench.report.curves.curve_frame`).

Ranks read off means move with seed noise: on ring8 at 2,000 steps gan-ns, lsgan and pacgan differ by
0.014 in mean mode TV with a seed SD of 0.17, so their ranks there say nothing. A **change of order**
between two variants is therefore named only when a test says so: one is significantly better at one
budget and the other significantly better at another, each two-sided Welch test raised to the
permutation floor (:func:`ganbench.report.stats.welch_p`) and Holm-adjusted over every (pair, budget)
tested, so the familywise error of all order changes named for a task stays at α. Pairs: the variants
ranked at one budget at least (the others are not told apart from the floor anywhere); budgets: those
where both have two seeds or more. Otherwise the report says the orders are not distinguishable, and,
where it is so, that the seeds could not have shown one: with n seeds per side the smallest p-value is
2 / C(2n, n) (0.0079 at 5 seeds), which Holm's first threshold α/m does not admit once m > 6 tests.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.report.constants import ALPHA
from ganbench.report.stats import direction, holm, perm_floor, welch_p
from ganbench.report.tables import judge

RANK_COLUMNS = ["variant", "budget", "mean", "std", "n", "seeds", "diverged", "p_vs_init", "learned", "untested",
                "rank", "tie_best"]


def _higher(metric: str) -> bool:
    higher = HIGHER_IS_BETTER.get(metric.split("[", 1)[0])
    if higher is None:
        raise ValueError(f"{metric!r} has no direction: only a ranked value can rank variants by budget")
    return bool(higher)


def restrict(frame: pd.DataFrame, task: str, metric: str) -> pd.DataFrame:
    """The rows of ``frame`` on ``task`` and ``metric`` (a column ``name[extractor]`` or a value name)."""
    key = "column" if "[" in metric else "metric"
    return frame[(frame["task"] == task) & (frame[key] == metric)]


@dataclass(frozen=True)
class PointTable:
    """One value of one task at every budget of its grid, per seed, read once from a curve frame:
    ``values`` indexed by (variant, seed index), one column per budget (NaN where a seed has no value
    there), diverged points at the worst value; ``ok`` the same shape, True where the seed was ok there;
    ``references`` the per-draw values of each reference row (budget-free); ``kinds`` variant -> kind,
    in the frame's order."""

    values: pd.DataFrame
    ok: pd.DataFrame
    references: dict
    kinds: dict

    def at(self, variant: str, budget: float) -> np.ndarray:
        """Per-seed values of a trial variant at ``budget``, in seed order (reference rows: all draws)."""
        if self.kinds.get(variant) != "trial":
            return self.references.get(variant, np.array([]))
        if variant not in self.values.index.get_level_values(0):
            return np.array([])
        col = self.values.loc[variant][budget]
        return col.dropna().to_numpy(dtype=float)

    def matrix(self, variant: str) -> np.ndarray:
        """(seeds, budgets) of a trial variant, seeds with a value at every budget (a complete curve)."""
        if variant not in self.values.index.get_level_values(0):
            return np.empty((0, len(self.values.columns)))
        return self.values.loc[variant].dropna().to_numpy(dtype=float)


def point_table(frame: pd.DataFrame, task: str, metric: str, budgets) -> PointTable:
    """The :class:`PointTable` of ``metric`` on ``task`` at ``budgets`` from
    :func:`ganbench.report.curves.curve_frame`'s rows (one pivot, so that the per-budget tests below do
    not filter the run's whole frame again for every variant and budget)."""
    rows = restrict(frame, task, metric)
    kinds = dict(rows.drop_duplicates("variant")[["variant", "kind"]].itertuples(index=False))
    trials = rows[rows["kind"] == "trial"].drop_duplicates(["variant", "seed_index", "budget"])
    budgets = [float(b) for b in budgets]
    index = pd.MultiIndex.from_frame(trials[["variant", "seed_index"]].drop_duplicates().sort_values(
        ["variant", "seed_index"]))
    values = trials.pivot(index=["variant", "seed_index"], columns="budget", values="value")
    ok = (trials.assign(ok=trials["status"] == "ok")
          .pivot(index=["variant", "seed_index"], columns="budget", values="ok"))
    values = values.reindex(index=index, columns=budgets)
    ok = ok.reindex(index=index, columns=budgets).fillna(False).astype(bool)
    refs = {v: rows[rows["variant"] == v].drop_duplicates("seed_index").sort_values("seed_index")["value"]
            .to_numpy(dtype=float) for v, k in kinds.items() if k != "trial"}
    return PointTable(values, ok, refs, kinds)


def ranks_by_budget(points: PointTable, metric: str, budgets) -> pd.DataFrame:
    """One row per (trial variant, budget): ``mean``, ``std``, ``n`` over the seeds that were ok there
    (as the leaderboard's cells), ``seeds`` judged (diverged ones at the worst value), ``diverged``,
    and the leaderboard's ``p_vs_init``, ``learned``, ``untested``, ``rank`` (NaN when not ranked) and
    ``tie_best`` at that budget. ``points``: :func:`point_table`; ``metric``: the headline column
    (``name[extractor]``)."""
    kinds = points.kinds
    trials = [v for v, k in kinds.items() if k == "trial"]
    rows = []
    for b in budgets:
        b = float(b)
        values = {v: points.at(v, b) for v in kinds}
        table = pd.DataFrame(index=pd.Index(list(kinds), name="variant"))
        oks = {v: points.values.loc[v][b][points.ok.loc[v][b]].dropna().to_numpy(dtype=float) for v in trials}
        table["ok"] = [len(oks.get(v, ())) if kinds[v] == "trial" else len(values[v]) for v in kinds]
        for column, default in (("p_vs_init", math.nan), ("learned", False), ("untested", False), ("rank", math.nan),
                                ("tie_best", False)):
            table[column] = default
        judge(table, metric, values, kinds)
        for v in trials:
            ok = oks[v]
            rows.append({"variant": v, "budget": b, "mean": float(ok.mean()) if len(ok) else math.nan,
                         "std": float(ok.std(ddof=1)) if len(ok) > 1 else math.nan, "n": len(ok),
                         "seeds": len(values[v]), "diverged": len(values[v]) - len(ok),
                         **{c: table.loc[v, c] for c in ("p_vs_init", "learned", "untested", "rank", "tie_best")}})
    return pd.DataFrame(rows, columns=RANK_COLUMNS)


@dataclass(frozen=True)
class OrderChange:
    """Two variants whose order changes along the budget grid, each direction backed by a test: ``first``
    is significantly better at ``first_at`` (Holm-adjusted p ``p_first``), ``second`` at ``second_at``
    (``p_second``); ``first_at`` is the earlier of the two budgets."""

    first: str
    second: str
    first_at: float
    p_first: float
    second_at: float
    p_second: float


@dataclass(frozen=True)
class OrderChanges:
    """The order-change tests of one task: the changes named, how many (pair, budget) tests the Holm
    adjustment ran over, and the smallest p-value any of those tests could give (the permutation floor
    of the pair with the most seeds)."""

    changes: tuple
    tested: int
    smallest_p: float
    alpha: float = ALPHA


def name_changes(tests, alpha: float = ALPHA) -> tuple:
    """The order changes backed by ``tests``, a sequence of ``(a, b, budget, p, sign)``: the two-sided
    p-value of variants ``a`` and ``b`` at ``budget`` and the sign of the difference (+1: ``a`` better).
    The p-values are Holm-adjusted together; a pair's order changes when it has a significant test of
    each sign, reported at the earliest budget of each."""
    tests = list(tests)
    adjusted = holm([t[3] for t in tests])
    won: dict = {}
    for (a, b, budget, _, sign), q in zip(tests, adjusted):
        if q < alpha and sign != 0:
            won.setdefault((a, b), {+1: [], -1: []})[sign].append((budget, q))
    changes = []
    for (a, b), by_sign in won.items():
        if by_sign[+1] and by_sign[-1]:
            (ba, qa), (bb, qb) = min(by_sign[+1]), min(by_sign[-1])
            changes.append(OrderChange(a, b, ba, qa, bb, qb) if ba < bb else OrderChange(b, a, bb, qb, ba, qa))
    return tuple(changes)


def order_changes(points: PointTable, metric: str, budgets, ranks: pd.DataFrame) -> OrderChanges:
    """The changes of order between the variants ranked at some budget of ``ranks``
    (:func:`ranks_by_budget`), each direction significant after Holm over every (pair, budget) tested
    (see the module docstring and :func:`name_changes`)."""
    higher = _higher(metric)
    ranked = list(dict.fromkeys(ranks[ranks["learned"].astype(bool)]["variant"]))
    values = {(v, float(b)): points.at(v, float(b)) for v in ranked for b in budgets}
    tests, floors = [], []
    for a, b in itertools.combinations(ranked, 2):
        for budget in budgets:
            x, y = values[(a, float(budget))], values[(b, float(budget))]
            if min(len(x), len(y)) < 2:
                continue
            p = welch_p(x, y)
            if math.isnan(p):
                continue
            tests.append((a, b, float(budget), p, direction(x, y) * (1 if higher else -1)))
            floors.append(perm_floor(len(x), len(y)))
    return OrderChanges(name_changes(tests), len(tests), min(floors, default=math.nan))
