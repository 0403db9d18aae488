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
from ganbench.report.regime import regime_notes

ALPHA = 0.05
FORMATS = ("md", "csv", "html")


def trials_frame(records: list[dict]) -> pd.DataFrame:
    """One row per trial (and reference row): identity, kind, status, error, budget and spend."""
    rows = []
    for r in records:
        spent = r.get("spent", {})
        rows.append({"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"],
                     "kind": r.get("kind", "trial"), "seed_index": r["seed_index"], "status": r["status"],
                     "error": r.get("error", ""), "extractor": r.get("protocol", {}).get("extractor", ""),
                     "headline": r.get("protocol", {}).get("headline", ""), "config_hash": r.get("config_hash", ""),
                     "g_steps": spent.get("g_steps"), "gflops": spent.get("gflops"),
                     "train_s": spent.get("wall_s_per_trial", spent.get("wall_s"))})
    return pd.DataFrame(rows)


LONG_COLUMNS = ["trial_id", "suite", "task", "variant", "kind", "seed_index", "metric", "extractor", "generator",
                "column", "value", "higher_is_better", "config_hash"]


def long_frame(records: list[dict], raw: bool = False) -> pd.DataFrame:
    """The tidy long table: one row per (trial, metric value) of every ``ok`` trial and reference row.
    ``generator`` says which generator a value judged (``raw``, ``ema(d)``, or the reference kind);
    with ``raw``, values of the raw generator of trials ranked by their average are included too."""
    rows = []
    for r in records:
        if r["status"] != "ok":
            continue
        p = r.get("protocol", {})
        ext = p.get("extractor", "")
        sets = [(p.get("generator", "raw"), r.get("metrics", {}))]
        if raw and r.get("metrics_raw"):
            sets.append(("raw", r["metrics_raw"]))
        for generator, values in sets:
            for name, value in values.items():
                rows.append({"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"],
                             "kind": r.get("kind", "trial"), "seed_index": r["seed_index"], "metric": name,
                             "extractor": ext, "generator": generator, "column": f"{name}[{ext}]", "value": float(value),
                             "higher_is_better": HIGHER_IS_BETTER.get(name), "config_hash": r.get("config_hash", "")})
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def load_results(run_dir) -> pd.DataFrame:
    """The long table of a run directory, for notebooks: one row per trial x metric."""
    return long_frame(load_records(run_dir))


def _direction(column: str):
    return HIGHER_IS_BETTER.get(column.split("[", 1)[0])


# Values without a direction that a reader needs beside the ranked ones: the data-copying test's C_T
# (Meehan et al. 2020) is 0 when samples are as close to the training set as held-out data is,
# negative when they copy it, positive when they underfit: a column, never a rank.
SHOWN_UNRANKED = ("c_t",)


def _shown(column: str) -> bool:
    return _direction(column) is not None or column.split("[", 1)[0] in SHOWN_UNRANKED


def aggregate(records: list[dict]) -> dict[str, pd.DataFrame]:
    """Per task, a wide numeric table indexed by variant (reference rows ``real`` and ``init``
    included): ``kind``; for each ranked metric column ``c`` (and those of :data:`SHOWN_UNRANKED`): ``c mean``, ``c std``, ``c n``,
    ``c ci_lo``, ``c ci_hi``; ``ok``, ``diverged``, ``failed``; the mean cost per trial (``g_steps``,
    ``gflops``, ``train_s``); ``headline``; ``p_vs_init`` (one-sided Welch test that the headline is
    better than the ``init`` row's) and ``learned`` (p < α); ``rank`` (1 = best, direction-aware,
    among learned trials only; NaN otherwise); ``tie_best`` (Welch cannot tell it from the best)."""
    trials = trials_frame(records)
    long = long_frame(records)
    out = {}
    for task, tt in trials.groupby("task", sort=False):
        variants = list(dict.fromkeys(tt["variant"]))
        kinds = {v: tt[tt["variant"] == v]["kind"].iloc[0] for v in variants}
        lt = long[long["task"] == task]
        columns = [c for c in dict.fromkeys(lt["column"]) if _shown(c)]
        table = pd.DataFrame(index=pd.Index(variants, name="variant"))
        table["kind"] = [kinds[v] for v in variants]
        for status in ("ok", "diverged", "failed"):
            table[status] = [int(((tt["variant"] == v) & (tt["status"] == status)).sum()) for v in variants]
        values = {c: {v: lt[(lt["column"] == c) & (lt["variant"] == v)].sort_values("seed_index")["value"].to_numpy()
                      for v in variants} for c in columns}
        for c in columns:
            stats = [mean_ci(values[c][v]) for v in variants]
            for key in ("mean", "std", "n", "ci_lo", "ci_hi"):
                table[f"{c} {key}"] = [s[key] for s in stats]
        for key in ("g_steps", "gflops", "train_s"):
            table[key] = [pd.to_numeric(tt[tt["variant"] == v][key], errors="coerce").mean() for v in variants]
        head_name = next((h for h in tt["headline"] if h), "")
        head = next((c for c in columns if c.split("[")[0] == head_name),
                    next((c for c in columns if _direction(c) is not None), None))
        table["headline"] = head
        table["p_vs_init"] = math.nan
        table["learned"] = False
        table["untested"] = False  # fewer than 2 seeds of the trial or of init: Welch cannot say
        table["rank"] = math.nan
        table["tie_best"] = False
        if head is not None:
            higher = _direction(head)
            trial_rows = [v for v in variants if kinds[v] == "trial"]
            floor = values[head].get("init") if "init" in kinds else None
            for v in trial_rows:
                if floor is None:  # no floor recorded (an old run): nothing can be said against it
                    table.loc[v, "learned"] = bool(len(values[head][v]))
                else:
                    p = better_p(values[head][v], floor, higher)
                    table.loc[v, "p_vs_init"] = p
                    table.loc[v, "untested"] = bool(min(len(values[head][v]), len(floor)) < 2)
                    table.loc[v, "learned"] = bool(not math.isnan(p) and p < ALPHA)
            learned = [v for v in trial_rows if table.loc[v, "learned"]]
            means = table.loc[learned, f"{head} mean"]
            if len(learned):
                table.loc[learned, "rank"] = means.rank(ascending=not higher, method="min", na_option="bottom")
                best = means.idxmax() if higher else means.idxmin()
                if not (isinstance(best, float) and math.isnan(best)):
                    for v in learned:
                        p = welch_p(values[head][v], values[head][best])
                        table.loc[v, "tie_best"] = bool(v == best or (not np.isnan(p) and p >= ALPHA))
        order = {"real": 0, "trial": 1, "identity": 3, "init": 3}
        table["_order"] = [order.get(kinds[v], 1) + (0 if table.loc[v, "learned"] or kinds[v] != "trial" else 1)
                           for v in variants]
        table["_rank"] = table["rank"].fillna(math.inf)
        if head is not None:  # not-learned rows by their headline too, for the reader
            table["_head"] = table[f"{head} mean"] * (-1 if _direction(head) else 1)
        else:
            table["_head"] = 0.0
        table = table.sort_values(["_order", "_rank", "_head"]).drop(columns=["_order", "_rank", "_head"])
        out[task] = table
    return out


def _pm(mean, std) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    digits = lambda x: f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"  # noqa: E731
    return digits(mean) if std is None or math.isnan(std) else f"{digits(mean)} ± {digits(std)}"


def _number(x, fmt: str) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def not_learned_label(row) -> str:
    """Why a trial row is not ranked: its headline is not better than init's, or it cannot be tested
    (one seed on either side: a one-seed probe is a picture, not a result)."""
    return "untested: one seed" if bool(row.get("untested", False)) else "not learned"


REFERENCE_LABELS = {"real": "real (held-out data: ceiling)", "init": "init (untrained G: floor)",
                    "identity": "identity (inputs unchanged)"}


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The human table: rank (learned variants only), variant, headline mean ± std, its 95% CI and the
    test against the floor, other metrics, training cost per trial, counts."""
    head = table["headline"].iloc[0] if len(table) else None
    cols = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean")]
    rows = []
    for v, r in table.iterrows():
        kind = r.get("kind", "trial")
        if kind != "trial":
            rank, name = "", REFERENCE_LABELS.get(kind, v)
        elif r["learned"]:
            rank, name = str(int(r["rank"])), v + (" ≈" if r["tie_best"] else "")
        else:
            rank, name = "—", f"{v} ({not_learned_label(r)})"
        row = {"rank": rank, "variant": name}
        for c in ([head] if head else []) + [c for c in cols if c != head]:
            row[c] = _pm(r[f"{c} mean"], r[f"{c} std"])
            if c == head:
                row[f"{c} 95% CI"] = "—" if math.isnan(r[f"{c} ci_lo"]) else f"[{r[f'{c} ci_lo']:.3g}, {r[f'{c} ci_hi']:.3g}]"
                row["p vs init"] = "" if kind != "trial" else _number(r["p_vs_init"], ".2g")
        if kind == "trial":
            row.update({"G steps": _number(r["g_steps"], ".0f"), "GFLOP": _number(r["gflops"], ".4g"),
                        "train s": _number(r["train_s"], ".3g")})
        else:
            row.update({"G steps": "", "GFLOP": "", "train s": ""})
        row.update({"n": int(r["ok"]), "diverged": int(r["diverged"]), "failed": int(r["failed"])})
        rows.append(row)
    return pd.DataFrame(rows)


def better_p(values, floor, higher: bool) -> float:
    """One-sided Welch test that ``values`` are better than ``floor`` (direction-aware)."""
    return welch_p(values, floor, "greater" if higher else "less")


def render(records: list[dict], fmt: str = "md", title: str = "", claims: tuple | None = None) -> str:
    """The leaderboard of ``records`` as markdown, csv or html (without plots). ``claims``: the
    ``(verdicts, design)`` of the suite's published claims (:mod:`ganbench.report.claims`), shown first."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "html":  # the page without plots; html_page() embeds a run directory's
        from ganbench.report.html import render_page

        return render_page(records, title=title, claims=claims)
    tables = aggregate(records)
    if fmt == "csv":
        frames = [t.reset_index().assign(task=task) for task, t in tables.items()]
        return pd.concat(frames, ignore_index=True).to_csv(index=False)
    parts = []
    budgets = {r["task"]: r.get("budget", {}) for r in records if r.get("kind", "trial") == "trial"}
    protos = {r["task"]: r.get("protocol", {}) for r in records if r["status"] == "ok" and r.get("kind", "trial") == "trial"}
    trained = {r["task"]: r.get("variant_config", {}) for r in records if r.get("kind", "trial") == "trial"}
    for task, t in tables.items():
        p = protos.get(task, {})
        budget = ", ".join(f"{k}={v:g}" for k, v in budgets.get(task, {}).items())
        vc = trained.get(task, {})
        caption = (f"budget {budget} per trial (batch {vc.get('batch_size', '?')}); {p.get('n_fake', '?')} fakes vs "
                   f"{p.get('n_real', '?')} reals; generator evaluated: {p.get('generator', 'raw')}; ranked by "
                   f"{t['headline'].iloc[0]} among variants significantly better than init (one-sided Welch, "
                   f"α = {ALPHA}); ≈: not significantly different from the best; mean ± std over seeds; cost "
                   f"columns are per trial")
        notes = "".join(f"\n\n{n}" for n in regime_notes(task, records, t))
        d = display_table(t)
        parts.append(f"## {task}\n\n{caption}{notes}\n\n{d.to_markdown(index=False)}\n")
    head = f"# {title}\n\n" if title else ""
    if claims:
        from ganbench.report.claims import claims_markdown

        head += "## Published claims\n\n" + claims_markdown(*claims) + "\n"
    return head + "\n".join(parts)


def write_leaderboard(run_dir, out_dir=None, formats=("md", "csv", "html"), plots: bool = True) -> dict:
    """Write ``leaderboard.{md,csv,html}``, ``long.csv`` and per-task plots into ``run_dir/leaderboard``
    (or ``out_dir``); the html page embeds the plots (drawn first); returns the paths written."""
    from ganbench.utils.atomic import atomic_write_text

    run_dir = Path(run_dir)
    records = load_records(run_dir)
    out_dir = Path(out_dir) if out_dir else run_dir / "leaderboard"
    suite = records[0].get("suite", "")
    drawn = _plots(run_dir, records, out_dir) if plots else {}
    written = {}
    claims = _claims(run_dir, records)
    for fmt in formats:
        path = out_dir / f"leaderboard.{fmt}"
        title = f"ganbench leaderboard: suite {suite}"
        text = (_page(run_dir, records, drawn, title, claims) if fmt == "html"
                else render(records, fmt, title=title, claims=claims))
        atomic_write_text(path, text)
        written[fmt] = path
    if claims:
        from ganbench.report.claims import claims_table, verdicts_json

        atomic_write_text(out_dir / "claims.json", verdicts_json(claims[0]))
        atomic_write_text(out_dir / "claims.csv", claims_table(claims[0]).to_csv(index=False))
        written["claims"] = out_dir / "claims.json"
    atomic_write_text(out_dir / "long.csv", long_frame(records).to_csv(index=False))
    written["long"] = out_dir / "long.csv"
    written.update(drawn)
    return written


def _claims(run_dir: Path, records) -> tuple | None:
    """``(verdicts, design)`` of the claims the run directory's suite tests, or None."""
    from ganbench.report.claims import claim_verdicts, suite_claims

    ids, design = suite_claims(run_dir)
    return (claim_verdicts(records, ids, design), design) if ids else None


def html_page(run_dir, plots_dir=None) -> str:
    """The self-contained leaderboard page of a run directory, its plots embedded: drawn into
    ``plots_dir`` (kept) or a temporary folder (removed), so rendering writes nothing into the run."""
    import tempfile

    run_dir = Path(run_dir)
    records = load_records(run_dir)
    title = f"ganbench leaderboard: suite {records[0].get('suite', '')}"
    claims = _claims(run_dir, records)
    if plots_dir is not None:
        return _page(run_dir, records, _plots(run_dir, records, Path(plots_dir)), title, claims)
    with tempfile.TemporaryDirectory(prefix="ganbench-plots-") as tmp:
        return _page(run_dir, records, _plots(run_dir, records, Path(tmp)), title, claims)


def _page(run_dir: Path, records, drawn: dict, title: str, claims=None) -> str:
    import json

    from ganbench.report.html import plots_by_task, render_page

    suite_json = RunDir(run_dir).suite_json
    description = json.loads(suite_json.read_text()).get("description", "") if suite_json.is_file() else ""
    tasks = list(dict.fromkeys(r["task"] for r in records))
    return render_page(records, plots_by_task(drawn, tasks), title=title, description=description, claims=claims)


def _plots(run_dir: Path, records, out_dir: Path) -> dict:
    from ganbench.report.plots import (
        save_metric_bars,
        save_mixing_grid,
        save_reconstruction_panel,
        save_sample_panel,
        save_truncation_curve,
    )
    from ganbench.tasks import get_task

    written = {}
    for task, table in aggregate(records).items():
        safe = safe_name(task)
        head = table["headline"].iloc[0]
        if head:
            path = out_dir / f"{safe}_{head.split('[')[0]}.png"
            save_metric_bars(path, table.reset_index(), head, title=f"{task}: {head} (mean ± std over seeds)",
                             references=[v for v in table.index if table.loc[v, "kind"] != "trial"])
            written[f"{task} bars"] = path
        if any(c.startswith("fid_psi") for c in table.columns):  # style-based G: FID against truncation
            path = out_dir / f"{safe}_truncation.png"
            save_truncation_curve(path, table.reset_index(), title=f"{task}: FID against truncation ψ")
            written[f"{task} truncation"] = path
        fakes, recons = {}, {}
        for v in table.index:
            f = RunDir(run_dir).sample_path(trial_id(task, v, 0))
            if f.with_suffix(".recon.npy").is_file():  # an encoder GAN's reconstructions
                recons[v] = np.load(f.with_suffix(".recon.npy"))
            grid = f.with_suffix(".mixing.npy")
            if grid.is_file():  # a style-based G's style-mixing grid
                path = out_dir / f"{safe}_{safe_name(v)}_mixing.png"
                save_mixing_grid(path, np.load(grid), title=f"{task}: {v}, style mixing, seed 0")
                written[f"{task} {v} mixing"] = path
            if f.is_file():
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
            save_sample_panel(path, t, fakes, title=f"{task}: {what}, seed 0")
            written[f"{task} samples"] = path
            if recons:
                path = out_dir / f"{safe}_reconstructions.png"
                save_reconstruction_panel(path, t, recons, title=f"{task}: held-out inputs and their reconstructions "
                                                                 "G(E(x)), seed 0")
                written[f"{task} reconstructions"] = path
    return written
