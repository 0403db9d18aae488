"""Verdicts on published claims: did the direction a paper reports reproduce in this run's records?

A claim (:mod:`ganbench.claims`) says that variant ``better`` beats ``worse`` on a task by a metric.
Per claim, the seeds of the two variants (in seed order; a diverged seed at its metric's worst value,
:func:`ganbench.report.tables.seed_values`) go to the group-sequential decision of
:func:`ganbench.report.sequential.decide_all`, all claims of a suite together (Holm with α recycling,
familywise α, Lan-DeMets O'Brien-Fleming spending over the looks of the suite's ``[sequential]``
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

Published numbers are shown, never used to judge (they come from other budgets and networks).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.claims import Claim, get_claim
from ganbench.metrics.registry import value_info
from ganbench.report import escape
from ganbench.report import format as fmt
from ganbench.report.constants import CI_LEVEL, POWER
from ganbench.report.sequential import Design, decide_all, plan
from ganbench.report.stats import hedges_g, min_detectable_effect, prob_improvement, welch_diff_ci, welch_power
from ganbench.report.tables import aggregate, scored_frame, seed_values


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
    stop: bool
    verdict: str


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
    """The verdict of every claim on ``records`` (a run directory's), judged together by ``design``.
    ``tables``: :func:`~ganbench.report.tables.aggregate` of the same records, when already built."""
    claims = [get_claim(c) if isinstance(c, str) else c for c in claims]
    scored = scored_frame(records)
    tables = aggregate(records) if tables is None else tables
    rows, pairs = [], []
    for c in claims:
        column = c.column(_extractor(records, c.task))
        a, b = (seed_values(scored, c.task, v, column) for v in (c.better, c.worse))
        n = _complete_look(a, b, design)
        av, bv = a.iloc[:n].to_numpy(), b.iloc[:n].to_numpy()
        info = value_info(c.metric)
        margin = ((info.margin_for(float(bv.mean())) or None) if n and info.margin is not None
                  and math.isfinite(float(bv.mean())) else None)
        rows.append((c, column, av, bv, margin, tables.get(c.task)))
        if n:
            pairs.append((av, bv, c.higher_is_better, margin))
    decisions = iter(decide_all(pairs, design)) if pairs else iter(())
    out = []
    for c, column, av, bv, margin, table in rows:
        d = next(decisions) if len(av) else None
        if d is not None:  # a claim decided at an earlier look is reported there (later seeds served others)
            av, bv = av[: d.n], bv[: d.n]
        out.append(_verdict(c, column, av, bv, margin, table, d))
    return out


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
    if unlearned:
        verdict = f"untestable: {', '.join(unlearned)} not better than the untrained generator"
    elif n == 0:
        verdict = "undecided: no complete look yet (a seed is missing: failed, or not yet run)"
    elif decision == "better":
        verdict = "reproduced"
    elif decision == "worse":
        verdict = "contradicted (reversed)"
    elif decision == "equivalent":
        verdict = f"contradicted (no difference beyond ±{fmt.significant(margin)})"
    else:
        need = (f"~{fmt.count(seeds)} seeds per side would detect the observed difference" if seeds
                else "no difference to detect" if diff == 0
                else "diverged seeds leave no finite difference to size a seed count by" if not math.isfinite(diff)
                else "more seeds than a run can spend")
        verdict = f"undecided at {n} seeds ({need})"
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
                     "verdict": v.verdict})
    return pd.DataFrame(rows)


def claims_markdown(verdicts: list[ClaimVerdict], design: Design) -> str:
    looks = ", ".join(str(n) for n in design.looks)
    rule = (f"group-sequential: looks at {looks} seeds per side, Lan-DeMets O'Brien-Fleming spending"
            if len(design.looks) > 1 else f"one look at {looks} seeds per side")
    return (f"Published claims ({len(verdicts)}), judged together at familywise α = {design.alpha} ({rule}; Holm "
            "with α recycling across the claims; p = Welch's t-test raised to the exact permutation floor; a diverged "
            "seed counts as its metric's worst value). diff = better − worse as the source orders them, Welch t "
            f"{CI_LEVEL:.0%} CI; g = Hedges' g; P(better) = probability that a random seed of the source's better "
            "variant beats one of the other; MDE = smallest true difference detected with power "
            f"{POWER} at the seeds spent; power at the published gap = the chance those seeds had to detect the "
            "paper's difference, where its units are the task's, and the gap vs CI whether the paper's difference lies "
            f"inside this run's {CI_LEVEL:.0%} CI (unadjusted for the looks) or is larger than anything these seeds "
            "allow. Published numbers come from the sources' budgets and networks: they are shown, never used to "
            "judge.\n\n" + escape.markdown_table(claims_table(verdicts)) + "\n")


def verdicts_json(verdicts: list[ClaimVerdict]) -> str:
    return json.dumps([asdict(v) for v in verdicts], indent=2, default=str)
