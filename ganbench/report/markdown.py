"""The leaderboard as Markdown and CSV, from :func:`ganbench.report.tables.aggregate`'s tables: one
section per task (caption, regime notes, the display table, with ``--select best`` the selection table,
and for a task judged along its training the budget axis: the learning-curve figure, the ranks at each
budget and the order changes a test backs, :mod:`ganbench.report.budget_axis`), the suite's published
claims first.
Names are escaped by :mod:`ganbench.report.escape`; numbers are printed by
:mod:`ganbench.report.format` (the html page's rounding)."""
from __future__ import annotations

import pandas as pd

from ganbench.report import escape
from ganbench.report.budget_axis import (BudgetAxis, add_budget_columns, anytime_caption, budget_axes, curves_caption,
                                         order_sentence, ranks_caption, ranks_display, with_anytime_columns)
from ganbench.report.claims import claims_markdown
from ganbench.report.constants import ALPHA
from ganbench.report.regime import regime_notes
from ganbench.report.selection import selection_caption, selection_display, selection_notes, selection_table
from ganbench.report.tables import display_table
from ganbench.report.tuning import tuning_markdown


def _caption(task: str, table: pd.DataFrame, records: list[dict]) -> str:
    trials = [r for r in records if r["task"] == task and r.get("kind", "trial") == "trial"]
    budget = ", ".join(f"{k}={v:g}" for k, v in (trials[-1].get("budget", {}) if trials else {}).items())
    vc = trials[-1].get("variant_config", {}) if trials else {}
    p = next((r.get("protocol", {}) for r in reversed(trials) if r["status"] == "ok"), {})
    return (f"budget {budget} per trial (batch {vc.get('batch_size', '?')}); {p.get('n_fake', '?')} fakes vs "
            f"{p.get('n_real', '?')} reals; generator evaluated: {p.get('generator', 'raw')}; ranked by "
            f"{table['headline'].iloc[0]} among variants significantly better than init (one-sided Welch test "
            f"raised to the exact permutation floor, α = {ALPHA}); a diverged seed counts as the metric's worst "
            "value (or below every finite value where the metric is unbounded) in the rank, the test against init "
            "and ≈, while mean ± std are over the ok seeds; ≈: not significantly different from the best; cost "
            "columns are per trial")


def render_markdown(records: list[dict], tables: dict[str, pd.DataFrame], title: str = "",
                    claims: tuple | None = None, axes: dict[str, BudgetAxis] | None = None,
                    figures: dict[str, str] | None = None, tuning: tuple | None = None) -> str:
    """The leaderboard of ``records`` (``tables``: their :func:`~ganbench.report.tables.aggregate`) as
    Markdown; ``claims``: the ``(verdicts, design)`` of the suite's published claims, shown first;
    ``axes``: :func:`~ganbench.report.budget_axis.budget_axes` of the records (built when not given);
    ``figures``: per task, the learning-curve figure's file name beside the Markdown file, linked;
    ``tuning``: ``(summary, {task: figure file name})`` of a tuned run
    (:func:`ganbench.report.tuning.tuning_markdown`), shown first."""
    if axes is None:
        axes = budget_axes(records, tables)
        tables = add_budget_columns(tables, axes)
    notes_by_task = selection_notes(records)
    parts = []
    for task, t in tables.items():
        notes = "".join(f"\n\n{escape.markdown(n)}" for n in regime_notes(task, records, t))
        if task in notes_by_task:
            notes += f"\n\n{escape.markdown(notes_by_task[task])}"
        axis = axes.get(task)
        shown = display_table(t)
        if axis is not None:
            shown = with_anytime_columns(shown, t, axis)
        text = (f"## {escape.markdown(task)}\n\n{escape.markdown(_caption(task, t, records))}{notes}\n\n"
                f"{escape.markdown_table(shown)}\n")
        if axis is not None:
            text += f"\n{escape.markdown(anytime_caption(axis))}\n"
        text += _selection(task, t, records)
        if axis is not None:
            text += _budget_axis(axis, (figures or {}).get(task))
        parts.append(text)
    head = f"# {escape.markdown(title)}\n\n" if title else ""
    if claims:
        head += "## Published claims\n\n" + claims_markdown(*claims) + "\n"
    if tuning:
        head += tuning_markdown(*tuning)
    return head + "\n".join(parts)


def _selection(task: str, table: pd.DataFrame, records: list[dict]) -> str:
    chosen = selection_table(records, task)
    if chosen.empty:
        return ""
    place = {v: i for i, v in enumerate(table.index)}
    chosen = chosen.sort_values("variant", key=lambda s: s.map(place).fillna(len(place)), kind="stable")
    head = table["headline"].iloc[0] or ""
    unit = next((u for u in chosen["unit"] if u), "")
    return (f"\n{escape.markdown(selection_caption(head))}\n\n"
            f"{escape.markdown_table(selection_display(chosen, head, unit.replace('g_steps', 'G steps')))}\n")


def _budget_axis(axis: BudgetAxis, figure: str | None) -> str:
    """The budget-axis subsection of a task: figure (linked), its caption, ranks by budget, order changes."""
    out = f"\n### {escape.markdown(axis.task)}: along the training run\n\n"
    if figure:
        out += f"![{escape.markdown(axis.task)}: learning curves]({figure})\n\n"
    out += f"{escape.markdown(curves_caption(axis))}\n\n"
    out += f"{escape.markdown(ranks_caption(axis))}\n\n{escape.markdown_table(ranks_display(axis))}\n\n"
    out += f"{escape.markdown(order_sentence(axis))}\n"
    out += "".join(f"\n{escape.markdown(n)}\n" for n in axis.notes)
    return out


def render_csv(tables: dict[str, pd.DataFrame]) -> str:
    """Every task's aggregated table, one row per (task, variant), every number at full precision;
    string cells guarded against formula injection (:func:`ganbench.report.escape.csv_frame`)."""
    frames = [t.reset_index().assign(task=task) for task, t in tables.items()]
    return escape.csv_frame(pd.concat(frames, ignore_index=True)).to_csv(index=False)
