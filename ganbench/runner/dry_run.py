"""What a run would do, before it does it: ``ganbench run --dry-run``.

For every trial (and reference row) of a suite in a run directory: whether it would be trained or
its record reused, why a record cannot be reused (missing; failed before; made by other code, naming
the modules that changed; made with another recipe, budget or protocol), and what the training would
cost: the GFLOPs and seconds per trial its own stale record spent (same task, variant and budget: the
best estimate there is), else those of the task's recorded trials scaled by the runner's relative cost
model (``Job.cost``), else unknown. Seconds were measured on the machine that wrote each record; the
rows say which, and the total divides by the worker count as the local backend runs programs side by
side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ganbench.harness import config_hash
from ganbench.harness.identity import code_summary, reference_code, trial_code
from ganbench.harness.reference import init_recipe, reference_hash, reference_kinds
from ganbench.records import RunDir, TrialSpec
from ganbench.runner.run import Job
from ganbench.runner.suite import Suite
from ganbench.utils.code import module_changes


@dataclass(frozen=True)
class PlannedTrial:
    """One trial or reference row of a dry run."""

    task: str
    variant: str
    seed_index: int
    action: str  # "train" | "reuse"
    why: str  # why it trains ("" when reused)
    gflops: float  # estimated training compute, GFLOP (nan: unknown; 0 for reference rows)
    seconds: float  # estimated training seconds of this trial's share of its program (nan: unknown)
    rate_from: str  # where the estimate comes from: "own record", "task's records", "" (unknown)
    machine: str  # the CPU or GPU the rate was measured on


def _why(rec, expected: str, code: dict, plan, recipe: dict | None) -> str:
    """Why ``rec`` cannot be reused for a trial whose config hash is ``expected`` ("" if it can)."""
    if rec is None:
        return "missing"
    if rec.status == "failed":
        return "failed before (retried)"
    if rec.config_hash == expected:
        return ""
    changes = module_changes(rec.code, code)
    if changes:
        return "code changed in " + ", ".join(changes)
    differs = []
    if rec.budget and rec.budget != plan.budget.to_dict():
        differs.append(f"budget {rec.budget} -> {plan.budget.to_dict()}")
    if recipe is not None and rec.variant_config != recipe:
        keys = sorted(k for k in set(rec.variant_config) | set(recipe) if rec.variant_config.get(k) != recipe.get(k))
        differs.append("recipe fields " + ", ".join(keys))
    return "; ".join(differs) if differs else "protocol or data changed"


def _machine(rec) -> str:
    env = rec.env if rec is not None else {}
    return str(env.get("device_name") or env.get("cpu_model") or "")


def plan_trials(suite: Suite, run_dir) -> list[PlannedTrial]:
    """Every trial and reference row of ``suite`` in ``run_dir``: reused or trained, why, and its cost."""
    rd = RunDir(run_dir)
    out: list[PlannedTrial] = []
    for plan in suite.tasks:
        task = plan.task()
        rows, rates = [], []  # rates: (seconds per cost unit, gflops per cost unit, machine) of this task's records
        for vname in suite.variants_of(plan):
            variant = plan.variant(vname)
            expected = config_hash(task, variant, plan.budget)
            code = code_summary(trial_code(task, variant))
            unit = Job(suite.name, plan, ((vname, (0,)),), "cpu", str(rd.root)).cost()
            for i in suite.seeds:
                rec = rd.read_record(TrialSpec(suite.name, plan.name, vname, i).trial_id)
                why = _why(rec, expected, code, plan, variant.to_dict())
                own = None
                if rec is not None and rec.status != "failed" and rec.budget == plan.budget.to_dict():
                    seconds = rec.spent.get("wall_s_per_trial", rec.spent.get("wall_s", math.nan))
                    own = (float(seconds), float(rec.spent.get("gflops", math.nan)), _machine(rec))
                    if unit > 0:
                        rates.append((own[0] / unit, own[1] / unit, own[2]))
                rows.append((vname, i, why, unit, own))
        for vname, i, why, unit, own in rows:
            if not why:
                out.append(PlannedTrial(plan.name, vname, i, "reuse", "", 0.0, 0.0, "", ""))
            elif own is not None:
                out.append(PlannedTrial(plan.name, vname, i, "train", why, own[1], own[0], "own record", own[2]))
            elif rates:
                sec = sorted(r[0] for r in rates)[len(rates) // 2] * unit  # the median rate: robust to one odd program
                gf = sorted(r[1] for r in rates)[len(rates) // 2] * unit
                out.append(PlannedTrial(plan.name, vname, i, "train", why, gf, sec, "task's records", rates[0][2]))
            else:
                out.append(PlannedTrial(plan.name, vname, i, "train", why, math.nan, math.nan, "", ""))
        for kind in reference_kinds(task):
            init = plan.variant(init_recipe(task))
            expected = reference_hash(task, kind, init)
            code = code_summary(reference_code(task, init if kind == "init" else None))
            for i in suite.reference_seeds:
                rec = rd.read_record(TrialSpec(suite.name, plan.name, kind, i).trial_id)
                why = _why(rec, expected, code, plan, None)
                # a reference row only evaluates: no training compute, a few seconds at most
                out.append(PlannedTrial(plan.name, kind, i, "train" if why else "reuse", why, 0.0, 0.0,
                                        "evaluation only" if why else "", ""))
    return out
