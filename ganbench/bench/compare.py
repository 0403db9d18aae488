"""Running a comparison: the candidate on the suite's tasks with the baselines' budgets, seeds and
protocol, re-running a baseline trial only when its record is missing or was made with another
configuration (said, never silent). The statistics live in ``ganbench.report.compare``."""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from ganbench.bench.runner import run_suite
from ganbench.bench.suite import load_suite
from ganbench.harness.record import TrialRecord
from ganbench.harness.trainer import TrialSpec, config_hash
from ganbench.report.compare import compare_records
from ganbench.report.leaderboard import load_records


def run_compare(variant: str, suite="core", against="baselines/core", reference: str = "gan-ns", out=None,
                plugins=(), seeds=None, device=None, progress=None, log=print):
    """Train ``variant`` on ``suite`` (reusing valid baseline records from ``against``) and compare.
    Returns (comparisons, run_dir)."""
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
    run_dir = Path(out) if out else Path("runs") / f"compare-{variant}-{s.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    (run_dir / "records").mkdir(parents=True, exist_ok=True)
    index = {(r["task"], r["variant"], r["seed_index"]): r for r in baseline}
    reran = []
    for plan in s.tasks:
        task = plan.task()
        for v in base_variants:
            expected = config_hash(task, get_variant(v), plan.budget)
            for i in s.seeds:
                rec = index.get((plan.name, v, i))
                spec = TrialSpec(s.name, plan.name, v, i)
                if rec is not None and rec.get("config_hash") == expected and rec.get("suite") == s.name:
                    TrialRecord.from_dict(rec).save(run_dir / "records" / f"{spec.trial_id}.json")
                elif not (run_dir / "records" / f"{spec.trial_id}.json").is_file():
                    reran.append(f"{plan.name}/{v}/seed {i}: " + ("missing" if rec is None else "made with another configuration or protocol"))
    for line in reran:
        log(f"re-running baseline {line}")
    combined = dataclasses.replace(s, variants=(variant, *base_variants))
    run_suite(combined, run_dir, device=device, plugins=plugins, progress=progress, leaderboard=True)
    records = load_records(run_dir)
    return compare_records(records, records, variant, reference=reference), run_dir
