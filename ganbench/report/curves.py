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


def point_values(frame: pd.DataFrame, task: str, variant: str, metric: str, budget: float | None) -> pd.Series:
    """Per-seed values of ``metric`` (``name[extractor]`` or ``name``) for ``variant`` on ``task`` at
    ``budget`` (None: each trial's last point), indexed by seed index in seed order; for a reference row,
    its values whatever the budget."""
    key = "column" if "[" in metric else "metric"
    rows = frame[(frame["task"] == task) & (frame["variant"] == variant) & (frame[key] == metric)]
    if not rows.empty and (rows["kind"] == "trial").any():
        if budget is None:
            rows = rows[rows["budget"] == rows.groupby("trial_id")["budget"].transform("max")]
        else:
            rows = rows[np.isclose(rows["budget"], float(budget), rtol=1e-9, atol=0.0)]
    rows = rows.drop_duplicates("seed_index").sort_values("seed_index")
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["seed_index"].to_numpy(dtype=int), name=metric)
