"""``ganbench compare``: is a candidate variant better than the baselines, and how sure is that.

Per task, on the task's headline metric: candidate mean ± std; the best baseline and the reference
baseline (``gan-ns`` by default); the difference candidate − reference with a Welch t 95% CI (the
percentile-bootstrap CI of earlier versions is kept as ``bootstrap_ci_lo/hi``); Hedges' g; the
probability that a random candidate seed beats a random reference seed with a bootstrap CI
(Agarwal et al. 2021; Bouthillier et al. 2021); a Welch t-test and a Mann–Whitney U test, both
Holm-corrected across tasks; the minimum detectable effect at the seeds run (power 0.8, the row's
Holm-adjusted α) and the seeds per side that would detect the observed difference (Colas et al. 2018);
two one-sided tests of equivalence within the metric's margin (``ganbench.metrics.registry``, or
``margins``), Holm-corrected too.

Verdicts (direction-aware): "better" / "worse" (Holm-adjusted Welch p < α), "equivalent"
(Holm-adjusted TOST p < α), else "undecided (~N seeds per side would detect the observed
difference)". With a group-sequential ``design`` (:mod:`ganbench.report.sequential`) the verdicts
come from :func:`~ganbench.report.sequential.decide_all` at the look matching the seeds run instead,
so that adding seeds and looking again keeps the error rate. When the baselines carry the task's
``init`` rows (the untrained generator), the candidate is also tested against that floor (one-sided
Welch, as in the leaderboard) and a candidate that is not better than it gets the verdict "not
learned", whatever it scores against the reference. Records with different protocols are never
compared.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER, value_info
from ganbench.report import format as fmt
from ganbench.report.comparable import comparable_key, key_differences
from ganbench.report.sequential import Design, decide_all
from ganbench.report.stats import (bootstrap_diff_ci, hedges_g, holm, mannwhitney_p, min_detectable_effect,
                                   prob_improvement, seeds_needed, tost_p, welch_diff_ci, welch_p)

ALPHA = 0.05
POWER = 0.8  # the power of the minimum detectable effect and of the seeds needed
MAX_SEEDS = 10_000  # seeds_needed beyond this is reported as "more than"


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
    # diff_ci_lo/hi above are the Welch t 95% CI; the percentile bootstrap's is kept here.
    bootstrap_ci_lo: float = math.nan
    bootstrap_ci_hi: float = math.nan
    hedges_g: float = math.nan  # (candidate − reference) / pooled sd, small-sample corrected
    prob_improvement: float = math.nan  # P(a random candidate seed beats a random reference seed)
    prob_improvement_lo: float = math.nan  # its 95% bootstrap CI
    prob_improvement_hi: float = math.nan
    alpha: float = math.nan  # the level this row is held to: Holm's α/(m − rank), or the design's threshold
    mde: float = math.nan  # smallest true |diff| detected with power 0.8 at ``alpha`` and n seeds, metric units
    seeds_needed: int | None = None  # per side to detect the observed diff at ``alpha`` (None: diff 0 or > 10000)
    margin: float | None = None  # equivalence margin in metric units (None: not defined for the metric)
    tost_p: float = math.nan  # two one-sided Welch tests of |diff| < margin
    tost_p_holm: float = math.nan
    look: int | None = None  # with a design: the index of the look these seeds are
    stop: bool | None = None  # with a design: decided, or at the last look


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


def _margin(metric: str, reference_mean: float, margins: dict[str, float] | None) -> float | None:
    """The equivalence margin of ``metric`` in its units: ``margins`` first (by key, then by the name
    without its extractor), else the registry's default; None where neither defines one."""
    margins = margins or {}
    for key in (metric, metric.split("[", 1)[0]):
        if key in margins:
            m = float(margins[key])
            if not (math.isfinite(m) and m > 0):
                raise ValueError(f"equivalence margin for {key!r} must be a positive number, got {margins[key]!r}")
            return m
    try:
        info = value_info(metric)
    except ValueError:  # a plugin's value the registry does not describe: no default margin
        return None
    m = info.margin_for(reference_mean) if math.isfinite(reference_mean) else None
    return m if m else None  # a relative margin of a zero mean is no margin


def _holm_levels(pvalues, alpha: float) -> list[float]:
    """The level Holm's step-down holds each p-value to, α / (m − rank) (rank 0 = smallest p)."""
    p = np.asarray(pvalues, float)
    ok = np.flatnonzero(~np.isnan(p))
    out = np.full(len(p), alpha / max(len(ok), 1))
    for rank, i in enumerate(ok[np.argsort(p[ok], kind="stable")]):
        out[i] = alpha / (len(ok) - rank)
    return out.tolist()


def _undecided(seeds: int | None, diff: float, n: int) -> str:
    if n < 2:
        return "undecided (fewer than 2 seeds: nothing to test)"
    if seeds is not None:
        return f"undecided (~{seeds} seeds per side would detect the observed difference)"
    if diff == 0:
        return "undecided (no difference observed)"
    return f"undecided (more than {MAX_SEEDS:,} seeds per side would be needed to detect the observed difference)"


def _sd(x: np.ndarray) -> float:
    return float(x.std(ddof=1)) if len(x) > 1 else math.nan


def compare_records(candidate: list[dict], baseline: list[dict], variant: str, reference: str = "gan-ns",
                    metric: str | None = None, margins: dict[str, float] | None = None,
                    design: Design | None = None) -> list[Comparison]:
    """Compare ``variant``'s records with the baselines on every task both have (headline metric unless
    ``metric`` names another value). Reference rows (real, init) are never baselines.

    ``margins``: equivalence margins per metric in its units, overriding the registry's defaults.
    ``design``: a group-sequential design; the verdicts then come from ``decide_all`` at the look
    matching the seeds run (the seed count must be one of ``design.looks``)."""
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
    out, values = [], []
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
        fv = _values(long, task, "init", head)
        p_init = better_p(cv, fv, bool(higher)) if len(fv) and len(cv) else math.nan
        learned = (not math.isnan(p_init) and p_init < ALPHA) if len(fv) else None
        diff, lo, hi = welch_diff_ci(cv, rv)
        blo, bhi = bootstrap_diff_ci(cv, rv)
        pi, pi_lo, pi_hi = prob_improvement(cv, rv, higher_is_better=bool(higher))
        margin = _margin(head, float(rv.mean()), margins)
        c = Comparison(task, head, bool(higher), variant, float(cv.mean()) if len(cv) else math.nan, _sd(cv), len(cv),
                       reference, float(rv.mean()), _sd(rv), best, means[best], diff, lo, hi, welch_p(cv, rv),
                       mannwhitney_p(cv, rv), p_vs_init=p_init, learned=learned, bootstrap_ci_lo=blo,
                       bootstrap_ci_hi=bhi, hedges_g=hedges_g(cv, rv), prob_improvement=pi, prob_improvement_lo=pi_lo,
                       prob_improvement_hi=pi_hi, margin=margin,
                       tost_p=tost_p(cv, rv, margin) if margin is not None else math.nan)
        out.append(c)
        values.append((cv, rv))
    for c, pw, pm, pt, level in zip(out, holm([c.welch_p for c in out]), holm([c.mannwhitney_p for c in out]),
                                    holm([c.tost_p for c in out]), _holm_levels([c.welch_p for c in out], ALPHA)):
        c.welch_p_holm, c.mannwhitney_p_holm, c.tost_p_holm, c.alpha = pw, pm, pt, level
    decisions = _decisions(out, values, design) if design is not None else {}
    for i, (c, (cv, rv)) in enumerate(zip(out, values)):
        testable = len(cv) > 1 and len(rv) > 1
        d = decisions.get(i)
        if d is not None:
            c.alpha, c.look, c.stop = d.threshold, d.look, d.stop
        if testable:
            sds, n = (_sd(cv), _sd(rv)), min(len(cv), len(rv))
            c.mde = min_detectable_effect(*sds, n, c.alpha, POWER)
            c.seeds_needed = (d.seeds_needed if d is not None and d.verdict == "undecided"
                              else seeds_needed(c.diff, *sds, c.alpha, POWER, MAX_SEEDS))
        if c.n == 0:
            c.verdict = "every seed diverged or failed"
        elif c.learned is False:
            c.verdict = "not learned (not better than init)"
        elif d is not None:
            c.verdict = d.verdict if d.verdict != "undecided" else _undecided(c.seeds_needed, c.diff, c.n)
        elif not math.isnan(c.welch_p_holm) and c.welch_p_holm < ALPHA:
            c.verdict = "better" if (c.diff > 0) == c.higher_is_better else "worse"
        elif not math.isnan(c.tost_p_holm) and c.tost_p_holm < ALPHA:
            c.verdict = "equivalent"
        else:
            c.verdict = _undecided(c.seeds_needed if testable else None, c.diff, min(len(cv), len(rv)))
    return out


def _decisions(out: list[Comparison], values, design: Design) -> dict:
    """``decide_all`` over the rows with a seed, keyed by row index; the seeds run must be a look."""
    rows = [i for i, (cv, _) in enumerate(values) if len(cv)]
    for i in rows:
        cv, rv = values[i]
        if len(cv) != len(rv) or len(cv) not in design.looks:
            raise ValueError(f"{out[i].task}: {len(cv)} candidate and {len(rv)} reference seeds with values; the design "
                             f"looks at {list(design.looks)} seeds per side (a diverged or failed seed has no value: "
                             "run seeds up to a look, or compare without the design)")
    pairs = [(values[i][0], values[i][1], out[i].higher_is_better, out[i].margin) for i in rows]
    return dict(zip(rows, decide_all(pairs, design)))


def _pm(mean: float, std: float) -> str:
    return fmt.round_to_ci(mean, std)


def _verdict_text(c: Comparison) -> str:
    if c.verdict == "equivalent" and c.margin is not None:
        return f"equivalent (within ±{fmt.significant(c.margin)})"
    return c.verdict


def comparison_table(comparisons: list[Comparison]) -> pd.DataFrame:
    """One readable row per task (the JSON keeps every field at full precision)."""
    rows = []
    for c in comparisons:
        ci = fmt.interval(c.diff_ci_lo, c.diff_ci_hi)
        g = "—" if math.isnan(c.hedges_g) else f"{c.hedges_g:+.2f}".replace("inf", "∞")
        pi = ("—" if math.isnan(c.prob_improvement) else f"{c.prob_improvement:.2f}"
              + ("" if math.isnan(c.prob_improvement_lo) else f" [{c.prob_improvement_lo:.2f}, {c.prob_improvement_hi:.2f}]"))
        rows.append({"task": c.task, "metric": f"{c.metric} ({'higher' if c.higher_is_better else 'lower'} is better)",
                     c.candidate: _pm(c.candidate_mean, c.candidate_std),
                     f"reference {c.reference}": _pm(c.reference_mean, c.reference_std),
                     "best baseline": f"{c.best_baseline} {fmt.significant(c.best_baseline_mean)}",
                     "diff [95% CI]": f"{fmt.significant(c.diff)} {ci}",
                     "g": g, "P(better) [95% CI]": pi, "MDE": fmt.significant(c.mde),
                     "seeds needed": "—" if c.seeds_needed is None else fmt.count(c.seeds_needed),
                     "p vs init": "" if c.learned is None else fmt.p_value(c.p_vs_init),
                     "Welch p (Holm)": fmt.p_value(c.welch_p_holm), "verdict": _verdict_text(c)})
    return pd.DataFrame(rows)


def to_json(comparisons: list[Comparison]) -> str:
    return json.dumps([asdict(c) for c in comparisons], indent=2, default=str)


def to_markdown(comparisons: list[Comparison]) -> str:
    n = comparisons[0].n if comparisons else 0
    sequential = any(c.look is not None for c in comparisons)
    rule = ("verdicts from the group-sequential design (Lan-DeMets O'Brien-Fleming-type spending, Holm with α "
            "recycling over the tasks); MDE and seeds needed at the threshold of the row's look"
            if sequential else f"p-values Holm-corrected across {len(comparisons)} tasks; MDE and seeds needed "
            "at the row's Holm-adjusted α")
    return (f"Candidate vs baselines, {n} seeds per variant; α = {ALPHA}; {rule}. diff = candidate − reference "
            "with its Welch t 95% CI; g = Hedges' g; P(better) = probability that a random candidate seed beats a "
            f"random reference seed (bootstrap 95% CI); MDE = smallest true difference detected with power {POWER}; "
            "seeds needed = per side to detect the observed difference; equivalent = two one-sided tests within "
            "the metric's margin.\n\n"
            + comparison_table(comparisons).to_markdown(index=False) + "\n")
