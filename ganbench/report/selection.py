"""Which point of each trial's curve a report judges: the final one (the default), or the best one on a
selection reference (``--select best``), with the optimism that choosing on the reported numbers would add.

Picking each trial's best checkpoint by the very numbers a table then reports is optimistic: the
maximum of noisy values is biased upwards (the winner's curse; Cawley & Talbot 2010, "On over-fitting in
model selection and subsequent selection bias in performance evaluation", JMLR 11). ``best`` therefore
picks, per trial, the point whose headline is best on a **selection reference** disjoint from the
reporting one (``curve[i]["selection"]``, recorded by the harness: a second real sample and a second
stream of generated samples for synthetic tasks, the validation split for digits), ties to the earliest
point, and reports that point's numbers on the **reporting** reference. Beside them, per trial:

- ``final``: the final point's reporting headline (the metric's worst value where the trial had
  diverged by then);
- ``optimism``: the best reporting headline over the trial's points minus the selected point's
  reporting headline, direction-aware (≥ 0: how much better a table would have looked had the
  selection looked at the reporting numbers).

:func:`selected_points` rewrites each trial's top-level ``metrics``, ``metrics_raw`` and ``status``
to its selected point, so every downstream table (leaderboards, ``compare``, claims) works unchanged;
``spent`` stays the whole run's (every point had to be trained to choose among them) and ``curve``
is kept whole. The record's ``selected`` field says what was chosen: ``{"select", "index", "budget",
"selection", "reported", "final", "best_reported", "optimism"}``, or ``{"select": "final", "why"}``
where a trial's points carry no selection value (a task without a disjoint reference, or records written
before selection values existed), in which case its final point stands.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.report import format as fmt
from ganbench.report.curves import points
from ganbench.report.stats import mean_ci
from ganbench.report.tables import worst_value

SELECT = ("final", "best")
NO_SELECTION = "no point of its curve has a selection value (no reference disjoint from the reporting one)"


def _value(pt: dict, key: str, name: str) -> float | None:
    if pt.get("status", "ok") != "ok":
        return None
    v = (pt.get(key) or {}).get(name)
    return float(v) if v is not None and math.isfinite(float(v)) else None


def _better(a: float, b: float, higher: bool) -> bool:
    return a > b if higher else a < b


def select_point(record: dict) -> dict:
    """``record`` (a trial) rewritten to its best point on the selection reference (module docstring),
    or the record as it is, with ``selected["why"]`` set, where no point has a selection value."""
    head = record.get("protocol", {}).get("headline", "")
    higher = HIGHER_IS_BETTER.get(head)
    pts = points(record)
    if higher is None:
        return {**record, "selected": {"select": "final", "why": f"the headline {head!r} has no direction"}}
    chosen = None
    for i, pt in enumerate(pts):
        s = _value(pt, "selection", head)
        if s is not None and (chosen is None or _better(s, chosen[1], higher)):  # ties keep the earliest
            chosen = (i, s)
    if chosen is None:
        return {**record, "selected": {"select": "final", "why": NO_SELECTION}}
    i, s = chosen
    pt = pts[i]
    reported = _value(pt, "metrics", head)
    final = _value(pts[-1], "metrics", head)
    if final is None:  # diverged by the end: the final point counts at the worst value, as everywhere
        final = worst_value(head)
    scores = [v for v in (_value(p, "metrics", head) for p in pts) if v is not None]
    best = (max if higher else min)(scores)
    optimism = (best - reported) if higher else (reported - best)
    return {**record, "metrics": dict(pt.get("metrics", {})), "metrics_raw": dict(pt.get("metrics_raw", {})),
            "status": "ok", "error": "", "failed_step": None,
            "selected": {"select": "best", "index": i, "budget": dict(pt.get("budget", {})), "selection": s,
                         "reported": reported, "final": final, "best_reported": best, "optimism": optimism}}


def selected_points(records: list[dict], select: str = "final") -> list[dict]:
    """``records`` with every trial judged at its ``select``-ed point: ``"final"`` returns them as they
    are; ``"best"`` rewrites each trial that is not ``failed`` by :func:`select_point` (reference rows
    and failed trials unchanged). Raises ValueError for another ``select``."""
    if select not in SELECT:
        raise ValueError(f"select must be one of {', '.join(SELECT)}, got {select!r}")
    if select == "final":
        return list(records)
    return [select_point(r) if r.get("kind", "trial") == "trial" and r["status"] != "failed" else r for r in records]


def selection_table(records: list[dict], task: str) -> pd.DataFrame:
    """Per variant of ``task`` (records from :func:`selected_points` with ``"best"``): the seeds
    selected on the selection reference (``n``), the mean and std of the selected points' reporting
    headline (``selected``), of the final points' (``final``) and of the optimism; the mean budget of
    the selected points (``budget``, in the grid's unit). Empty where no trial of the task had a
    selection value."""
    rows = []
    chosen = [r for r in records if r["task"] == task and r.get("selected", {}).get("select") == "best"]
    for variant in dict.fromkeys(r["variant"] for r in chosen):
        sel = [r["selected"] for r in chosen if r["variant"] == variant]
        row = {"variant": variant, "n": len(sel)}
        for key in ("reported", "final", "optimism"):
            s = mean_ci([x[key] for x in sel])
            row[f"{'selected' if key == 'reported' else key} mean"] = s["mean"]
            row[f"{'selected' if key == 'reported' else key} std"] = s["std"]
        budgets = [float(next(iter(x["budget"].values()))) for x in sel if x["budget"]]
        row["budget"] = float(np.mean(budgets)) if budgets else math.nan
        row["unit"] = next(iter(sel[0]["budget"]), "") if sel[0]["budget"] else ""
        rows.append(row)
    return pd.DataFrame(rows)


def selection_notes(records: list[dict]) -> dict[str, str]:
    """Per task (records from :func:`selected_points` with ``"best"``), the one line a report prints
    where some trials could not be selected on a disjoint reference and kept their final point."""
    out = {}
    for task in dict.fromkeys(r["task"] for r in records):
        kept = [r for r in records if r["task"] == task and r.get("selected", {}).get("select") == "final"]
        if not kept:
            continue
        trials = [r for r in records if r["task"] == task and "selected" in r]
        what = "a selection value (its headline judged on a reference disjoint from the reporting one)"
        if len(kept) == len(trials):
            out[task] = f"--select best: no trial of {task} has {what}, so the final point is reported."
        else:
            out[task] = (f"--select best: {len(kept)} of {len(trials)} trials of {task} have no "
                         f"{what.split(' ', 1)[1]}, so their final point is reported.")
    return out


def selection_display(table: pd.DataFrame, head: str, unit_words: str = "") -> pd.DataFrame:
    """:func:`selection_table` as text (mean ± std over seeds, :mod:`ganbench.report.format`)."""
    rows = []
    for _, r in table.iterrows():
        rows.append({"variant": r["variant"], f"{head} at the selected point": fmt.round_to_ci(r["selected mean"],
                                                                                             r["selected std"]),
                     f"{head} at the final point": fmt.round_to_ci(r["final mean"], r["final std"]),
                     "optimism of selecting on the reported numbers": fmt.round_to_ci(r["optimism mean"],
                                                                                    r["optimism std"]),
                     f"selected at (mean{', ' + unit_words if unit_words else ''})": fmt.count(r["budget"]),
                     "seeds": int(r["n"])})
    return pd.DataFrame(rows)


def selection_caption(head: str) -> str:
    """What the selection table says, in one paragraph."""
    return ("--select best: each trial is judged at the point of its curve whose headline is best on a selection "
            "reference disjoint from the reporting one (a second real sample and a second stream of generated "
            "samples for synthetic tasks, the validation split for digits; ties: the earliest point), and every "
            f"number above is that point's on the reporting reference. Beside it: {head} at the final point (a seed "
            "diverged by then at the metric's worst value), and the optimism of selection, the best reported value "
            "over the trial's points minus the selected point's (what picking on the reported numbers would have "
            "claimed on top), mean ± std over seeds.")
