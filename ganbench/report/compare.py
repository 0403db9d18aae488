"""``ganbench compare``: is a candidate variant better than the baselines, with statistics.

Per task, on the task's headline metric: candidate mean ± std; the best baseline and the reference
baseline (``gan-ns`` by default); the difference candidate − reference with a percentile-bootstrap
95% CI; a Welch t-test and a Mann–Whitney U test, both Holm-corrected across tasks; and a verdict
(better / worse / no significant difference, from the Holm-corrected Welch p at α = 0.05 and the
sign of the difference, direction-aware). When the baselines carry the task's ``init`` rows (the
untrained generator), the candidate is also tested against that floor (one-sided Welch, as in the
leaderboard) and a candidate that is not better than it gets the verdict "not learned", whatever it
scores against the reference. Records with different protocols are never compared.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.report.comparable import comparable_key, key_differences
from ganbench.report.stats import bootstrap_diff_ci, holm, mannwhitney_p, welch_p

ALPHA = 0.05


@dataclass
class Comparison:
    task: str
    metric: str
    higher_is_better: bool
    candidate: str
    candidate_mean: float
    candidate_std: float
    n: int
    reference: str
    reference_mean: float
    reference_std: float
    best_baseline: str
    best_baseline_mean: float
    diff: float
    diff_ci_lo: float
    diff_ci_hi: float
    welch_p: float
    mannwhitney_p: float
    welch_p_holm: float = math.nan
    mannwhitney_p_holm: float = math.nan
    p_vs_init: float = math.nan  # one-sided Welch, candidate better than the untrained generator
    learned: bool | None = None  # None: the baselines have no init rows for this task
    verdict: str = ""


def _values(long: pd.DataFrame, task: str, variant: str, metric: str) -> np.ndarray:
    """A (task, variant)'s values of ``metric`` over its successful seeds, in seed order, from the
    tidy long table (``ganbench.report.leaderboard.long_frame``)."""
    rows = long[(long.task == task) & (long.variant == variant) & (long.metric == metric)]
    return rows.sort_values("seed_index").value.to_numpy(dtype=float)


def _trials(records):
    return [r for r in records if r.get("kind", "trial") == "trial"]


def check_protocols(candidate: list[dict], baseline: list[dict]) -> None:
    """Raise ValueError naming every mismatch of budget, seeds or evaluation protocol per task. Only
    trials that were evaluated carry a full protocol, so diverged and failed trials are left out of
    the protocol comparison (not out of the seed comparison)."""
    problems = []
    for task in dict.fromkeys(r["task"] for r in candidate):
        c = [r for r in candidate if r["task"] == task]
        b = [r for r in baseline if r["task"] == task]
        if not b:
            problems.append(f"{task}: no baseline records")
            continue
        cs, bs = sorted({r["seed_index"] for r in c}), sorted({r["seed_index"] for r in b})
        if cs != bs:
            problems.append(f"{task}: seeds {cs} vs baseline seeds {bs}")
        keys = {}
        for r in (r for r in c + b if r["status"] == "ok"):
            keys.setdefault(json.dumps(comparable_key(r), sort_keys=True, default=str), r)
        if len(keys) > 1:
            first, *others = keys.values()
            for other in others:
                diff = key_differences(comparable_key(first), comparable_key(other))
                problems.append(f"{task}, {first['variant']} seed {first['seed_index']} vs {other['variant']} seed "
                                f"{other['seed_index']}: " + "; ".join(diff))
    if problems:
        raise ValueError("protocol mismatch between candidate and baseline records (not compared): " + " | ".join(problems))


def compare_records(candidate: list[dict], baseline: list[dict], variant: str, reference: str = "gan-ns",
                    metric: str | None = None) -> list[Comparison]:
    """Compare ``variant``'s records with the baselines on every task both have (headline metric unless
    ``metric`` names another value). Reference rows (real, init) are never baselines."""
    cand = [r for r in _trials(candidate) if r["variant"] == variant]
    if not cand:
        raise ValueError(f"no records of candidate variant {variant!r}")
    base = [r for r in _trials(baseline) if r["variant"] != variant]
    check_protocols(cand, base)
    from ganbench.report.leaderboard import better_p, long_frame

    # The floor rows come from the same run directory as the baseline trials, whose protocol was
    # just checked, and are judged by it by construction (ganbench.harness.reference).
    floors = [r for r in baseline if r.get("kind") == "init" and r["status"] == "ok"]
    long = long_frame(cand + base + floors)
    out = []
    for task in dict.fromkeys(r["task"] for r in cand):
        head = metric or next((r["protocol"].get("headline") for r in cand + base
                               if r["task"] == task and r.get("protocol", {}).get("headline")), "fid")
        higher = HIGHER_IS_BETTER.get(head)
        if higher is None:
            raise ValueError(f"metric {head!r} has no direction; pick a ranked metric")
        cv, rv = _values(long, task, variant, head), _values(long, task, reference, head)
        if not len(rv):
            raise ValueError(f"{task}: no successful records of the reference baseline {reference!r}; use --reference")
        bvariants = list(dict.fromkeys(r["variant"] for r in base if r["task"] == task))
        means = {v: float(np.mean(x)) for v in bvariants if len(x := _values(long, task, v, head))}
        best = (max if higher else min)(means, key=means.get)
        lo, hi = bootstrap_diff_ci(cv, rv)
        fv = _values(long, task, "init", head)
        p_init = better_p(cv, fv, bool(higher)) if len(fv) and len(cv) else math.nan
        learned = (not math.isnan(p_init) and p_init < ALPHA) if len(fv) else None
        out.append(Comparison(task, head, bool(higher), variant, float(cv.mean()) if len(cv) else math.nan,
                              float(cv.std(ddof=1)) if len(cv) > 1 else math.nan, len(cv), reference, float(rv.mean()),
                              float(rv.std(ddof=1)) if len(rv) > 1 else math.nan, best, means[best],
                              float(cv.mean() - rv.mean()) if len(cv) else math.nan, lo, hi, welch_p(cv, rv), mannwhitney_p(cv, rv),
                              p_vs_init=p_init, learned=learned))
    for c, pw, pm in zip(out, holm([c.welch_p for c in out]), holm([c.mannwhitney_p for c in out])):
        c.welch_p_holm, c.mannwhitney_p_holm = pw, pm
        if c.n == 0:
            c.verdict = "every seed diverged or failed"
        elif c.learned is False:
            c.verdict = "not learned (not better than init)"
        elif math.isnan(pw) or pw >= ALPHA:
            c.verdict = "no significant difference"
        else:
            c.verdict = "better" if (c.diff > 0) == c.higher_is_better else "worse"
    return out


def comparison_table(comparisons: list[Comparison]) -> pd.DataFrame:
    rows = []
    for c in comparisons:
        f = lambda m, s: f"{m:.4g}" + ("" if math.isnan(s) else f" ± {s:.3g}")  # noqa: E731
        rows.append({"task": c.task, "metric": f"{c.metric} ({'higher' if c.higher_is_better else 'lower'} is better)",
                     c.candidate: f(c.candidate_mean, c.candidate_std), f"reference {c.reference}": f(c.reference_mean, c.reference_std),
                     "best baseline": f"{c.best_baseline} {c.best_baseline_mean:.4g}",
                     "diff (95% bootstrap CI)": f"{c.diff:+.4g} [{c.diff_ci_lo:+.3g}, {c.diff_ci_hi:+.3g}]",
                     "p vs init": "" if c.learned is None else f"{c.p_vs_init:.2g}",
                     "Welch p (Holm)": f"{c.welch_p_holm:.3g}", "Mann-Whitney p (Holm)": f"{c.mannwhitney_p_holm:.3g}",
                     "verdict": c.verdict})
    return pd.DataFrame(rows)


def to_json(comparisons: list[Comparison]) -> str:
    return json.dumps([asdict(c) for c in comparisons], indent=2, default=str)


def to_markdown(comparisons: list[Comparison]) -> str:
    n = comparisons[0].n if comparisons else 0
    return (f"Candidate vs baselines, {n} seeds per variant; difference = candidate − reference; "
            f"p-values Holm-corrected across {len(comparisons)} tasks; α = {ALPHA}.\n\n"
            + comparison_table(comparisons).to_markdown(index=False) + "\n")
