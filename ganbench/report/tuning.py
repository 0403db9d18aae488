"""Equal tuning budgets (issue 43): is a new loss better, or only better tuned?

A tuned run (``ganbench tune``, ``ganbench run --suite tuned``, ``compare --tune N``; orchestrated by
:mod:`ganbench.tuning`) follows the two phases of Lucic et al. 2018 ("Are GANs Created Equal? A
Large-Scale Study", google/compare_gan v1): per task and tuned variant, N configurations of the
variant's search space (configuration 0 is the recipe itself) train with one seed (index 0); the
configuration whose headline is best on the **selection reference** at the design's ``select_at``
budget (``curve[i]["selection"]``: a reference disjoint from the reporting one, the rule of
best-checkpoint selection, :mod:`ganbench.report.selection`; ties to the lowest index) is selected and
rerun with fresh seed indices 1..R, and so is the default recipe, on the same seeds. "Tuned best" and
every verdict read the reruns only, on the reporting reference: the one-seed value a configuration was
selected for is optimistic twice over (the best of N noisy values, and the luck of its seed, which the
selection reference shares), so it is never reported as the tuned score.

The descriptive curve is the **expected best of n configurations** for n = 1..N, on the one-seed
selection values: Tang et al. 2020 ("Showing Your Work Doesn't Always Work"), the unbiased estimator of
E[max of n draws] from N draws without replacement, the average of the maximum over every n-subset,

    E[max of n] = Σ_{i=n..N} v_(i) · C(i−1, n−1) / C(N, n),  v_(1) ≤ ... ≤ v_(N),

(Dodge et al. 2019's "expected validation performance" with replacement extrapolates beyond N and is
biased; Dodge et al. 2021 compare the two), direction-aware (the expected minimum for lower-is-better)
and refused for n > N. Its value at n = N is the sample best, at n = 1 the mean.

This module reads records and ``RUN_DIR/tune.json`` (the design, written before anything trains);
it never trains.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.report import escape
from ganbench.report import format as fmt
from ganbench.report.constants import ALPHA, CI_LEVEL
from ganbench.report.curves import budget_text, points
from ganbench.report.stats import holm, mean_ci, prob_improvement, welch_diff_ci, welch_p
from ganbench.report.tables import worst_value

TUNE_FILE = "tune.json"
SHOWN_N = (1, 2, 5, 10)  # the numbers of configurations the tables show, besides N
ESTIMATOR = ("Tang et al. 2020's unbiased estimator of the expected best of n configurations, "
             "Σ v_(i) C(i−1, n−1) / C(N, n) over the N values sorted from worst to best")


# --- the estimator -----------------------------------------------------------------------------------


def expected_best(values, n: int, higher_is_better: bool = True) -> float:
    """The expected best of ``n`` configurations drawn without replacement from the ``N`` whose
    ``values`` were measured: the unbiased estimator of Tang et al. 2020 (module docstring), the
    average over every ``n``-subset of its best value. Direction-aware (``higher_is_better=False``: the
    expected minimum); ties need no care (a subset's best is the same whichever tied value it holds).
    ``n = N`` gives the best value, ``n = 1`` the mean. Raises ValueError for ``n`` outside 1..N (the
    estimator does not extrapolate beyond the configurations tried) and for NaN values (a failed
    configuration has no value: leave it out)."""
    v = np.asarray(values, float).ravel()
    if np.isnan(v).any():
        raise ValueError("expected_best: values must not be NaN (a failed configuration has no value: leave it out)")
    big_n = len(v)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= big_n:
        raise ValueError(f"expected best of n = {n!r} configurations needs 1 <= n <= N = {big_n} (the configurations "
                         "measured; the estimator does not extrapolate beyond them)")
    n = int(n)
    x = np.sort(v if higher_is_better else -v)  # ascending: x[i-1] is v_(i), the i-th worst
    total = math.comb(big_n, n)
    # Only i >= n has a positive weight; skipping the zero weights keeps an infinite worst value
    # (a diverged configuration of an unbounded metric) from turning 0 · inf into NaN.
    terms = [float(x[i - 1]) * (math.comb(i - 1, n - 1) / total) for i in range(n, big_n + 1)]
    best = math.fsum(terms) if all(math.isfinite(t) for t in terms) else float(np.sum(terms))
    return best if higher_is_better else -best


def expected_best_curve(values, higher_is_better: bool = True) -> np.ndarray:
    """:func:`expected_best` for n = 1..N (shape (N,)), monotone towards the best value."""
    return np.array([expected_best(values, n, higher_is_better) for n in range(1, len(values) + 1)])


# --- the design --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TuneDesign:
    """What a tuned run is (``RUN_DIR/tune.json``, written before anything trains): per tuned
    variant the names of its N configurations (configuration 0 the variant itself, then
    ``ganbench.zoo.configuration_name``), drawn with ``sampler_seed``; the rerun seed indices 1..R;
    the budget point selection reads (``"final"`` or a number in the budget's unit); each variant's
    search space as it prints, with a digest."""

    suite: str
    variants: tuple[str, ...]
    configs: int
    sampler_seed: int
    rerun_seeds: int
    select_at: str | float
    configurations: dict = field(default_factory=dict)  # variant -> (its N configuration names)
    spaces: dict = field(default_factory=dict)  # variant -> its search space as it prints
    kind: str = "tune"

    @property
    def rerun_indices(self) -> tuple[int, ...]:
        return tuple(range(1, self.rerun_seeds + 1))

    def base_of(self, name: str) -> str | None:
        """The tuned variant whose configuration ``name`` is (None: not a configuration of this run)."""
        for v, names in self.configurations.items():
            if name in names:
                return v
        return None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "suite": self.suite, "variants": list(self.variants), "configs": self.configs,
                "sampler_seed": self.sampler_seed, "rerun_seeds": self.rerun_seeds, "select_at": self.select_at,
                "configurations": {v: list(c) for v, c in self.configurations.items()},
                "spaces": dict(self.spaces),
                "space_digests": {v: hashlib.sha256(s.encode()).hexdigest()[:16] for v, s in self.spaces.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "TuneDesign":
        try:
            return cls(suite=d["suite"], variants=tuple(d["variants"]), configs=int(d["configs"]),
                       sampler_seed=int(d["sampler_seed"]), rerun_seeds=int(d["rerun_seeds"]), select_at=d["select_at"],
                       configurations={v: tuple(c) for v, c in d["configurations"].items()},
                       spaces=dict(d.get("spaces", {})), kind=d.get("kind", "tune"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a tuning design ({TUNE_FILE}): {type(exc).__name__}: {exc}") from None


def load_design(run_dir) -> TuneDesign | None:
    """The tuning design of ``run_dir`` (its ``tune.json``), or None for a run that is not tuned."""
    path = Path(run_dir) / TUNE_FILE
    if not path.is_file():
        return None
    try:
        return TuneDesign.from_dict(json.loads(path.read_text()))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# --- selection ---------------------------------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def point_at(record: dict, select_at) -> dict:
    """The point of ``record``'s curve at ``select_at`` (``"final"``: its last point). Raises ValueError
    when the record was not judged there."""
    pts = points(record)
    if select_at == "final":
        return pts[-1]
    for pt in pts:
        if any(_same(float(b), float(select_at)) for b in pt.get("budget", {}).values()):
            return pt
    judged = [b for pt in pts for b in pt.get("budget", {}).values()]
    raise ValueError(f"{record['trial_id']} was not judged at select_at {select_at:g} (its points: "
                     f"{', '.join(f'{b:g}' for b in judged)}); use select_at = \"final\" or a point of the task's grid")


def _headline(record: dict) -> str:
    return record.get("protocol", {}).get("headline", "")


def _scored(pt: dict, key: str, head: str) -> float | None:
    """A point's value of ``head`` in ``pt[key]``: the value where the point is ok, the metric's worst
    where the trial had diverged by then (it counts against its configuration, as everywhere), None
    where it has none."""
    if pt.get("status", "ok") == "diverged":
        return worst_value(head)
    if pt.get("status", "ok") != "ok":
        return None
    v = (pt.get(key) or {}).get(head)
    return float(v) if v is not None and not math.isnan(float(v)) else None


def selection_value(record: dict, select_at) -> float | None:
    """The headline of ``record`` (a configuration's seed-0 trial) on the selection reference at
    ``select_at`` (``curve[i]["selection"]``): its value, the metric's worst where the trial had
    diverged by then, None where the point carries none (a failed trial, or no selection reference)."""
    if record["status"] == "failed":
        return None
    return _scored(point_at(record, select_at), "selection", _headline(record))


def reported_value(record: dict, select_at) -> float | None:
    """The headline of ``record`` (a rerun) on the reporting reference at ``select_at`` (the worst value
    where it had diverged by then; None for a failed trial)."""
    if record["status"] == "failed":
        return None
    return _scored(point_at(record, select_at), "metrics", _headline(record))


def _better(a: float, b: float, higher: bool) -> bool:
    return a > b if higher else a < b


@dataclass(frozen=True)
class Selection:
    """The configuration selected for one (task, variant): ``index`` into the design's configurations,
    its ``name`` and one-seed selection ``value``; ``values``: every configuration's (None: no result)."""

    task: str
    variant: str
    headline: str
    higher_is_better: bool
    index: int
    name: str
    value: float
    values: tuple


def _trials(records: list[dict], task: str, name: str, seeds) -> list[dict]:
    return [r for r in records if r["task"] == task and r["variant"] == name and r.get("kind", "trial") == "trial"
            and r["seed_index"] in seeds]


def select(records: list[dict], design: TuneDesign) -> dict[tuple[str, str], Selection]:
    """Per (task, tuned variant) with seed-0 records of its configurations, the configuration whose
    headline on the selection reference at ``design.select_at`` is best (direction-aware; ties: the
    lowest index; a diverged configuration at its metric's worst, a failed one left out).

    Raises ValueError naming the task where a configuration's point is judged (ok) but carries no
    selection value: the task has no reference disjoint from the reporting one (or the records were
    written before selection values existed), and selecting on the reporting numbers would report the
    winner's curse as a result."""
    out = {}
    tasks = dict.fromkeys(r["task"] for r in records if r.get("kind", "trial") == "trial")
    for task in tasks:
        for variant in design.variants:
            names = design.configurations[variant]
            recs = {i: _trials(records, task, name, (0,)) for i, name in enumerate(names)}
            if not any(recs.values()):
                continue
            values, missing = [], []
            for i, name in enumerate(names):
                r = recs[i][0] if recs[i] else None
                v = selection_value(r, design.select_at) if r is not None else None
                if r is not None and v is None and r["status"] != "failed":
                    missing.append(name)
                values.append(v)
            if missing:
                raise ValueError(f"task {task!r} has no selection values ({len(missing)} of {variant}'s "
                                 f"configurations judged without one, e.g. {missing[0]}): tuning selects on a "
                                 "reference disjoint from the reported one, and this task's records carry none; tune "
                                 "on a task with a selection reference (a mixture, digits), or with records that hold "
                                 "one")
            scored = [(i, v) for i, v in enumerate(values) if v is not None]
            if not scored:
                raise ValueError(f"task {task!r}: every configuration of {variant} failed (no result to select from); "
                                 "see the run directory's logs")
            head = _headline(recs[scored[0][0]][0])
            higher = HIGHER_IS_BETTER.get(head)
            if higher is None:
                raise ValueError(f"task {task!r}: its headline {head!r} has no direction to select by")
            best = scored[0]
            for i, v in scored[1:]:
                if _better(v, best[1], bool(higher)):  # strictly better: ties keep the lowest index
                    best = (i, v)
            out[(task, variant)] = Selection(task, variant, head, bool(higher), best[0], names[best[0]], best[1],
                                             tuple(values))
    return out


# --- views -------------------------------------------------------------------------------------------


def rerun_view(records: list[dict], design: TuneDesign, selections: dict, stand_in: bool = False) -> list[dict]:
    """The records every reported number reads: per (task, tuned variant) the reruns (seeds 1..R) of the
    selected configuration and of the default recipe under their own names, or with ``stand_in`` the
    selected configuration's reruns alone under the variant's name (every statistic of
    :mod:`ganbench.report.compare` then applies to "the tuned variant"); the variants the design does
    not tune, and the reference rows, as they are. The configurations' one-seed trials are left out."""
    shown = {}
    for (task, variant), sel in selections.items():
        shown[(task, sel.name)] = variant if stand_in else sel.name
        if not stand_in:
            shown.setdefault((task, variant), variant)
    reruns = set(design.rerun_indices)
    out = []
    for r in records:
        if r.get("kind", "trial") != "trial" or design.base_of(r["variant"]) is None:
            out.append(r)
        elif r["seed_index"] in reruns and (r["task"], r["variant"]) in shown:
            name = shown[(r["task"], r["variant"])]
            out.append(r if name == r["variant"] else {**r, "variant": name})
    return out


# --- results -----------------------------------------------------------------------------------------


_PROSE = ("name", "paper", "doc", "published_budget", "space", "origin")


def _python(x) -> str:
    """A recipe value as Python source (``betas=(0.42, 0.999)``, ``loss="ns"``)."""
    if isinstance(x, (list, tuple)):
        return "(" + ", ".join(_python(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, str):
        return json.dumps(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_python(v)}" for k, v in x.items()) + "}"
    return repr(x)


def register_line(variant: str, default_config: dict, selected_config: dict, selected: str | None = None) -> str:
    """The selected configuration as a line a user can paste: ``register_variant("<variant>-tuned",
    base="<variant>", lr=..., betas=(..., ...), ...)``, every recipe field in which it differs from the
    default recipe (both records' ``variant_config``), at full precision (the pasted recipe is the one
    that was measured). Without both recipes (records that do not carry them), the selected
    configuration ``selected`` by its name: ``base="<variant>+s0c07"``."""
    if not default_config or not selected_config:
        return f"register_variant({json.dumps(variant + '-tuned')}, base={json.dumps(selected or variant)})"
    diff = {k: v for k, v in selected_config.items() if k not in _PROSE and default_config.get(k) != v}
    args = "".join(f", {k}={_python(v)}" for k, v in diff.items())
    return f"register_variant({json.dumps(variant + '-tuned')}, base={json.dumps(variant)}{args})"


@dataclass
class TuneResult:
    """One (task, tuned variant) of a tuned run. Tuning values: each configuration's one-seed headline
    on the selection reference at ``select_at`` (NaN: no result); reruns: the headline on the reporting
    reference at ``select_at`` of seeds 1..R (a diverged seed at the metric's worst)."""

    task: str
    variant: str
    headline: str
    higher_is_better: bool
    select_at: str | float
    unit: str  # the budget's unit (g_steps, kimg, ...)
    configs: int  # N configurations designed
    names: tuple  # their names, configuration 0 first
    values: tuple  # their tuning values (NaN: no result)
    expected: tuple  # expected best of n = 1..N' over the N' configurations with a value
    selected: int
    selected_name: str
    selected_value: float
    default_value: float  # configuration 0's tuning value (NaN: none)
    space: str
    register: str
    default_rerun: dict  # mean_ci of the default's reruns (+ "values")
    tuned_rerun: dict  # mean_ci of the selected configuration's reruns (+ "values")
    gain: float = math.nan  # how much better the tuned rerun is than the default's (direction-aware; > 0 better)
    gain_ci_lo: float = math.nan  # Welch t CI of the gain
    gain_ci_hi: float = math.nan
    gain_p: float = math.nan  # two-sided, the one small-sample rule (stats.welch_p)
    prob_improvement: float = math.nan  # P(a tuned rerun seed beats a default rerun seed), Newcombe CI
    prob_improvement_lo: float = math.nan
    prob_improvement_hi: float = math.nan

    def expected_at(self, n: int) -> float:
        return self.expected[n - 1] if 1 <= n <= len(self.expected) else math.nan


def _rerun_values(records: list[dict], task: str, name: str, design: TuneDesign) -> np.ndarray:
    vals = [reported_value(r, design.select_at) for r in _trials(records, task, name, set(design.rerun_indices))]
    return np.array([v for v in vals if v is not None], float)


def _stats(values: np.ndarray) -> dict:
    return {**mean_ci(values), "values": [float(v) for v in values]}


def tuning_results(records: list[dict], design: TuneDesign,
                   selections: dict[tuple[str, str], Selection] | None = None) -> list[TuneResult]:
    """Per (task, tuned variant) of ``records``, in task then design order, the :class:`TuneResult`."""
    selections = select(records, design) if selections is None else selections
    out = []
    for (task, variant), sel in selections.items():
        names = design.configurations[variant]
        measured = [v for v in sel.values if v is not None]
        config = {}
        for name in (variant, sel.name):
            rec = next((r for r in records if r["task"] == task and r["variant"] == name
                        and r.get("kind", "trial") == "trial" and r.get("variant_config")), None)
            config[name] = rec.get("variant_config", {}) if rec else {}
        first = next(r for r in records if r["task"] == task and r["variant"] == sel.name
                     and r.get("kind", "trial") == "trial")
        unit = next(iter(first.get("budget", {})), "")
        default, tuned = (_rerun_values(records, task, n, design) for n in (variant, sel.name))
        res = TuneResult(
            task=task, variant=variant, headline=sel.headline, higher_is_better=sel.higher_is_better,
            select_at=design.select_at, unit=unit, configs=design.configs, names=tuple(names),
            values=tuple(math.nan if v is None else v for v in sel.values),
            expected=tuple(expected_best_curve(measured, sel.higher_is_better)), selected=sel.index,
            selected_name=sel.name, selected_value=sel.value,
            default_value=math.nan if sel.values[0] is None else sel.values[0],
            space=design.spaces.get(variant, ""),
            register=register_line(variant, config[variant], config[sel.name], sel.name),
            default_rerun=_stats(default), tuned_rerun=_stats(tuned))
        if len(default) and len(tuned) and sel.index != 0:  # the default selected: one set of reruns, no gain
            sign = 1.0 if sel.higher_is_better else -1.0
            diff, lo, hi = welch_diff_ci(tuned, default)
            res.gain, res.gain_ci_lo, res.gain_ci_hi = sign * diff, *(sorted((sign * lo, sign * hi)))
            res.gain_p = welch_p(tuned, default)
            res.prob_improvement, res.prob_improvement_lo, res.prob_improvement_hi = prob_improvement(
                tuned, default, sel.higher_is_better)
        out.append(res)
    return out


@dataclass
class Ordering:
    """One pair of tuned variants on a task, judged on the default recipes' reruns and on the tuned
    reruns (the same seeds 1..R): ``a`` − ``b`` with its Welch CI and the two-sided p-value of the one
    small-sample rule, Holm-adjusted over the task's pairs in each family (defaults, tuned)."""

    task: str
    a: str
    b: str
    default_diff: float
    default_ci: tuple
    default_p_holm: float
    default_order: str  # "a better" | "b better" | "undecided", as names
    tuned_diff: float
    tuned_ci: tuple
    tuned_p_holm: float
    tuned_order: str
    outcome: str  # kept | reversed | lost | new | undecided


def orderings(results: list[TuneResult]) -> list[Ordering]:
    """Per task, every pair of tuned variants on the defaults' reruns and on the tuned reruns, by one
    rule: the two-sided Welch test raised to the permutation floor (:func:`ganbench.report.stats.welch_p`),
    Holm over the task's pairs within each family, α = :data:`~ganbench.report.constants.ALPHA`. An
    order is *kept* when both families decide it the same way, *reversed* when they decide it opposite
    ways, *lost* when only the defaults decide it, *new* when only the tuned reruns do."""
    out = []
    for task in dict.fromkeys(r.task for r in results):
        rs = [r for r in results if r.task == task]
        pairs = [(a, b) for i, a in enumerate(rs) for b in rs[i + 1:]]
        if not pairs:
            continue
        fams = {}
        for fam in ("default_rerun", "tuned_rerun"):
            ps, rows = [], []
            for a, b in pairs:
                va, vb = (np.asarray(getattr(x, fam)["values"], float) for x in (a, b))
                diff, lo, hi = welch_diff_ci(va, vb) if len(va) and len(vb) else (math.nan,) * 3
                ps.append(welch_p(va, vb))
                rows.append((diff, (lo, hi)))
            fams[fam] = (rows, holm(ps))
        for k, (a, b) in enumerate(pairs):
            orders = []
            for fam in ("default_rerun", "tuned_rerun"):
                diff, _ = fams[fam][0][k]
                p = fams[fam][1][k]
                if not math.isnan(p) and p < ALPHA and diff != 0 and not math.isnan(diff):
                    orders.append(a.variant if (diff > 0) == a.higher_is_better else b.variant)
                else:
                    orders.append("")
            d, t = orders
            outcome = ("kept" if d and d == t else "reversed" if d and t else "lost" if d else "new" if t
                       else "undecided")
            (dd, dci), (td, tci) = fams["default_rerun"][0][k], fams["tuned_rerun"][0][k]
            out.append(Ordering(task, a.variant, b.variant, dd, dci, fams["default_rerun"][1][k],
                                f"{d} better" if d else "undecided", td, tci, fams["tuned_rerun"][1][k],
                                f"{t} better" if t else "undecided", outcome))
    return out


@dataclass
class TuneSummary:
    """Everything a tuned run's report shows: the design, the selections, per (task, variant) the
    results, the orderings, and the rerun view the ordinary leaderboard tables are built from."""

    design: TuneDesign
    selections: dict
    results: list
    orderings: list
    view: list  # rerun_view(records, design, selections): the records of the leaderboard's tables


def summarise(records: list[dict], design: TuneDesign) -> TuneSummary:
    """The :class:`TuneSummary` of a tuned run's ``records``."""
    selections = select(records, design)
    results = tuning_results(records, design, selections)
    return TuneSummary(design, selections, results, orderings(results), rerun_view(records, design, selections))


# --- display -----------------------------------------------------------------------------------------


def _at(design: TuneDesign, unit: str) -> str:
    return "the final budget" if design.select_at == "final" else budget_text(float(design.select_at), unit)


def shown_n(result: TuneResult) -> list[int]:
    """The numbers of configurations the table shows: 1, 2, 5, 10 up to N', and N' (those measured)."""
    big = len(result.expected)
    return sorted({n for n in SHOWN_N if n <= big} | {big})


def _pm_ci(s: dict, percent: bool = False) -> str:
    if not s.get("n"):
        return fmt.DASH
    text = fmt.round_to_ci(s["mean"], s["std"], percent)
    ci = fmt.interval(s["ci_lo"], s["ci_hi"], percent)
    return f"{text} {ci} (n={s['n']})" if ci != fmt.DASH else f"{text} (n={s['n']})"


def results_display(results: list[TuneResult]) -> pd.DataFrame:
    """One row per (task, variant) as text: its rank among the task's tuned variants by the default's
    rerun mean and by the tuned rerun mean (:func:`ranks`), N, the expected best at n = 1, 2, 5, 10, N (a column per
    n shown anywhere; — where n > N'), the default's one-seed tuning value and its rerun, the selected
    configuration, its one-seed value and its rerun, and the gain of tuning with its CI."""
    ns = sorted({n for r in results for n in shown_n(r)})
    default_rank, tuned_rank = ranks(results, "default_rerun"), ranks(results, "tuned_rerun")
    rows = []
    for r in results:
        row = {"task": r.task, "variant": r.variant, "rank: default": default_rank.get((r.task, r.variant), fmt.DASH),
               "rank: tuned": tuned_rank.get((r.task, r.variant), fmt.DASH), "N": f"{len(r.expected)}" + (
            f" of {r.configs}" if len(r.expected) < r.configs else "")}
        for n in ns:
            row[f"E[best of {n}]"] = fmt.significant(r.expected_at(n))
        row.update({"default, one seed": fmt.significant(r.default_value),
                    f"default rerun, mean ± std [{CI_LEVEL:.0%} CI]": _pm_ci(r.default_rerun),
                    "selected": r.selected_name + ("" if r.selected else " (the default)"),
                    "selected, one seed": fmt.significant(r.selected_value),
                    f"tuned rerun, mean ± std [{CI_LEVEL:.0%} CI]": _pm_ci(r.tuned_rerun),
                    f"tuned − default (better > 0) [{CI_LEVEL:.0%} CI]": fmt.estimate(r.gain, r.gain_ci_lo,
                                                                                       r.gain_ci_hi),
                    "P(tuned seed beats default seed)": fmt.estimate(r.prob_improvement, r.prob_improvement_lo,
                                                                     r.prob_improvement_hi)})
        rows.append(row)
    return pd.DataFrame(rows)


def orderings_display(orders: list[Ordering]) -> pd.DataFrame:
    rows = []
    for o in orders:
        rows.append({"task": o.task, "pair (a vs b)": f"{o.a} vs {o.b}",
                     f"defaults: a − b [{CI_LEVEL:.0%} CI]": fmt.estimate(o.default_diff, *o.default_ci),
                     "defaults: p (Holm)": fmt.p_value(o.default_p_holm), "defaults: order": o.default_order,
                     f"tuned: a − b [{CI_LEVEL:.0%} CI]": fmt.estimate(o.tuned_diff, *o.tuned_ci),
                     "tuned: p (Holm)": fmt.p_value(o.tuned_p_holm), "tuned: order": o.tuned_order,
                     "under equal tuning": o.outcome})
    return pd.DataFrame(rows)


def ranks(results: list[TuneResult], family: str) -> dict[tuple[str, str], int]:
    """Per (task, variant), its rank (1 = best) by the mean of its ``family`` reruns (``default_rerun``
    or ``tuned_rerun``) among the task's tuned variants; ties share the better rank."""
    out = {}
    for task in dict.fromkeys(r.task for r in results):
        rs = [r for r in results if r.task == task and getattr(r, family)["n"]]
        means = pd.Series({r.variant: getattr(r, family)["mean"] for r in rs}, dtype=float)
        if means.empty:
            continue
        higher = rs[0].higher_is_better
        for v, k in means.rank(ascending=not higher, method="min").items():
            out[(task, v)] = int(k)
    return out


def design_caption(design: TuneDesign, results: list[TuneResult]) -> str:
    unit = results[0].unit if results else ""
    return (f"Equal tuning budgets (Lucic et al. 2018's two phases): per task, {design.configs} configurations of "
            f"each tuned variant ({', '.join(design.variants)}) drawn from its search space with sampler seed "
            f"{design.sampler_seed} (configuration 0 is the recipe itself) trained with seed index 0; the "
            "configuration whose headline is best on the selection reference (disjoint from the reporting one) at "
            f"{_at(design, unit)} is selected (ties: the lowest index) and rerun with fresh seed indices "
            f"1..{design.rerun_seeds}, as is the default recipe on the same seeds. Every rerun number is the "
            "headline on the reporting reference at the same budget (a diverged seed at the metric's worst): the tuned "
            "score and every verdict read the reruns only, never the one-seed value a configuration was selected for "
            "(the best of N noisy values, and its seed's luck, which both references share). "
            f"E[best of n]: {ESTIMATOR} (the one-seed selection values; descriptive: it reads the values the selection "
            "read, so it is optimistic as a score; n ≤ N' only, N' the configurations with a result). "
            "tuned − default: the tuned rerun's mean minus the default rerun's, signed so that > 0 means tuning "
            "helped, with its Welch t CI; P(tuned seed beats default seed): Newcombe's score CI.")


def orderings_caption() -> str:
    return ("Orderings under equal tuning: every pair of tuned variants on the default recipes' reruns and on the "
            "tuned reruns (the same seeds), each family by one rule: the two-sided Welch test raised to the exact "
            f"permutation floor, Holm over the task's pairs, α = {ALPHA}. kept: both decide the same order; reversed: "
            "opposite orders; lost: only the defaults decide it (tuning closed the gap); new: only the tuned reruns "
            "decide it; undecided: neither.")


def tuning_markdown(summary: TuneSummary, figures: dict[str, str] | None = None) -> str:
    """The tuned run's section of a Markdown leaderboard: the design, and per task the curve figure
    (``figures``: per task, its file name beside the Markdown file), the results table, the search
    spaces and the pasteable ``register_variant`` lines, the orderings."""
    out = [f"## Tuned on equal budgets\n\n{escape.markdown(design_caption(summary.design, summary.results))}\n"]
    for task in dict.fromkeys(r.task for r in summary.results):
        rs = [r for r in summary.results if r.task == task]
        out.append(f"### {escape.markdown(task)}: tuned on equal budgets\n")
        if figures and task in figures:
            out.append(f"![{escape.markdown(task)}: expected best of n configurations]({figures[task]})\n")
        out.append(escape.markdown_table(results_display(rs).drop(columns=["task"])) + "\n")
        spaces = pd.DataFrame([{"variant": r.variant, "search space": r.space or "-"} for r in rs])
        out.append(escape.markdown_table(spaces) + "\n")
        out.append("The selected configurations, to paste into a plugin:\n\n```python\n"
                   + "\n".join(r.register for r in rs) + "\n```\n")
        orders = [o for o in summary.orderings if o.task == task]
        if orders:
            out.append(f"{escape.markdown(orderings_caption())}\n\n"
                       + escape.markdown_table(orderings_display(orders).drop(columns=["task"])) + "\n")
    return "\n".join(out) + "\n"


def tuning_frame(summary: TuneSummary) -> pd.DataFrame:
    """Every configuration of every (task, tuned variant), one row each, numbers at full precision
    (``tuning.csv``): its index, name, one-seed tuning value, whether it was selected."""
    rows = []
    for r in summary.results:
        for i, (name, v) in enumerate(zip(r.names, r.values)):
            rows.append({"task": r.task, "variant": r.variant, "index": i, "configuration": name,
                         "headline": r.headline, "select_at": r.select_at, "tuning_value": v,
                         "selected": i == r.selected})
    return pd.DataFrame(rows)


def curve_axes(summary: TuneSummary) -> dict[str, dict]:
    """Per task, what its expected-best figure draws: ``{"curves": [(variant, n, values)], "defaults":
    {variant: configuration 0's tuning value}, "ylabel", "title"}``."""
    out = {}
    for task in dict.fromkeys(r.task for r in summary.results):
        rs = [r for r in summary.results if r.task == task]
        better = "higher" if rs[0].higher_is_better else "lower"
        where = _at(summary.design, rs[0].unit)
        out[task] = {"curves": [(r.variant, np.arange(1, len(r.expected) + 1), np.asarray(r.expected)) for r in rs],
                     "defaults": {r.variant: r.default_value for r in rs},
                     "ylabel": f"{rs[0].headline} on the selection reference, one seed ({better} is better)",
                     "title": f"{task}: expected best of n configurations at {where} (Tang et al. 2020)"}
    return out


__all__ = ["TUNE_FILE", "ESTIMATOR", "expected_best", "expected_best_curve", "TuneDesign", "load_design", "point_at",
           "selection_value", "reported_value", "Selection", "select", "rerun_view", "register_line", "TuneResult",
           "tuning_results", "Ordering", "orderings", "TuneSummary", "summarise", "results_display",
           "orderings_display", "ranks", "tuning_markdown", "tuning_frame", "curve_axes"]
