"""The leaderboard page: one self-contained HTML file per suite.

Built from :func:`ganbench.report.tables.aggregate`'s numeric tables and the metric registry
(:data:`ganbench.metrics.registry.VALUES`), never from the Markdown strings: readable column headers
with a tooltip and a legend per column (description, direction, citation), numbers rounded to their
spread (:mod:`ganbench.report.format`), floor and ceiling rows set apart, unranked rows greyed with
their reason, sortable columns (a small inline script), and each task's plots embedded as ``data:``
URIs. CSS and script are inline and nothing is fetched, so the file works from ``file://``. A task
judged along its training (:mod:`ganbench.report.budget_axis`) also shows its time-to-target and AUC
columns, its learning-curve figure, its ranks at each budget and the order changes a test backs; with
``--select best``, the selection table (:mod:`ganbench.report.selection`).

:func:`render_page` is pure: records (and the PNG files the leaderboard's plots wrote) in, one
string out; the same inputs give the same bytes.
"""
from __future__ import annotations

import base64
import math
import struct
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Mapping

import pandas as pd

from ganbench.metrics.registry import VALUES, column_header
from ganbench.records import safe_name
from ganbench.report import format as fmt
from ganbench.report.budget_axis import (TARGETS, BudgetAxis, add_budget_columns, anytime_caption, anytime_headers,
                                         auc_text, budget_axes, curves_caption, ert_text, order_sentence, ranks_caption,
                                         ranks_display, target_key)
from ganbench.report.claims import claims_markdown, claims_table
from ganbench.report.tuning import design_caption, orderings_caption, orderings_display, results_display
from ganbench.report.constants import ALPHA, CI_LEVEL
from ganbench.report.regime import regime_notes
from ganbench.report.selection import selection_caption, selection_display, selection_notes, selection_table
from ganbench.report.tables import REFERENCE_LABELS, aggregate, not_learned_label

# Reference rows: the ceiling (held-out data; a translation's inputs unchanged) and the floor.
ROW_CLASS = {"real": "ceiling", "identity": "ceiling", "init": "floor"}
BUDGET_UNITS = {"g_steps": "generator steps", "kimg": "kimg", "seconds": "s", "gflops": "GFLOP"}
# Plot kinds in page order, with their alt text (``{task}``, ``{what}``, ``{variant}``, ``{metric}``).
PLOTS = {
    "curves": "{task}: {metric} against the budget (log scale), per variant the mean over seeds and its pointwise 95% "
              "bootstrap band; floor and ceiling as their mean and 95% CI",
    "samples": "{task}: {what} of seed 0, one panel per variant and reference row",
    "reconstructions": "{task}: held-out inputs and their reconstructions G(E(x)), seed 0, one row per variant",
    "bars": "{task}: bar chart of {metric} per variant, mean and std over seeds; reference rows in grey",
    "truncation": "{task}: FID against the truncation psi per variant, mean and std over seeds",
    "mixing": "{task}: style-mixing grid of {variant}, seed 0: coarse styles by row, fine styles by column",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Column:
    """One column of a task's table: its header, tooltip, how it sorts first (``descending`` for
    higher-is-better values: best first) and what a cell shows."""

    key: str
    header: str
    tip: str
    first: str = "ascending"
    numeric: bool = True


def plots_by_task(written: Mapping[str, Path], tasks) -> dict[str, dict[str, Path]]:
    """Group the paths :func:`ganbench.report.publish.draw_plots` returns (keys ``"{task} {what}"``,
    ``what`` one of :data:`PLOTS` or ``"{variant} mixing"``) by task: ``{task: {what: path}}``."""
    out: dict[str, dict[str, Path]] = {t: {} for t in tasks}
    for key, path in written.items():
        task = max((t for t in tasks if key.startswith(f"{t} ")), key=len, default=None)
        if task is not None:
            out[task][key[len(task) + 1:]] = Path(path)
    return out


def render_page(records: list[dict], plots: Mapping[str, Mapping[str, Path]] | None = None, title: str = "",
                description: str = "", claims: tuple | None = None,
                tables: Mapping[str, pd.DataFrame] | None = None,
                axes: Mapping[str, BudgetAxis] | None = None, tuning: tuple | None = None) -> str:
    """The leaderboard page of ``records`` (every task of one suite) as one HTML string.

    ``plots``: per task, the PNG files to embed (``{task: {what: path}}``, :func:`plots_by_task`);
    ``title`` (default "ganbench leaderboard: suite NAME") and ``description`` (the suite's) head
    the page; ``claims``: ``(verdicts, design)`` of the suite's published claims, a section first;
    ``tables``: :func:`~ganbench.report.tables.aggregate` of ``records``, when already built;
    ``axes``: :func:`~ganbench.report.budget_axis.budget_axes` of ``records`` (its columns joined to
    ``tables`` by :func:`~ganbench.report.budget_axis.add_budget_columns`), built when not given;
    ``tuning``: ``(summary, {task: figure path})`` of a tuned run (:mod:`ganbench.report.tuning`), a
    section after the claims'."""
    if not records:
        raise ValueError("no records to render; point the leaderboard at a run directory with records/*.json")
    suite = records[0].get("suite", "")
    title = title or f"ganbench leaderboard: suite {suite}"
    tables = aggregate(records) if tables is None else tables
    if axes is None:
        axes = budget_axes(records, tables)
        tables = add_budget_columns(tables, axes)
    plots = plots or {}
    notes = selection_notes(records)
    sections = [_section(task, table, [r for r in records if r["task"] == task], plots.get(task, {}), axes.get(task),
                         notes.get(task, "")) for task, table in tables.items()]
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="ganbench">\n<title>{escape(title)}</title>\n'
            f"<style>\n{CSS}</style>\n</head>\n<body>\n"
            f"{_header(title, description, suite, tables, records)}"
            f'<main>\n{_claims_section(claims) if claims else ""}{_tuning_section(*tuning) if tuning else ""}'
            f'{"".join(sections)}</main>\n'
            f"<footer><p>Rendered from the suite's TrialRecords by ganbench (<code>ganbench leaderboard RUN_DIR "
            f"--html</code>); every number is in the CSV (<code>--format csv</code>) at full precision.</p></footer>\n"
            f"<script>\n{SCRIPT}</script>\n</body>\n</html>\n")


# ---------------------------------------------------------------------------------------------- header


def _header(title, description, suite, tables, records) -> str:
    trials = [r for r in records if r.get("kind", "trial") == "trial"]
    facts = [("suite", escape(suite) + (f": {escape(description)}" if description else ""))]
    ranks = [f"{_task_link(t)}: {escape(_headline_header(t, tb))}, {_direction_words(_higher(tb))}"
             for t, tb in tables.items() if _headline(tb)]
    if ranks:
        facts.append(("ranked by", "; ".join(ranks) + f", among variants significantly better than the untrained "
                      f"generator (one-sided Welch test raised to the exact permutation floor, α = {ALPHA}); a "
                      "diverged seed counts as its metric's worst value in the rank and the tests"))
    facts.append(("seeds", escape(_seeds(trials))))
    budgets = [f"{_task_link(t)}: {escape(_budget(t, trials))}" for t in tables]
    facts.append(("budget per trial", "; ".join(budgets)))
    machines = sorted({_machine(r.get("env", {})) for r in records if r.get("env")} - {""})
    if machines:
        facts.append(("recorded on", escape("; ".join(machines))))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    nav = "".join(f'<li><a href="#{_task_id(t)}">{escape(t)}</a></li>' for t in tables)
    return (f"<header>\n<h1>{escape(title)}</h1>\n<dl class=\"facts\">{dl}</dl>\n"
            f'<nav aria-label="tasks"><ul>{nav}</ul></nav>\n{LEGEND}</header>\n')


LEGEND = (
    '<details class="how"><summary>How to read the tables</summary><ul>'
    '<li><span class="swatch ceiling"></span> <b>ceiling</b>: held-out real data (or a translation\'s inputs '
    "unchanged) judged by the same protocol; <span class=\"swatch floor\"></span> <b>floor</b>: the generator "
    "at initialisation. A variant is ranked only if its headline beats the floor (one-sided Welch test); "
    "<span class=\"muted\">greyed rows</span> are not ranked and say why (not learned, or one seed: "
    "untested).</li>"
    "<li><b>≈</b>: not significantly different from the best (two-sided Welch test); tied variants share "
    "the best rank's mark, ranks are by mean.</li>"
    "<li>Cells are mean ± std over seeds, with the digits the std supports: the std keeps one significant "
    "digit (two when it begins with 1) and the mean is rounded to the same place; values without spread "
    "keep three significant digits. Hover a cell for its exact mean, std, 95% CI and seed count; hover a "
    "column header (or open <i>Columns</i> below a table) for what it measures, its direction and its "
    "source.</li>"
    "<li>Click a column header to sort: first best-first (for a metric with a direction) or ascending, "
    "again to reverse, a third time to restore the leaderboard's order. Reference rows sort with the "
    "others, so a sorted column shows where each variant falls between floor and ceiling; missing values "
    "stay last.</li></ul></details>\n")


def _seeds(trials) -> str:
    per = {}
    for r in trials:
        per.setdefault((r["task"], r["variant"]), set()).add(int(r["seed_index"]))
    if not per:
        return "no trained variant"
    counts = sorted({len(s) for s in per.values()})
    indices = sorted(set().union(*per.values()))
    span = (f"{indices[0]}–{indices[-1]}" if indices == list(range(indices[0], indices[-1] + 1))
            else ", ".join(map(str, indices)))
    many = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    return f"{many} per variant (seed indices {span}), as many draws of each reference row"


def _budget(task, trials) -> str:
    rs = [r for r in trials if r["task"] == task]
    if not rs:
        return "reference rows only"
    budget = rs[0].get("budget", {})
    parts = [f"{fmt.count(v)} {BUDGET_UNITS.get(k, k)}" for k, v in budget.items()]
    batch = rs[0].get("variant_config", {}).get("batch_size")
    return ", ".join(parts) + (f" (batch {batch})" if batch else "")


def _machine(env: dict) -> str:
    name = env.get("device_name") or env.get("cpu_model") or ""
    if not name:
        return ""
    cpu = f" ({env['cpu_model']})" if env.get("cpu_model") and env.get("cpu_model") != name else ""
    return f"{name}{cpu}, {env.get('device', '?')}, torch {env.get('torch', '?')}, ganbench {env.get('ganbench', '?')}"


# ---------------------------------------------------------------------------------------------- tasks


def _claims_section(claims: tuple) -> str:
    """The published claims and their verdicts (:mod:`ganbench.report.claims`) as a table."""
    verdicts, design = claims
    table = claims_table(verdicts)
    intro = claims_markdown(verdicts, design).split("\n\n", 1)[0]
    ths = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    rows = "".join("<tr>" + "".join(f'<td class="{"verdict" if c == "verdict" else "text"}">{escape(str(v))}</td>'
                                    for c, v in row.items()) + "</tr>\n" for _, row in table.iterrows())
    return ('<section id="claims" aria-labelledby="claims-h">\n<h2 id="claims-h">Published claims</h2>\n'
            f'<p class="caption" id="claims-c">{escape(intro)}</p>\n'
            '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="claims-c">'
            f'<table class="claims" aria-labelledby="claims-c">\n<thead><tr>{ths}</tr></thead>\n<tbody>\n{rows}'
            "</tbody>\n</table></div>\n</section>\n")


def _tuning_section(summary, figures: Mapping[str, Path]) -> str:
    """A tuned run (:mod:`ganbench.report.tuning`): the design, and per task the expected-best figure,
    the results, the search spaces, the pasteable ``register_variant`` lines and the orderings."""
    parts = ['<section id="tuning" aria-labelledby="tuning-h">\n<h2 id="tuning-h">Tuned on equal budgets</h2>\n'
             f'<p class="note">{escape(design_caption(summary.design, summary.results))}</p>\n']
    for task in dict.fromkeys(r.task for r in summary.results):
        rs = [r for r in summary.results if r.task == task]
        tid = _task_id(task) + "-tune"
        parts.append(f'<h3 id="{tid}">{escape(task)}: tuned on equal budgets</h3>\n')
        if task in figures:
            figure = _figure(Path(figures[task]), f"{task}: expected best of n configurations", "curves")
            parts.append(f'<div class="figures">{figure}</div>\n')
        parts.append(_text_table(results_display(rs).drop(columns=["task"]), "ranks", tid))
        spaces = pd.DataFrame([{"variant": r.variant, "search space": r.space or "-"} for r in rs])
        parts.append(_text_table(spaces, "ranks", tid))
        parts.append('<p class="note">The selected configurations, to paste into a plugin:</p>\n<pre><code>'
                     + escape("\n".join(r.register for r in rs)) + "</code></pre>\n")
        orders = [o for o in summary.orderings if o.task == task]
        if orders:
            parts.append(f'<p class="note" id="{tid}-order">{escape(orderings_caption())}</p>\n'
                         + _text_table(orderings_display(orders).drop(columns=["task"]), "ranks", f"{tid}-order"))
    return "".join(parts) + "</section>\n"


def _section(task: str, table: pd.DataFrame, records: list[dict], plots: Mapping[str, Path],
             axis: BudgetAxis | None = None, select_note: str = "") -> str:
    info = _task_info(task)
    n_modes = info.get("n_modes")
    about = " — ".join(escape(x) for x in (info.get("description"), info.get("paper")) if x)
    head = _headline(table)
    columns = _columns(table, n_modes, axis)
    caption, protocol = _caption(task, table, n_modes), _protocol(task, records)
    notes = regime_notes(task, records, table) + ([select_note] if select_note else [])
    regime = "".join(f'<p class="regime">{escape(n)}</p>\n' for n in notes)
    rows = "".join(_row(i, variant, r, columns, records) for i, (variant, r) in enumerate(table.iterrows()))
    ths = "".join(_th(c) for c in columns)
    empty = "" if head else '<p class="note">No successful trial: nothing to rank.</p>'
    tid = _task_id(task)
    return (f'<section id="{tid}" aria-labelledby="{tid}-h">\n<h2 id="{tid}-h">{escape(task)}</h2>\n'
            + (f'<p class="about">{about}</p>\n' if about else "") + f'<p class="protocol">{protocol}</p>\n' + regime + empty
            + f'<div class="task">\n<p class="caption" id="{tid}-c">{caption}</p>\n'
            f'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="{tid}-c">'
            f'<table class="lb" data-task="{escape(task)}" aria-labelledby="{tid}-c">\n'
            f"<thead><tr>{ths}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table></div>\n"
            f"{_column_legend(columns)}{_anytime_note(axis)}{_problems(records)}{_selection(task, table, records)}"
            f"{_budget_axis(axis, plots.get('curves'), n_modes)}{_figures(task, table, plots, n_modes)}"
            "</div>\n</section>\n")


def _task_info(task: str) -> dict:
    from ganbench.tasks import get_task

    try:
        t = get_task(task)
    except (ValueError, OSError):  # a task this install does not know (a plugin's, a moved folder)
        return {}
    return {"n_modes": getattr(t, "n_modes", None), "description": getattr(t, "description", ""),
            "paper": getattr(t, "paper", ""), "kind": getattr(t, "kind", "")}


def _caption(task, table, n_modes) -> str:
    """The table's name: the task and what ranks it."""
    head = _headline(table)
    if not head:
        return f"{escape(task)}: no successful trial"
    return (f"{escape(task)}: ranked by {escape(column_header(head, n_modes))}, {_direction_words(_higher(table))}; "
            "mean ± std over seeds")


def _protocol(task, records) -> str:
    """How the task's trials were trained and judged, from their records."""
    trials = [r for r in records if r.get("kind", "trial") == "trial"]
    p = next((r.get("protocol", {}) for r in trials if r["status"] == "ok"), {})
    parts = [f"Budget {escape(_budget(task, trials))} per trial"]
    if p:
        parts.append(f"{escape(str(p.get('n_fake', '?')))} generated vs {escape(str(p.get('n_real', '?')))} "
                     f"real samples in {escape(str(p.get('extractor', '?')))} features; generator evaluated: "
                     f"{escape(str(p.get('generator', 'raw')))}; cost columns per trial")
    return "; ".join(parts) + "."


def _headline(table: pd.DataFrame):
    return table["headline"].iloc[0] if len(table) and table["headline"].iloc[0] else None


def _headline_header(task, table) -> str:
    return column_header(_headline(table), _task_info(task).get("n_modes"))


def _higher(table, column=None):
    column = column or _headline(table)
    v = VALUES.get(str(column).split("[", 1)[0])
    return None if v is None else v.higher_is_better


def _direction_words(higher) -> str:
    return {True: "higher is better", False: "lower is better"}.get(higher, "not ranked")


def _columns(table: pd.DataFrame, n_modes, axis: BudgetAxis | None = None) -> list[Column]:
    head = _headline(table)
    metrics = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean")]
    metrics = ([head] if head else []) + [c for c in metrics if c != head]
    cols = [Column("rank", "rank", "1 = best headline mean among the ranked variants, a diverged seed counted at its "
                   "metric's worst value (the cells show ok seeds); ranked: significantly better than the untrained "
                   "generator (one-sided Welch test); ties by mean share a rank"),
            Column("variant", "variant", "the trained recipe (hover a name for its loss and paper) or a reference "
                   "row", numeric=False)]
    for c in metrics:
        cols.append(Column(c, column_header(c, n_modes), _metric_tip(c), _first(_higher(table, c))))
        if c == head:
            ci = f"{CI_LEVEL:.0%} CI"
            cols.append(Column(f"{c} ci", ci, f"Student-t {ci} of the mean of {column_header(c, n_modes)} over the "
                               "ok seeds (— without spread)", _first(_higher(table, c))))
            cols.append(Column("p_vs_init", "p vs init", "one-sided Welch test, raised to the exact permutation "
                               "floor, that the headline is better than the untrained generator's (init row), "
                               f"diverged seeds counted at the worst value; a variant is ranked when p < {ALPHA}"))
    if axis is not None and "auc" in table.columns:
        for key, header in anytime_headers(axis.unit_words).items():
            if key == "auc":
                cols.append(Column("auc", header, "normalised area under the headline's progress curve (0 at the "
                                   "floor, 1 at the ceiling, clipped to [0, 1]; trapezoid on log budget over the "
                                   f"grid): mean over seeds and its {CI_LEVEL:.0%} CI", "descending"))
            else:
                f = int(key[3:]) / 100
                cols.append(Column(key, header, f"expected running time to {f:.0%} of the way from floor to ceiling "
                                   "on the headline: the budget every seed used until its first grid point at the "
                                   "target, or its whole budget when it never got there (censored), divided by the "
                                   f"seeds that got there; ∞ when none did; [{CI_LEVEL:.0%} percentile bootstrap "
                                   "interval over seeds] (seeds that got there / seeds)"))
    steps = table.loc[table["kind"] == "trial", "g_steps"].dropna().unique()
    if len(steps) > 1:  # equal steps are the budget, said above the table
        cols.append(Column("g_steps", "G steps", "generator steps trained, mean per trial"))
    cols += [Column("gflops", "GFLOP", "estimated training compute per trial, GFLOP"),
             Column("train_s", "train s", "training wall time per trial, seconds on one worker (a packed "
                    "program's time shared by its trials)"),
             Column("seeds", "seeds", "seeds recorded ok (diverged and failed seeds are named)")]
    return cols


def _metric_tip(column: str) -> str:
    name, _, rest = column.partition("[")
    v = VALUES.get(name)
    ext = rest.rstrip("]")
    if v is None:
        return f"{column}: a value the metric registry does not describe (a plugin's)"
    where = f"; in {ext} features" if v.per_extractor and ext else ""
    unit = "; shown in %" if v.percent else ""
    direction = _direction_words(v.higher_is_better).capitalize()
    return f"{v.description}{where}. {direction}{unit}. {v.paper}. Key: {column}"


def _first(higher) -> str:
    return "descending" if higher else "ascending"


def _th(c: Column) -> str:
    sort = f' data-first="{c.first}"' if c.numeric else ' data-first="ascending" data-text="1"'
    return (f'<th scope="col" aria-sort="none"{sort} title="{escape(c.tip)}">'
            f'<button type="button">{escape(c.header)}</button></th>')


def _column_legend(columns: list[Column]) -> str:
    items = "".join(f"<dt>{escape(c.header)}</dt><dd>{escape(c.tip)}</dd>" for c in columns)
    return f'<details class="columns"><summary>Columns</summary><dl>{items}</dl></details>\n'


# ---------------------------------------------------------------------------------------------- rows


def _num(x) -> str:
    """The sort key of a cell: a float's repr, ``Infinity``, or empty for a missing value."""
    if x is None:
        return ""
    x = float(x)
    if math.isnan(x):
        return ""
    return ("Infinity" if x > 0 else "-Infinity") if math.isinf(x) else repr(x)


def _td(text: str, value=None, tip: str = "", cls: str = "num", markup: bool = False) -> str:
    """A cell: ``text`` (escaped unless it is ``markup``), its sort key ``data-v`` and a tooltip."""
    v = f' data-v="{_num(value)}"' if value is not None or cls == "num" else ""
    t = f' title="{escape(tip)}"' if tip else ""
    c = f' class="{cls}"' if cls else ""
    return f"<td{c}{v}{t}>{text if markup else escape(text)}</td>"


def _row(i: int, variant: str, r: pd.Series, columns: list[Column], records) -> str:
    kind = r.get("kind", "trial")
    trial = kind == "trial"
    learned = bool(r["learned"]) if trial else False
    classes = [ROW_CLASS.get(kind, "reference")] if not trial else (["ranked"] if learned else ["unranked"])
    if learned and bool(r["tie_best"]):
        classes.append("tie")
    cells = [_cell(c, variant, r, kind, learned, records) for c in columns]
    return f'<tr class="{" ".join(classes)}" data-i="{i}">{"".join(cells)}</tr>\n'


def _cell(c: Column, variant: str, r: pd.Series, kind: str, learned: bool, records) -> str:
    trial = kind == "trial"
    if c.key == "rank":
        if learned:
            return _td(str(int(r["rank"])), r["rank"])
        return _td("" if not trial else fmt.DASH, math.nan)
    if c.key == "variant":
        return _variant_cell(variant, r, kind, learned, records)
    if c.key == "p_vs_init":
        p = r["p_vs_init"] if trial else math.nan
        return _td("" if not trial else fmt.p_value(p), p, "" if not trial or math.isnan(p) else f"p = {p:.3g}")
    if c.key in ("g_steps", "gflops", "train_s"):
        x = r[c.key] if trial else math.nan
        return _td(fmt.count(x) if trial else "", x)
    if c.key == "auc" or c.key in {target_key(f) for f in TARGETS}:
        if not trial:
            return _td("", math.nan)
        text = auc_text(r) if c.key == "auc" else ert_text(r, int(c.key[3:]) / 100)
        lo, hi = r.get(f"{c.key} ci_lo", math.nan), r.get(f"{c.key} ci_hi", math.nan)
        return _td(text, r.get(c.key, math.nan), f"{r.get(c.key, math.nan):.6g}, CI [{lo:.4g}, {hi:.4g}]"
                   if not math.isnan(r.get(c.key, math.nan)) else "")
    if c.key == "seeds":
        extra = [f"{int(r[s])} {s}" for s in ("diverged", "failed") if int(r[s])]
        text = str(int(r["ok"])) + (f" ({', '.join(extra)})" if extra else "")
        return _td(text, int(r["ok"]))
    percent = _percent(c.key)
    if c.key.endswith(" ci"):
        m = c.key[: -len(" ci")]
        return _td(fmt.interval(r[f"{m} ci_lo"], r[f"{m} ci_hi"], percent), r[f"{m} mean"])
    mean, std, n = r[f"{c.key} mean"], r[f"{c.key} std"], r[f"{c.key} n"]
    return _td(fmt.round_to_ci(mean, std, percent), mean, _cell_tip(mean, std, r[f"{c.key} ci_lo"],
                                                                    r[f"{c.key} ci_hi"], n))


def _cell_tip(mean, std, lo, hi, n) -> str:
    """The exact numbers behind a rounded cell (what is undefined is left out, not printed as nan)."""
    if math.isnan(mean):
        return ""
    parts = [f"mean {mean:.6g}"] + ([f"std {std:.3g}"] if math.isfinite(std) else [])
    parts += [f"95% CI [{lo:.4g}, {hi:.4g}]"] if math.isfinite(lo) and math.isfinite(hi) else []
    return ", ".join(parts + [f"{int(n)} seed{'s' if int(n) != 1 else ''}"])


def _percent(column: str) -> bool:
    v = VALUES.get(column.split("[", 1)[0])
    return bool(v and v.percent)


def _variant_cell(variant, r, kind, learned, records) -> str:
    name = f'<span class="name">{escape(variant)}</span>'
    if kind != "trial":
        label = REFERENCE_LABELS.get(kind, kind)
        tag = {"ceiling": "ceiling", "floor": "floor"}.get(ROW_CLASS.get(kind, ""), "reference")
        return _td(f'{name} <span class="tag">{escape(tag)}</span>', tip=label, cls="variant", markup=True)
    vc = next((x.get("variant_config", {}) for x in records if x["variant"] == variant and x.get("variant_config")),
              {})
    about = "; ".join(str(vc[k]) for k in ("doc", "paper") if vc.get(k))
    if learned:
        tie = (' <abbr class="tie-mark" title="not significantly different from the best (two-sided Welch test, '
               f'α = {ALPHA})">≈</abbr>') if bool(r["tie_best"]) else ""
        return _td(name + tie, tip=about, cls="variant", markup=True)
    reason = not_learned_label(r)
    p = r["p_vs_init"]
    why = (f"one seed on one side: Welch's test has no spread to work with; run 2 or more seeds to rank it"
           if bool(r.get("untested", False)) else
           f"its headline is not significantly better than the untrained generator's (p = {fmt.p_value(p)})")
    return _td(f'{name} <span class="reason">{escape(reason)}</span>', tip=f"{about}. Not ranked: {why}".lstrip(". "),
               cls="variant", markup=True)


def _problems(records) -> str:
    bad = [r for r in records if r["status"] != "ok"]
    if not bad:
        return ""
    items = "".join(f"<li><code>{escape(r['trial_id'])}</code> {escape(r['status'])}: "
                    f"{escape((r.get('error') or '').strip().splitlines()[0] if r.get('error') else '')}</li>"
                    for r in bad)
    return (f'<details class="problems"><summary>{len(bad)} seed(s) failed or diverged</summary><ul>{items}</ul>'
            "</details>\n")


# ---------------------------------------------------------------------------------------------- plots


def _figures(task: str, table: pd.DataFrame, plots: Mapping[str, Path], n_modes) -> str:
    if not [k for k in plots if k != "curves"]:
        return ""
    head = _headline(table)
    metric = column_header(head, n_modes) if head else "the headline"
    what = "translations of the test inputs" if _task_info(task).get("kind") == "translation" else "samples"
    order = {k: i for i, k in enumerate(PLOTS)}
    figs = []
    for key in sorted(plots, key=lambda k: (order.get(k.rsplit(" ", 1)[-1], len(order)), k)):
        kind = key.rsplit(" ", 1)[-1]
        if kind == "curves":  # drawn in the task's budget-axis block, beside its ranks
            continue
        variant = key[: -len(" mixing")] if kind == "mixing" else ""
        alt = PLOTS.get(kind, "{task}: " + key).format(task=task, what=what, metric=metric, variant=variant)
        figs.append(_figure(Path(plots[key]), alt, kind))
    return f'<div class="figures">{"".join(figs)}</div>\n'


def _figure(path: Path, alt: str, kind: str) -> str:
    data = path.read_bytes()
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError(f"{path}: not a PNG file; the leaderboard page embeds the PNGs its plots write")
    width, height = struct.unpack(">II", data[16:24])
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    cls = "fig wide" if kind in ("samples", "reconstructions", "curves") else "fig"
    return (f'<figure class="{cls}"><img src="{src}" width="{width}" height="{height}" alt="{escape(alt)}">'
            f"<figcaption>{escape(alt)}</figcaption></figure>")


def _text_table(frame: pd.DataFrame, cls: str, labelled_by: str) -> str:
    """A small non-sortable table of text cells (names and numbers already formatted), escaped."""
    ths = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    rows = "".join("<tr>" + "".join(f'<td class="{"text" if i == 0 else "num"}">{escape(str(v))}</td>'
                                    for i, v in enumerate(row)) + "</tr>\n" for row in frame.itertuples(index=False))
    return (f'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="{labelled_by}">'
            f'<table class="{cls}" aria-labelledby="{labelled_by}">\n<thead><tr>{ths}</tr></thead>\n<tbody>\n{rows}'
            "</tbody>\n</table></div>\n")


def _anytime_note(axis: BudgetAxis | None) -> str:
    return f'<p class="note">{escape(anytime_caption(axis))}</p>\n' if axis is not None else ""


def _selection(task: str, table: pd.DataFrame, records: list[dict]) -> str:
    """With ``--select best``: the selected points' headline beside the final points' and the optimism."""
    chosen = selection_table(records, task)
    if chosen.empty:
        return ""
    place = {v: i for i, v in enumerate(table.index)}
    chosen = chosen.sort_values("variant", key=lambda s: s.map(place).fillna(len(place)), kind="stable")
    head = _headline(table) or ""
    unit = next((u for u in chosen["unit"] if u), "")
    tid = _task_id(task) + "-sel"
    return (f'<div class="selection">\n<p class="note" id="{tid}">{escape(selection_caption(head))}</p>\n'
            f"{_text_table(selection_display(chosen, head, BUDGET_UNITS.get(unit, unit)), 'ranks', tid)}</div>\n")


def _budget_axis(axis: BudgetAxis | None, figure: Path | None, n_modes) -> str:
    """A task's training-run block: the learning-curve figure, its caption, ranks by budget, order changes."""
    if axis is None:
        return ""
    tid = _task_id(axis.task)
    metric = column_header(axis.headline, n_modes)
    alt = PLOTS["curves"].format(task=axis.task, metric=metric)
    fig = f'<div class="figures">{_figure(Path(figure), alt, "curves")}</div>\n' if figure else ""
    notes = "".join(f'<p class="note">{escape(n)}</p>\n' for n in axis.notes)
    return (f'<div class="budget-axis">\n<h3 id="{tid}-run">{escape(axis.task)}: along the training run</h3>\n{fig}'
            f'<p class="note">{escape(curves_caption(axis))}</p>\n'
            f'<p class="caption" id="{tid}-ranks">{escape(axis.task)}: rank · mean ± std of {escape(metric)} at each '
            f'budget</p>\n<p class="note">{escape(ranks_caption(axis))}</p>\n'
            f"{_text_table(ranks_display(axis), 'ranks', f'{tid}-ranks')}"
            f'<p class="order">{escape(order_sentence(axis))}</p>\n{notes}</div>\n')


def _task_id(task: str) -> str:
    return "task-" + safe_name(task)


def _task_link(task: str) -> str:
    return f'<a href="#{_task_id(task)}">{escape(task)}</a>'


# ---------------------------------------------------------------------------------------------- assets

CSS = """\
:root { --fg: #1d2330; --muted: #8a909c; --bg: #ffffff; --panel: #f5f6f8; --line: #d9dce2; --accent: #2b5fb3;
  --ceiling: #e7f4ea; --ceiling-edge: #2e8b57; --floor: #fbeceb; --floor-edge: #c0504d; --tie: #fff6d9; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e7ec; --muted: #8d94a0; --bg: #15181e; --panel: #1e222a; --line: #343a45; --accent: #8fb3ff;
    --ceiling: #1d3326; --ceiling-edge: #5cc08a; --floor: #3a2223; --floor-edge: #e07a76; --tie: #3a3420; }
  img { background: #fff; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1440px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .6rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .2rem; padding-top: .6rem; border-top: 1px solid var(--line); }
a { color: var(--accent); }
code { font-size: .92em; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 .8rem; }
.facts dt { font-weight: 600; color: var(--muted); }
.facts dd { margin: 0; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .4rem; padding: 0; margin: 0 0 .8rem; }
nav a { display: inline-block; padding: .15rem .6rem; border: 1px solid var(--line); border-radius: 1rem;
  text-decoration: none; background: var(--panel); }
details { margin: .5rem 0; }
details > summary { cursor: pointer; color: var(--accent); }
.how ul { margin: .4rem 0; padding-left: 1.2rem; }
.how li { margin: .25rem 0; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; border-left: 4px solid; }
.swatch.ceiling { background: var(--ceiling); border-color: var(--ceiling-edge); }
.swatch.floor { background: var(--floor); border-color: var(--floor-edge); }
.muted { color: var(--muted); }
.about { margin: 0 0 .4rem; color: var(--muted); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.table-wrap:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
table.claims { border-collapse: collapse; width: 100%; font-size: .86rem; }
table.claims th, table.claims td { padding: .32rem .42rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
table.claims thead th { background: var(--panel); }
table.claims td.verdict { font-weight: 600; }
table.ranks { border-collapse: collapse; width: 100%; font-size: .84rem; font-variant-numeric: tabular-nums; }
table.ranks th, table.ranks td { padding: .3rem .42rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.ranks thead th { background: var(--panel); text-align: right; }
table.ranks thead th:first-child, table.ranks td.text { text-align: left; }
table.ranks td.num { text-align: right; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
.note { font-size: .86rem; margin: .4rem 0; }
.order { font-size: .9rem; border-left: 3px solid var(--accent); padding-left: .5rem; }
table.lb { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: .86rem; }
.caption { font-weight: 600; margin: .3rem 0; }
.regime { font-size: .9rem; border-left: 3px solid var(--muted); padding-left: .5rem; }
.protocol { margin: 0 0 .5rem; font-size: .88rem; }
table.lb th, table.lb td { padding: .32rem .42rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.lb thead th { background: var(--panel); text-align: right; vertical-align: bottom; white-space: normal;
  min-width: 3.6rem; }
table.lb th button { all: unset; cursor: pointer; font-weight: 600; text-decoration: underline dotted;
  text-underline-offset: 3px; }
table.lb th button:focus-visible { outline: 2px solid var(--accent); }
table.lb th button::after { content: "\\00a0\\2195"; color: var(--muted); font-weight: 400; }
table.lb th[aria-sort="ascending"] button::after { content: "\\00a0\\25B2"; color: var(--accent); }
table.lb th[aria-sort="descending"] button::after { content: "\\00a0\\25BC"; color: var(--accent); }
table.lb th[data-text], table.lb td.variant { text-align: left; }
table.lb td.num { text-align: right; }
table.lb tbody tr:hover { outline: 1px solid var(--accent); outline-offset: -1px; }
tr.ceiling { background: var(--ceiling); }
tr.ceiling td:first-child { box-shadow: inset 4px 0 var(--ceiling-edge); }
tr.floor { background: var(--floor); }
tr.floor td:first-child { box-shadow: inset 4px 0 var(--floor-edge); }
tr.tie td.variant .name { font-weight: 600; }
tr.ranked td:first-child { font-weight: 600; }
tr.unranked td { color: var(--muted); }
.tag, .reason { font-size: .75rem; padding: .05rem .4rem; border-radius: .6rem; border: 1px solid currentColor;
  margin-left: .3rem; white-space: nowrap; }
tr.ceiling .tag { color: var(--ceiling-edge); }
tr.floor .tag { color: var(--floor-edge); }
.reason { font-style: italic; }
abbr.tie-mark { text-decoration: none; font-weight: 700; margin-left: .25rem; background: var(--tie);
  padding: 0 .25rem; border-radius: .3rem; }
.columns dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .9rem; margin: .4rem 0;
  font-size: .88rem; }
.columns dt { font-weight: 600; }
.columns dd { margin: 0; }
.problems li { font-size: .88rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); gap: 1rem;
  margin: .8rem 0; }
.fig { margin: 0; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.fig.wide { grid-column: 1 / -1; }
.fig img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.fig figcaption { font-size: .8rem; color: var(--muted); margin-top: .3rem; }
footer { margin: 2rem auto; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
@media (max-width: 640px) {
  body { font-size: 14px; }
  header, main, footer { padding: 0 .6rem; }
  h1 { font-size: 1.3rem; }
  .facts, .columns dl { grid-template-columns: 1fr; }
  .facts dd, .columns dd { margin-bottom: .3rem; }
  table.lb th, table.lb td { padding: .3rem .4rem; }
}
"""

# Sorting: numbers by data-v (missing values last either way), text by content; the third click
# restores the leaderboard's order (data-i).
SCRIPT = """\
(function () {
  "use strict";
  function key(row, i, text) {
    var cell = row.cells[i];
    if (text) { return cell.textContent.trim().toLowerCase(); }
    var v = cell.getAttribute("data-v");
    return v === null || v === "" ? null : parseFloat(v);
  }
  function sort(table, th) {
    var i = th.cellIndex, text = th.hasAttribute("data-text"), first = th.getAttribute("data-first");
    var state = th.getAttribute("aria-sort"), other = first === "ascending" ? "descending" : "ascending";
    var next = state === "none" ? first : (state === first ? other : "none");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.setAttribute("aria-sort", "none"); });
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = Number(a.getAttribute("data-i")) - Number(b.getAttribute("data-i"));
      if (next === "none") { return order; }
      var x = key(a, i, text), y = key(b, i, text);
      if (x === null || y === null) { return x === y ? order : (x === null ? 1 : -1); }
      var c = x < y ? -1 : (x > y ? 1 : 0);
      return (next === "descending" ? -c : c) || order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    th.setAttribute("aria-sort", next);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.lb"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.querySelector("button").addEventListener("click", function () { sort(table, th); });
    });
  });
})();
"""
