"""Leaderboards from TrialRecords (pandas): a tidy long table, an aggregated wide table per task,
Markdown/CSV/HTML rendering and plots. Reads records only; never trains."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.records import RunDir, load_records, safe_name, trial_id
from ganbench.report.stats import mean_ci, welch_p

ALPHA = 0.05
FORMATS = ("md", "csv", "html")


def trials_frame(records: list[dict]) -> pd.DataFrame:
    """One row per trial: identity, status, error, budget and spend."""
    rows = []
    for r in records:
        rows.append({"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"],
                     "seed_index": r["seed_index"], "status": r["status"], "error": r.get("error", ""),
                     "extractor": r.get("protocol", {}).get("extractor", ""),
                     "headline": r.get("protocol", {}).get("headline", ""), "config_hash": r.get("config_hash", ""),
                     **{f"spent_{k}": v for k, v in r.get("spent", {}).items()}})
    return pd.DataFrame(rows)


def long_frame(records: list[dict]) -> pd.DataFrame:
    """The tidy long table: one row per (trial, metric value) of every ``ok`` trial."""
    rows = []
    for r in records:
        if r["status"] != "ok":
            continue
        ext = r.get("protocol", {}).get("extractor", "")
        for name, value in r.get("metrics", {}).items():
            rows.append({"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"],
                         "seed_index": r["seed_index"], "metric": name, "extractor": ext,
                         "column": f"{name}[{ext}]", "value": float(value),
                         "higher_is_better": HIGHER_IS_BETTER.get(name), "config_hash": r.get("config_hash", "")})
    cols = ["trial_id", "suite", "task", "variant", "seed_index", "metric", "extractor", "column", "value",
            "higher_is_better", "config_hash"]
    return pd.DataFrame(rows, columns=cols)


def load_results(run_dir) -> pd.DataFrame:
    """The long table of a run directory, for notebooks: one row per trial x metric."""
    return long_frame(load_records(run_dir))


def _direction(column: str):
    return HIGHER_IS_BETTER.get(column.split("[", 1)[0])


def aggregate(records: list[dict]) -> dict[str, pd.DataFrame]:
    """Per task, a wide numeric table indexed by variant: for each ranked metric column ``c``:
    ``c mean``, ``c std``, ``c n``, ``c ci_lo``, ``c ci_hi``; plus ``ok``, ``diverged``, ``failed``,
    ``rank`` (direction-aware, on the task's headline metric; 1 = best), ``headline`` and ``tie_best``
    (True where a Welch t-test cannot tell the variant from the best at α = 0.05)."""
    trials = trials_frame(records)
    long = long_frame(records)
    out = {}
    for task, tt in trials.groupby("task", sort=False):
        variants = list(dict.fromkeys(tt["variant"]))
        lt = long[long["task"] == task]
        columns = [c for c in dict.fromkeys(lt["column"]) if _direction(c) is not None]
        table = pd.DataFrame(index=pd.Index(variants, name="variant"))
        for status in ("ok", "diverged", "failed"):
            table[status] = [int(((tt["variant"] == v) & (tt["status"] == status)).sum()) for v in variants]
        values = {c: {v: lt[(lt["column"] == c) & (lt["variant"] == v)].sort_values("seed_index")["value"].to_numpy()
                      for v in variants} for c in columns}
        for c in columns:
            stats = [mean_ci(values[c][v]) for v in variants]
            for key in ("mean", "std", "n", "ci_lo", "ci_hi"):
                table[f"{c} {key}"] = [s[key] for s in stats]
        head_name = next((h for h in tt["headline"] if h), "")
        head = next((c for c in columns if c.split("[")[0] == head_name), columns[0] if columns else None)
        table["headline"] = head
        if head is not None:
            higher = _direction(head)
            means = table[f"{head} mean"]
            table["rank"] = means.rank(ascending=not higher, method="min", na_option="bottom").astype(int)
            best = means.idxmax() if higher else means.idxmin()
            if isinstance(best, float) and math.isnan(best):
                table["tie_best"] = False
            else:
                table["tie_best"] = [v == best or (not np.isnan(p := welch_p(values[head][v], values[head][best])) and p >= ALPHA)
                                     for v in variants]
            table = table.sort_values(["rank"])
        out[task] = table
    return out


def _pm(mean, std) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    digits = lambda x: f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"  # noqa: E731
    return digits(mean) if std is None or math.isnan(std) else f"{digits(mean)} ± {digits(std)}"


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The human table: rank, variant, headline mean ± std and its 95% CI, other metrics, counts."""
    head = table["headline"].iloc[0] if len(table) else None
    cols = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean")]
    rows = []
    for v, r in table.iterrows():
        row = {"rank": int(r["rank"]) if "rank" in r else "", "variant": v + ("" if r.get("tie_best", False) is False else " ≈")}
        for c in ([head] if head else []) + [c for c in cols if c != head]:
            row[c] = _pm(r[f"{c} mean"], r[f"{c} std"])
            if c == head:
                row[f"{c} 95% CI"] = "—" if math.isnan(r[f"{c} ci_lo"]) else f"[{r[f'{c} ci_lo']:.3g}, {r[f'{c} ci_hi']:.3g}]"
        row.update({"n": int(r["ok"]), "diverged": int(r["diverged"]), "failed": int(r["failed"])})
        rows.append(row)
    return pd.DataFrame(rows)


def render(records: list[dict], fmt: str = "md", title: str = "") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    tables = aggregate(records)
    if fmt == "csv":
        frames = [t.reset_index().assign(task=task) for task, t in tables.items()]
        return pd.concat(frames, ignore_index=True).to_csv(index=False)
    parts = []
    budgets = {(r["task"]): r.get("budget", {}) for r in records}
    protos = {(r["task"]): r.get("protocol", {}) for r in records if r["status"] == "ok"}
    for task, t in tables.items():
        p = protos.get(task, {})
        budget = ", ".join(f"{k}={v:g}" for k, v in budgets.get(task, {}).items())
        caption = (f"budget {budget}; {p.get('n_fake', '?')} fakes vs {p.get('n_real', '?')} reals; "
                   f"ranked by {t['headline'].iloc[0]}; ≈: not significantly different from the best "
                   f"(Welch t-test, α = {ALPHA}); mean ± std over seeds")
        d = display_table(t)
        if fmt == "md":
            parts.append(f"## {task}\n\n{caption}\n\n{d.to_markdown(index=False)}\n")
        else:
            parts.append(f"<h2>{task}</h2><p>{caption}</p>{d.to_html(index=False, escape=True)}")
    head = f"# {title}\n\n" if title and fmt == "md" else (f"<h1>{title}</h1>" if title else "")
    return head + "\n".join(parts)


def write_leaderboard(run_dir, out_dir=None, formats=("md", "csv"), plots: bool = True) -> dict:
    """Write ``leaderboard.{md,csv}``, ``long.csv`` and per-task plots into ``run_dir/leaderboard``
    (or ``out_dir``); returns the paths written."""
    from ganbench.utils.atomic import atomic_write_text

    run_dir = Path(run_dir)
    records = load_records(run_dir)
    out_dir = Path(out_dir) if out_dir else run_dir / "leaderboard"
    suite = records[0].get("suite", "")
    written = {}
    for fmt in formats:
        path = out_dir / f"leaderboard.{fmt}"
        atomic_write_text(path, render(records, fmt, title=f"ganbench leaderboard: suite {suite}"))
        written[fmt] = path
    atomic_write_text(out_dir / "long.csv", long_frame(records).to_csv(index=False))
    written["long"] = out_dir / "long.csv"
    if plots:
        written.update(_plots(run_dir, records, out_dir))
    return written


def _plots(run_dir: Path, records, out_dir: Path) -> dict:
    from ganbench.report.plots import save_metric_bars, save_sample_panel
    from ganbench.tasks import get_task

    written = {}
    for task, table in aggregate(records).items():
        safe = safe_name(task)
        head = table["headline"].iloc[0]
        if head:
            path = out_dir / f"{safe}_{head.split('[')[0]}.png"
            save_metric_bars(path, table.reset_index(), head, title=f"{task}: {head} (mean ± std over seeds)")
            written[f"{task} bars"] = path
        fakes = {}
        for v in table.index:
            f = RunDir(run_dir).sample_path(trial_id(task, v, 0))
            if f.is_file():
                fakes[v] = np.load(f)
        if fakes:
            try:
                t = get_task(task)
            except ValueError:
                continue
            path = out_dir / f"{safe}_samples.png"
            save_sample_panel(path, t, fakes, title=f"{task}: samples of seed 0")
            written[f"{task} samples"] = path
    return written
