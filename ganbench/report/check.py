"""``ganbench check``: the CI regression gate.

For every (task, variant) of the baseline (reference rows excluded), the fresh run's trials are
compared with the baseline's, direction-aware, metric by metric:

1. **Completeness.** Every baseline seed must be in the new run (else ``missing``); a seed that
   trained in the baseline and diverged or failed now is ``diverged`` / ``failed``.
2. **Protocol.** Every record on both sides must have the same comparable protocol (budget,
   sample counts, extractor and weights, metric options, evaluated generator); otherwise
   ``mismatch``, naming the field and the trials.
3. **The comparison.** ``auto`` (the default) compares *seed by seed* (exact mode) when every record
   of the pair on both sides ran in the same environment (``ganbench.utils.device.FINGERPRINT_FIELDS``:
   torch version, device, CPU model and kernel capability, threads, precision flags) with the same
   configuration hash (code included), and *by the seed distribution* otherwise; ``exact`` and
   ``distribution`` force one. Exact mode across environments is refused (ValueError, exit 2, naming
   the fields that differ, e.g. ``cpu_model AuthenticAMD 25/17 vs GenuineIntel 6/167``): another CPU
   rounds differently and a few hundred GAN steps turn that into another trial, so "seed 2 got worse"
   would mean nothing. Exact mode on changed code (same environment) is allowed: it is how a
   refactor proves it moved no number. Every item says the mode it used and why (:func:`choose_mode`).
4. **Exact mode**: training is bit-deterministic in one environment, so each seed is compared with
   its own baseline seed and a seed worse by more than ``max(abs_tol, 1e-6 relative)`` is a regression.
5. **Distribution mode** (another machine, other library versions, changed code): a regression is a
   *shifted distribution* (the new mean worse than the baseline mean by more than ``k`` pooled
   standard errors and ``abs_tol``) or a *seed outside the seed distribution*: worse than the mean of
   the other seeds (the baseline's and the run's other seeds, so that a broken seed never widens its
   own bound) by more than their Student-t prediction bound, t(n - 1, Φ(k)) · s · sqrt(1 + 1/n), and
   ``abs_tol``. The prediction bound is what n seeds can say about a new draw: with 2-3 seeds it only
   catches gross breakage (a 2-seed baseline cannot define a spread; measured: an untrained
   generator's FID varied 0.47-1.66 across seeds and CPUs), with 5 or more it is tight. Where the
   other seeds agree exactly (no spread: a saturated mode count, a fraction of a few samples), no
   bound can be predicted and only the mean and ``abs_tol`` judge that metric. So a single
   broken seed fails the build while an honest re-run on another machine does not.

6. **Points of the curve.** Where the records were judged along their training (``TrialRecord.curve``),
   every intermediate budget point that the baseline and the run share is compared too, metric by
   metric, by the same :func:`compare_metric` in the pair's mode (a seed that had diverged by a point
   scores the metric's worst value there): a regression at 1,000 steps fails the build even when the
   final point recovered (``grid25 / gan-ns / mode_tv at 1,000 G steps: ...``). The final point is the
   record's own numbers, judged once by steps 4-5 with ``k`` as given. In distribution mode each of
   the K intermediate points is a further chance of a false alarm, so the final point's nominal tail
   1 − Φ(k) is split among them: each is judged at ``k_K = Φ⁻¹(1 − (1 − Φ(k)) / K)`` (Bonferroni; k = 3
   and 6 points give 3.51). Measured on honest re-runs (5 seeds a side, one normal distribution at every
   point, 3,000 experiments): the final point alone fails 1.4% of them, the 6 intermediate points at k
   8.6%, at k_K 2.6% (the mean test's standard error comes from 5 + 5 seeds, so its tail is heavier
   than the normal one k is set by, and splitting the nominal tail does not split the real one
   exactly). Exact mode needs no correction (every seed must reproduce at every point). Baseline points the run lacks (another
   ``eval_at``) are named in a ``skipped`` line, not failed.

One metric of one pair is judged by :func:`compare_metric`. Exit codes: 0 pass, 1 regression (or
missing / diverged / failed trials), 2 protocol mismatch, exact mode across environments, or bad input.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.records import load_records
from ganbench.report import format as fmt
from ganbench.report.comparable import comparable_key, key_differences
from ganbench.report.curves import UNIT_WORDS, points
from ganbench.report.tables import worst_value
from ganbench.utils.code import module_changes
from ganbench.utils.device import FINGERPRINT_FIELDS

EXIT_PASS, EXIT_REGRESSION, EXIT_USAGE = 0, 1, 2
INFORMATIONAL = ("pass", "skipped", "code")  # statuses that do not fail a check
MODES = ("auto", "exact", "distribution")
EXACT_RTOL = 1e-6  # same environment, same seeds: the numbers reproduce; this only absorbs printing round trips


@dataclass
class CheckItem:
    task: str
    variant: str
    metric: str
    status: str  # pass | regression | missing | diverged | failed | mismatch | skipped | code (informational)
    message: str
    baseline_mean: float = math.nan
    new_mean: float = math.nan
    threshold: float = math.nan
    mode: str = ""  # exact | distribution
    basis: str = ""  # why that mode (choose_mode), e.g. "auto: the code changed since the baseline (in ...)"
    budget: str = ""  # an intermediate point of the curve ("1,000 G steps"); empty: the trial's final numbers

    @property
    def where(self) -> str:
        """The metric, and the budget point when it is an intermediate one (``mode_tv at 1,000 G steps``)."""
        return f"{self.metric} at {self.budget}" if self.budget else self.metric

    @property
    def described(self) -> str:
        """The message with the comparison it comes from: mode and why that mode."""
        return f"{MODE_WORDS[self.mode]} ({self.basis}): {self.message}" if self.mode and self.status != "code" \
            else self.message


@dataclass
class CheckResult:
    items: list = field(default_factory=list)
    k: float = 3.0
    abs_tol: float | dict = 0.0

    @property
    def failures(self) -> list:
        return [i for i in self.items if i.status not in INFORMATIONAL]

    @property
    def notes(self) -> list:
        """Items that inform without failing: the code that changed since the baseline."""
        return [i for i in self.items if i.status == "code"]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        if any(i.status == "mismatch" for i in self.failures):
            return EXIT_USAGE
        return EXIT_PASS if self.passed else EXIT_REGRESSION

    def summary(self) -> str:
        n_pass = sum(i.status == "pass" for i in self.items)
        modes = sorted({i.mode for i in self.items if i.mode})
        tol = self.abs_tol if isinstance(self.abs_tol, (int, float)) else ",".join(f"{k}={v:g}" for k, v in self.abs_tol.items())
        lines = [f"ganbench check: {'PASS' if self.passed else 'FAIL'}  ({n_pass} passed, {len(self.failures)} failed, "
                 f"k={self.k:g}, abs_tol={tol}, mode: {'+'.join(modes) or '-'})"]
        compared: dict = {}  # (mode, basis) -> the pairs compared that way
        for i in self.items:
            if i.mode:
                compared.setdefault((i.mode, i.basis), {})[f"{i.task} / {i.variant}"] = None
        for (mode, basis), pairs in compared.items():
            names = list(pairs)
            shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
            lines.append(f"  {'COMPARED':10s} {shown}: {MODE_WORDS[mode]} ({basis})")
        for i in self.failures:  # the COMPARED line above says why that mode
            how = f"{MODE_WORDS[i.mode]}: " if i.mode else ""
            lines.append(f"  {i.status.upper():10s} {i.task} / {i.variant} / {i.where}: {how}{i.message}")
        for i in self.notes:
            lines.append(f"  {'CODE':10s} {i.task} / {i.variant}: {i.message}")
        return "\n".join(lines)

    def markdown(self) -> str:
        head = f"### ganbench check: {'✅ pass' if self.passed else '❌ fail'}\n\n"
        rows = ["| task | variant | metric | status | mode | baseline | new | detail |",
                "|---|---|---|---|---|---|---|---|"]
        for i in sorted(self.items, key=lambda i: (i.status == "pass", i.task, i.variant, i.metric)):
            rows.append(f"| {i.task} | {i.variant} | {i.where} | {i.status} | {i.mode} | {i.baseline_mean:.4g} | "
                        f"{i.new_mean:.4g} | {i.described} |")
        return head + "\n".join(rows) + "\n"

    def junit(self) -> str:
        cases = []
        for i in self.items:
            name = quoteattr(f"{i.task}/{i.variant}/{i.where}")
            body = ""
            text = i.described
            if i.status == "skipped":
                body = f"<skipped message={quoteattr(text)}/>"
            elif i.status in ("code", "pass"):  # a pass says how it was compared, too
                body = f"<system-out>{escape(text)}</system-out>"
            else:
                body = f"<failure message={quoteattr(i.status + ': ' + text)}>{escape(text)}</failure>"
            cases.append(f'  <testcase classname="ganbench.check" name={name}>{body}</testcase>')
        skipped = sum(i.status == "skipped" for i in self.items)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="ganbench check" tests="{len(self.items)}" '
                f'failures="{len(self.failures)}" skipped="{skipped}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def _protocol_problem(recs: list[dict], side: str) -> str | None:
    """The first difference between the comparable protocols of ``recs`` (one side), if any."""
    keys = [(r, comparable_key(r)) for r in recs]
    for r, key in keys[1:]:
        diff = key_differences(keys[0][1], key)
        if diff:
            return f"{side} trials differ among themselves ({keys[0][0]['trial_id']} vs {r['trial_id']}): " + "; ".join(diff)
    return None


def _tolerance(abs_tol, metric: str) -> float:
    return float(abs_tol.get(metric, 0.0)) if isinstance(abs_tol, dict) else float(abs_tol)


def _by_seed(recs: list[dict], metric: str) -> dict:
    return {r["seed_index"]: float(r["metrics"][metric]) for r in recs if metric in r.get("metrics", {})}


def _shown(value) -> str:
    return "(not recorded)" if value is None else str(value)


def environment_differences(baseline: list[dict], new: list[dict]) -> list[str]:
    """The fields of the environment fingerprint (:data:`ganbench.utils.device.FINGERPRINT_FIELDS`) that
    take more than one value among the records, each as ``field <baseline values> vs <new values>``
    (several values on one side joined by ``+``), e.g. ``cpu_model AuthenticAMD 25/17 vs GenuineIntel 6/167``."""
    out = []
    for name in FINGERPRINT_FIELDS:
        b = sorted({_shown(r.get("env", {}).get(name)) for r in baseline})
        n = sorted({_shown(r.get("env", {}).get(name)) for r in new})
        if len(set(b) | set(n)) > 1:
            out.append(f"{name} {' + '.join(b)} vs {' + '.join(n)}")
    return out


def choose_mode(baseline: list[dict], new: list[dict], mode: str) -> tuple[str, str]:
    """The comparison to make between one pair's trained records, and why: ``(mode used, basis)``.
    ``auto`` compares seed by seed only where both sides share the environment fingerprint and the
    configuration hash (code included); an explicit mode is used as asked, and the basis still says
    how the records differ."""
    env = environment_differences(baseline, new)
    code = module_changes(baseline[0].get("code"), new[0].get("code"))
    hashes = len({r.get("config_hash") for r in baseline + new}) > 1
    differs = []
    if env:
        differs.append("the environment differs from the baseline's in " + "; ".join(env))
    if code:
        differs.append(f"the code changed since the baseline (in {', '.join(code)})")
    elif hashes:
        differs.append("the configuration hash differs from the baseline's")
    same = "same environment fingerprint and configuration as the baseline"
    if mode == "auto":
        if differs:
            return "distribution", "auto: " + " and ".join(differs)
        return "exact", f"auto: {same}, so every seed should reproduce"
    if mode == "exact":  # check_records refuses exact mode across environments before it gets here
        if differs:
            return "exact", "--mode exact: " + " and ".join(differs) + ", so seeds reproduce only if that moved no number"
        return "exact", f"--mode exact: {same}"
    return "distribution", "--mode distribution: " + (" and ".join(differs) if differs else same)


MODE_WORDS = {"exact": "seed by seed", "distribution": "by the seed distribution"}


@dataclass(frozen=True)
class MetricVerdict:
    """How one metric of one pair compares (:func:`compare_metric`)."""

    status: str  # pass | regression | missing | skipped
    detail: str
    baseline_mean: float = math.nan
    new_mean: float = math.nan
    threshold: float = math.nan


def compare_metric(baseline: dict, new: dict, metric: str, mode: str, k: float = 3.0,
                   abs_tol: float = 0.0) -> MetricVerdict | None:
    """Compare one metric's values, ``{seed index: value}`` on each side, in ``mode`` (``exact`` or
    ``distribution``, see the module docstring); None for a metric without a direction (not gated).
    The one place a metric is judged: per trial's final numbers now, per budget point alike."""
    higher = HIGHER_IS_BETTER.get(metric)
    if higher is None:
        return None
    if not new:
        return MetricVerdict("missing", "no value in the new run")
    mean = lambda d: float(np.mean(list(d.values())))  # noqa: E731
    if not all(math.isfinite(v) for v in baseline.values()):
        return MetricVerdict("skipped", "baseline has non-finite values")
    if not all(math.isfinite(v) for v in new.values()):
        bad = sorted(s for s, v in new.items() if not math.isfinite(v))
        return MetricVerdict("regression", f"non-finite values in the new run at seed(s) {bad}", mean(baseline))
    judge = _exact if mode == "exact" else _distribution
    status, detail, threshold = judge(baseline, new, higher, k, abs_tol)
    return MetricVerdict(status, detail, mean(baseline), mean(new), threshold)


def check_records(new: list[dict], baseline: list[dict], k: float = 3.0, abs_tol: float | dict = 0.0,
                  mode: str = "auto") -> CheckResult:
    """Compare fresh records with baseline records (see the module docstring). ``mode="exact"`` on
    records whose environment fingerprints differ raises ValueError naming the differing fields."""
    if not (isinstance(k, (int, float)) and math.isfinite(k) and k >= 0):
        raise ValueError(f"k must be a finite number >= 0, got {k!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    result = CheckResult(k=k, abs_tol=abs_tol)
    trials = lambda recs: [r for r in recs if r.get("kind", "trial") == "trial"]  # noqa: E731
    baseline, new = trials(baseline), trials(new)
    pairs = []  # (task, variant, items about the pair's trials, baseline ok records, new ok records or None)
    for task, variant in dict.fromkeys((r["task"], r["variant"]) for r in baseline):
        base = [r for r in baseline if r["task"] == task and r["variant"] == variant]
        fresh = {r["seed_index"]: r for r in new if r["task"] == task and r["variant"] == variant}
        items = []
        add = lambda status, msg, metric="*", **kw: items.append(CheckItem(task, variant, metric, status, msg, **kw))  # noqa: E731
        pairs.append((task, variant, items, [], None))
        missing = sorted(r["seed_index"] for r in base if r["seed_index"] not in fresh)
        if missing:
            add("missing", f"seed(s) {missing} of the baseline are not in the new run ({len(fresh)} of {len(base)} present)")
        base_ok = [r for r in base if r["status"] == "ok"]
        new_ok = [fresh[r["seed_index"]] for r in base_ok if r["seed_index"] in fresh and fresh[r["seed_index"]]["status"] == "ok"]
        for r in base_ok:
            f = fresh.get(r["seed_index"])
            if f is not None and f["status"] != "ok":
                first = (f.get("error") or "").splitlines()[0] if f.get("error") else ""
                add(f["status"], f"seed {r['seed_index']} {f['status']} (it trained in the baseline): {first}")
        if not base_ok:
            add("skipped", "no baseline trial of this pair trained (all diverged or failed)")
            continue
        if not new_ok:
            continue  # the missing / diverged items above say why
        problem = _protocol_problem(base_ok, "baseline") or _protocol_problem(new_ok, "new")
        if problem is None:
            diff = key_differences(comparable_key(base_ok[0]), comparable_key(new_ok[0]))
            problem = ("protocol differs from the baseline: " + "; ".join(diff)) if diff else None
        if problem:
            add("mismatch", problem)
            continue
        pairs[-1] = (task, variant, items, base_ok, new_ok)
    compared = [p for p in pairs if p[4] is not None]
    if mode == "exact":
        env = environment_differences([r for p in compared for r in p[3]], [r for p in compared for r in p[4]])
        if env:
            raise ValueError("--mode exact compares each seed with its own baseline seed, which reproduces only in the "
                             f"baseline's environment, and these records differ from it in {'; '.join(env)}: check "
                             "with --mode distribution (or auto, which picks it), or re-record the baseline here")
    for task, variant, items, base_ok, new_ok in pairs:
        result.items += items
        if new_ok is None:
            continue
        used, basis = choose_mode(base_ok, new_ok, mode)
        code = module_changes(base_ok[0].get("code"), new_ok[0].get("code"))
        if code:  # not a regression by itself: the metrics below say whether it made anything worse
            result.items.append(CheckItem(
                task, variant, "*", "code", "the code that trains and judges this variant changed since the baseline, "
                f"in {', '.join(code)}; its metrics were compared {MODE_WORDS[used]}", mode=used, basis=basis))
        for m in dict.fromkeys(m for r in base_ok for m in r["metrics"]):
            v = compare_metric(_by_seed(base_ok, m), _by_seed(new_ok, m), m, used, k, _tolerance(abs_tol, m))
            if v is not None:
                result.items.append(CheckItem(task, variant, m, v.status, v.detail, v.baseline_mean, v.new_mean,
                                              v.threshold, mode=used, basis=basis))
        result.items += _point_items(task, variant, base_ok, new_ok, used, basis, k, abs_tol)
    return result


def _intermediate(recs: list[dict]) -> dict:
    """``{(unit, budget): {seed index: point}}`` of the records' curves, the final point left out (it is
    the record's own numbers)."""
    out: dict = {}
    for r in recs:
        for pt in points(r)[:-1]:
            if len(pt.get("budget") or {}) != 1:
                continue
            (unit, b), = pt["budget"].items()
            out.setdefault((unit, float(b)), {})[r["seed_index"]] = pt
    return out


def _point_value(pt: dict, metric: str) -> float | None:
    """A metric at one point: its value where the point is ok, the metric's worst where it had diverged."""
    if pt.get("status", "ok") == "diverged":
        return worst_value(metric)
    v = (pt.get("metrics") or {}).get(metric) if pt.get("status", "ok") == "ok" else None
    return None if v is None else float(v)


def point_k(k: float, n_points: int) -> float:
    """The ``k`` each of ``n_points`` intermediate points is judged at in distribution mode: the normal
    quantile of the final point's tail 1 − Φ(k) split over the points (Bonferroni), ``k`` itself for one."""
    from scipy.stats import norm

    return float(norm.isf(norm.sf(k) / n_points)) if n_points > 1 else float(k)


def _point_items(task, variant, base_ok, new_ok, mode, basis, k, abs_tol) -> list[CheckItem]:
    """The items of the intermediate points shared by the baseline's and the run's curves (step 6)."""
    base, new = _intermediate(base_ok), _intermediate(new_ok)
    shared = [key for key in sorted(base) if key in new]
    items = []
    lacking = [key for key in sorted(base) if key not in new]
    label = lambda key: f"{fmt.count(key[1])} {UNIT_WORDS.get(key[0], key[0])}"  # noqa: E731
    if lacking:
        items.append(CheckItem(task, variant, "*", "skipped", "the baseline's curve points at "
                               f"{', '.join(label(key) for key in lacking)} are not on the run's curves (another "
                               "eval_at?): not compared", mode=mode, basis=basis))
    kk = point_k(k, len(shared)) if mode == "distribution" else k
    why = (f"intermediate point, k {kk:.3g} (Bonferroni over {len(shared)} intermediate points)"
           if mode == "distribution" and len(shared) > 1 else "intermediate point")
    for key in shared:
        metrics = dict.fromkeys(m for pt in base[key].values() for m in (pt.get("metrics") or {}))
        for m in metrics:
            b = {s: v for s, pt in base[key].items() if (v := _point_value(pt, m)) is not None}
            n = {s: v for s, pt in new[key].items() if (v := _point_value(pt, m)) is not None}
            if not b:
                continue
            v = compare_metric(b, n, m, mode, kk, _tolerance(abs_tol, m))
            if v is not None:
                items.append(CheckItem(task, variant, m, v.status, f"{why}: {v.detail}", v.baseline_mean, v.new_mean,
                                       v.threshold, mode=mode, basis=basis, budget=label(key)))
    return items


def _worse(base: float, new: float, higher: bool) -> float:
    """How much worse ``new`` is than ``base`` (negative: better)."""
    return (base - new) if higher else (new - base)


def _exact(b: dict, n: dict, higher: bool, k: float, tol: float):
    word = "lower" if higher else "higher"
    allowed = f"max(abs_tol {tol:g}, {EXACT_RTOL:g} relative)"
    regressed, changed = [], []
    for s, bv in b.items():
        if s not in n:
            continue
        if _worse(bv, n[s], higher) > max(tol, EXACT_RTOL * abs(bv)):
            regressed.append(f"seed {s}: {n[s]:.6g} vs {bv:.6g}")
        elif n[s] != bv:
            changed.append(s)
    if regressed:
        return ("regression", f"worse than its own baseline seed by more than {allowed} ({word} is worse) at "
                f"{'; '.join(regressed)}. If the change is intended, re-record the baseline, or judge by the seed "
                "distribution with --mode distribution", max(tol, 0.0))
    if changed:
        return "pass", f"within {allowed} or better at seed(s) {changed}, identical at the others", max(tol, 0.0)
    return "pass", "identical at every seed", max(tol, 0.0)


def _prediction_bound(values: np.ndarray, k: float) -> float:
    """Half-width of the one-sided Student-t prediction interval for one new draw from the
    distribution that ``values`` (at least 2) sample, at the coverage of k normal standard deviations."""
    from scipy.stats import norm, t

    m = len(values)
    return float(t.ppf(norm.cdf(k), m - 1) * values.std(ddof=1) * math.sqrt(1 + 1 / m))


def _distribution(b: dict, n: dict, higher: bool, k: float, tol: float):
    bv, nv = np.array(list(b.values())), np.array(list(n.values()))
    sb = float(bv.std(ddof=1)) if len(bv) > 1 else 0.0
    sn = float(nv.std(ddof=1)) if len(nv) > 1 else 0.0
    se = math.sqrt(sb**2 / len(bv) + (sn**2 / len(nv) if len(nv) > 1 else 0.0))
    word = "lower" if higher else "higher"
    shift = _worse(bv.mean(), nv.mean(), higher)
    shift_allowed = max(k * se, tol)
    outliers, widest, unbounded = [], 0.0, 0
    for s, v in n.items():
        others = np.concatenate([bv, np.array([w for t, w in n.items() if t != s])])
        if len(others) < 2 or others.std() == 0:  # no spread to predict a new draw from (e.g. a saturated count)
            unbounded += 1
            continue
        allowed = max(_prediction_bound(others, k), tol)
        widest = max(widest, allowed)
        if _worse(others.mean(), v, higher) > allowed:
            outliers.append(f"seed {s} = {v:.6g} (mean of the other {len(others)} seeds {others.mean():.4g}, "
                            f"allowed {allowed:.3g})")
    if shift > shift_allowed and shift > tol:
        return ("regression", f"distribution shifted: worse by {shift:.4g} ({word} is worse), allowed {shift_allowed:.4g} "
                f"= max({k:g} x SE {se:.3g}, abs_tol {tol:g}); baseline {bv.mean():.4g} (n={len(bv)}), "
                f"new {nv.mean():.4g} (n={len(nv)})", shift_allowed)
    if outliers:
        return ("regression", f"{'; '.join(outliers)}: outside the seed distribution, worse than the other seeds' "
                f"Student-t prediction bound at {k:g} sigma or abs_tol {tol:g} ({word} is worse)", widest)
    seeds = (f"every seed within the other seeds' prediction bound (at most {widest:.4g})" if not unbounded else
             f"{unbounded} seed(s) not bounded: the other seeds agree exactly, so only the mean is judged")
    return ("pass", f"{'worse' if shift > 0 else 'better'} by {abs(shift):.4g}, allowed {shift_allowed:.4g}; {seeds}; "
            f"baseline {bv.mean():.4g} (n={len(bv)}), new {nv.mean():.4g} (n={len(nv)})", shift_allowed)


def check_run(run_dir, baseline_dir, k: float = 3.0, abs_tol: float | dict = 0.0, mode: str = "auto") -> CheckResult:
    return check_records(load_records(run_dir), load_records(baseline_dir), k=k, abs_tol=abs_tol, mode=mode)
