"""Tuning on equal budgets (issue 43): N configurations per variant, selection on a disjoint reference,
reruns on fresh seeds; ``ganbench tune``, ``ganbench run --suite tuned`` and ``compare --tune N``.

Lucic et al. 2018 ("Are GANs Created Equal?", google/compare_gan v1) trained each GAN with 100 settings
sampled from wide ranges, one seed each, then reran the best setting with 50 seeds; with enough tuning
most models reached similar scores. Here, per task of a suite and per tuned variant:

1. configurations 0..N−1 of the variant's search space (:func:`ganbench.zoo.sample_configurations`,
   configuration 0 the recipe itself) train with seed index 0, as ordinary trials of the run directory
   (each its own config hash; the runner packs those whose programs agree: configurations differing
   in learning rates, betas and penalty weights share one);
2. the configuration whose headline is best on the selection reference at ``select_at`` is selected
   (:func:`ganbench.report.tuning.select`; a task without selection values is refused, before training
   where the task says it has no selection reference);
3. the selected configuration and the default recipe rerun with fresh seed indices 1..R (the default
   on the same seeds, so that how far it sits below its tuned rerun is measured on equal seeds).

The design (variants, N, sampler seed, R, ``select_at``, each variant's search space and its digest) is
written to ``RUN_DIR/tune.json`` before anything trains; a later invocation with other settings is
refused before it trains (:func:`ganbench.adaptive.keep_design`, one rule for every design a run keeps).
Everything else is ordinary records: kill it anywhere and rerun, and the phases resume to the same
selection and the same reruns. A configuration's name (``gan-ns+s0c07``) determines its recipe, and
:func:`ganbench.zoo.get_variant` draws it on first use, so worker processes, Dask workers and SLURM
tasks resolve it after loading the base variant's plugin.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from ganbench.adaptive import keep_design
from ganbench.records import RunDir, TrialRecord, load_records
from ganbench.report import format as fmt
from ganbench.report.compare import compare_records, to_json, to_markdown
from ganbench.report.publish import write_leaderboard
from ganbench.report.tuning import TUNE_FILE, TuneDesign, select, summarise
from ganbench.runner import load_suite
from ganbench.runner import run_suite as _run_suite
from ganbench.runner.suite import Suite, check_tune
from ganbench.utils.atomic import atomic_write_json, atomic_write_text
from ganbench.utils.faults import fault_point

WHY = ("the design is part of the result (changing N, the seeds or the selection budget after seeing results "
       "selects on them)")
FLAGS = "tuning settings (--variant, --configs, --sampler-seed, --rerun-seeds, --select-at)"
BEST = "best-tuned-baseline"  # the stand-in name of each task's best tuned baseline in compare --tune's view


def with_tuning(suite: Suite, variants=None, configs: int | None = None, sampler_seed: int | None = None,
                rerun_seeds: int | None = None, select_at=None) -> Suite:
    """``suite`` with its ``[tune]`` settings overridden by the arguments given (None: the suite's, or the
    defaults of :func:`ganbench.runner.suite.check_tune`), checked before anything trains."""
    spec = dict(suite.tune)
    for key, value in (("variants", variants), ("configs", configs), ("sampler_seed", sampler_seed),
                       ("rerun_seeds", rerun_seeds), ("select_at", select_at)):
        if value is not None:
            spec[key] = list(value) if key == "variants" else value
    if "configs" not in spec:
        raise ValueError(f"suite {suite.name!r} has no [tune] table: give --configs N (the configurations per variant)")
    return dataclasses.replace(suite, tune=check_tune(spec, suite, f"suite {suite.name!r}: tuning"))


def tune_design(suite: Suite) -> TuneDesign:
    """The :class:`~ganbench.report.tuning.TuneDesign` of ``suite``'s (checked) ``tune`` settings."""
    from ganbench.zoo import get_variant
    from ganbench.zoo.space import format_space
    from ganbench.zoo.variants import configuration_name

    t = suite.tune
    names = {v: (v, *(configuration_name(v, t["sampler_seed"], i) for i in range(1, t["configs"])))
             for v in t["variants"]}
    return TuneDesign(suite=suite.name, variants=tuple(t["variants"]), configs=t["configs"],
                      sampler_seed=t["sampler_seed"], rerun_seeds=t["rerun_seeds"], select_at=t["select_at"],
                      configurations=names, spaces={v: format_space(get_variant(v).search_space()) for v in names})


def check_selection_references(suite: Suite) -> None:
    """Refuse (ValueError naming the task) a tuned task that says it has no selection reference
    (``Task.selection_reference()`` returns ``(None, why)``), before anything trains. A task that does not
    say (no such method) is judged by its records after the first phase (:func:`ganbench.report.tuning.select`)."""
    for plan in suite.tasks:
        if not any(v in suite.tune["variants"] for v in suite.variants_of(plan)):
            continue
        ask = getattr(plan.task(), "selection_reference", None)
        if ask is None:
            continue
        reference, why = ask()
        if reference is None:
            raise ValueError(f"task {plan.name!r} has no selection reference ({why}): tuning selects each variant's "
                             "configuration on a reference disjoint from the reported one; drop the task from the "
                             "tuned suite, or tune on a task that has one")


def _sub_suite(suite: Suite, names: dict[str, tuple[str, ...]], seeds) -> Suite | None:
    """``suite`` restricted to ``names`` (task -> the variants to train there) and ``seeds``; None when
    nothing is left."""
    plans = tuple(dataclasses.replace(p, variants=names[p.name]) for p in suite.tasks if names.get(p.name))
    if not plans:
        return None
    variants = tuple(dict.fromkeys(v for p in plans for v in p.variants))
    return dataclasses.replace(suite, seeds=tuple(seeds), variants=variants, tasks=plans, tune={})


def run_tune(suite: Suite, out, options: dict | None = None, log=print, leaderboard: bool = True) -> Path:
    """Tune ``suite`` (its checked ``tune`` settings, :func:`with_tuning`) into the run directory ``out``:
    the phases of the module docstring, then the variants it does not tune with the suite's seeds as in
    any run, and with ``leaderboard`` the leaderboard (the tuned section first). ``options``: those of
    :func:`ganbench.runner.run_suite` (``fresh`` applies to the first phase). Returns the run directory."""
    options = dict(options or {})
    if not suite.tune:
        raise ValueError(f"suite {suite.name!r} has no tuning settings ([tune] or --configs)")
    design = tune_design(suite)
    check_selection_references(suite)
    out = Path(out) if out is not None else Path("runs") / f"{suite.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    keep_design(out, design.to_dict(), fresh=options.get("fresh", False), file=TUNE_FILE, what="tuning", flags=FLAGS,
                why=WHY)
    tuned = set(design.variants)
    log(f"tuning {', '.join(design.variants)}: {design.configs} configurations each (sampler seed "
        f"{design.sampler_seed}), one seed; the selected configuration and the default then rerun with seeds "
        f"1..{design.rerun_seeds}; selection at {design.select_at} on the selection reference")
    phase1 = _sub_suite(suite, {p.name: tuple(c for v in suite.variants_of(p) if v in tuned
                                              for c in design.configurations[v]) for p in suite.tasks}, (0,))
    run_dir = _run_suite(phase1, out, **options)
    options["fresh"] = False  # a fresh start means the first phase only
    fault_point("round")  # a kill between the phases: the rerun selects again, from the same records
    selections = select(load_records(run_dir), design)
    for (task, variant), sel in selections.items():
        log(f"  {task}/{variant}: configuration {sel.index} ({sel.name}) selected, {sel.headline} "
            f"{fmt.significant(sel.value)} on the selection reference (one seed)")
    reruns = {p.name: tuple(dict.fromkeys(n for (task, v), sel in selections.items() if task == p.name
                                          for n in (sel.name, v))) for p in suite.tasks}
    phase2 = _sub_suite(suite, reruns, design.rerun_indices)
    if phase2 is not None:
        _run_suite(phase2, run_dir, **options)
    rest = _sub_suite(suite, {p.name: tuple(v for v in suite.variants_of(p) if v not in tuned) for p in suite.tasks},
                      suite.seeds)
    if rest is not None:
        _run_suite(rest, run_dir, **options)
    rd = RunDir(run_dir)  # the whole suite again, not the last phase's restriction
    atomic_write_text(rd.suite_toml, suite.source or "")
    atomic_write_json(rd.suite_json, suite.to_dict())
    if leaderboard:
        write_leaderboard(run_dir)
    return run_dir


# --- compare --tune -----------------------------------------------------------------------------------


def _reuse(suite: Suite, design: TuneDesign, rd: RunDir, against: Path, skip: str, log) -> int:
    """Copy into ``rd`` every record of ``against`` that stands for a trial of the tuned comparison (a
    baseline's configuration with seed 0, or a rerun seed), made in the same suite with the same config
    hash; returns how many were copied."""
    from ganbench.harness import config_hash
    from ganbench.records import TrialSpec

    baseline = load_records(against) if against.exists() else []
    index = {(r["task"], r["variant"], r["seed_index"]): r for r in baseline if r.get("kind", "trial") == "trial"}
    copied = 0
    for plan in suite.tasks:
        task = plan.task()
        for v in (v for v in suite.variants_of(plan) if v != skip and v in design.configurations):
            for name in design.configurations[v]:
                expected = None
                for i in (0, *design.rerun_indices):
                    rec = index.get((plan.name, name, i))
                    if rec is None or rec.get("suite") != suite.name:
                        continue
                    expected = expected or config_hash(task, plan.variant(name), plan.budget)
                    spec = TrialSpec(suite.name, plan.name, name, i)
                    if rec.get("config_hash") == expected and rd.read_record(spec.trial_id) is None:
                        rd.write_record(TrialRecord.from_dict(rec))
                        copied += 1
    if baseline and not copied:
        suites = sorted({r.get("suite", "") for r in baseline})
        log(f"no record of {against} stands for a trial of this tuned comparison (suite {suite.name!r}; {against} "
            f"holds suite {', '.join(suites)}, or other code or settings): every baseline configuration trains")
    elif copied:
        log(f"reusing {copied} tuned baseline records from {against}")
    return copied


def space_notes(candidate: str, baselines) -> list[str]:
    """The candidate's search space beside each baseline's, and where it is narrower
    (:func:`ganbench.zoo.space.narrower`): a narrower space tunes the candidate in a smaller region than
    the baselines it is compared with, which may favour or hurt it; the reader should know."""
    from ganbench.zoo import get_variant
    from ganbench.zoo.space import format_space, narrower

    mine = get_variant(candidate).search_space()
    out = [f"search space of {candidate}: {format_space(mine)}"]
    for b in baselines:
        theirs = get_variant(b).search_space()
        why = narrower(mine, theirs)
        out.append(f"search space of {b}: {format_space(theirs)}"
                   + (f" ({candidate}'s is narrower: {'; '.join(why.values())})" if why else ""))
    return out


def compare_tuned(variant: str, suite, against, out=None, configs: int = 0, plugins=(), device=None, progress=None,
                  log=print, margins: dict | None = None):
    """``compare --tune N``: tune ``variant`` and every baseline of ``suite`` with the same N
    configurations (the suite's ``[tune]`` sampler seed, rerun seeds and ``select_at``, or their
    defaults), reusing ``against``'s records of the baselines' configurations and reruns where the suite
    and config hash match; then judge the candidate's selected-and-rerun configuration against the best
    baseline's (the best rerun mean on the task's headline among the tuned baselines) at n = N, with
    :func:`ganbench.report.compare.compare_records` on the view where each selected configuration's
    reruns stand in for its variant (every statistic of ``compare``: CI, probability of improvement,
    verdict by budget). Choosing the best baseline on the reruns the verdict then reads favours the
    baseline (its mean is the maximum of several), so the verdict errs against the candidate.
    Returns (comparisons, run directory)."""
    from ganbench.zoo import get_variant, load_plugin

    for p in plugins:
        load_plugin(p)
    get_variant(variant)
    s = load_suite(suite) if not isinstance(suite, Suite) else suite
    base = tuple(v for v in dict.fromkeys(v for p in s.tasks for v in s.variants_of(p)) if v != variant)
    if not base:
        raise ValueError(f"suite {s.name!r} has no baseline besides {variant!r} to compare with")
    tasks = tuple(dataclasses.replace(p, variants=(variant, *(v for v in p.variants if v != variant)))
                  if p.variants else p for p in s.tasks)
    combined = dataclasses.replace(s, variants=(variant, *(v for v in s.variants if v != variant)), tasks=tasks)
    spec = {k: v for k, v in s.tune.items() if k != "variants"}
    combined = with_tuning(dataclasses.replace(combined, tune={}), variants=(variant, *base), configs=configs,
                           **{k: spec.get(k) for k in ("sampler_seed", "rerun_seeds", "select_at")})
    design = tune_design(combined)
    check_selection_references(combined)
    rd = RunDir(out if out else Path("runs") / f"compare-tuned-{variant}-{s.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    keep_design(rd.root, design.to_dict(), file=TUNE_FILE, what="tuning", flags="--tune N and suite", why=WHY)
    rd.records.mkdir(parents=True, exist_ok=True)
    _reuse(combined, design, rd, Path(against), variant, log)
    options = {"device": device, "plugins": plugins, "progress": progress}
    run_tune(combined, rd.root, options, log, leaderboard=False)
    records = load_records(rd.root)
    summary = summarise(records, design)
    comps = judge_tuned(records, summary, variant, margins)
    write_leaderboard(rd.root)
    notes = space_notes(variant, base)
    atomic_write_text(rd.root / "compare.json", to_json(comps))
    atomic_write_text(rd.root / "compare.md", tuned_preface(summary, variant, notes) + to_markdown(comps))
    for line in notes:
        log(line)
    return comps, rd.root


def judge_tuned(records: list[dict], summary, variant: str, margins: dict | None = None) -> list:
    """The comparisons of ``variant``'s tuned reruns with each task's best tuned baseline (the best tuned
    rerun mean among the other tuned variants), on the stand-in view of ``records`` (the run's, from
    which ``summary`` was made); every field of ``compare`` applies, with ``reference`` and
    ``best_baseline`` naming that baseline."""
    from ganbench.report.tuning import rerun_view

    best = {}
    for task in dict.fromkeys(r.task for r in summary.results):
        rs = [r for r in summary.results if r.task == task and r.variant != variant and r.tuned_rerun["n"]]
        if not rs:
            continue
        pick = (max if rs[0].higher_is_better else min)(rs, key=lambda r: r.tuned_rerun["mean"])
        best[task] = pick.variant
    view = [r for r in rerun_view(records, summary.design, summary.selections, stand_in=True) if r["task"] in best]
    if len(set(best.values())) == 1:
        return compare_records(view, view, variant, reference=next(iter(best.values())), margins=margins)
    # One reference name on every task, so that one call judges them all on one graph (α split over the
    # tasks); each row then names its task's baseline again.
    view = [{**r, "variant": BEST} if r.get("kind", "trial") == "trial" and best.get(r["task"]) == r["variant"] else r
            for r in view]
    out = []
    for c in compare_records(view, view, variant, reference=BEST, margins=margins):
        name = best[c.task]
        rows = [dataclasses.replace(b, regime=b.regime.replace(BEST, name)) for b in c.by_budget]
        out.append(dataclasses.replace(c, reference=name, best_baseline=name if c.best_baseline == BEST
                                       else c.best_baseline, regime=c.regime.replace(BEST, name), by_budget=rows))
    return out


def tuned_preface(summary, variant: str, notes: list[str]) -> str:
    """What ``compare.md`` says before the comparison table of ``compare --tune``."""
    from ganbench.report import escape
    from ganbench.report.tuning import design_caption

    d = summary.design
    lines = [f"Tuned comparison: {variant} and every baseline tuned with the same {d.configs} configurations "
             f"(sampler seed {d.sampler_seed}), each selected on the selection reference and rerun with seeds "
             f"1..{d.rerun_seeds}; {variant}'s tuned rerun against each task's best tuned baseline (the best tuned "
             "rerun mean; chosen on the same reruns, which favours the baseline), at n = N.",
             design_caption(d, summary.results), *notes]
    regs = [f"{r.task}/{r.variant}: {r.register}" for r in summary.results if r.variant == variant]
    return ("\n\n".join(escape.markdown(x) for x in lines) + "\n\n```python\n" + "\n".join(regs) + "\n```\n\n")


__all__ = ["with_tuning", "tune_design", "check_selection_references", "run_tune", "compare_tuned", "judge_tuned",
           "space_notes", "tuned_preface", "BEST"]
