"""A run directory's leaderboard, rendered and written: ``leaderboard.{md,csv,html}``, ``long.csv``, the
claims' verdicts, a tuned run's section (:mod:`ganbench.report.tuning`: its tables show the reruns,
``tuning.csv`` every configuration's one-seed value, ``<task>_tuning.png`` the expected best of n), the
per-task plots, and the learning curves in long form (``curves_long.csv``) and as JSON lines
(``curves.jsonl``). The records are aggregated once
(:func:`ganbench.report.tables.aggregate`, with the budget axis's columns,
:func:`ganbench.report.budget_axis.add_budget_columns`) and the tables passed to every renderer.

``select``: which point of each trial's curve the tables judge, ``"final"`` (the default) or
``"best"`` on the selection reference (:mod:`ganbench.report.selection`); the curves, their
figure and the budget axis are the same either way."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.records import RunDir, load_records, safe_name, trial_id
from ganbench.report import escape
from ganbench.report.budget_axis import BudgetAxis, add_budget_columns, budget_axes
from ganbench.report.claims import claim_verdicts, claims_table, suite_claims, verdicts_json
from ganbench.report.html import plots_by_task, render_page
from ganbench.report.markdown import render_csv, render_markdown
from ganbench.report.curve_export import curves_jsonl, curves_long
from ganbench.report.plots import (save_expected_best, save_learning_curves, save_metric_bars, save_mixing_grid,
                                   save_reconstruction_panel, save_sample_panel, save_truncation_curve)
from ganbench.report.selection import selected_points
from ganbench.report.tables import aggregate, long_frame, not_learned_label
from ganbench.report.tuning import TuneSummary, curve_axes, load_design, summarise, tuning_frame
from ganbench.utils.atomic import atomic_write_text

FORMATS = ("md", "csv", "html")


def prepare(records: list[dict], select: str = "final", tables: dict[str, pd.DataFrame] | None = None
            ) -> tuple[list[dict], dict, dict]:
    """``(records judged at their selected point, tables, budget axes)``: the records through
    :func:`~ganbench.report.selection.selected_points`, aggregated once (``tables``, when already
    built from them), each task's budget axis (:func:`~ganbench.report.budget_axis.budget_axes`) and
    its columns joined to the tables."""
    records = selected_points(records, select)
    tables = aggregate(records) if tables is None else tables
    axes = budget_axes(records, tables)
    return records, add_budget_columns(tables, axes), axes


def tuned(run_dir, records: list[dict]) -> tuple[list[dict], TuneSummary | None]:
    """``(the records the leaderboard's tables show, the tuning summary)`` of a run directory: for a tuned
    run (``tune.json``, :mod:`ganbench.report.tuning`) the reruns of the selected configurations and the
    defaults with the reference rows and the variants it does not tune, and its summary; otherwise
    ``(records, None)``."""
    design = load_design(run_dir)
    if design is None:
        return records, None
    summary = summarise(records, design)
    return summary.view, summary


def render(records: list[dict], fmt: str = "md", title: str = "", claims: tuple | None = None,
           tables: dict[str, pd.DataFrame] | None = None, select: str = "final",
           tuning: TuneSummary | None = None) -> str:
    """The leaderboard of ``records`` as markdown, csv or html (without plots). ``claims``: the
    ``(verdicts, design)`` of the suite's published claims (:mod:`ganbench.report.claims`), shown first;
    ``tables``: :func:`~ganbench.report.tables.aggregate` of ``records``, when already built;
    ``select``: the point of each trial's curve the tables judge (module docstring); ``tuning``: a tuned
    run's summary (:func:`tuned`), its section first (``records`` then its view)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    records, tables, axes = prepare(records, select, tables)
    if fmt == "html":  # the page without plots; html_page() embeds a run directory's
        return render_page(records, title=title, claims=claims, tables=tables, axes=axes,
                           tuning=(tuning, {}) if tuning else None)
    if fmt == "csv":
        return render_csv(tables)
    return render_markdown(records, tables, title=title, claims=claims, axes=axes,
                           tuning=(tuning, {}) if tuning else None)


def write_leaderboard(run_dir, out_dir=None, formats=FORMATS, plots: bool = True, select: str = "final") -> dict:
    """Write ``leaderboard.{md,csv,html}``, ``long.csv``, ``curves_long.csv``, ``curves.jsonl`` and
    per-task plots into ``run_dir/leaderboard`` (or ``out_dir``); the html page embeds the plots (drawn
    first), the Markdown links them; ``select``: the point of each trial's curve the tables judge
    (module docstring); returns the paths written."""
    run_dir = Path(run_dir)
    every = load_records(run_dir)
    raw, tuning = tuned(run_dir, every)
    out_dir = Path(out_dir) if out_dir else run_dir / "leaderboard"
    records, tables, axes = prepare(raw, select)
    drawn = draw_plots(run_dir, records, out_dir, tables, axes) if plots else {}
    tuning_figures = draw_tuning(tuning, out_dir) if tuning and plots else {}
    claims = _claims(run_dir, records, tables)
    title = f"ganbench leaderboard: suite {records[0].get('suite', '')}"
    written = {}
    for fmt in formats:
        path = out_dir / f"leaderboard.{fmt}"
        if fmt == "html":
            text = _page(run_dir, records, drawn, title, claims, tables, axes,
                         (tuning, tuning_figures) if tuning else None)
        elif fmt == "md":
            text = render_markdown(records, tables, title=title, claims=claims, axes=axes,
                                   figures={t: p.name for t, p in _curve_figures(drawn, axes).items()},
                                   tuning=(tuning, {t: p.name for t, p in tuning_figures.items()}) if tuning else None)
        else:
            text = render_csv(tables)
        atomic_write_text(path, text)
        written[fmt] = path
    if claims:
        atomic_write_text(out_dir / "claims.json", verdicts_json(claims[0]))
        atomic_write_text(out_dir / "claims.csv", escape.csv_frame(claims_table(claims[0])).to_csv(index=False))
        written["claims"] = out_dir / "claims.json"
    if tuning:  # every configuration's one-seed tuning value, at full precision
        atomic_write_text(out_dir / "tuning.csv", escape.csv_frame(tuning_frame(tuning)).to_csv(index=False))
        written["tuning"] = out_dir / "tuning.csv"
    atomic_write_text(out_dir / "long.csv", escape.csv_frame(long_frame(records)).to_csv(index=False))
    written["long"] = out_dir / "long.csv"
    atomic_write_text(out_dir / "curves_long.csv", escape.csv_frame(curves_long(every)).to_csv(index=False))
    written["curves_long"] = out_dir / "curves_long.csv"
    atomic_write_text(out_dir / "curves.jsonl", curves_jsonl(every))
    written["curves_jsonl"] = out_dir / "curves.jsonl"
    written.update(drawn)
    written.update({f"{t} tuning": p for t, p in tuning_figures.items()})
    return written


def draw_tuning(summary: TuneSummary, out_dir: Path) -> dict[str, Path]:
    """Per task of a tuned run, the expected best of n configurations against n, every tuned variant on
    one axis (``<task>_tuning.png``); returns ``{task: path}``."""
    out = {}
    for task, axis in curve_axes(summary).items():
        path = Path(out_dir) / f"{safe_name(task)}_tuning.png"
        save_expected_best(path, axis["curves"], axis["defaults"], ylabel=axis["ylabel"],
                           title=escape.shorten(axis["title"], 90))
        out[task] = path
    return out


def _curve_figures(drawn: dict, axes: dict) -> dict:
    """``{task: path}`` of the learning-curve figures among the plots drawn."""
    return {t: drawn[f"{t} curves"] for t in axes if f"{t} curves" in drawn}


def _claims(run_dir: Path, records, tables) -> tuple | None:
    """``(verdicts, design)`` of the claims the run directory's suite tests, or None."""
    ids, design = suite_claims(run_dir)
    return (claim_verdicts(records, ids, design, tables=tables), design) if ids else None


def html_page(run_dir, plots_dir=None, select: str = "final") -> str:
    """The self-contained leaderboard page of a run directory, its plots embedded: drawn into
    ``plots_dir`` (kept) or a temporary folder (removed), so rendering writes nothing into the run;
    ``select``: the point of each trial's curve the tables judge (module docstring)."""
    run_dir = Path(run_dir)
    raw, tuning = tuned(run_dir, load_records(run_dir))
    records, tables, axes = prepare(raw, select)
    title = f"ganbench leaderboard: suite {records[0].get('suite', '')}"
    claims = _claims(run_dir, records, tables)
    if plots_dir is not None:
        drawn = draw_plots(run_dir, records, Path(plots_dir), tables, axes)
        figures = draw_tuning(tuning, Path(plots_dir)) if tuning else {}
        return _page(run_dir, records, drawn, title, claims, tables, axes, (tuning, figures) if tuning else None)
    with tempfile.TemporaryDirectory(prefix="ganbench-plots-") as tmp:
        figures = draw_tuning(tuning, Path(tmp)) if tuning else {}
        return _page(run_dir, records, draw_plots(run_dir, records, Path(tmp), tables, axes), title, claims, tables,
                     axes, (tuning, figures) if tuning else None)


def _page(run_dir: Path, records, drawn: dict, title: str, claims, tables, axes, tuning=None) -> str:
    suite_json = RunDir(run_dir).suite_json
    description = json.loads(suite_json.read_text()).get("description", "") if suite_json.is_file() else ""
    tasks = list(dict.fromkeys(r["task"] for r in records))
    return render_page(records, plots_by_task(drawn, tasks), title=title, description=description, claims=claims,
                       tables=tables, axes=axes, tuning=tuning)


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False where the name cannot be a file (too long for the file system: no
    trial could have written samples there)."""
    try:
        return path.is_file()
    except OSError:
        return False


def draw_plots(run_dir: Path, records, out_dir: Path, tables: dict[str, pd.DataFrame] | None = None,
               axes: dict[str, BudgetAxis] | None = None) -> dict:
    """Draw every task's plots into ``out_dir`` (learning curves, headline bars, FID against
    truncation, samples, reconstructions, style-mixing grids); returns ``{"{task} {what}": path}``.
    Names in titles and labels are cut to :data:`ganbench.report.escape.PLOT_WIDTH` characters (the
    tables keep them whole). ``axes``: :func:`~ganbench.report.budget_axis.budget_axes` of the records."""
    from ganbench.tasks import get_task

    tables = aggregate(records) if tables is None else tables
    axes = budget_axes(records, tables) if axes is None else axes
    written = {}
    for task, axis in axes.items():
        path = out_dir / f"{safe_name(task)}_curves.png"
        save_curve_figure(path, axis)
        written[f"{task} curves"] = path
    for task, table in tables.items():
        safe, name = safe_name(task), escape.shorten(task)
        head = table["headline"].iloc[0]
        if head:
            path = out_dir / f"{safe}_{head.split('[')[0]}.png"
            save_metric_bars(path, table.reset_index(), head, title=f"{name}: {head} (mean ± std over seeds)",
                             references=[v for v in table.index if table.loc[v, "kind"] != "trial"])
            written[f"{task} bars"] = path
        if any(c.startswith("fid_psi") for c in table.columns):  # style-based G: FID against truncation
            path = out_dir / f"{safe}_truncation.png"
            save_truncation_curve(path, table.reset_index(), title=f"{name}: FID against truncation ψ")
            written[f"{task} truncation"] = path
        fakes, recons = {}, {}
        for v in table.index:
            f = RunDir(run_dir).sample_path(trial_id(task, v, 0))
            if _is_file(f.with_suffix(".recon.npy")):  # an encoder GAN's reconstructions
                recons[v] = np.load(f.with_suffix(".recon.npy"))
            grid = f.with_suffix(".mixing.npy")
            if _is_file(grid):  # a style-based G's style-mixing grid
                path = out_dir / f"{safe}_{safe_name(v)}_mixing.png"
                save_mixing_grid(path, np.load(grid), title=f"{name}: {escape.shorten(v)}, style mixing, seed 0")
                written[f"{task} {v} mixing"] = path
            if _is_file(f):
                kind = table.loc[v, "kind"]
                label = v if kind != "trial" else (v if table.loc[v, "learned"] else
                                                   f"{v} ({not_learned_label(table.loc[v])})")
                fakes[label] = np.load(f)
        if fakes:
            try:
                t = get_task(task)
            except ValueError:
                continue
            path = out_dir / f"{safe}_samples.png"
            what = "translations of the test inputs" if getattr(t, "kind", "") == "translation" else "samples"
            save_sample_panel(path, t, fakes, title=f"{name}: {what}, seed 0")
            written[f"{task} samples"] = path
            if recons:
                path = out_dir / f"{safe}_reconstructions.png"
                save_reconstruction_panel(path, t, recons, title=f"{name}: held-out inputs and their reconstructions "
                                                                 "G(E(x)), seed 0")
                written[f"{task} reconstructions"] = path
    return written


def save_curve_figure(path: Path, axis: BudgetAxis) -> None:
    """A task's learning-curve figure (``<task>_curves.png``): the headline against the budget, log x,
    per variant the mean and its pointwise 95% bootstrap band; the raw generator in a second panel where
    the ranked one is an average; the floor and ceiling as their mean and 95% CI."""
    name = escape.shorten(axis.task)
    panels = [(f"ranked generator: {axis.generator}", [(c.variant, c.mean, c.lo, c.hi) for c in axis.curves])]
    if axis.raw_curves:
        panels.append(("raw generator (no average)", [(c.variant, c.mean, c.lo, c.hi) for c in axis.raw_curves]))
    refs = {f"{label}: {ref.kind} (mean, 95% CI)": (ref.mean, ref.lo, ref.hi)
            for label, ref in (("ceiling", axis.ceiling), ("floor", axis.floor)) if ref is not None}
    better = "higher is better" if axis.higher else "lower is better"
    save_learning_curves(path, axis.budgets, panels, refs, xlabel=f"{axis.unit_words} (log scale)",
                         ylabel=f"{axis.headline} ({better})",
                         title=f"{name}: {axis.headline} against the budget, mean over seeds and pointwise 95% "
                               "bootstrap band")
