"""Every trial along its whole run: the long table of its evaluation points (nested budgets).

A trial judged at the points of its task's grid (``TrialRecord.curve``, written by the harness; the
last point is the trial's own budget, and a point's metrics are exactly those of a trial trained to
that budget) gives one row per (trial, point, value) here, in the budget's unit (``g_steps``,
``kimg``, ``gflops``). As everywhere in the reports (:func:`ganbench.report.tables.scored_frame`), a
point at which the trial had diverged counts against it at the metric's worst value, and a failed
trial has no row. Reference rows (``real``, ``init``) do not depend on the budget: they have one row
per value with ``budget`` NaN and stand as the floor and ceiling at every point.

Records written before points existed (no ``curve``) give one point, their own budget.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.report import format as fmt
from ganbench.report.anytime import progress as anytime_progress
from ganbench.report.tables import worst_value

CURVE_COLUMNS = ["trial_id", "suite", "task", "variant", "kind", "seed_index", "unit", "budget", "metric", "extractor",
                 "generator", "column", "value", "higher_is_better", "status", "config_hash"]


def points(record: dict) -> list[dict]:
    """A record's evaluation points, increasing, the last at its own budget (a record without a curve:
    one point made of its top-level result fields)."""
    curve = record.get("curve") or []
    if curve:
        return curve
    return [{"budget": record.get("budget", {}), "status": record["status"], "metrics": record.get("metrics", {}),
             "metrics_raw": record.get("metrics_raw", {}), "failed_step": record.get("failed_step")}]


def _unit_value(budget: dict) -> tuple[str, float]:
    if not budget:
        return "", math.nan
    (unit, value), = budget.items()
    return unit, float(value)


def curve_frame(records: list[dict], raw: bool = False) -> pd.DataFrame:
    """One row per (trial, evaluation point, value) of every trial that is not ``failed``, plus the
    reference rows (``budget`` NaN). ``generator``: which generator a value judged (``raw``,
    ``ema(d)``, ``diverged`` for an imputed worst value, or the reference kind); with ``raw``, the raw
    generator's values of trials ranked by their average are included too. ``status``: ``ok`` or
    ``diverged`` at that point."""
    rows = []
    for r in records:
        if r["status"] == "failed":
            continue
        p = r.get("protocol", {})
        ext = p.get("extractor", "")
        kind = r.get("kind", "trial")
        base = {"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"], "kind": kind,
                "seed_index": r["seed_index"], "extractor": ext, "config_hash": r.get("config_hash", "")}
        if kind != "trial":
            unit, _ = _unit_value(r.get("budget", {}))
            for name, value in r.get("metrics", {}).items():
                rows.append({**base, "unit": unit, "budget": math.nan, "metric": name, "generator": kind,
                             "column": f"{name}[{ext}]", "value": float(value),
                             "higher_is_better": HIGHER_IS_BETTER.get(name), "status": "ok"})
            continue
        pts = points(r)
        ranked = sorted({name for pt in pts for name in pt.get("metrics", {}) if HIGHER_IS_BETTER.get(name) is not None}
                        | {name for name in r.get("metrics", {}) if HIGHER_IS_BETTER.get(name) is not None})
        for pt in pts:
            unit, budget = _unit_value(pt.get("budget", {}))
            where = {**base, "unit": unit, "budget": budget}
            if pt.get("status", "ok") == "diverged":
                for name in ranked:
                    worst = worst_value(name)
                    if worst is not None:
                        rows.append({**where, "metric": name, "generator": "diverged", "column": f"{name}[{ext}]",
                                     "value": worst, "higher_is_better": HIGHER_IS_BETTER.get(name),
                                     "status": "diverged"})
                continue
            if pt.get("status", "ok") != "ok":
                continue
            sets = [(p.get("generator", "raw"), pt.get("metrics", {}))]
            if raw and pt.get("metrics_raw"):
                sets.append(("raw", pt["metrics_raw"]))
            for generator, values in sets:
                for name, value in values.items():
                    rows.append({**where, "metric": name, "generator": generator, "column": f"{name}[{ext}]",
                                 "value": float(value), "higher_is_better": HIGHER_IS_BETTER.get(name), "status": "ok"})
    out = pd.DataFrame(rows, columns=CURVE_COLUMNS)
    return out[~out["value"].isna()].reset_index(drop=True)


def grid(frame: pd.DataFrame, task: str) -> list[float]:
    """The budgets at which every trial of ``task`` in ``frame`` was judged (a trial that stopped early
    is not a shorter grid: its points after divergence are imputed), increasing."""
    rows = frame[(frame["task"] == task) & (frame["kind"] == "trial")]
    if rows.empty:
        return []
    per_trial = rows.groupby("trial_id")["budget"].apply(lambda b: frozenset(b.dropna()))
    common = frozenset.intersection(*per_trial)
    return sorted(common)


def point_values(frame: pd.DataFrame, task: str, variant: str, metric: str, budget: float | None,
                 ok_only: bool = False) -> pd.Series:
    """Per-seed values of ``metric`` (``name[extractor]`` or ``name``) for ``variant`` on ``task`` at
    ``budget`` (None: each trial's last point), indexed by seed index in seed order; for a reference row,
    its values whatever the budget. ``ok_only``: without the diverged points' imputed values (what a
    leaderboard's mean ± std shows)."""
    key = "column" if "[" in metric else "metric"
    rows = frame[(frame["task"] == task) & (frame["variant"] == variant) & (frame[key] == metric)]
    if ok_only:
        rows = rows[rows["status"] == "ok"]
    if not rows.empty and (rows["kind"] == "trial").any():
        if budget is None:
            rows = rows[rows["budget"] == rows.groupby("trial_id")["budget"].transform("max")]
        else:
            rows = rows[np.isclose(rows["budget"], float(budget), rtol=1e-9, atol=0.0)]
    rows = rows.drop_duplicates("seed_index").sort_values("seed_index")
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["seed_index"].to_numpy(dtype=int), name=metric)


def tested_values(a: pd.Series, b: pd.Series, n: int, looks=None) -> tuple[np.ndarray, np.ndarray]:
    """The values a test reads at one budget from two sides' :func:`point_values`. With ``looks`` (a
    design's seeds per side): seeds 0..m−1 of both sides for the largest look m ≤ ``n`` that every one of
    them has a value for (a point that failed to evaluate holds its seed out there; short of the first
    look, the seeds there are, which the design does not test yet). Without: every value."""
    if looks is None:
        return a.to_numpy(), b.to_numpy()
    have = 0
    while have < n and have in a.index and have in b.index:
        have += 1
    m = max((k for k in looks if k <= have), default=have)
    return a.loc[a.index < m].to_numpy(), b.loc[b.index < m].to_numpy()


# --- budgets in words: verdict maps and the regime ---------------------------------------------------

UNIT_WORDS = {"g_steps": "G steps", "kimg": "kimg", "gflops": "GFLOP", "seconds": "s"}  # generator steps
# Both sides of a verdict below this fraction of the way from the floor (init) to the ceiling (real)
# on the task's headline: the verdict is about generators far from the data, and says so.
FAR_FROM_DATA = 0.25


def budget_text(value: float, unit: str, with_unit: bool = True) -> str:
    """``1,500 steps``, ``2.5 kimg``: the budget with :func:`ganbench.report.format.count`'s digits."""
    text = fmt.count(value)
    return f"{text} {UNIT_WORDS.get(unit, unit)}" if with_unit and unit else text


def ranges(budgets: list[float], labels: list[str], unit: str, keep=None) -> list[tuple[str, str]]:
    """Runs of consecutive budgets with the same label, each as ``(label, where)``: the first run of
    several ``"at ≤ 1,500 steps"``, the last ``"from 3,000"``, one in between ``"at 1,500–2,000"`` (or
    ``"at 1,500"``), a single run ``"at every budget (750–3,000 steps)"`` or ``"at 3,000 steps"``.
    ``keep``: the labels to return (default all); the unit is named once, in the first run returned."""
    if len(budgets) != len(labels):
        raise ValueError(f"one label per budget: {len(labels)} labels for {len(budgets)} budgets")
    runs: list[list] = []
    for b, label in zip(budgets, labels):
        if runs and runs[-1][0] == label:
            runs[-1][2] = b
        else:
            runs.append([label, b, b])
    out = []
    for i, (label, lo, hi) in enumerate(runs):
        if keep is not None and label not in keep:
            continue
        u = not out  # the unit, once
        if len(runs) == 1:
            where = (f"at {budget_text(lo, unit)}" if lo == hi else
                     f"at every budget ({budget_text(lo, unit, False)}–{budget_text(hi, unit)})")
        elif i == 0:
            where = f"at ≤ {budget_text(hi, unit, u)}"
        elif i == len(runs) - 1:
            where = f"from {budget_text(lo, unit, u)}"
        elif lo == hi:
            where = f"at {budget_text(lo, unit, u)}"
        else:
            where = f"at {budget_text(lo, unit, False)}–{budget_text(hi, unit, u)}"
        out.append((label, where))
    return out


def verdict_map(budgets: list[float], labels: list[str], unit: str, details: dict[str, str] | None = None,
                far: list[bool] | None = None) -> str:
    """One line naming each verdict's budget range, e.g. ``"better at ≤ 1,500 steps; undecided from
    3,000"``. ``details``: text after a label's range (``{"reproduced": "(pacgan better)"}``); ``far``:
    per budget, both sides far from the data (:func:`far_from_data`), named at the end (``"both sides
    < 25% of the way from floor to ceiling at ≤ 750 steps"``)."""
    details = details or {}
    parts = [" ".join(x for x in (label, where, details.get(label, "")) if x) for label, where in ranges(budgets, labels, unit)]
    if far is not None and any(far):
        where = [w for _, w in ranges(budgets, ["far" if f else "near" for f in far], unit, keep={"far"})]
        parts.append(f"both sides < {FAR_FROM_DATA:.0%} of the way from floor to ceiling {' and '.join(where)}")
    return "; ".join(parts)


def floor_ceiling(frame: pd.DataFrame, task: str, column: str) -> tuple[float, float]:
    """The mean of ``column`` over the task's ``init`` rows (the floor) and its ``real`` rows (the
    ceiling); NaN where the run has none."""
    key = "column" if "[" in column else "metric"
    rows = frame[(frame["task"] == task) & (frame[key] == column) & (frame["status"] == "ok")]
    means = [rows[rows["kind"] == kind]["value"] for kind in ("init", "real")]
    return tuple(float(m.mean()) if len(m) and np.isfinite(m).all() else math.nan for m in means)


def progress(mean: float, floor: float, ceiling: float) -> float:
    """How far one ``mean`` lies from the floor towards the ceiling (:func:`ganbench.report.anytime.progress`,
    the one definition): 0 at the untrained generator, 1 at held-out data; NaN where an end is missing."""
    if not math.isfinite(mean):
        return math.nan
    return float(anytime_progress([mean], floor, ceiling)[0])


def regime(sides: dict[str, float]) -> str:
    """``"pacgan 31%, gan-ns 4% of the way from floor to ceiling"`` from ``{variant: progress}``, with
    ``"; both far from the data"`` where every side is below :data:`FAR_FROM_DATA`; ``""`` where a
    progress is unknown (no floor or ceiling rows)."""
    if not sides or any(not math.isfinite(x) for x in sides.values()):
        return ""
    text = ", ".join(f"{v} {x:.0%}" for v, x in sides.items()) + " of the way from floor to ceiling"
    if all(x < FAR_FROM_DATA for x in sides.values()):
        text += f"; {'both' if len(sides) == 2 else 'all'} far from the data (< {FAR_FROM_DATA:.0%})"
    return text


def far_from_data(sides: dict[str, float]) -> bool:
    """Every side known and below :data:`FAR_FROM_DATA` of the way from floor to ceiling."""
    return bool(sides) and all(math.isfinite(x) and x < FAR_FROM_DATA for x in sides.values())
