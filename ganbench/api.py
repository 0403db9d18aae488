"""The Python API (the top floor, with the CLI): orchestration of the layers below.

- :func:`run_suite`: train and evaluate a suite (the runner), then render its leaderboard (the reports).
- :func:`load_results`: the tidy long table of a run directory (from ``ganbench.report.tables``).
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
from ganbench.report.publish import write_leaderboard
from ganbench.report.tables import load_results
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


def run_suite(suite="smoke", out=None, *, leaderboard: bool = True, until_decided: bool | None = None,
              max_seeds: int | None = None, step: int | None = None, log=print, **options) -> Path:
    """Run every (task, variant, seed) of ``suite`` into the run directory ``out`` and, with
    ``leaderboard``, write its tables and plots into ``out/leaderboard``. ``options``: ``seeds``,
    ``device``, ``fresh``, ``plugins``, ``backend``, ``progress`` (see ``ganbench.runner.run_suite``).

    A suite with ``claims`` and a ``[sequential]`` table (or ``until_decided=True`` with
    ``max_seeds``) then adds seeds, ``step`` at a time, to the two variants of every claim still
    undecided (:func:`ganbench.report.claims.claim_verdicts`, a group-sequential design over all the
    suite's claims) until each is decided or has ``max_seeds`` seeds per side; ``until_decided=False``
    judges the claims at the suite's seeds only. Added seeds are ordinary trials: a rerun resumes."""
    from ganbench.runner.suite import Suite
    from ganbench.zoo import load_plugin

    for p in options.get("plugins", ()):
        load_plugin(p)
    s = suite if isinstance(suite, Suite) else load_suite(suite)
    seeds = options.pop("seeds", None)
    if seeds is not None:
        s = s.with_seeds(seeds)
    s = _with_sequential(s, until_decided, max_seeds, step)
    run_dir = _run_suite(s, out, **options)
    if s.claims and s.sequential:
        _claims_until_decided(s, run_dir, options, log)
    if leaderboard:
        write_leaderboard(run_dir)
    return run_dir


def _with_sequential(s, until_decided: bool | None, max_seeds: int | None, step: int | None):
    """The suite with the sequential design it runs by (``sequential`` empty: its seeds only)."""
    if until_decided is False:
        if max_seeds is not None or step is not None:
            raise ValueError("--max-seeds and --step bound the sequential run; they make no sense with --no-until-decided")
        return dataclasses.replace(s, sequential={})
    if not s.claims:
        if until_decided or max_seeds is not None or step is not None:
            raise ValueError(f"suite {s.name!r} lists no claims: `run --until-decided` adds seeds to decide a suite's "
                             "claims (e.g. --suite claims); to decide a candidate against a baseline use "
                             "`ganbench compare VARIANT --until-decided --max-seeds N`")
        return s
    seq = dict(s.sequential)
    if max_seeds is not None:
        seq["max_seeds"] = max_seeds
    if step is not None:
        seq["step"] = step
    if not seq and not until_decided:
        return s
    start = len(s.seeds)
    if "max_seeds" not in seq:
        raise ValueError(f"suite {s.name!r} has no [sequential] max_seeds: give --max-seeds N (the most seeds per side)")
    if s.seeds != tuple(range(start)) or start < 2:
        raise ValueError(f"the sequential design adds seeds {start}..N-1 after seeds 0..{start - 1}; give a seed count "
                         f">= 2 (got {list(s.seeds)})")
    seq = {"max_seeds": int(seq["max_seeds"]), "step": int(seq.get("step") or start), "start": start}
    from ganbench.report.sequential import plan

    plan(start, seq["max_seeds"], seq["step"])  # fails here, before training, on an impossible design
    return dataclasses.replace(s, sequential=seq)


def _claims_until_decided(s, run_dir: Path, options: dict, log) -> None:
    """Rounds of seeds for the undecided claims of ``s`` (its ``sequential`` design) in ``run_dir``."""
    from ganbench.report.claims import claim_verdicts, design_of

    design = design_of(s.to_dict())
    options = {**options, "fresh": False}  # a fresh start means the first round only
    log(f"claims: {len(s.claims)}; sequential design: looks at {list(design.looks)} seeds per side, familywise "
        f"two-sided α = {design.alpha} (Lan-DeMets O'Brien-Fleming spending, Holm with α recycling)")
    seen = set()
    while True:
        verdicts = claim_verdicts(load_records(run_dir), list(s.claims), design)
        todo = [v for v in verdicts if not v.stop and v.n in design.looks and v.n < design.looks[-1]
                and not v.verdict.startswith("untestable")]
        for v in verdicts:
            log(f"  {v.claim}: {v.n} seeds per side -> {v.verdict}")
        state = tuple((v.claim, v.n) for v in todo)
        if not todo or state in seen:
            if todo:
                log("no claim gained a complete look in the last round (seeds diverged or failed): stopping")
            break
        seen.add(state)
        rounds: dict[int, dict[str, set]] = {}  # seeds after the round -> task -> variants to train
        for v in todo:
            n_next = design.looks[design.looks.index(v.n) + 1]
            rounds.setdefault(n_next, {}).setdefault(v.task, set()).update((v.better, v.worse))
        for n_next, tasks in sorted(rounds.items()):
            plans = tuple(dataclasses.replace(p, variants=tuple(x for x in s.variants_of(p) if x in tasks[p.name]))
                          for p in s.tasks if p.name in tasks)
            variants = tuple(dict.fromkeys(x for p in plans for x in p.variants))
            log("training seeds up to " + str(n_next - 1) + " of " + "; ".join(f"{p.name}: {', '.join(p.variants)}"
                                                                           for p in plans))
            _run_suite(dataclasses.replace(s, seeds=tuple(range(n_next)), variants=variants, tasks=plans), run_dir,
                       **options)
    _run_suite(s, run_dir, **options)  # trains nothing: suite.json and the manifest describe the whole suite again


def run_compare(variant: str, suite="core", against="baselines/core", reference: str = "gan-ns", out=None,
                plugins=(), seeds=None, device=None, progress=None, log=print, until_decided: bool = False,
                max_seeds: int | None = None, step: int | None = None, margins: dict | None = None):
    """Train ``variant`` on ``suite`` (reusing valid baseline records from ``against``) and compare.
    Returns (comparisons, run_dir).

    ``until_decided``: a group-sequential comparison of ``variant`` with ``reference``
    (``ganbench.report.sequential``: Lan-DeMets O'Brien-Fleming alpha spending, Holm across tasks):
    after the suite's seeds, each task still undecided trains ``step`` (default: the suite's seed
    count) more seeds of the candidate and the reference, and stops as soon as it is decided or has
    ``max_seeds`` seeds per side. Added seeds are ordinary trials in the run directory (resumable);
    the other baselines keep the suite's seeds and are left out of the verdicts."""
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
    run_suite(combined, rd.root, device=device, plugins=plugins, progress=progress, until_decided=False)
    records = load_records(rd.root)
    if not until_decided:
        return compare_records(records, records, variant, reference=reference, margins=margins), rd.root
    return _until_decided(combined, rd, variant, reference, max_seeds, step, margins, device, plugins, progress, log)


def _pair_view(records: list[dict], variant: str, reference: str) -> list[dict]:
    """The records a sequential comparison judges: the candidate, the reference and the floor rows."""
    return [r for r in records if r.get("kind", "trial") != "trial" or r["variant"] in (variant, reference)]


def _until_decided(s, rd: RunDir, variant, reference, max_seeds, step, margins, device, plugins, progress, log):
    from ganbench.report.sequential import plan

    start = len(s.seeds)
    if max_seeds is None:
        raise ValueError("--until-decided needs --max-seeds N (the most seeds per side it may train)")
    if s.seeds != tuple(range(start)):
        raise ValueError(f"--until-decided adds seeds start..N-1 after the first ones; use --seeds {start} (got {list(s.seeds)})")
    design = plan(start, max_seeds, step or start)
    log(f"sequential design: looks at {list(design.looks)} seeds per side, two-sided α = {design.alpha} over the tasks "
        "(Lan-DeMets O'Brien-Fleming spending, Holm)")
    while True:
        everything = load_records(rd.root)  # the best baseline is named among every baseline the run holds
        records = _pair_view(everything, variant, reference)
        comps = compare_records(records, records, variant, reference=reference, margins=margins, design=design,
                                best_from=everything)
        todo = [c for c in comps if not c.stop and c.learned is not False and c.n in design.looks and c.n < design.looks[-1]]
        for c in comps:
            log(f"  {c.task}: {c.n} seeds per side -> {c.verdict}" + ("" if c.stop or c in todo else " (stopped)"))
        if not todo:
            return comps, rd.root
        rounds: dict[int, list[str]] = {}  # seeds after the round -> its tasks, trained together (parallel jobs)
        for c in todo:
            rounds.setdefault(design.looks[design.looks.index(c.n) + 1], []).append(c.task)
            log(f"{c.task}: undecided at {c.n} seeds per side; training seeds {c.n}.."
                f"{design.looks[design.looks.index(c.n) + 1] - 1} of {variant} and {reference}")
        for n_next, tasks in sorted(rounds.items()):
            plans = tuple(dataclasses.replace(p, variants=(variant, reference)) for p in s.tasks if p.name in tasks)
            sub = dataclasses.replace(s, seeds=tuple(range(n_next)), variants=(variant, reference), tasks=plans)
            run_suite(sub, rd.root, device=device, plugins=plugins, progress=progress, leaderboard=False,
                      until_decided=False)
