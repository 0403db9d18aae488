"""The budget axis of a leaderboard: per task, what its trials' learning curves say (issue 41).

For every task whose trials were judged at two or more points of a budget grid
(``TrialRecord.curve``), :func:`budget_axes` gathers, on the task's headline:

- the **learning curves**: per variant, the mean over seeds at each grid budget and its pointwise 95%
  bootstrap band (:func:`ganbench.report.anytime.mean_band`), of the ranked generator and, where that
  is an average of the weights (``ema(d)``), of the raw generator too; the floor (``init``) and the
  ceiling (``real``) as mean and 95% CI;
- **time-to-target**: the expected running time to 50% and 90% of the way from floor to ceiling, with a
  bootstrap interval and the number of seeds that got there (:func:`ganbench.report.anytime.ert`);
- the **normalised area under the curve** per trial, mean and 95% CI per variant;
- the **ranks at each budget** and the **changes of order** a test backs
  (:mod:`ganbench.report.budget_ranks`);
- what an early point of an averaged generator measures (:func:`ema_note`).

A seed that had diverged by a point counts there at the metric's worst value, never dropped; a failed
trial (a crash, retried) has no curve. A task judged at one point only (records written before curves
existed, or ``eval_at = "final"``) has no budget axis: its leaderboard is unchanged. Renderers
(``markdown``, ``html``) and the file writer (``publish``) read these; :func:`add_budget_columns` puts
the per-variant numbers beside the leaderboard's columns (so the CSV holds them at full precision).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER, VALUES
from ganbench.report import format as fmt
from ganbench.report.anytime import (TARGETS, ema_initial_share, ert, ert_ci, hitting, mean_band, normalised_auc,
                                     progress)
from ganbench.report.budget_ranks import OrderChanges, order_changes, point_table, ranks_by_budget
from ganbench.report.constants import ALPHA, CI_LEVEL
from ganbench.report.curves import UNIT_WORDS, curve_frame, grid
from ganbench.report.stats import mean_ci
from ganbench.report.tables import aggregate

BAND_LABEL = "pointwise 95% bootstrap band"  # what a shaded band around a mean curve is (see anytime.mean_band)


def target_key(fraction: float) -> str:
    """The column stem of a time-to-target: ``ert50`` for 0.5."""
    return f"ert{round(100 * fraction):d}"


@dataclass(frozen=True)
class Curve:
    """One variant's mean curve over its seeds at the task's grid, and its pointwise bootstrap band."""

    variant: str
    mean: tuple
    lo: tuple
    hi: tuple
    seeds: int


@dataclass(frozen=True)
class Reference:
    """A reference row's headline: its mean and 95% CI over its draws (NaN where undefined)."""

    kind: str
    mean: float
    lo: float
    hi: float


@dataclass(frozen=True)
class BudgetAxis:
    """What one task's learning curves say (module docstring). ``budgets``: the grid, in ``unit``
    (``g_steps``, ``kimg``, ``gflops``); ``headline``: the ranked column; ``anytime``: per trial variant
    (index), ``ert50``, ``ert50 ci_lo``, ``ert50 ci_hi``, ``ert50 successes``, ``ert50 seeds`` (and
    the same for each of :data:`~ganbench.report.anytime.TARGETS`), ``auc``, ``auc std``, ``auc n``,
    ``auc ci_lo``, ``auc ci_hi``; ``ranks``: :func:`~ganbench.report.budget_ranks.ranks_by_budget`."""

    task: str
    unit: str
    budgets: tuple
    headline: str
    higher: bool
    generator: str
    floor: Reference | None
    ceiling: Reference | None
    curves: tuple
    raw_curves: tuple
    anytime: pd.DataFrame
    ranks: pd.DataFrame
    order: OrderChanges
    ema: str = ""
    notes: tuple = field(default_factory=tuple)

    @property
    def unit_words(self) -> str:
        return UNIT_WORDS.get(self.unit, self.unit)

    def budget_label(self, budget: float) -> str:
        """``1,000 G steps``, ``0.2 kimg``."""
        return f"{fmt.count(budget)} {self.unit_words}"


def _reference(points, kind: str) -> Reference | None:
    variant = next((v for v, k in points.kinds.items() if k == kind), None)
    if variant is None:
        return None
    s = mean_ci(points.references[variant])
    if s["n"] == 0:
        return None
    return Reference(kind, s["mean"], s["ci_lo"], s["ci_hi"])


def _curve(variant: str, values: np.ndarray) -> Curve:
    mean, lo, hi = mean_band(values)
    return Curve(variant, tuple(map(float, mean)), tuple(map(float, lo)), tuple(map(float, hi)), len(values))


def anytime_table(matrices: dict[str, np.ndarray], budgets, floor: float, ceiling: float) -> pd.DataFrame:
    """Per variant (``matrices``: variant -> (seeds, budgets) headline values): the time-to-target
    columns for each of :data:`~ganbench.report.anytime.TARGETS` and the normalised AUC's mean, std, n
    and 95% CI (the :class:`BudgetAxis` columns). NaN where floor and ceiling leave no scale."""
    rows = {}
    for v, m in matrices.items():
        p = progress(m, floor, ceiling)
        row = {}
        for f in TARGETS:
            key = target_key(f)
            if len(m) == 0 or np.isnan(p).all():
                row.update({key: math.nan, f"{key} ci_lo": math.nan, f"{key} ci_hi": math.nan,
                            f"{key} successes": 0, f"{key} seeds": len(m)})
                continue
            used, success = hitting(p, budgets, f)
            lo, hi = ert_ci(used, success)
            row.update({key: ert(used, success), f"{key} ci_lo": lo, f"{key} ci_hi": hi,
                        f"{key} successes": int(success.sum()), f"{key} seeds": len(m)})
        auc = normalised_auc(p, budgets) if len(m) else np.array([])
        s = mean_ci(auc[~np.isnan(auc)])
        row.update({"auc": s["mean"], "auc std": s["std"], "auc n": s["n"], "auc ci_lo": s["ci_lo"],
                    "auc ci_hi": s["ci_hi"]})
        rows[v] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _decay(generator: str) -> float | None:
    m = re.fullmatch(r"ema\(([0-9.eE+-]+)\)", generator or "")
    return float(m.group(1)) if m else None


def _steps_at(records: list[dict], unit: str, budgets) -> list[float]:
    """Generator steps at each grid budget: the budget itself in ``g_steps``, else the mean of the
    points' spent ``g_steps``."""
    if unit == "g_steps":
        return [float(b) for b in budgets]
    out = []
    for b in budgets:
        spent = [pt.get("spent", {}).get("g_steps") for r in records for pt in r.get("curve") or []
                 if math.isclose(float(next(iter(pt.get("budget", {}).values()), math.nan)), b, rel_tol=1e-9)]
        spent = [float(s) for s in spent if s is not None]
        out.append(float(np.mean(spent)) if spent else math.nan)
    return out


def _percent(share: float) -> str:
    return f"{fmt.significant(100 * share, 2)}%"


def ema_note(generator: str, steps, budget_labels) -> str:
    """What the early points of an averaged generator's curve measure: the share of the initial weights
    ``d**t`` an EMA of decay d without ramp-up still holds at each grid point (t its generator steps);
    empty for a raw generator."""
    decay = _decay(generator)
    if decay is None:
        return ""
    share = ema_initial_share(decay, [s if math.isfinite(s) else 0.0 for s in steps])
    at = ", ".join(f"{_percent(x)} at {label}" for x, s, label in zip(share, steps, budget_labels) if math.isfinite(s))
    return (f"The ranked generator is {generator}, an average of the generator's weights (decay {decay:g}, no "
            f"ramp-up) started from the untrained generator: after t steps it still holds {decay:g}^t of the "
            f"initial weights ({at}). An early point of its curve judges that blend, not the generator trained so "
            "far; the raw generator's curve is shown beside it.")


def budget_axes(records: list[dict], tables: dict[str, pd.DataFrame] | None = None) -> dict[str, BudgetAxis]:
    """The :class:`BudgetAxis` of every task of ``records`` judged at two or more grid points (with a
    ranked headline); ``tables``: :func:`ganbench.report.tables.aggregate` of the same records (its
    headline and variant order are used), built when not given."""
    tables = aggregate(records) if tables is None else tables
    frame = curve_frame(records)
    out = {}
    raw_frame = None
    for task, table in tables.items():
        head = table["headline"].iloc[0] if len(table) else None
        budgets = grid(frame, task)
        if not head or len(budgets) < 2 or HIGHER_IS_BETTER.get(head.split("[", 1)[0]) is None:
            continue
        task_records = [r for r in records if r["task"] == task and r.get("kind", "trial") == "trial"]
        points = point_table(frame, task, head, budgets)  # one pivot: every loop below reads it
        rows = frame[(frame["task"] == task) & (frame["kind"] == "trial")]
        unit = rows["unit"].iloc[0]
        generator = next((r.get("protocol", {}).get("generator", "raw") for r in task_records if r["status"] == "ok"),
                         "raw")
        higher = bool(HIGHER_IS_BETTER[head.split("[", 1)[0]])
        trials = [v for v in table.index if table.loc[v, "kind"] == "trial" and points.kinds.get(v) == "trial"]
        matrices = {v: points.matrix(v) for v in trials}
        floor, ceiling = _reference(points, "init"), _reference(points, "real")
        notes = []
        if floor is None or ceiling is None:
            notes.append("Time-to-target and the area under the curve are measured from the floor (init row) to the "
                         "ceiling (real row); this task lacks " + " and ".join(
                             k for k, r in (("the init row", floor), ("the real row", ceiling)) if r is None) + ".")
        anytime = anytime_table(matrices, budgets, floor.mean if floor else math.nan,
                                ceiling.mean if ceiling else math.nan)
        raw_curves = ()
        if _decay(generator) is not None:
            if raw_frame is None:
                raw_frame = curve_frame(records, raw=True)
                raw_frame = raw_frame[raw_frame["generator"].isin(["raw", "diverged"]) | (raw_frame["kind"] != "trial")]
            raw_points = point_table(raw_frame, task, head, budgets)
            raw = {v: raw_points.matrix(v) for v in trials}
            raw_curves = tuple(_curve(v, m) for v, m in raw.items() if len(m))
        place = {v: i for i, v in enumerate(trials)}  # the leaderboard's order: ranked at the final budget first
        ranks = ranks_by_budget(points, head, budgets)
        ranks = ranks.sort_values("variant", key=lambda s: s.map(place).fillna(len(place)), kind="stable")
        labels = [f"{fmt.count(b)} {UNIT_WORDS.get(unit, unit)}" for b in budgets]
        out[task] = BudgetAxis(task=task, unit=unit, budgets=tuple(budgets), headline=head, higher=higher,
                          generator=generator, floor=floor, ceiling=ceiling,
                          curves=tuple(_curve(v, m) for v, m in matrices.items() if len(m)), raw_curves=raw_curves,
                          anytime=anytime, ranks=ranks, order=order_changes(points, head, budgets, ranks),
                          ema=ema_note(generator, _steps_at(task_records, unit, budgets), labels), notes=tuple(notes))
    return out


def add_budget_columns(tables: dict[str, pd.DataFrame], axes: dict[str, BudgetAxis]) -> dict[str, pd.DataFrame]:
    """``tables`` with each budget-axis task's per-variant time-to-target and AUC columns
    (:class:`BudgetAxis` ``anytime``) joined on the variant (NaN on reference rows); other tasks as
    they are."""
    out = {}
    for task, table in tables.items():
        axis = axes.get(task)
        if axis is None or axis.anytime.empty:
            out[task] = table
            continue
        out[task] = table.join(axis.anytime, how="left")
    return out


# ---------------------------------------------------------------------------------------------- text


def ert_text(row, fraction: float) -> str:
    """``1,000 [500, 2,000] (5/5)``: the expected running time to ``fraction`` of the way, its
    bootstrap interval (left out where it has no width) and the seeds that got there; ``∞ (0/5)``
    when none did; ``—`` without a scale."""
    key = target_key(fraction)
    value = row.get(key, math.nan)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return fmt.DASH
    lo, hi = row.get(f"{key} ci_lo", math.nan), row.get(f"{key} ci_hi", math.nan)
    ci = (f" [{fmt.count(lo)}, {fmt.count(hi)}]" if not (math.isnan(lo) or math.isnan(hi)) and lo != hi else "")
    return f"{fmt.count(value)}{ci} ({int(row[f'{key} successes'])}/{int(row[f'{key} seeds'])})"


def auc_text(row) -> str:
    """``0.62 [0.55, 0.70]``: the mean normalised AUC over seeds and its 95% CI."""
    return fmt.estimate(row.get("auc", math.nan), row.get("auc ci_lo", math.nan), row.get("auc ci_hi", math.nan))


def anytime_headers(axis_unit_words: str) -> dict[str, str]:
    """Column key -> header of the anytime columns of a display table."""
    heads = {target_key(f): f"ERT {f:.0%} ({axis_unit_words})" for f in TARGETS}
    heads["auc"] = "AUC"
    return heads


def anytime_caption(axis: BudgetAxis) -> str:
    """What the ERT and AUC columns are, in one paragraph."""
    targets = " and ".join(f"{f:.0%}" for f in TARGETS)
    return (f"ERT {targets}: expected running time, in {axis.unit_words}, to reach {targets} of the way from the "
            "floor (init) to the ceiling (real) on the headline: the budget every seed used until its first grid "
            "point at the target, or its whole budget when it never got there (censored, not dropped), divided by "
            f"the seeds that got there (Auger & Hansen 2005); ∞ when none did; [{CI_LEVEL:.0%} percentile bootstrap "
            "interval over seeds] (seeds that reached it / seeds). AUC: the normalised area under the progress "
            "curve (0 at the floor, 1 at the ceiling, clipped to [0, 1]; trapezoid on log budget over the grid), "
            f"mean over seeds [{CI_LEVEL:.0%} CI]. A seed that diverged counts at the metric's worst value from "
            "that point on.")


def ranks_display(axis: BudgetAxis) -> pd.DataFrame:
    """The ranks-by-budget table as text: one row per variant, one column per grid budget, each cell
    ``rank · mean ± std`` (``—`` for not ranked there, ``≈`` for not significantly different from the
    best)."""
    value = VALUES.get(axis.headline.split("[", 1)[0])
    percent = bool(value and value.percent)
    order = list(dict.fromkeys(axis.ranks["variant"]))
    rows = []
    for v in order:
        row = {"variant": v}
        for b in axis.budgets:
            r = axis.ranks[(axis.ranks["variant"] == v) & np.isclose(axis.ranks["budget"], b)].iloc[0]
            rank = (f"{int(r['rank'])}{' ≈' if r['tie_best'] else ''}" if r["learned"] and not math.isnan(r["rank"])
                    else fmt.DASH)
            cell = f"{rank} · {fmt.round_to_ci(r['mean'], r['std'], percent)}"
            if r["diverged"]:
                cell += f" ({int(r['diverged'])} div.)"
            row[axis.budget_label(b)] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def ranks_caption(axis: BudgetAxis) -> str:
    return (f"Ranks of {axis.headline} at each budget (rank · mean ± std over the seeds ok there): ranked where "
            f"significantly better than init at that budget (one-sided Welch test raised to the exact permutation "
            f"floor, α = {ALPHA}), by the mean over every seed, a seed diverged by then counted at the worst value "
            "(div.); ≈: not significantly different from the best there. A rank alone is not an order: see below.")


def order_sentence(axis: BudgetAxis) -> str:
    """The changes of order a test backs, or why none is named."""
    o = axis.order
    how = (f"two-sided Welch tests raised to the exact permutation floor, Holm-adjusted over {o.tested} "
           f"(pair, budget) tests, α = {o.alpha}")
    if o.changes:
        parts = [f"{c.first} better than {c.second} at {axis.budget_label(c.first_at)} (adjusted p = "
                 f"{fmt.p_value(c.p_first)}), {c.second} better than {c.first} at {axis.budget_label(c.second_at)} "
                 f"(adjusted p = {fmt.p_value(c.p_second)})" for c in o.changes]
        return "Order changes backed by tests (" + how + "): " + "; ".join(parts) + "."
    if o.tested == 0:
        return ("No change of order can be tested: fewer than two variants are ranked at any budget, or they have "
                "fewer than two seeds.")
    text = ("No change of order between budgets is backed by a test: the orders read off the means are not "
            f"distinguishable ({how}).")
    if o.smallest_p >= o.alpha / o.tested:
        text += (f" With these seeds no test could have shown one: the smallest p-value they allow, "
                 f"{fmt.p_value(o.smallest_p)}, is not below Holm's first threshold α/{o.tested} = "
                 f"{fmt.significant(o.alpha / o.tested, 2)}; more seeds per variant can.")
    return text


def curves_caption(axis: BudgetAxis) -> str:
    """The learning-curve figure's caption."""
    text = (f"{axis.headline} against the budget ({axis.unit_words}, log scale): per variant the mean over seeds "
            f"and its {BAND_LABEL} (whole curves resampled per variant); the floor (init) and ceiling (real) as "
            "their mean and 95% CI across the whole axis. A seed diverged by a point counts there at the metric's "
            "worst value.")
    return text + (" " + axis.ema if axis.ema else "")


def with_anytime_columns(display: pd.DataFrame, table: pd.DataFrame, axis: BudgetAxis) -> pd.DataFrame:
    """``display`` (:func:`ganbench.report.tables.display_table` of ``table``, rows in the same order)
    with the ERT and AUC columns as text, before the cost columns; blank on reference rows."""
    out = display.copy()
    at = list(out.columns).index("G steps") if "G steps" in out.columns else len(out.columns)
    for offset, (key, header) in enumerate(anytime_headers(axis.unit_words).items()):
        cells = []
        for _, row in table.iterrows():
            if row.get("kind", "trial") != "trial" or key not in table.columns:
                cells.append("")
            elif key == "auc":
                cells.append(auc_text(row))
            else:
                cells.append(ert_text(row, int(key[3:]) / 100))
        out.insert(at + offset, header, cells)
    return out
