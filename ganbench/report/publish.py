"""A run directory's leaderboard, rendered and written: ``leaderboard.{md,csv,html}``, ``long.csv``, the
claims' verdicts and the per-task plots. The records are aggregated once
(:func:`ganbench.report.tables.aggregate`) and the tables passed to every renderer."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.records import RunDir, load_records, safe_name, trial_id
from ganbench.report import escape
from ganbench.report.claims import claim_verdicts, claims_table, suite_claims, verdicts_json
from ganbench.report.html import plots_by_task, render_page
from ganbench.report.markdown import render_csv, render_markdown
from ganbench.report.plots import (save_metric_bars, save_mixing_grid, save_reconstruction_panel, save_sample_panel,
                                   save_truncation_curve)
from ganbench.report.tables import aggregate, long_frame, not_learned_label
from ganbench.utils.atomic import atomic_write_text

FORMATS = ("md", "csv", "html")


def render(records: list[dict], fmt: str = "md", title: str = "", claims: tuple | None = None,
           tables: dict[str, pd.DataFrame] | None = None) -> str:
    """The leaderboard of ``records`` as markdown, csv or html (without plots). ``claims``: the
    ``(verdicts, design)`` of the suite's published claims (:mod:`ganbench.report.claims`), shown first;
    ``tables``: :func:`~ganbench.report.tables.aggregate` of ``records``, when already built."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    tables = aggregate(records) if tables is None else tables
    if fmt == "html":  # the page without plots; html_page() embeds a run directory's
        return render_page(records, title=title, claims=claims, tables=tables)
    if fmt == "csv":
        return render_csv(tables)
    return render_markdown(records, tables, title=title, claims=claims)


def write_leaderboard(run_dir, out_dir=None, formats=FORMATS, plots: bool = True) -> dict:
    """Write ``leaderboard.{md,csv,html}``, ``long.csv`` and per-task plots into ``run_dir/leaderboard``
    (or ``out_dir``); the html page embeds the plots (drawn first); returns the paths written."""
    run_dir = Path(run_dir)
    records = load_records(run_dir)
    out_dir = Path(out_dir) if out_dir else run_dir / "leaderboard"
    tables = aggregate(records)
    drawn = draw_plots(run_dir, records, out_dir, tables) if plots else {}
    claims = _claims(run_dir, records, tables)
    title = f"ganbench leaderboard: suite {records[0].get('suite', '')}"
    written = {}
    for fmt in formats:
        path = out_dir / f"leaderboard.{fmt}"
        text = (_page(run_dir, records, drawn, title, claims, tables) if fmt == "html"
                else render(records, fmt, title=title, claims=claims, tables=tables))
        atomic_write_text(path, text)
        written[fmt] = path
    if claims:
        atomic_write_text(out_dir / "claims.json", verdicts_json(claims[0]))
        atomic_write_text(out_dir / "claims.csv", escape.csv_frame(claims_table(claims[0])).to_csv(index=False))
        written["claims"] = out_dir / "claims.json"
    atomic_write_text(out_dir / "long.csv", escape.csv_frame(long_frame(records)).to_csv(index=False))
    written["long"] = out_dir / "long.csv"
    written.update(drawn)
    return written


def _claims(run_dir: Path, records, tables) -> tuple | None:
    """``(verdicts, design)`` of the claims the run directory's suite tests, or None."""
    ids, design = suite_claims(run_dir)
    return (claim_verdicts(records, ids, design, tables=tables), design) if ids else None


def html_page(run_dir, plots_dir=None) -> str:
    """The self-contained leaderboard page of a run directory, its plots embedded: drawn into
    ``plots_dir`` (kept) or a temporary folder (removed), so rendering writes nothing into the run."""
    run_dir = Path(run_dir)
    records = load_records(run_dir)
    tables = aggregate(records)
    title = f"ganbench leaderboard: suite {records[0].get('suite', '')}"
    claims = _claims(run_dir, records, tables)
    if plots_dir is not None:
        return _page(run_dir, records, draw_plots(run_dir, records, Path(plots_dir), tables), title, claims, tables)
    with tempfile.TemporaryDirectory(prefix="ganbench-plots-") as tmp:
        return _page(run_dir, records, draw_plots(run_dir, records, Path(tmp), tables), title, claims, tables)


def _page(run_dir: Path, records, drawn: dict, title: str, claims, tables) -> str:
    suite_json = RunDir(run_dir).suite_json
    description = json.loads(suite_json.read_text()).get("description", "") if suite_json.is_file() else ""
    tasks = list(dict.fromkeys(r["task"] for r in records))
    return render_page(records, plots_by_task(drawn, tasks), title=title, description=description, claims=claims,
                       tables=tables)


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False where the name cannot be a file (too long for the file system: no
    trial could have written samples there)."""
    try:
        return path.is_file()
    except OSError:
        return False


def draw_plots(run_dir: Path, records, out_dir: Path, tables: dict[str, pd.DataFrame] | None = None) -> dict:
    """Draw every task's plots into ``out_dir`` (headline bars, FID against truncation, samples,
    reconstructions, style-mixing grids); returns ``{"{task} {what}": path}``. Names in titles and labels
    are cut to :data:`ganbench.report.escape.PLOT_WIDTH` characters (the tables keep them whole)."""
    from ganbench.tasks import get_task

    tables = aggregate(records) if tables is None else tables
    written = {}
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
