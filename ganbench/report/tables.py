"""Leaderboard tables from TrialRecords (pandas, no rendering): the tidy long table, the per-seed
values every test reads (diverged seeds imputed), the aggregated wide table per task (means, CIs,
"learned", ranks, ties) and its human display. Renderers (``markdown``, ``html``) and the file writer
(``publish``) read these; reads records only, never trains."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER, VALUES
from ganbench.records import load_records
from ganbench.report import format as fmt
from ganbench.report.constants import ALPHA, CI_LEVEL
from ganbench.report.stats import better_p, mean_ci, welch_p


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


def worst_value(column: str) -> float | None:
    """What a diverged seed scores on ``column`` (``name[extractor]`` or ``name``): the metric's worst
    attainable value where the registry bounds it (``MetricValue.worst``), else the infinite end on its
    worse side (it ranks below every finite value; tests then use ranks); None for a value without a
    direction (a diverged seed has no such value)."""
    name = column.split("[", 1)[0]
    higher = HIGHER_IS_BETTER.get(name)
    if higher is None:
        return None
    v = VALUES.get(name)
    if v is not None and v.worst is not None:
        return float(v.worst)
    return -math.inf if higher else math.inf


def scored_frame(records: list[dict], long: pd.DataFrame | None = None) -> pd.DataFrame:
    """The per-seed values every test judges: :func:`long_frame`'s rows of ``ok`` trials and reference
    rows, plus one row per ranked column of its task for each ``diverged`` trial, scored at
    :func:`worst_value` (a diverged seed counts against its variant); a ``failed`` trial has no row (a
    crash is retried, not a result), and NaN values are dropped. ``status`` says which is which.
    ``long``: :func:`long_frame` of the same records, when already built."""
    long = long_frame(records) if long is None else long
    ok = long.assign(status="ok")
    rows = []
    for r in records:
        if r["status"] != "diverged" or r.get("kind", "trial") != "trial":
            continue
        task_rows = ok[(ok["task"] == r["task"]) & (ok["kind"] == "trial")]
        for column, metric, ext in task_rows[["column", "metric", "extractor"]].drop_duplicates().itertuples(index=False):
            worst = worst_value(column)
            if worst is not None:
                rows.append({"trial_id": r["trial_id"], "suite": r["suite"], "task": r["task"], "variant": r["variant"],
                             "kind": "trial", "seed_index": r["seed_index"], "metric": metric, "extractor": ext,
                             "generator": "diverged", "column": column, "value": worst,
                             "higher_is_better": HIGHER_IS_BETTER.get(metric), "config_hash": r.get("config_hash", ""),
                             "status": "diverged"})
    out = pd.concat([ok, pd.DataFrame(rows, columns=[*LONG_COLUMNS, "status"])], ignore_index=True) if rows else ok
    return out[~out["value"].isna()].reset_index(drop=True)


def seed_values(scored: pd.DataFrame, task: str, variant: str, metric: str) -> pd.Series:
    """The per-seed values of ``metric`` (a column ``name[extractor]`` or a value name) for ``variant`` on
    ``task`` from :func:`scored_frame`, indexed by seed index in seed order: ok seeds their value,
    diverged seeds the metric's worst (:func:`worst_value`), failed seeds absent. Compare, claims,
    the sequential design and the leaderboard's tests all read their values here."""
    key = "column" if "[" in metric else "metric"
    rows = scored[(scored["task"] == task) & (scored["variant"] == variant) & (scored[key] == metric)]
    rows = rows.drop_duplicates("seed_index").sort_values("seed_index")
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["seed_index"].to_numpy(dtype=int), name=metric)


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
    included): ``kind``; for each ranked metric column ``c`` (and those of :data:`SHOWN_UNRANKED`):
    ``c mean``, ``c std``, ``c n``, ``c ci_lo``, ``c ci_hi`` over the ``ok`` seeds; ``ok``,
    ``diverged``, ``failed``; the mean cost per trial (``g_steps``, ``gflops``, ``train_s``);
    ``headline``; ``p_vs_init`` (one-sided test, :func:`ganbench.report.stats.better_p`, that the
    headline is better than the ``init`` row's) and ``learned`` (p < α); ``rank`` (1 = best,
    direction-aware, by the headline's mean over every seed, among learned trials only; NaN
    otherwise); ``tie_best`` (the two-sided test cannot tell it from the best). The tests and the rank
    count a diverged seed against its variant (:func:`scored_frame`), the means and stds do not."""
    trials = trials_frame(records)
    long = long_frame(records)
    scored = scored_frame(records, long)
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
        for c in columns:
            stats = [mean_ci(lt[(lt["column"] == c) & (lt["variant"] == v)]["value"].to_numpy()) for v in variants]
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
        table["untested"] = False  # fewer than 2 seeds of the trial or of init: nothing to test with
        table["rank"] = math.nan
        table["tie_best"] = False
        if head is not None:
            judge(table, head, {v: seed_values(scored, task, v, head).to_numpy() for v in variants}, kinds)
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


def judge(table: pd.DataFrame, head: str, values: dict[str, np.ndarray], kinds: dict[str, str]) -> None:
    """Fill ``p_vs_init``, ``untested``, ``learned``, ``rank`` and ``tie_best`` of ``table`` (indexed by
    variant, with an ``ok`` column: seeds that trained) from the headline's per-seed values (diverged
    seeds scored at the worst): the one ranking rule of a leaderboard, at the final budget
    (:func:`aggregate`) and at every point of the budget grid (:mod:`ganbench.report.budget_ranks`)."""
    higher = bool(_direction(head))
    trial_rows = [v for v in table.index if kinds[v] == "trial"]
    floor = values.get("init") if "init" in kinds else None
    for v in trial_rows:
        if floor is None:  # no floor recorded (an old run): nothing can be said against it
            table.loc[v, "learned"] = bool(table.loc[v, "ok"])
        else:
            p = better_p(values[v], floor, higher) if len(values[v]) and len(floor) else math.nan
            table.loc[v, "p_vs_init"] = p
            table.loc[v, "untested"] = bool(min(len(values[v]), len(floor)) < 2)
            table.loc[v, "learned"] = bool(not math.isnan(p) and p < ALPHA)
    learned = [v for v in trial_rows if table.loc[v, "learned"]]
    if not learned:
        return
    means = pd.Series({v: float(np.mean(values[v])) if len(values[v]) else math.nan for v in learned})
    table.loc[learned, "rank"] = means.rank(ascending=not higher, method="min", na_option="bottom")
    if means.isna().all():
        return
    best = means.idxmax() if higher else means.idxmin()
    for v in learned:
        p = welch_p(values[v], values[best])
        table.loc[v, "tie_best"] = bool(v == best or (not np.isnan(p) and p >= ALPHA))


def not_learned_label(row) -> str:
    """Why a trial row is not ranked: its headline is not better than init's, or it cannot be tested
    (one seed on either side: a one-seed probe is a picture, not a result)."""
    return "untested: one seed" if bool(row.get("untested", False)) else "not learned"


REFERENCE_LABELS = {"real": "real (held-out data: ceiling)", "init": "init (untrained G: floor)",
                    "identity": "identity (inputs unchanged)"}


def _percent(column: str) -> bool:
    v = VALUES.get(column.split("[", 1)[0])
    return bool(v and v.percent)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The human table (text cells, :mod:`ganbench.report.format`'s rounding, names unescaped): rank
    (learned variants only), variant, headline mean ± std over ok seeds, its CI and the test against the
    floor, other metrics, training cost per trial, counts."""
    head = table["headline"].iloc[0] if len(table) else None
    cols = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean")]
    ci = f"{CI_LEVEL:.0%} CI"
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
            row[c] = fmt.round_to_ci(r[f"{c} mean"], r[f"{c} std"], _percent(c))
            if c == head:
                row[f"{c} {ci}"] = fmt.interval(r[f"{c} ci_lo"], r[f"{c} ci_hi"], _percent(c))
                row["p vs init"] = "" if kind != "trial" else fmt.p_value(r["p_vs_init"])
        if kind == "trial":
            row.update({"G steps": fmt.count(r["g_steps"]), "GFLOP": fmt.count(r["gflops"]),
                        "train s": fmt.count(r["train_s"])})
        else:
            row.update({"G steps": "", "GFLOP": "", "train s": ""})
        row.update({"n": int(r["ok"]), "diverged": int(r["diverged"]), "failed": int(r["failed"])})
        rows.append(row)
    return pd.DataFrame(rows)
