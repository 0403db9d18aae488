"""``ganbench compare``: is a candidate variant better than the baselines, and how sure is that.

Per task, on the task's headline metric: candidate mean ± std; the best baseline (the best mean over
every baseline of ``best_from``) and the reference baseline (``gan-ns`` by default); the difference
candidate − reference with a Welch t 95% CI (the percentile bootstrap's is kept as
``bootstrap_ci_lo/hi``); Hedges' g; the probability that a random candidate seed beats a random
reference seed with Newcombe's score CI (Agarwal et al. 2021; Bouthillier et al. 2021; Newcombe 2006);
the two-sided p-value of the one small-sample rule (:mod:`ganbench.report.stats`: Welch raised to the
exact permutation floor) and a Mann–Whitney U p-value, both Holm-adjusted across tasks; the minimum
detectable effect at the seeds run (at :data:`~ganbench.report.constants.POWER` and the row's level)
and the seeds per side that would detect the observed difference (Colas et al. 2018); two one-sided
tests of equivalence within the metric's margin (``ganbench.metrics.registry``, or ``margins``).

Verdicts (direction-aware) come from :func:`ganbench.report.sequential.decide_all`, whatever the path:
without a ``design`` one look at the seeds run (the graphical step-down; "equivalent" when the TOST
p-value is below the hypothesis's own level), with a group-sequential ``design`` the look matching
the seeds run (Lan–DeMets spending, α recycled along the graph), so that adding seeds and looking again
keeps the error rate; a one-look design gives the same p-values and verdicts as no design. "better" /
"worse", "equivalent", else "undecided (~N seeds per side would detect the observed difference)".

Budgets (issue 41): a task is judged at every point of its grid (:func:`ganbench.report.curves.grid`:
the budgets at which every trial of the candidate and the reference was judged on the way to its own;
one point for records without a curve), each (task, budget) one hypothesis of the graph of
:mod:`ganbench.report.sequential` — α split equally over the tasks, then over each task's budgets, a
decided budget's α passed to its task's other budgets, a fully decided task's to the other tasks — so
the familywise error over tasks × budgets × looks stays α. The row's fields are the task's own
(final) budget's, as before; ``by_budget`` holds a :class:`BudgetVerdict` per budget and
``verdict_map`` says them by range ("better at ≤ 1,500 steps; undecided from 3,000"); with a design a
task stops (``stop``) once every budget is decided, not learned, or at the last look. The regime
(``regime``, per budget in ``by_budget``): each side's mean headline (ok seeds) as a fraction of the
way from the floor (``init`` rows) to the ceiling (``real`` rows); where both sides are below
:data:`ganbench.report.curves.FAR_FROM_DATA` (25%) the verdict is about generators far from the data
and says so.

Seeds: a diverged seed counts against its variant at its metric's worst value
(:func:`ganbench.report.tables.scored_frame`); a failed seed has no value. When the baselines carry the
task's ``init`` rows (the untrained generator), the candidate is also tested against that floor
(one-sided, as in the leaderboard) and a candidate that is not better than it gets the verdict "not
learned", whatever it scores against the reference. Records with different protocols are never
compared.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER, value_info
from ganbench.report import escape
from ganbench.report import format as fmt
from ganbench.report.comparable import comparable_key, key_differences
from ganbench.report.constants import ALPHA, CI_LEVEL, MAX_SEEDS, POWER
from ganbench.report.curves import (FAR_FROM_DATA, budget_text, curve_frame, far_from_data, floor_ceiling, grid,
                                    point_values, progress, regime, tested_values, verdict_map)
from ganbench.report.sequential import Decision, Design, decide_all
from ganbench.report.stats import (better_p, bootstrap_diff_ci, hedges_g, holm, mannwhitney_p, min_detectable_effect,
                                   prob_improvement, seeds_needed, tost_p, welch_diff_ci, welch_p)
from ganbench.report.tables import scored_frame, seed_values


@dataclass
class BudgetVerdict:
    """One budget of a task's comparison: the candidate and the reference judged at the same point of
    their training (nested budgets; every figure on the tested values, a diverged point at its metric's
    worst)."""

    budget: float  # in ``unit``
    unit: str  # g_steps | kimg | gflops | seconds
    n: int  # seeds per side tested here (the smaller side without a design)
    look: int | None  # with a design: the look of this budget's decision
    candidate_mean: float
    candidate_std: float
    reference_mean: float
    reference_std: float
    diff: float  # candidate − reference
    diff_ci_lo: float  # Welch t 95% CI
    diff_ci_hi: float
    p: float  # two-sided, the one small-sample rule (NaN: not tested yet)
    threshold: float  # the nominal level this (task, budget) hypothesis was held to
    decision: str  # sequential's: better / worse / equivalent / undecided
    verdict: str  # as Comparison.verdict, at this budget
    label: str  # the verdict map's word: better / worse / equivalent / undecided / not learned / no values
    stop: bool | None  # with a design: decided, not learned, or at the last look
    learned: bool | None  # the candidate better than init here (None: no init rows)
    p_vs_init: float
    seeds_needed: int | None  # per side, to detect the observed difference (undecided only)
    candidate_progress: float  # fraction of the way from floor (init) to ceiling (real) on the task's headline
    reference_progress: float  # (ok seeds' mean; NaN without floor or ceiling rows)
    regime: str  # the two progresses in words, "far from the data" when both < curves.FAR_FROM_DATA


@dataclass
class Comparison:
    """One task's comparison of the candidate with the reference (every figure on the tested values:
    ok seeds, and diverged seeds at their metric's worst)."""

    task: str
    metric: str
    higher_is_better: bool
    candidate: str
    candidate_mean: float
    candidate_std: float
    n: int  # candidate seeds with a value (ok or diverged)
    reference: str
    reference_mean: float
    reference_std: float
    best_baseline: str  # the best mean over every baseline of ``best_from``
    best_baseline_mean: float
    diff: float  # candidate − reference, metric units
    diff_ci_lo: float  # Welch t 95% CI (NaN: no spread on either side, or an infinite value)
    diff_ci_hi: float
    welch_p: float  # two-sided, the one small-sample rule (stats.welch_p)
    mannwhitney_p: float
    welch_p_holm: float = math.nan
    mannwhitney_p_holm: float = math.nan
    p_vs_init: float = math.nan  # one-sided, candidate better than the untrained generator
    learned: bool | None = None  # None: the baselines have no init rows for this task
    verdict: str = ""
    # diff_ci_lo/hi above are the Welch t 95% CI; the percentile bootstrap's is kept here.
    bootstrap_ci_lo: float = math.nan
    bootstrap_ci_hi: float = math.nan
    hedges_g: float = math.nan  # (candidate − reference) / pooled sd, small-sample corrected
    prob_improvement: float = math.nan  # P(a random candidate seed beats a random reference seed)
    prob_improvement_lo: float = math.nan  # its 95% CI (Newcombe 2006, method 5)
    prob_improvement_hi: float = math.nan
    alpha: float = math.nan  # the level this row is held to: Holm's share after step-down, or the look's threshold
    mde: float = math.nan  # smallest true |diff| detected with constants.POWER at ``alpha``, n seeds (inf: none can)
    seeds_needed: int | None = None  # per side to detect the observed diff at ``alpha`` (None: 0, or > MAX_SEEDS)
    margin: float | None = None  # equivalence margin in metric units (None: not defined for the metric)
    tost_p: float = math.nan  # two one-sided Welch tests of |diff| < margin, raised to the one-sided floor
    look: int | None = None  # with a design: the index of the look these seeds are
    stop: bool | None = None  # with a design: every budget decided, not learned, or at the last look
    candidate_diverged: int = 0  # diverged seeds among the candidate's values (scored at the worst)
    reference_diverged: int = 0
    by_budget: list[BudgetVerdict] = field(default_factory=list)  # every budget of the task's grid, the last = above
    verdict_map: str = ""  # the verdicts by budget range: "better at ≤ 1,500 steps; undecided from 3,000"
    regime: str = ""  # at the final budget: each side's progress from floor to ceiling on the task's headline


def _trials(records):
    return [r for r in records if r.get("kind", "trial") == "trial"]


def check_protocols(candidate: list[dict], baseline: list[dict], seeds: bool = True) -> None:
    """Raise ValueError naming every mismatch of budget, seeds (with ``seeds``) or evaluation protocol
    per task. Only trials that were evaluated carry a full protocol, so diverged and failed trials are
    left out of the protocol comparison (not out of the seed comparison)."""
    problems = []
    for task in dict.fromkeys(r["task"] for r in candidate):
        c = [r for r in candidate if r["task"] == task]
        b = [r for r in baseline if r["task"] == task]
        if not b:
            problems.append(f"{task}: no baseline records")
            continue
        cs, bs = sorted({r["seed_index"] for r in c}), sorted({r["seed_index"] for r in b})
        if seeds and cs != bs:
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


def _undecided(seeds: int | None, diff: float, n: int) -> str:
    if n < 2:
        return "undecided (fewer than 2 seeds: nothing to test)"
    if seeds is not None:
        return f"undecided (~{seeds} seeds per side would detect the observed difference)"
    if diff == 0:
        return "undecided (no difference observed)"
    if not math.isfinite(diff):
        return "undecided (diverged seeds leave no finite difference to size a seed count by)"
    return f"undecided (more than {MAX_SEEDS:,} seeds per side would be needed to detect the observed difference)"


def _sd(x: np.ndarray) -> float:
    return float(x.std(ddof=1)) if len(x) > 1 and np.isfinite(x).all() else math.nan


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else math.nan


def _diverged(scored: pd.DataFrame, task: str, variant: str, metric: str) -> int:
    key = "column" if "[" in metric else "metric"
    rows = scored[(scored["task"] == task) & (scored["variant"] == variant) & (scored[key] == metric)]
    return int((rows["status"] == "diverged").sum())


def _budget(records: list[dict], task: str) -> tuple[str, float]:
    """The unit and value of the budget a task's trials were trained to (check_protocols made them one)."""
    budget = next((r.get("budget") for r in records if r["task"] == task and r.get("budget")), {}) or {}
    (unit, value), = budget.items() if len(budget) == 1 else (("", math.nan),)
    return unit, float(value)


def _label(n: int, learned: bool | None, d: Decision | None) -> str:
    """A budget's verdict in one word or two, for the verdict map."""
    if n == 0:
        return "no values"
    if learned is False:
        return "not learned"
    return d.verdict if d is not None else "undecided"


def _verdict(n_values: int, n: int, learned: bool | None, d: Decision | None, seeds: int | None, diff: float) -> str:
    if n_values == 0:
        return "every seed failed (no value to compare)"
    if learned is False:
        return "not learned (not better than init)"
    if d is not None and d.verdict != "undecided":
        return d.verdict
    if d is not None and math.isnan(d.p):  # short of the design's first look at this budget
        return "undecided (no complete look at this budget yet)"
    return _undecided(seeds, diff, n)


def compare_records(candidate: list[dict], baseline: list[dict], variant: str, reference: str = "gan-ns",
                    metric: str | None = None, margins: dict[str, float] | None = None,
                    design: Design | None = None, best_from: list[dict] | None = None) -> list[Comparison]:
    """Compare ``variant``'s records with the baselines on every task both have (headline metric unless
    ``metric`` names another value), at every budget of the task's grid (the points at which every
    trial of the two was judged, :func:`ganbench.report.curves.grid`; one budget for records without a
    curve). Reference rows (real, init) are never baselines.

    ``margins``: equivalence margins per metric in its units, overriding the registry's defaults.
    ``design``: a group-sequential design; the verdicts then come from ``decide_all`` at the look
    matching the seeds run (the seed count must be one of ``design.looks``), else from one look at the
    seeds run; either way every (task, budget) is one hypothesis of the graph of
    :mod:`ganbench.report.sequential` (α split over the tasks, then over each task's budgets).
    ``best_from``: the records the "best baseline" column is chosen from (default ``baseline``): every
    baseline a run holds, when the verdict is judged on a view of it (the candidate and the reference at
    equal seeds, in the sequential case); checked for protocol, not for seeds."""
    cand = [r for r in _trials(candidate) if r["variant"] == variant]
    if not cand:
        raise ValueError(f"no records of candidate variant {variant!r}")
    base = [r for r in _trials(baseline) if r["variant"] != variant]
    check_protocols(cand, base)
    pool = base if best_from is None else [r for r in _trials(best_from) if r["variant"] != variant]
    if best_from is not None:
        check_protocols(cand, pool, seeds=False)
    # The floor and ceiling rows come from the same run directory as the baseline trials, whose protocol
    # was just checked, and are judged by it by construction (ganbench.harness.reference).
    floors = [r for r in baseline if r.get("kind") == "init" and r["status"] == "ok"]
    ceilings = [r for r in baseline if r.get("kind") == "real" and r["status"] == "ok"]
    scored = scored_frame(cand + base + floors)
    pool_scored = scored if best_from is None else scored_frame(pool)
    points = curve_frame(cand + [r for r in base if r["variant"] == reference] + floors + ceilings)
    out, values, budgets = [], [], []
    for task in dict.fromkeys(r["task"] for r in cand):
        head = metric or next((r["protocol"].get("headline") for r in cand + base
                               if r["task"] == task and r.get("protocol", {}).get("headline")), "fid")
        higher = HIGHER_IS_BETTER.get(head)
        if higher is None:
            raise ValueError(f"metric {head!r} has no direction; pick a ranked metric")
        higher = bool(higher)
        cv, rv = (seed_values(scored, task, v, head).to_numpy() for v in (variant, reference))
        if not len(rv):
            raise ValueError(f"{task}: no records with a value of the reference baseline {reference!r}; use --reference")
        means = {v: _mean(seed_values(pool_scored, task, v, head).to_numpy())
                 for v in dict.fromkeys(r["variant"] for r in pool if r["task"] == task)}
        means = {v: m for v, m in means.items() if not math.isnan(m)}
        best = (max if higher else min)(means, key=means.get) if means else reference
        fv = seed_values(scored, task, "init", head).to_numpy()
        p_init = better_p(cv, fv, higher) if len(fv) and len(cv) else math.nan
        learned = (not math.isnan(p_init) and p_init < ALPHA) if len(fv) else None
        diff, lo, hi = welch_diff_ci(cv, rv)
        blo, bhi = bootstrap_diff_ci(cv, rv)
        pi, pi_lo, pi_hi = prob_improvement(cv, rv, higher_is_better=higher)
        margin = _margin(head, _mean(rv), margins)
        out.append(Comparison(
            task=task, metric=head, higher_is_better=higher, candidate=variant, candidate_mean=_mean(cv),
            candidate_std=_sd(cv), n=len(cv), reference=reference, reference_mean=_mean(rv), reference_std=_sd(rv),
            best_baseline=best, best_baseline_mean=means.get(best, math.nan), diff=diff, diff_ci_lo=lo,
            diff_ci_hi=hi, welch_p=welch_p(cv, rv), mannwhitney_p=mannwhitney_p(cv, rv) if len(cv) else math.nan,
            p_vs_init=p_init, learned=learned, bootstrap_ci_lo=blo, bootstrap_ci_hi=bhi, hedges_g=hedges_g(cv, rv),
            prob_improvement=pi, prob_improvement_lo=pi_lo, prob_improvement_hi=pi_hi, margin=margin,
            tost_p=tost_p(cv, rv, margin) if margin is not None else math.nan,
            candidate_diverged=_diverged(scored, task, variant, head),
            reference_diverged=_diverged(scored, task, reference, head)))
        values.append((cv, rv))
        budgets.append(_earlier_budgets(points, cand, task, variant, reference, head, margins, design, len(cv)))
    for c, pw, pm in zip(out, holm([c.welch_p for c in out]), holm([c.mannwhitney_p for c in out])):
        c.welch_p_holm, c.mannwhitney_p_holm = pw, pm
    decisions, earlier = _decisions(out, values, budgets, design)
    for i, (c, (cv, rv)) in enumerate(zip(out, values)):
        d = decisions.get(i)
        n = min(len(cv), len(rv))
        if d is not None:
            c.alpha = d.threshold
            if design is not None:
                c.look = d.look
            sds = (_sd(cv), _sd(rv))
            if all(math.isfinite(x) for x in sds):
                c.mde = min_detectable_effect(*sds, n, c.alpha, POWER) if c.alpha < POWER else math.nan
                c.seeds_needed = (d.seeds_needed if d.verdict == "undecided" else
                                  seeds_needed(c.diff, *sds, c.alpha, POWER, MAX_SEEDS) if c.alpha > 0 else None)
        c.verdict = _verdict(c.n, n, c.learned, d, c.seeds_needed, c.diff)
        _by_budget(c, points, cand, budgets[i], earlier[i], d, n, design)
    return out


def _earlier_budgets(points: pd.DataFrame, cand: list[dict], task: str, variant: str, reference: str, head: str,
                     margins, design: Design | None, n: int) -> list[dict]:
    """The budgets of the task's grid before its own budget, each with its tested values."""
    unit, final = _budget(cand, task)
    column = head if "[" in head else f"{head}[{_extractor(cand, task)}]"
    pair = points[points["variant"].isin([variant, reference])]
    out = []
    for b in (b for b in grid(pair, task) if b < final and not math.isclose(b, final, rel_tol=1e-9)):
        cv, rv = tested_values(*(point_values(points, task, v, column, b) for v in (variant, reference)), n,
                               design.looks if design is not None else None)
        out.append({"budget": b, "unit": unit, "cv": cv, "rv": rv, "margin": _margin(head, _mean(rv), margins)})
    return out


def _extractor(records: list[dict], task: str) -> str:
    return next((r["protocol"]["extractor"] for r in records if r["task"] == task and r.get("protocol", {}).get("extractor")),
                "identity")


def _decisions(out: list[Comparison], values, budgets, design: Design | None):
    """``decide_all`` over the testable hypotheses, one per (task, budget), the budgets of a task sharing
    its α: the final budget's decisions keyed by row index, and per row the earlier budgets' (None where
    a budget was not tested). Without a design the hypotheses with two or more values per side (one
    look at the seeds run); with one, every budget of a row with a value, whose final seeds per side
    must be a look."""
    if design is None:
        rows = [i for i, (cv, rv) in enumerate(values) if len(cv) > 1 and len(rv) > 1]
    else:
        rows = [i for i, (cv, _) in enumerate(values) if len(cv)]
        for i in rows:
            cv, rv = values[i]
            if len(cv) != len(rv) or len(cv) not in design.looks:
                raise ValueError(f"{out[i].task}: {len(cv)} candidate and {len(rv)} reference seeds with values; the "
                                 f"design looks at {list(design.looks)} seeds per side (a failed seed has no value: "
                                 "run seeds up to a look, or compare without the design)")
    pairs, where = [], []
    for i in range(len(out)):
        for j, b in enumerate(budgets[i]):
            testable = (len(b["cv"]) > 1 and len(b["rv"]) > 1) if design is None else i in rows
            if testable:
                pairs.append((b["cv"], b["rv"], out[i].higher_is_better, b["margin"]))
                where.append((i, j))
        if i in rows:
            pairs.append((values[i][0], values[i][1], out[i].higher_is_better, out[i].margin))
            where.append((i, None))
    decided = decide_all(pairs, design, design.alpha if design is not None else ALPHA,
                         questions=[i for i, _ in where])
    final = {i: d for (i, j), d in zip(where, decided) if j is None}
    earlier = [[None] * len(b) for b in budgets]
    for (i, j), d in zip(where, decided):
        if j is not None:
            earlier[i][j] = d
    return final, earlier


def _by_budget(c: Comparison, points: pd.DataFrame, cand: list[dict], earlier: list[dict], decisions: list,
               final: Decision | None, n_final: int, design: Design | None) -> None:
    """Fill ``c.by_budget`` (the earlier budgets, then the final one from ``c``'s own fields),
    ``c.verdict_map``, ``c.regime`` and, with a design, ``c.stop`` (every budget decided, not learned, or
    at the last look)."""
    unit, final_budget = _budget(cand, c.task)
    headline = next((r["protocol"].get("headline") for r in cand if r["task"] == c.task
                     and r.get("protocol", {}).get("headline")), c.metric)
    column = f"{headline}[{_extractor(cand, c.task)}]"
    floor, ceiling = floor_ceiling(points, c.task, column)
    fv = point_values(points, c.task, "init", c.metric, None).to_numpy()

    def sides(budget: float) -> dict[str, float]:
        return {v: progress(_mean(point_values(points, c.task, v, column, budget, ok_only=True).to_numpy()), floor,
                            ceiling) for v in (c.candidate, c.reference)}

    rows = []
    for b, d in zip(earlier, decisions):
        cv, rv = b["cv"], b["rv"]
        n = min(len(cv), len(rv))
        p_init = better_p(cv, fv, c.higher_is_better) if len(fv) and len(cv) else math.nan
        learned = (not math.isnan(p_init) and p_init < ALPHA) if len(fv) else None
        diff, lo, hi = welch_diff_ci(cv, rv) if n else (math.nan,) * 3
        seeds = d.seeds_needed if d is not None and d.verdict == "undecided" else None
        progress_ = sides(b["budget"])
        rows.append(BudgetVerdict(
            budget=b["budget"], unit=b["unit"], n=n, look=d.look if d is not None and design is not None else None,
            candidate_mean=_mean(cv), candidate_std=_sd(cv), reference_mean=_mean(rv), reference_std=_sd(rv),
            diff=diff, diff_ci_lo=lo, diff_ci_hi=hi, p=d.p if d is not None else welch_p(cv, rv),
            threshold=d.threshold if d is not None else math.nan, decision=d.verdict if d is not None else "undecided",
            verdict=_verdict(len(cv), n, learned, d, seeds, diff), label=_label(len(cv), learned, d),
            stop=(bool(d is not None and d.stop) or learned is False) if design is not None else None,
            learned=learned, p_vs_init=p_init, seeds_needed=seeds, candidate_progress=progress_[c.candidate],
            reference_progress=progress_[c.reference], regime=regime(progress_)))
    progress_ = sides(final_budget)
    rows.append(BudgetVerdict(
        budget=final_budget, unit=unit, n=n_final, look=c.look,
        candidate_mean=c.candidate_mean, candidate_std=c.candidate_std, reference_mean=c.reference_mean,
        reference_std=c.reference_std, diff=c.diff, diff_ci_lo=c.diff_ci_lo, diff_ci_hi=c.diff_ci_hi, p=c.welch_p,
        threshold=final.threshold if final is not None else math.nan,
        decision=final.verdict if final is not None else "undecided", verdict=c.verdict,
        label=_label(c.n, c.learned, final),
        stop=(bool(final is not None and final.stop) or c.learned is False) if design is not None else None,
        learned=c.learned, p_vs_init=c.p_vs_init, seeds_needed=c.seeds_needed if c.verdict.startswith("undecided") else None,
        candidate_progress=progress_[c.candidate], reference_progress=progress_[c.reference], regime=regime(progress_)))
    c.by_budget = rows
    c.regime = rows[-1].regime
    c.verdict_map = verdict_map([r.budget for r in rows], [r.label for r in rows], unit,
                                far=[far_from_data({"a": r.candidate_progress, "b": r.reference_progress}) for r in rows])
    if design is not None:
        c.stop = all(r.stop for r in rows)


def _pm(mean: float, std: float, diverged: int = 0) -> str:
    text = fmt.round_to_ci(mean, std)
    return text + (f" ({diverged} diverged)" if diverged else "")


def _verdict_text(c: Comparison) -> str:
    if c.verdict == "equivalent" and c.margin is not None:
        return f"equivalent (within ±{fmt.significant(c.margin)})"
    return c.verdict


CI = f"{CI_LEVEL:.0%} CI"


def comparison_table(comparisons: list[Comparison]) -> pd.DataFrame:
    """One readable row per task (names unescaped; the JSON keeps every field at full precision)."""
    rows = []
    for c in comparisons:
        rows.append({"task": c.task, "metric": f"{c.metric} ({'higher' if c.higher_is_better else 'lower'} is better)",
                     c.candidate: _pm(c.candidate_mean, c.candidate_std, c.candidate_diverged),
                     f"reference {c.reference}": _pm(c.reference_mean, c.reference_std, c.reference_diverged),
                     "best baseline": f"{c.best_baseline} {fmt.significant(c.best_baseline_mean)}",
                     f"diff [{CI}]": fmt.estimate(c.diff, c.diff_ci_lo, c.diff_ci_hi),
                     "g": fmt.signed(c.hedges_g),
                     f"P(better) [{CI}]": fmt.estimate(c.prob_improvement, c.prob_improvement_lo, c.prob_improvement_hi),
                     "MDE": fmt.significant(c.mde),
                     "seeds needed": fmt.count(c.seeds_needed),
                     "p vs init": "" if c.learned is None else fmt.p_value(c.p_vs_init),
                     "Welch p (Holm)": fmt.p_value(c.welch_p_holm), "verdict": _verdict_text(c),
                     "verdict by budget": c.verdict_map, "floor → ceiling": c.regime})
    return pd.DataFrame(rows)


def verdict_lines(comparisons: list[Comparison]) -> list[str]:
    """One line per task for a terminal: its verdict map and, at its own budget, the regime."""
    out = []
    for c in comparisons:
        where = f" (at {budget_text(c.by_budget[-1].budget, c.by_budget[-1].unit)}: {c.regime})" \
            if c.regime and c.by_budget else ""
        out.append(f"{c.task}: {c.verdict_map or _verdict_text(c)}{where}")
    return out


def to_json(comparisons: list[Comparison]) -> str:
    return json.dumps([asdict(c) for c in comparisons], indent=2, default=str)


def to_markdown(comparisons: list[Comparison]) -> str:
    n = comparisons[0].n if comparisons else 0
    sequential = any(c.look is not None for c in comparisons)
    budgets = sum(max(1, len(c.by_budget)) for c in comparisons)
    tasks = f"{len(comparisons)} task{'s' if len(comparisons) != 1 else ''}"
    family = (f"{budgets} (task, budget) hypotheses, α split over the {tasks}, then over each task's "
              "budgets, a decided budget's α passed to its task's other budgets, a decided task's to the other tasks "
              "(Bretz et al. 2009; Maurer & Bretz 2013)")
    rule = (f"verdicts from the group-sequential design (Lan-DeMets O'Brien-Fleming-type spending, Holm-type graph "
            f"with α recycling over {family}); MDE and seeds needed at the threshold of the row's look"
            if sequential else f"verdicts by the Holm-type graph over {family}, equivalence at each hypothesis's own "
            "level; MDE and seeds needed at that level")
    return (f"Candidate vs baselines, {n} seeds per variant; α = {ALPHA}; {rule}. p = Welch's t-test raised to the "
            "exact permutation floor 2 / C(2n, n), Holm-adjusted; a diverged seed counts as its metric's worst value. "
            f"diff = candidate − reference with its Welch t {CI}; g = Hedges' g; P(better) = probability that a random "
            f"candidate seed beats a random reference seed (Newcombe's score {CI}); MDE = smallest true difference "
            f"detected with power {POWER}; seeds needed = per side to detect the observed difference; equivalent = "
            "two one-sided tests within the metric's margin. The row's figures and verdict are at the task's own "
            "budget; verdict by budget = the verdicts at every budget of the task's grid (the points at which every "
            "trial was judged), by range; floor → ceiling = each side's mean headline as a fraction of the way from "
            f"the untrained generator (init) to held-out data (real), 'far from the data' below {FAR_FROM_DATA:.0%} on "
            "both sides (a verdict about weak generators).\n\n"
            + escape.markdown_table(comparison_table(comparisons)) + "\n")
