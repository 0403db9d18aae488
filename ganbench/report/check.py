"""``ganbench check``: the CI regression gate.

For every (task, variant, metric) of the baseline, the fresh run's seeds are compared with the
baseline's seeds, direction-aware. A metric *regresses* when the new mean is worse than the baseline
mean by more than ``k`` pooled standard errors, sqrt(s_b²/n_b + s_new²/n_new), **and** by more than
``abs_tol``; seed noise therefore does not fail a build, a real regression does. Missing trials,
diverged or failed trials and protocol mismatches are failures with their own message.
Exit codes: 0 pass, 1 regression (or missing / diverged), 2 usage or input error.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ganbench.metrics.registry import HIGHER_IS_BETTER
from ganbench.records import load_records
from ganbench.report.comparable import comparable_key, key_differences

EXIT_PASS, EXIT_REGRESSION, EXIT_USAGE = 0, 1, 2


@dataclass
class CheckItem:
    task: str
    variant: str
    metric: str
    status: str  # pass | regression | missing | diverged | mismatch | skipped
    message: str
    baseline_mean: float = math.nan
    new_mean: float = math.nan
    threshold: float = math.nan


@dataclass
class CheckResult:
    items: list = field(default_factory=list)
    k: float = 3.0
    abs_tol: float = 0.0

    @property
    def failures(self) -> list:
        return [i for i in self.items if i.status not in ("pass", "skipped")]

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
        lines = [f"ganbench check: {'PASS' if self.passed else 'FAIL'}  ({n_pass} passed, {len(self.failures)} failed, "
                 f"k={self.k:g}, abs_tol={self.abs_tol:g})"]
        for i in self.failures:
            lines.append(f"  {i.status.upper():10s} {i.task} / {i.variant} / {i.metric}: {i.message}")
        return "\n".join(lines)

    def markdown(self) -> str:
        head = f"### ganbench check: {'✅ pass' if self.passed else '❌ fail'}\n\n"
        rows = ["| task | variant | metric | status | baseline | new | detail |", "|---|---|---|---|---|---|---|"]
        for i in sorted(self.items, key=lambda i: (i.status == "pass", i.task, i.variant, i.metric)):
            rows.append(f"| {i.task} | {i.variant} | {i.metric} | {i.status} | {i.baseline_mean:.4g} | {i.new_mean:.4g} | {i.message} |")
        return head + "\n".join(rows) + "\n"

    def junit(self) -> str:
        cases = []
        for i in self.items:
            name = quoteattr(f"{i.task}/{i.variant}/{i.metric}")
            body = ""
            if i.status == "skipped":
                body = f"<skipped message={quoteattr(i.message)}/>"
            elif i.status != "pass":
                body = f"<failure message={quoteattr(i.status + ': ' + i.message)}>{escape(i.message)}</failure>"
            cases.append(f'  <testcase classname="ganbench.check" name={name}>{body}</testcase>')
        skipped = sum(i.status == "skipped" for i in self.items)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="ganbench check" tests="{len(self.items)}" '
                f'failures="{len(self.failures)}" skipped="{skipped}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def _values(records, task, variant, metric):
    return np.array([r["metrics"][metric] for r in records
                     if r["task"] == task and r["variant"] == variant and r["status"] == "ok" and metric in r["metrics"]], float)


def check_records(new: list[dict], baseline: list[dict], k: float = 3.0, abs_tol: float | dict = 0.0) -> CheckResult:
    """Compare fresh records with baseline records (see the module docstring)."""
    if not (k >= 0):
        raise ValueError(f"k must be >= 0, got {k}")
    result = CheckResult(k=k, abs_tol=abs_tol if isinstance(abs_tol, (int, float)) else 0.0)
    pairs = list(dict.fromkeys((r["task"], r["variant"]) for r in baseline))
    for task, variant in pairs:
        base_recs = [r for r in baseline if r["task"] == task and r["variant"] == variant]
        new_recs = [r for r in new if r["task"] == task and r["variant"] == variant]
        if not new_recs:
            result.items.append(CheckItem(task, variant, "*", "missing", "no trials in the new run"))
            continue
        bp = comparable_key(next((r for r in base_recs if r["status"] == "ok"), base_recs[0]))
        np_ = comparable_key(next((r for r in new_recs if r["status"] == "ok"), new_recs[0]))
        diff = key_differences(bp, np_)
        if diff:
            result.items.append(CheckItem(task, variant, "*", "mismatch", "protocol differs from the baseline: " + "; ".join(diff)))
            continue
        bad = [r for r in new_recs if r["status"] != "ok"]
        if bad:
            result.items.append(CheckItem(task, variant, "*", bad[0]["status"],
                                          f"{len(bad)} of {len(new_recs)} trials {bad[0]['status']}: "
                                          f"{(bad[0].get('error') or '').splitlines()[0] if bad[0].get('error') else ''}"))
        metrics = list(dict.fromkeys(m for r in base_recs if r["status"] == "ok" for m in r["metrics"]))
        for m in metrics:
            higher = HIGHER_IS_BETTER.get(m)
            if higher is None:
                continue
            b, n = _values(base_recs, task, variant, m), _values(new_recs, task, variant, m)
            tol = abs_tol.get(m, 0.0) if isinstance(abs_tol, dict) else float(abs_tol)
            if len(n) == 0:
                result.items.append(CheckItem(task, variant, m, "missing", "no value in the new run"))
                continue
            if not np.isfinite(b).all() or not np.isfinite(n).all():
                if np.isfinite(b).all():
                    result.items.append(CheckItem(task, variant, m, "regression", "non-finite values in the new run",
                                                  float(b.mean()), math.nan))
                else:
                    result.items.append(CheckItem(task, variant, m, "skipped", "baseline has non-finite values"))
                continue
            se = math.sqrt((b.var(ddof=1) / len(b) if len(b) > 1 else 0.0) + (n.var(ddof=1) / len(n) if len(n) > 1 else 0.0))
            worse_by = (b.mean() - n.mean()) if higher else (n.mean() - b.mean())
            threshold = max(k * se, tol)
            status = "regression" if (worse_by > k * se and worse_by > tol) else "pass"
            word = "lower" if higher else "higher"
            msg = (f"{'worse' if worse_by > 0 else 'better'} by {abs(worse_by):.4g} ({word} is worse); "
                   f"allowed {threshold:.4g} = max({k:g} x SE {se:.3g}, abs_tol {tol:g}); "
                   f"baseline {b.mean():.4g} (n={len(b)}), new {n.mean():.4g} (n={len(n)})")
            result.items.append(CheckItem(task, variant, m, status, msg, float(b.mean()), float(n.mean()), threshold))
    return result


def check_run(run_dir, baseline_dir, k: float = 3.0, abs_tol: float | dict = 0.0) -> CheckResult:
    return check_records(load_records(run_dir), load_records(baseline_dir), k=k, abs_tol=abs_tol)
