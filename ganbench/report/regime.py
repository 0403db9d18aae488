"""Regime flags: a leaderboard says how its budget compares with the source papers' and, where a
published order between two of its variants is reversed at that budget, says so in words.

Source budgets come from the variants (``Variant.published_budget``: total ``kimg`` or ``g_steps``,
or ``kimg_per_phase`` for progressive growing, with ``data`` and ``source``); published orders from
the claims registry (``ganbench.claims``). Both are prose for the reader: nothing here changes a
rank or a verdict (``ganbench run --suite claims`` tests the claims with statistics).
"""
from __future__ import annotations

import math

import pandas as pd

from ganbench.claims import claims_for
from ganbench.report import format as fmt

_UNITS = {"kimg": "kimg", "g_steps": "G steps", "kimg_per_phase": "kimg per growth phase"}


def source_budgets(task: str, records: list[dict]) -> list[str]:
    """One sentence per variant of ``task`` whose paper's budget is known: the paper's budget, this
    run's, and the ratio when the units agree (``"stylegan2: 25,000 kimg on FFHQ 1024x1024 (...);
    this run 48 kimg, 1/521 of it"``)."""
    out, seen = [], set()
    for r in records:
        if r.get("task") != task or r.get("kind", "trial") != "trial" or r["variant"] in seen:
            continue
        seen.add(r["variant"])
        vc = r.get("variant_config", {})
        pb = vc.get("published_budget") or {}
        unit = next((u for u in _UNITS if u in pb), None)
        if unit is None:
            continue
        batch = f" at batch {pb['batch_size']}" if "batch_size" in pb else ""
        text = f"{r['variant']}: {fmt.count(pb[unit])} {_UNITS[unit]}{batch} on {pb.get('data', '?')} ({pb.get('source', '?')})"
        budget = r.get("budget", {})
        ours = budget.get(unit) if unit != "kimg_per_phase" else vc.get("growth_kimg")
        if ours:
            ratio = pb[unit] / ours
            share = f"1/{ratio:,.0f} of it" if ratio >= 1.5 else f"{1 / ratio:.2g}x it"
            text += f"; this run {fmt.count(ours)} {_UNITS[unit]}, {share}"
        out.append(text)
    return out


def claim_orders(task: str, table: pd.DataFrame, extractor: str) -> list[str]:
    """For each registered claim on ``task`` whose two variants are in ``table`` (``aggregate``'s),
    whether the published order holds in this run's means or is reversed, in words."""
    out = []
    for c in claims_for(task):
        col = f"{c.column(extractor)} mean"
        if c.better not in table.index or c.worse not in table.index or col not in table:
            continue
        b, w = float(table.loc[c.better, col]), float(table.loc[c.worse, col])
        if math.isnan(b) or math.isnan(w):
            continue
        pub = ", ".join(f"{v} {fmt.significant(x)}" for v, x in c.published.items())
        holds = b > w if c.higher_is_better else b < w
        verb = "holds in the means" if holds else ("is tied" if b == w else "is REVERSED at this budget")
        out.append(f"published order {c.better} better than {c.worse} by {c.metric} ({c.source}: {pub}; "
                   f"{c.setting}) {verb}: here {c.better} {fmt.significant(b)}, {c.worse} {fmt.significant(w)}")
    return out


def regime_notes(task: str, records: list[dict], table: pd.DataFrame) -> list[str]:
    """The sentences a task's leaderboard caption adds: source budgets, then published orders."""
    extractor = next((r.get("protocol", {}).get("extractor") for r in records
                      if r.get("task") == task and r.get("protocol", {}).get("extractor")), "identity")
    notes = []
    budgets = source_budgets(task, records)
    if budgets:
        notes.append("Source budgets: " + "; ".join(budgets) + ".")
    notes += [o[0].upper() + o[1:] + "." for o in claim_orders(task, table, extractor)]
    return notes
