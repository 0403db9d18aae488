"""The Python API (the top floor, with the CLI): orchestration of the layers below.

- :func:`run_suite`: train and evaluate a suite (the runner), then render its leaderboard (the reports).
- :func:`load_results`: the tidy long table of a run directory (from ``ganbench.report.leaderboard``).
- :func:`run_compare`: a candidate on a suite with the baselines' budgets, seeds and protocol,
  re-running a baseline trial only when its record is missing or was made with another
  configuration (said, never silent); the statistics come from ``ganbench.report.compare``.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from ganbench.records import RunDir, TrialRecord, TrialSpec, load_records
from ganbench.report.compare import compare_records
from ganbench.report.leaderboard import load_results, write_leaderboard
from ganbench.runner import load_suite
from ganbench.runner import run_suite as _run_suite

__all__ = ["run_suite", "load_results", "run_compare"]


def _why_stale(record: dict | None, task, variant) -> str:
    """Why a baseline record cannot be reused: missing, made by other code (naming where), or with
    another configuration or protocol."""
    from ganbench.harness.identity import code_summary, trial_code
    from ganbench.utils.code import module_changes

    if record is None:
        return "missing"
    code = module_changes(record.get("code"), code_summary(trial_code(task, variant)))
    return f"the code changed in {', '.join(code)}" if code else "made with another configuration or protocol"


def run_suite(suite="smoke", out=None, *, leaderboard: bool = True, **options) -> Path:
    """Run every (task, variant, seed) of ``suite`` into the run directory ``out`` and, with
    ``leaderboard``, write its tables and plots into ``out/leaderboard``. ``options``: ``seeds``,
    ``device``, ``fresh``, ``plugins``, ``backend``, ``progress`` (see ``ganbench.runner.run_suite``)."""
    run_dir = _run_suite(suite, out, **options)
    if leaderboard:
        write_leaderboard(run_dir)
    return run_dir


def run_compare(variant: str, suite="core", against="baselines/core", reference: str = "gan-ns", out=None,
                plugins=(), seeds=None, device=None, progress=None, log=print):
    """Train ``variant`` on ``suite`` (reusing valid baseline records from ``against``) and compare.
    Returns (comparisons, run_dir)."""
    from ganbench.harness import config_hash
    from ganbench.zoo import get_variant, load_plugin

    for p in plugins:
        load_plugin(p)
    get_variant(variant)
    s = load_suite(suite)
    if seeds is not None:
        s = s.with_seeds(seeds)
    against = Path(against)
    baseline = load_records(against) if against.exists() else []
    if not baseline:
        log(f"no baseline records in {against}: every baseline trial will be run")
    if reference not in s.variants:
        raise ValueError(f"reference variant {reference!r} is not in suite {s.name!r} ({', '.join(s.variants)}); use --reference")
    base_variants = tuple(v for v in s.variants if v != variant)
    rd = RunDir(out if out else Path("runs") / f"compare-{variant}-{s.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    rd.records.mkdir(parents=True, exist_ok=True)
    index = {(r["task"], r["variant"], r["seed_index"]): r for r in baseline}
    reran = []
    for plan in s.tasks:
        task = plan.task()
        for v in (v for v in s.variants_of(plan) if v != variant):
            expected = config_hash(task, plan.variant(v), plan.budget)
            for i in s.seeds:
                rec = index.get((plan.name, v, i))
                spec = TrialSpec(s.name, plan.name, v, i)
                if rec is not None and rec.get("config_hash") == expected and rec.get("suite") == s.name:
                    rd.write_record(TrialRecord.from_dict(rec))
                elif rd.read_record(spec.trial_id) is None:
                    reran.append(f"{plan.name}/{v}/seed {i}: " + _why_stale(rec, task, plan.variant(v)))
    for line in reran:
        log(f"re-running baseline {line}")
    with_candidate = tuple(dataclasses.replace(p, variants=(variant, *(v for v in p.variants if v != variant)))
                           if p.variants else p for p in s.tasks)
    combined = dataclasses.replace(s, variants=(variant, *base_variants), tasks=with_candidate)
    run_suite(combined, rd.root, device=device, plugins=plugins, progress=progress)
    records = load_records(rd.root)
    return compare_records(records, records, variant, reference=reference), rd.root
