"""Verdicts on published claims: did the direction a paper reports reproduce in this run's records?

A claim (:mod:`ganbench.claims`) says that variant ``better`` beats ``worse`` on a task by a metric.
Per claim, the seeds of the two variants (in seed order; a diverged seed at its metric's worst value,
:func:`ganbench.report.tables.seed_values`) go to the group-sequential decision of
:func:`ganbench.report.sequential.decide_all`, all claims of a suite together (α recycled along the
graph below, familywise α, Lan-DeMets O'Brien-Fleming spending over the looks of the suite's ``[sequential]``
design; a suite without one is a single look at its seeds), p-values by the one small-sample rule of
:mod:`ganbench.report.stats`. A look counts once seeds 0..n−1 of both variants have a value (a failed
seed has none until it is retried). The decision maps to:

- **reproduced**: ``better`` is significantly better than ``worse``;
- **contradicted (reversed)**: significantly worse;
- **contradicted (no difference)**: equivalent within the metric's margin (two one-sided tests);
- **undecided at N seeds**: none of these at the seeds spent, with the seeds per side that would
  detect the observed difference and the power those seeds had to detect the published gap;
- **untestable**: one of the two variants is not better than the untrained generator on the task's
  headline (nothing it scores says anything about the method).

Budgets (issue 41): a claim is judged at every point of its task's grid (the budgets at which every
trial of its two variants was judged on the way to its own, :func:`ganbench.report.curves.grid`; one
point for records without a curve), each (claim, budget) one hypothesis of the graph of
:mod:`ganbench.report.sequential`: α split over the claims, then over each claim's budgets, a decided
budget's α passed to its claim's other budgets, a fully decided claim's to the other claims. The
:class:`ClaimVerdict` keeps the final budget's fields; ``by_budget`` has a
:class:`ClaimBudgetVerdict` per budget ("untestable" there when a side is not better than the
untrained generator at that point), ``verdict_map`` says them by range in the claim's words
("reproduced at ≤ 1,500 steps (pacgan better); undecided from 3,000"), and ``regime`` each side's
progress from floor to ceiling on the headline (:func:`ganbench.report.curves.regime`: "far from the
data" below 25% on both sides). A claim stays open for more seeds (``stop`` False) while any of
its budgets is undecided and testable, short of the last look.

Published numbers are shown, never used to judge (they come from other budgets and networks).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.claims import Claim, get_claim
from ganbench.metrics.registry import HIGHER_IS_BETTER, value_info
from ganbench.report import escape
from ganbench.report import format as fmt
from ganbench.report.constants import ALPHA, CI_LEVEL, POWER
from ganbench.report.curves import (FAR_FROM_DATA, curve_frame, far_from_data, floor_ceiling, grid, point_values,
                                    progress, regime, tested_values, verdict_map)
from ganbench.report.sequential import Design, decide_all, plan
from ganbench.report.stats import (better_p, hedges_g, min_detectable_effect, prob_improvement, welch_diff_ci,
                                   welch_power)
from ganbench.report.tables import aggregate, scored_frame, seed_values


@dataclass
class ClaimBudgetVerdict:
    """One budget of a claim: its two variants judged at the same point of their training (nested
    budgets; a diverged point at its metric's worst value)."""

    budget: float  # in ``unit``
    unit: str  # g_steps | kimg | gflops | seconds
    n: int  # seeds per side tested here
    better_mean: float  # the source's better variant
    better_std: float
    worse_mean: float
    worse_std: float
    diff: float  # better − worse
    diff_ci_lo: float  # Welch t 95% CI
    diff_ci_hi: float
    p: float  # two-sided, the one small-sample rule (NaN: not tested yet)
    threshold: float  # the nominal level this (claim, budget) hypothesis was held to
    decision: str  # sequential's: better / worse / equivalent / undecided
    verdict: str  # as ClaimVerdict.verdict, at this budget
    label: str  # the map's words: reproduced / contradicted (reversed) / contradicted (no difference) / undecided / untestable
    stop: bool  # decided, untestable here, or at the last look
    seeds_needed: int | None
    better_progress: float  # fraction of the way from floor (init) to ceiling (real) on the task's headline
    worse_progress: float
    regime: str  # the two progresses in words, "far from the data" when both < curves.FAR_FROM_DATA


@dataclass
class ClaimVerdict:
    claim: str
    task: str
    metric: str  # the long table's column, e.g. ``modes[identity]``
    higher_is_better: bool
    better: str  # the variant the source reports better
    worse: str
    source: str
    setting: str
    published_better: float
    published_worse: float
    n: int  # seeds per side judged (a look of the design)
    better_mean: float
    better_std: float
    worse_mean: float
    worse_std: float
    diff: float  # better − worse, metric units
    diff_ci_lo: float  # Welch t 95% CI (NaN: no spread, or a diverged seed of an unbounded metric)
    diff_ci_hi: float
    hedges_g: float
    prob_improvement: float  # P(a random seed of ``better`` beats one of ``worse``)
    prob_improvement_lo: float  # Newcombe's 95% score CI
    prob_improvement_hi: float
    p: float  # two-sided p at this look (the one small-sample rule)
    threshold: float  # the nominal level the look was held to (spending, Holm)
    mde: float  # smallest true |diff| these seeds detect with the target power (constants.POWER) at ``threshold``
    power_published: float  # power of these seeds to detect the published gap (NaN: other units)
    published_gap: str  # the published gap against the 95% CI: "inside", "larger", "smaller", "" (other units)
    seeds_needed: int | None  # per side, to detect the observed difference (undecided only)
    margin: float | None
    decision: str  # sequential's: better / worse / equivalent / undecided
    stop: bool  # every budget decided, untestable, or at the last look (the claim gets no more seeds)
    verdict: str  # at the task's own (final) budget
    by_budget: list[ClaimBudgetVerdict] = field(default_factory=list)  # every budget of the grid, the last = above
    verdict_map: str = ""  # "reproduced at ≤ 1,500 steps (pacgan better); undecided from 3,000"
    regime: str = ""  # at the final budget: each side's progress from floor to ceiling on the task's headline


def _extractor(records: list[dict], task: str) -> str:
    return next((r["protocol"]["extractor"] for r in records if r["task"] == task and r.get("protocol", {}).get("extractor")),
                "identity")


def _complete_look(a: pd.Series, b: pd.Series, design: Design) -> int:
    """The largest look whose seeds 0..n-1 all have a value on both sides (0: none)."""
    n_ok = 0
    while n_ok in a.index and n_ok in b.index:
        n_ok += 1
    return max((n for n in design.looks if n <= n_ok), default=0)


def design_of(suite: dict) -> Design:
    """The design a suite's claims are judged by (from its ``suite.json``): ``[sequential]``'s looks,
    or one look at the suite's seeds."""
    seq = suite.get("sequential") or {}
    start = int(seq.get("start", len(suite.get("seeds", []))))  # a round's suite.json has more seeds
    if seq:
        return plan(start, int(seq["max_seeds"]), int(seq.get("step") or start))
    return Design((start,))


def claim_verdicts(records: list[dict], claims: list[Claim | str], design: Design,
                   tables: dict[str, pd.DataFrame] | None = None) -> list[ClaimVerdict]:
    """The verdict of every claim on ``records`` (a run directory's), judged together by ``design`` at
    every budget of its task's grid: one hypothesis per (claim, budget), α split over the claims, then
    over each claim's budgets (:mod:`ganbench.report.sequential`). ``tables``:
    :func:`~ganbench.report.tables.aggregate` of the same records, when already built."""
    claims = [get_claim(c) if isinstance(c, str) else c for c in claims]
    scored = scored_frame(records)
    tables = aggregate(records) if tables is None else tables
    points = curve_frame(records)
    rows, pairs, where = [], [], []
    for i, c in enumerate(claims):
        column = c.column(_extractor(records, c.task))
        a, b = (seed_values(scored, c.task, v, column) for v in (c.better, c.worse))
        n = _complete_look(a, b, design)
        av, bv = a.iloc[:n].to_numpy(), b.iloc[:n].to_numpy()
        margin = _margin_of(c, bv)
        unit, final = _budget(records, c.task, c.better)
        pair = points[points["variant"].isin([c.better, c.worse])]
        earlier = []
        for budget in (x for x in grid(pair, c.task) if x < final and not math.isclose(x, final, rel_tol=1e-9)):
            ab, bb = tested_values(*(point_values(points, c.task, v, column, budget) for v in (c.better, c.worse)),
                                   n, design.looks)
            earlier.append({"budget": budget, "unit": unit, "av": ab, "bv": bb, "margin": _margin_of(c, bb)})
        if n:
            for j, e in enumerate(earlier):
                pairs.append((e["av"], e["bv"], c.higher_is_better, e["margin"]))
                where.append((i, j))
            pairs.append((av, bv, c.higher_is_better, margin))
            where.append((i, None))
        rows.append((c, column, av, bv, margin, tables.get(c.task), unit, final, earlier))
    decided = decide_all(pairs, design, questions=[i for i, _ in where]) if pairs else []
    final_d = {i: d for (i, j), d in zip(where, decided) if j is None}
    earlier_d = {(i, j): d for (i, j), d in zip(where, decided) if j is not None}
    out = []
    for i, (c, column, av, bv, margin, table, unit, final, earlier) in enumerate(rows):
        d = final_d.get(i)
        if d is not None:  # a claim decided at an earlier look is reported there (later seeds served others)
            av, bv = av[: d.n], bv[: d.n]
        v = _verdict(c, column, av, bv, margin, table, d)
        head = _headline(records, c.task, column)
        floor, ceiling = floor_ceiling(points, c.task, head)
        by_budget = []
        for j, e in enumerate(earlier):
            dj = earlier_d.get((i, j))
            ab, bb = (e["av"], e["bv"]) if dj is None else (e["av"][: dj.n], e["bv"][: dj.n])
            unlearned = [x for x in (c.better, c.worse) if not _learned_at(points, c.task, x, head, e["budget"])]
            by_budget.append(_budget_verdict(c, e["budget"], unit, ab, bb, e["margin"], dj, unlearned,
                                             _sides(points, c, head, e["budget"], floor, ceiling)))
        unlearned = [x for x in (c.better, c.worse) if not _learned(table, x)]
        by_budget.append(_budget_verdict(c, final, unit, av, bv, margin, d, unlearned,
                                         _sides(points, c, head, final, floor, ceiling), final_verdict=v))
        v.by_budget = by_budget
        v.regime = by_budget[-1].regime
        v.stop = bool(v.n) and all(b.stop for b in by_budget)
        v.verdict_map = verdict_map([b.budget for b in by_budget], [b.label for b in by_budget], unit,
                                    {"reproduced": f"({c.better} better)", "contradicted (reversed)": f"({c.worse} better)"},
                                    far=[far_from_data({"a": b.better_progress, "b": b.worse_progress}) for b in by_budget])
        out.append(v)
    return out


def _margin_of(c: Claim, worse: np.ndarray) -> float | None:
    """The claim's equivalence margin at the worse side's mean (None: the metric has none, or no values)."""
    info = value_info(c.metric)
    if not len(worse) or info.margin is None or not math.isfinite(float(worse.mean())):
        return None
    return info.margin_for(float(worse.mean())) or None


def _budget(records: list[dict], task: str, variant: str) -> tuple[str, float]:
    """The unit and value of the budget ``variant``'s trials on ``task`` were trained to."""
    budget = next((r.get("budget") for r in records if r["task"] == task and r["variant"] == variant
                   and r.get("kind", "trial") == "trial" and r.get("budget")), {}) or {}
    (unit, value), = budget.items() if len(budget) == 1 else (("", math.nan),)
    return unit, float(value)


def _headline(records: list[dict], task: str, fallback: str) -> str:
    """The task's headline column, ``name[extractor]`` (what "learned" and the regime read; ``fallback``,
    the claim's column, for records that name none)."""
    head = next((r["protocol"]["headline"] for r in records if r["task"] == task and r.get("protocol", {}).get("headline")),
                None)
    return f"{head}[{_extractor(records, task)}]" if head else fallback


def _learned_at(points: pd.DataFrame, task: str, variant: str, head: str, budget: float) -> bool:
    """``variant`` better than the untrained generator on the headline at ``budget`` (the leaderboard's
    test, :func:`ganbench.report.tables.aggregate`'s ``learned``, at that point of training)."""
    floor = point_values(points, task, "init", head, None).to_numpy()
    values = point_values(points, task, variant, head, budget).to_numpy()
    if not len(floor):  # no floor recorded: nothing can be said against it
        return bool(len(values))
    higher = bool(HIGHER_IS_BETTER.get(head.split("[", 1)[0]))
    p = better_p(values, floor, higher) if len(values) else math.nan
    return bool(not math.isnan(p) and p < ALPHA)


def _sides(points: pd.DataFrame, c: Claim, head: str, budget: float, floor: float, ceiling: float) -> dict[str, float]:
    """Each side's progress from floor to ceiling on the headline at ``budget`` (ok seeds' mean)."""
    out = {}
    for v in (c.better, c.worse):
        x = point_values(points, c.task, v, head, budget, ok_only=True).to_numpy()
        out[v] = progress(float(x.mean()) if len(x) else math.nan, floor, ceiling)
    return out


def _budget_verdict(c: Claim, budget: float, unit: str, av, bv, margin, d, unlearned: list[str],
                    sides: dict[str, float], final_verdict: ClaimVerdict | None = None) -> ClaimBudgetVerdict:
    n = min(len(av), len(bv))
    finite = bool(np.isfinite(av).all() and np.isfinite(bv).all())
    sa, sb = (float(x.std(ddof=1)) if n > 1 and finite else math.nan for x in (av, bv))
    diff, lo, hi = welch_diff_ci(av, bv) if n else (math.nan,) * 3
    decision = d.verdict if d is not None else "undecided"
    seeds = d.seeds_needed if d is not None and decision == "undecided" else None
    if final_verdict is not None:
        verdict = final_verdict.verdict
    else:
        verdict = _words(c, n, decision, margin, diff, seeds, unlearned, untested=d is not None and math.isnan(d.p))
    label = ("untestable" if unlearned else "undecided" if not n or decision == "undecided" else
             {"better": "reproduced", "worse": "contradicted (reversed)",
              "equivalent": "contradicted (no difference)"}[decision])
    return ClaimBudgetVerdict(
        budget=budget, unit=unit, n=n, better_mean=float(av.mean()) if n else math.nan, better_std=sa,
        worse_mean=float(bv.mean()) if n else math.nan, worse_std=sb, diff=diff, diff_ci_lo=lo, diff_ci_hi=hi,
        p=d.p if d is not None else math.nan, threshold=d.threshold if d is not None else math.nan, decision=decision,
        verdict=verdict, label=label, stop=bool(n) and (bool(unlearned) or bool(d is not None and d.stop)),
        seeds_needed=seeds, better_progress=sides[c.better], worse_progress=sides[c.worse], regime=regime(sides))


def _words(c: Claim, n: int, decision: str, margin, diff: float, seeds, unlearned: list[str],
           untested: bool = False) -> str:
    """A claim's verdict in words (the module docstring's list)."""
    if unlearned:
        return f"untestable: {', '.join(unlearned)} not better than the untrained generator"
    if n == 0 or untested:
        return "undecided: no complete look yet (a seed is missing: failed, or not yet run)"
    if decision == "better":
        return "reproduced"
    if decision == "worse":
        return "contradicted (reversed)"
    if decision == "equivalent":
        return f"contradicted (no difference beyond ±{fmt.significant(margin)})"
    need = (f"~{fmt.count(seeds)} seeds per side would detect the observed difference" if seeds
            else "no difference to detect" if diff == 0
            else "diverged seeds leave no finite difference to size a seed count by" if not math.isfinite(diff)
            else "more seeds than a run can spend")
    return f"undecided at {n} seeds ({need})"


def _learned(table, variant: str) -> bool:
    return table is not None and variant in table.index and bool(table.loc[variant, "learned"])


def _verdict(c: Claim, column, av, bv, margin, table, d) -> ClaimVerdict:
    n = len(av)
    finite = bool(np.isfinite(av).all() and np.isfinite(bv).all())
    sa, sb = (float(x.std(ddof=1)) if n > 1 and finite else math.nan for x in (av, bv))
    diff, lo, hi = welch_diff_ci(av, bv) if n else (math.nan,) * 3
    pi = prob_improvement(av, bv, higher_is_better=c.higher_is_better) if n else (math.nan,) * 3
    threshold = d.threshold if d is not None else math.nan
    testable = n > 1 and threshold > 0 and math.isfinite(sa) and math.isfinite(sb)
    mde = min_detectable_effect(sa, sb, n, threshold, POWER) if testable and threshold < POWER else math.nan
    pub_b, pub_w = (float(c.published.get(v, math.nan)) for v in (c.better, c.worse))
    gap = pub_b - pub_w
    power = (welch_power(gap, sa, sb, n, n, threshold) if testable and c.comparable and math.isfinite(gap)
             and threshold < 1 else math.nan)
    where = ""
    if c.comparable and math.isfinite(gap) and math.isfinite(lo):  # in the claim's direction: + = as published
        sign = 1.0 if c.higher_is_better else -1.0
        e_lo, e_hi = sorted((sign * lo, sign * hi))
        where = "inside" if e_lo <= sign * gap <= e_hi else "larger" if sign * gap > e_hi else "smaller"
    decision = d.verdict if d is not None else "undecided"
    seeds = d.seeds_needed if d is not None and decision == "undecided" else None
    unlearned = [v for v in (c.better, c.worse) if not _learned(table, v)]
    verdict = _words(c, n, decision, margin, diff, seeds, unlearned)
    return ClaimVerdict(
        claim=c.id, task=c.task, metric=column, higher_is_better=c.higher_is_better, better=c.better, worse=c.worse,
        source=c.source, setting=c.setting, published_better=pub_b, published_worse=pub_w, n=n,
        better_mean=float(av.mean()) if n else math.nan, better_std=sa, worse_mean=float(bv.mean()) if n else math.nan,
        worse_std=sb, diff=diff, diff_ci_lo=lo, diff_ci_hi=hi, hedges_g=hedges_g(av, bv) if n else math.nan,
        prob_improvement=pi[0], prob_improvement_lo=pi[1], prob_improvement_hi=pi[2],
        p=d.p if d is not None else math.nan, threshold=threshold, mde=mde, power_published=power,
        published_gap=where, seeds_needed=seeds, margin=margin, decision=decision,
        stop=bool(d.stop) if d is not None else False, verdict=verdict)


def suite_claims(run_dir) -> tuple[list[str], Design | None]:
    """The claims a run directory's suite tests and their design (``([], None)``: none)."""
    path = Path(run_dir) / "suite.json"
    if not path.is_file():
        return [], None
    suite = json.loads(path.read_text())
    claims = suite.get("claims") or []
    return (list(claims), design_of(suite)) if claims else ([], None)


_GAP_WORDS = {"inside": "inside the CI", "larger": "larger than the CI allows", "smaller": "smaller than the CI allows"}


def claims_table(verdicts: list[ClaimVerdict]) -> pd.DataFrame:
    """One readable row per claim (names unescaped; :mod:`ganbench.report.format`'s numbers)."""
    ci = f"{CI_LEVEL:.0%} CI"
    rows = []
    for v in verdicts:
        direction = "higher" if v.higher_is_better else "lower"
        rows.append({"claim": v.claim, "task": v.task, "metric": f"{v.metric} ({direction} is better)",
                     "published (source)": f"{v.better} {fmt.significant(v.published_better)} vs {v.worse} "
                                           f"{fmt.significant(v.published_worse)} ({v.source})",
                     "measured": f"{v.better} {fmt.round_to_ci(v.better_mean, v.better_std)} vs {v.worse} "
                                 f"{fmt.round_to_ci(v.worse_mean, v.worse_std)}",
                     f"diff [{ci}]": fmt.estimate(v.diff, v.diff_ci_lo, v.diff_ci_hi),
                     "g": fmt.signed(v.hedges_g), "P(better)": fmt.fixed(v.prob_improvement),
                     "seeds per side": v.n, "MDE": fmt.significant(v.mde),
                     "published gap vs CI": (f"{fmt.significant(v.published_better - v.published_worse)}: "
                                             + _GAP_WORDS[v.published_gap] if v.published_gap else "— (other units)"),
                     "power at the published gap": fmt.fixed(v.power_published),
                     "verdict": v.verdict, "verdict by budget": v.verdict_map, "floor → ceiling": v.regime})
    return pd.DataFrame(rows)


def claims_markdown(verdicts: list[ClaimVerdict], design: Design) -> str:
    looks = ", ".join(str(n) for n in design.looks)
    rule = (f"group-sequential: looks at {looks} seeds per side, Lan-DeMets O'Brien-Fleming spending"
            if len(design.looks) > 1 else f"one look at {looks} seeds per side")
    budgets = sum(max(1, len(v.by_budget)) for v in verdicts)
    return (f"Published claims ({len(verdicts)}), judged together at familywise α = {design.alpha} ({rule}; each "
            f"claim at every budget of its task's grid, {budgets} (claim, budget) hypotheses on one graph: α split "
            "over the claims, then over each claim's budgets, a decided budget's α passed to its claim's other "
            "budgets, a decided claim's to the other claims (Bretz et al. 2009; Maurer & Bretz 2013; Holm across "
            "the claims); p = Welch's t-test raised to the exact permutation floor; a diverged "
            "seed counts as its metric's worst value). The row's figures and verdict are at the task's own budget; "
            "verdict by budget = the verdicts at every budget by range; floor → ceiling = each side's mean "
            "headline as a fraction of the way from the untrained generator (init) to held-out data (real), "
            f"'far from the data' below {FAR_FROM_DATA:.0%} on both sides: a claim judged on generators that far from "
            "the data says little about the method. diff = better − worse as the source orders them, Welch t "
            f"{CI_LEVEL:.0%} CI; g = Hedges' g; P(better) = probability that a random seed of the source's better "
            "variant beats one of the other; MDE = smallest true difference detected with power "
            f"{POWER} at the seeds spent; power at the published gap = the chance those seeds had to detect the "
            "paper's difference, where its units are the task's, and the gap vs CI whether the paper's difference lies "
            f"inside this run's {CI_LEVEL:.0%} CI (unadjusted for the looks) or is larger than anything these seeds "
            "allow. Published numbers come from the sources' budgets and networks: they are shown, never used to "
            "judge.\n\n" + escape.markdown_table(claims_table(verdicts)) + "\n")


def verdicts_json(verdicts: list[ClaimVerdict]) -> str:
    return json.dumps([asdict(v) for v in verdicts], indent=2, default=str)
