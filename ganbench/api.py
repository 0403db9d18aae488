"""The Python API (the top floor, with the CLI): orchestration of the layers below.

- :func:`run_suite`: train and evaluate a suite (the runner), then render its leaderboard (the reports).
- :func:`load_results`: the tidy long table of a run directory (from ``ganbench.report.tables``).
- :func:`run_tune`: tune a suite's variants on equal budgets (:mod:`ganbench.tuning`); :func:`run_suite`
  dispatches a suite with a ``[tune]`` table there, ``run_compare(..., tune=N)`` to its tuned comparison.
- :func:`run_compare`: a candidate on a suite with the baselines' budgets, seeds and protocol,
  re-running a baseline trial only when its record is missing or was made with another
  configuration (said, never silent); the statistics come from ``ganbench.report.compare``.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from ganbench.adaptive import Question, complete_view, design_record, keep_design, run_rounds
from ganbench.records import RunDir, TrialRecord, TrialSpec, load_records
from ganbench.report.compare import compare_records
from ganbench.report.publish import write_leaderboard
from ganbench.report.selection import selected_points
from ganbench.report.tables import load_results
from ganbench.runner import load_suite
from ganbench.runner import run_suite as _run_suite
from ganbench.utils.atomic import atomic_write_text

__all__ = ["run_suite", "run_tune", "load_results", "run_compare"]


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
    suite's claims, :mod:`ganbench.adaptive`) until each is decided or has ``max_seeds`` seeds per side;
    ``until_decided=False`` judges the claims at the suite's seeds only. Added seeds are ordinary
    trials: a rerun resumes, and a rerun with another design is refused before anything trains."""
    from ganbench.runner.suite import Suite
    from ganbench.zoo import load_plugin

    for p in options.get("plugins", ()):
        load_plugin(p)
    s = suite if isinstance(suite, Suite) else load_suite(suite)
    if s.tune:  # a suite with a [tune] table: tuned on equal budgets (ganbench.tuning)
        if until_decided or max_seeds is not None or step is not None:
            raise ValueError(f"suite {s.name!r} is tuned ([tune]); --until-decided, --max-seeds and --step decide "
                             "claims, which a tuned suite has none of")
        return run_tune(s, out, leaderboard=leaderboard, log=log, **options)
    seeds = options.pop("seeds", None)
    if seeds is not None:
        s = s.with_seeds(seeds)
    s = _with_sequential(s, until_decided, max_seeds, step)
    design = _claims_design(s) if s.claims and s.sequential else None
    out = Path(out) if out is not None else _default_run_dir(s)
    keep_design(out, design_record("claims", design, s.sequential["max_seeds"], s.sequential["step"],
                                   s.sequential["start"], claims=list(s.claims)) if design else None,
                fresh=options.get("fresh", False))
    run_dir = _run_suite(s, out, **options)
    if design is not None:
        _claims_until_decided(s, run_dir, design, options, log)
    if leaderboard:
        write_leaderboard(run_dir)
    return run_dir


def _default_run_dir(s) -> Path:
    from ganbench.runner.run import default_run_dir

    return default_run_dir(s)


def _positive(value: int | None, flag: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{flag} must be a positive integer, got {value!r}")


def _with_sequential(s, until_decided: bool | None, max_seeds: int | None, step: int | None):
    """The suite with the sequential design it runs by (``sequential`` empty: its seeds only); every
    option is checked here, before anything trains."""
    _positive(max_seeds, "--max-seeds")
    _positive(step, "--step")
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
    seq = {"max_seeds": int(seq["max_seeds"]), "step": int(seq.get("step", start)), "start": start}
    if seq["max_seeds"] < start:
        raise ValueError(f"--max-seeds {seq['max_seeds']} is below the suite's {start} seeds (the first look)")
    return dataclasses.replace(s, sequential=seq)


def _claims_design(s):
    from ganbench.report.claims import design_of

    return design_of(s.to_dict())  # fails here, before training, on an impossible design


def _claims_until_decided(s, run_dir: Path, design, options: dict, log) -> None:
    """Rounds of seeds for the undecided claims of ``s`` (its ``sequential`` design) in ``run_dir``."""
    from ganbench.claims import get_claim
    from ganbench.report.claims import claim_verdicts

    options = {**options, "fresh": False}  # a fresh start means the first round only
    log(f"claims: {len(s.claims)}; sequential design: looks at {list(design.looks)} seeds per side, familywise "
        f"two-sided α = {design.alpha} over the claims and their budgets (Lan-DeMets O'Brien-Fleming spending, "
        "Holm-type graph with α recycling)")
    tasks = {c: get_claim(c).task for c in s.claims}

    def judge(records):
        verdicts = claim_verdicts(records, list(s.claims), design)
        for v in verdicts:
            by_budget = f" (by budget: {v.verdict_map})" if len(v.by_budget) > 1 else ""
            log(f"  {v.claim}: {v.n} seeds per side -> {v.verdict}{by_budget}")
        # open while any budget of the claim is undecided and testable, short of the last look
        return [Question(v.claim, tasks[v.claim], (v.better, v.worse), v.n, v.stop) for v in verdicts]

    run_rounds(s, run_dir, design.looks, judge, lambda sub: _run_suite(sub, run_dir, **options), log)
    _run_suite(s, run_dir, **options)  # trains nothing: suite.json and the manifest describe the whole suite again


def run_tune(suite="tuned", out=None, *, variants=None, configs: int | None = None, sampler_seed: int | None = None,
             rerun_seeds: int | None = None, select_at=None, leaderboard: bool = True, log=print, **options) -> Path:
    """Tune the variants of ``suite`` on equal budgets (:mod:`ganbench.tuning`): per task and tuned variant,
    ``configs`` configurations of its search space with one seed, the best on the selection reference at
    ``select_at`` (``"final"`` or a point of the task's grid) rerun with seed indices 1..``rerun_seeds``
    beside the default recipe, then the leaderboard with the tuned section (expected best of n, the
    default's and the tuned reruns with CIs, the ``register_variant`` lines, the orderings). Arguments
    left None take the suite's ``[tune]`` table (``configs`` is required without one); ``variants``: which
    of the suite's variants are tuned (default all). ``options``: those of :func:`run_suite` (``device``,
    ``fresh``, ``plugins``, ``backend``, ``workers``, ``progress``, ...; not ``seeds``: the reruns' seeds
    are ``rerun_seeds``). A rerun into the same ``out`` resumes; one with other settings is refused
    before anything trains. Returns the run directory."""
    from ganbench.runner.suite import Suite
    from ganbench.tuning import run_tune as _tune
    from ganbench.tuning import with_tuning
    from ganbench.zoo import load_plugin

    for p in options.get("plugins", ()):
        load_plugin(p)
    if options.pop("seeds", None) is not None:
        raise ValueError("--seeds: a tuned run trains each configuration with seed index 0 and reruns with seed "
                         "indices 1..R; set R with --rerun-seeds (or the suite's [tune] rerun_seeds)")
    s = suite if isinstance(suite, Suite) else load_suite(suite)
    s = with_tuning(s, variants, configs, sampler_seed, rerun_seeds, select_at)
    return _tune(s, out, options, log, leaderboard)


def run_compare(variant: str, suite="core", against="baselines/core", reference: str = "gan-ns", out=None,
                plugins=(), seeds=None, device=None, progress=None, log=print, until_decided: bool = False,
                max_seeds: int | None = None, step: int | None = None, margins: dict | None = None,
                tune: int | None = None, select: str = "final", workers: int | None = None):
    """Train ``variant`` on ``suite`` (reusing valid baseline records from ``against``) and compare.
    Returns (comparisons, run_dir); the run directory keeps the report (``compare.json``, ``compare.md``)
    and a leaderboard.

    ``until_decided``: a group-sequential comparison of ``variant`` with ``reference``
    (``ganbench.report.sequential``: Lan-DeMets O'Brien-Fleming alpha spending, Holm across tasks;
    :mod:`ganbench.adaptive`): after the suite's seeds, each task still undecided trains ``step``
    (default: the suite's seed count) more seeds of the candidate and the reference, and stops as soon
    as it is decided or has ``max_seeds`` seeds per side. Added seeds are ordinary trials in the run
    directory (resumable; a rerun with another design is refused before anything trains); the other
    baselines keep the suite's seeds and are left out of the verdicts.

    ``tune``: N, to compare on equal tuning budgets instead (:func:`ganbench.tuning.compare_tuned`): the
    candidate and every baseline tuned with the same N configurations (the suite's ``[tune]`` sampler
    seed, rerun seeds and selection budget), ``against``'s recorded tuned baselines reused where they
    match, and the candidate's tuned rerun judged against each task's best tuned baseline at n = N.

    ``select``: which point of each trial's curve is compared: ``"final"`` (its budget, the default) or
    ``"best"`` (:func:`ganbench.report.selection.selected_points`: the point whose headline is best on
    the selection reference, reported on the reporting one)."""
    from ganbench.harness import config_hash
    from ganbench.report.compare import to_json, to_markdown
    from ganbench.report.selection import SELECT
    from ganbench.runner.run import stale
    from ganbench.zoo import get_variant, load_plugin

    if select not in SELECT:
        raise ValueError(f"--select must be one of {', '.join(SELECT)}, got {select!r}")
    if tune is not None:  # equal tuning budgets (ganbench.tuning)
        from ganbench.tuning import compare_tuned

        _positive(tune, "--tune")
        if until_decided or max_seeds is not None or step is not None or seeds is not None:
            raise ValueError("--tune reruns each selected configuration with the suite's [tune] rerun_seeds (default "
                             "5); --seeds, --until-decided, --max-seeds and --step do not apply to it")
        return compare_tuned(variant, suite, against, out, tune, plugins=plugins, device=device, progress=progress,
                             log=log, margins=margins)
    for p in plugins:
        load_plugin(p)
    get_variant(variant)
    s = load_suite(suite)
    if seeds is not None:
        s = s.with_seeds(seeds)
    if reference not in s.variants:
        raise ValueError(f"reference variant {reference!r} is not in suite {s.name!r} ({', '.join(s.variants)}); use --reference")
    design = _compare_design(s, until_decided, max_seeds, step)  # every option checked before anything trains
    against = Path(against)
    rd = RunDir(out if out else Path("runs") / f"compare-{variant}-{s.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    keep_design(rd.root, design_record("compare", design, design.looks[-1], step or len(s.seeds), len(s.seeds),
                                       candidate=variant, reference=reference, margins=margins) if design else None)
    baseline = load_records(against) if against.exists() else []
    if not baseline:
        log(f"no baseline records in {against}: every baseline trial will be run")
    base_variants = tuple(v for v in s.variants if v != variant)
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
                if rd.read_record(spec.trial_id) is not None:
                    continue  # an earlier invocation copied or trained it; the planner judges it
                if rec is not None and rec.get("config_hash") == expected and rec.get("suite") == s.name:
                    lacking = stale(TrialRecord.from_dict(rec), expected, plan.grid)
                    if lacking is None:
                        rd.write_record(TrialRecord.from_dict(rec))
                    else:
                        reran.append(f"{plan.name}/{v}/seed {i}: {lacking}")
                else:
                    reran.append(f"{plan.name}/{v}/seed {i}: " + _why_stale(rec, task, plan.variant(v)))
    for line in reran:
        log(f"re-running baseline {line}")
    with_candidate = tuple(dataclasses.replace(p, variants=(variant, *(v for v in p.variants if v != variant)))
                           if p.variants else p for p in s.tasks)
    combined = dataclasses.replace(s, variants=(variant, *base_variants), tasks=with_candidate)
    options = {"device": device, "plugins": plugins, "progress": progress, "workers": workers}
    _run_suite(combined, rd.root, **options)
    if design is None:
        records = selected_points(load_records(rd.root), select)
        comps = compare_records(records, records, variant, reference=reference, margins=margins)
    else:
        comps = _until_decided(combined, rd, variant, reference, design, margins, options, log, select)
    write_leaderboard(rd.root, select=select)
    atomic_write_text(rd.root / "compare.json", to_json(comps))
    atomic_write_text(rd.root / "compare.md", to_markdown(comps))
    return comps, rd.root


def _compare_design(s, until_decided: bool, max_seeds: int | None, step: int | None):
    """The sequential design of ``compare --until-decided`` (None without it), checked before training."""
    from ganbench.report.sequential import plan

    _positive(max_seeds, "--max-seeds")
    _positive(step, "--step")
    if not until_decided:
        if max_seeds is not None or step is not None:
            raise ValueError("--max-seeds and --step bound the sequential comparison; they go with --until-decided")
        return None
    start = len(s.seeds)
    if max_seeds is None:
        raise ValueError("--until-decided needs --max-seeds N (the most seeds per side it may train)")
    if s.seeds != tuple(range(start)):
        raise ValueError(f"--until-decided adds seeds start..N-1 after the first ones; use --seeds {start} (got {list(s.seeds)})")
    if start < 2:
        raise ValueError(f"--until-decided starts from a first look of at least 2 seeds per side; use --seeds 2 or more "
                         f"(got {start})")
    if max_seeds < start:
        raise ValueError(f"--max-seeds {max_seeds} is below the suite's {start} seeds (the first look); give at least "
                         f"{start}")
    return plan(start, max_seeds, step or start)


def _until_decided(s, rd: RunDir, variant, reference, design, margins, options, log, select="final"):
    log(f"sequential design: looks at {list(design.looks)} seeds per side, two-sided α = {design.alpha} over the tasks "
        "and their budgets (Lan-DeMets O'Brien-Fleming spending, Holm-type graph)")
    pairs = {p.name: (variant, reference) for p in s.tasks if {variant, reference} <= set(s.variants_of(p))}
    last: list = []

    def judge(records):
        records = selected_points(records, select)
        view = complete_view(records, pairs, design.looks)
        comps = compare_records(view, view, variant, reference=reference, margins=margins, design=design,
                                best_from=records)  # the best baseline among every baseline the run holds
        for c in comps:
            by_budget = f" (by budget: {c.verdict_map})" if len(c.by_budget) > 1 else ""
            log(f"  {c.task}: {c.n} seeds per side -> {c.verdict}{by_budget}")
        last[:] = comps
        # open while any budget of the task is undecided (and learned), short of the last look
        return [Question(c.task, c.task, (variant, reference), c.n, bool(c.stop)) for c in comps]

    run_rounds(s, rd.root, design.looks, judge, lambda sub: _run_suite(sub, rd.root, **options), log)
    _run_suite(s, rd.root, **options)  # trains nothing: suite.json and the manifest describe the whole comparison
    return last
