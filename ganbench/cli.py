"""Command line: argument parsing and exit codes.

Exit codes, for every command: 0 success; 1 a regression (``check``: a metric regressed, trials are
missing, diverged or failed; ``run --fail-on-error``: a trial failed); 2 bad input or a protocol
mismatch, always with one line on stderr that says what is wrong, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def _cmd_eval(args) -> int:
    from ganbench.evaluation import EvalContext, evaluate, evaluate_task
    from ganbench.utils.atomic import atomic_write_json
    from ganbench.utils.io import check_writable_file, load_array

    if args.json:
        check_writable_file(args.json, "--json")
    precision = {"fid_precision": args.precision, "kid_precision": args.precision}
    if args.task:
        if len(args.inputs) != 1:
            raise ValueError(f"with --task, give only the generated samples (FAKE), got {len(args.inputs)} paths")
        real, fake = f"task:{args.task}", args.inputs[0]
        extractor = _task_extractor(args.task)
        ext_opts = {"weights": args.inception_weights} if extractor == "inception" else {}
        if extractor == "inception":
            from ganbench.features.inception_weights import check_logits
            from ganbench.tasks import get_task

            check_logits(args.inception_weights, get_task(args.task).protocol.metrics)
        context = EvalContext(args.device, {extractor: ext_opts}, precision)
        result = evaluate_task(args.task, load_array(fake), real_seed=args.real_seed, context=context)
    else:
        if len(args.inputs) != 2:
            raise ValueError(f"give REAL and FAKE (or --task NAME and FAKE), got {len(args.inputs)} paths")
        real, fake = args.inputs
        extractor = args.features
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
        ext_opts = {"weights": args.inception_weights} if extractor == "inception" else {}
        if extractor == "inception":
            from ganbench.features.inception_weights import check_logits

            check_logits(args.inception_weights, metrics)  # before a folder of images is read
        options = {"device": args.device, **precision}
        if args.kid_subset_size is not None:
            options["kid_subset_size"] = args.kid_subset_size
        if args.kid_subsets is not None:
            options["kid_subsets"] = args.kid_subsets
        result = evaluate(load_array(real), load_array(fake), metrics, extractor, ext_opts, options)
    width = max(len(k) for k in result.values)
    print(f"ganbench eval  {f'task={args.task}  ' if args.task else ''}features={extractor}  "
          f"n_real={result.protocol['n_real']}  n_fake={result.protocol['n_fake']}")
    for key, value in result.values.items():
        better = {True: "higher is better", False: "lower is better", None: ""}[result.protocol["higher_is_better"].get(key)]
        print(f"  {key:<{width}}  {value:>14.6g}   {better}")
    if args.json:
        atomic_write_json(args.json, {"real": str(real), "fake": str(fake), **result.to_dict()})
        print(f"wrote {args.json}")
    return EXIT_OK


def _cmd_copying(args) -> int:
    from ganbench.evaluation import evaluate_copying
    from ganbench.metrics.data_copying import COPYING_THRESHOLD
    from ganbench.tasks import get_task
    from ganbench.utils.atomic import atomic_write_json
    from ganbench.utils.io import check_writable_file, load_array

    if args.json:
        check_writable_file(args.json, "--json")
    if args.task:
        if len(args.inputs) != 1:
            raise ValueError(f"with --task, give only the generated samples (FAKE), got {len(args.inputs)} paths")
        task = get_task(args.task)
        if not hasattr(task, "labelled_split"):
            raise ValueError(f"task {args.task!r} has no fixed training set to copy (its samples are drawn afresh); "
                             "give TRAIN TEST FAKE instead")
        train, test = task.labelled_split("train")[0], task.labelled_split("test")[0]
        fake, extractor = load_array(args.inputs[0]), task.protocol.extractor
    else:
        if len(args.inputs) != 3:
            raise ValueError(f"give TRAIN TEST FAKE (or --task NAME and FAKE), got {len(args.inputs)} paths")
        train, test, fake = (load_array(p) for p in args.inputs)
        extractor = args.features
    ext_opts = {"weights": args.inception_weights} if extractor == "inception" else {}
    result = evaluate_copying(train, test, fake, extractor, ext_opts, args.device, args.cells, args.seed)
    c_t = result.values["c_t"]
    verdict = ("generated samples are closer to the training set than held-out data: data copying"
               if c_t < COPYING_THRESHOLD else "generated samples are farther from the training set than held-out "
               "data: underfitting" if c_t > -COPYING_THRESHOLD else "no evidence of copying or underfitting")
    p = result.protocol
    print(f"ganbench copying  {f'task={args.task}  ' if args.task else ''}features={extractor}  "
          f"n_train={p['n_train']}  n_test={p['n_test']}  n_fake={p['n_fake']}  cells={p['n_cells']}")
    print(f"  C_T  {c_t:.4g}   ({int(result.values['cells_used'])} cells, "
          f"{result.values['fake_share_used']:.0%} of the generated samples; Meehan et al. 2020)")
    print(f"  {verdict}")
    if args.json:
        atomic_write_json(args.json, {"inputs": [str(a) for a in args.inputs], "task": args.task, **result.to_dict()})
        print(f"wrote {args.json}")
    return EXIT_OK


def _task_extractor(name: str) -> str:
    from ganbench.tasks import get_task

    return get_task(name).protocol.extractor


def _load_plugins(args) -> None:
    from ganbench.zoo import load_plugin

    for p in getattr(args, "plugin", None) or []:
        load_plugin(p)


def _parse_seeds(text: str | None):
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",")] if "," in text else int(text)
    except ValueError:
        raise ValueError(f"--seeds {text!r}: give a count (5) or a comma-separated list of indices (0,1,7)") from None


BACKEND_FLAGS = ("scheduler", "partition", "time_min", "gpus_per_job", "mem_gb", "cpus_per_job")  # -> backend options


def _seed_ranges(seeds) -> str:
    """0,1,2,3,7 -> '0-3, 7'."""
    seeds, out = sorted(seeds), []
    for s in seeds:
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in out)


def _dry_run(args) -> int:
    """``run --dry-run``: what would train and what would be reused, why, and the estimated cost."""
    import math

    import pandas as pd

    from ganbench.report import format as fmt
    from ganbench.runner import load_suite
    from ganbench.runner.backends.local import cpu_count
    from ganbench.runner.dry_run import plan_trials

    _load_plugins(args)
    suite = load_suite(args.suite)
    if suite.tune:  # a tuned suite: its design and configurations (ganbench.tuning)
        return _tune_dry_run(args)
    if args.seeds:
        suite = suite.with_seeds(_parse_seeds(args.seeds))
    if not args.out:
        raise ValueError("--dry-run needs --out RUN_DIR: the run directory whose records it would reuse")
    rows = plan_trials(suite, args.out)
    train = [r for r in rows if r.action == "train"]
    print(f"ganbench run --dry-run: suite {suite.name} in {args.out}: {len(train)} of {len(rows)} trials and "
          f"reference rows would train, {len(rows) - len(train)} are reused; nothing was trained")
    groups: dict = {}
    for r in train:
        g = groups.setdefault((r.task, r.variant, r.why, r.rate_from, r.machine), [])
        g.append(r)
    table = [{"task": t, "variant": v, "seeds": _seed_ranges(x.seed_index for x in g), "why": why,
              "GFLOP": fmt.count(sum(x.gflops for x in g)), "train s": fmt.count(sum(x.seconds for x in g)),
              "estimated from": f"{src} ({machine})" if src and machine else src or "no recorded rate"}
             for (t, v, why, src, machine), g in groups.items()]
    if table:
        print(pd.DataFrame(table).to_string(index=False))
    known = [r for r in train if not math.isnan(r.seconds)]
    workers = args.workers or cpu_count()
    seconds = sum(r.seconds for r in known)
    wall = seconds / workers
    print(f"estimated: {fmt.count(sum(r.gflops for r in known if not math.isnan(r.gflops)))} GFLOP, "
          f"{fmt.count(seconds)} trial-seconds of training, about "
          f"{f'{fmt.count(wall)} s' if wall < 120 else f'{fmt.count(wall / 60)} min'} on {workers} workers"
          + (f" ({len(train) - len(known)} trials without a recorded rate not counted)" if len(known) < len(train) else "")
          + (f"; claims may add seeds up to {suite.sequential['max_seeds']} per side" if suite.sequential else ""))
    return EXIT_OK


def _cmd_run(args) -> int:
    from ganbench.api import run_suite
    from ganbench.records import load_records
    from ganbench.report.tables import aggregate

    if args.dry_run:
        return _dry_run(args)
    backend_options = {k: getattr(args, k) for k in BACKEND_FLAGS if getattr(args, k) is not None}
    run_dir = run_suite(args.suite, args.out, seeds=_parse_seeds(args.seeds), device=args.device, fresh=args.fresh,
                        plugins=args.plugin or (), backend=args.backend, workers=args.workers, pack=not args.no_pack,
                        retry_failed=not args.keep_failed, backend_options=backend_options,
                        until_decided=args.until_decided, max_seeds=args.max_seeds, step=args.step)
    records = load_records(run_dir)
    bad = [r for r in records if r["status"] != "ok"]
    print(f"run directory: {run_dir}  ({len(records)} trials, {len(bad)} failed or diverged)")
    for r in bad:
        print(f"  {r['status']:8s} {r['trial_id']}: {r['error'].splitlines()[0] if r['error'] else ''}")
    print(f"leaderboard: {run_dir / 'leaderboard' / 'leaderboard.md'}")
    if (Path(run_dir) / "tune.json").is_file():  # a tuned suite: its reruns, not every one-seed configuration
        _print_tuning(run_dir)
        return 1 if (bad and args.fail_on_error) else EXIT_OK
    for task, table in aggregate(records).items():
        head = table["headline"].iloc[0]
        if head is None:
            print(f"  {task}: no successful trial")
            continue
        learned = table[(table["kind"] == "trial") & table["learned"]]
        floor = table.loc["init", f"{head} mean"] if "init" in table.index else float("nan")
        if len(learned):
            best = learned.index[0]
            print(f"  {task}: best {head} = {learned.loc[best, f'{head} mean']:.4g} ({best}); "
                  f"{len(learned)} of {int((table['kind'] == 'trial').sum())} variants learned (init: {floor:.4g})")
        elif table.loc[table["kind"] == "trial", "untested"].all():
            print(f"  {task}: one seed per variant: nothing can be tested against the untrained generator "
                  f"({head} {floor:.4g}); run 2 or more seeds (--seeds) to rank")
        else:
            print(f"  {task}: no variant is significantly better than the untrained generator ({head} {floor:.4g})")
    return 1 if (bad and args.fail_on_error) else EXIT_OK


def _parse_select_at(text: str | None):
    """``--select-at``: ``final`` or a budget point (a number in the budget's unit)."""
    if text is None or text == "final":
        return text
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"--select-at {text!r}: give final or a budget point of the task's grid (e.g. 5000)") from None
    return int(x) if x.is_integer() else x


def _tune_dry_run(args) -> int:
    """``tune --dry-run``: the design and every configuration's hyper-parameters; nothing trains."""
    import pandas as pd

    from ganbench.runner import load_suite
    from ganbench.tuning import tune_design, with_tuning
    from ganbench.zoo import get_variant
    from ganbench.zoo.space import DISPLAY

    _load_plugins(args)
    suite = with_tuning(load_suite(args.suite), *(getattr(args, k, None) for k in ("variant", "configs", "sampler_seed",
                                                                                    "rerun_seeds")),
                        _parse_select_at(getattr(args, "select_at", None)))
    d = tune_design(suite)
    tasks = [p for p in suite.tasks if any(v in d.variants for v in suite.variants_of(p))]
    pairs = sum(1 for p in tasks for v in suite.variants_of(p) if v in d.variants)
    print(f"ganbench tune --dry-run: suite {suite.name}: {len(d.variants)} variant(s) on {len(tasks)} task(s), "
          f"{d.configs} configurations each (sampler seed {d.sampler_seed}): {pairs * d.configs} one-seed trials, then "
          f"up to {pairs * 2 * d.rerun_seeds} reruns (the selected configuration and the default, seeds "
          f"1..{d.rerun_seeds}); selection at {d.select_at}; nothing was trained")
    for v in d.variants:
        print(f"{v}: {d.spaces[v]}")
        space = get_variant(v).search_space()
        rows = [{"configuration": n + (" (the recipe)" if n == v else ""),
                 **{DISPLAY.get(k, k): f"{x:.3g}" if isinstance(x, float) else str(x)
                    for k, x in ((k, get_variant(n).hyperparameter(k)) for k in space)}}
                for n in d.configurations[v]]
        print(pd.DataFrame(rows).to_string(index=False))
    return EXIT_OK


def _cmd_tune(args) -> int:
    from ganbench.api import run_tune

    if args.dry_run:
        return _tune_dry_run(args)
    backend_options = {k: getattr(args, k) for k in BACKEND_FLAGS if getattr(args, k, None) is not None}
    run_dir = run_tune(args.suite, args.out, variants=args.variant, configs=args.configs,
                       sampler_seed=args.sampler_seed, rerun_seeds=args.rerun_seeds,
                       select_at=_parse_select_at(args.select_at), device=args.device, fresh=args.fresh,
                       plugins=args.plugin or (), backend=args.backend, workers=args.workers, pack=not args.no_pack,
                       backend_options=backend_options)
    print(f"run directory: {run_dir}")
    _print_tuning(run_dir)
    print(f"leaderboard: {run_dir / 'leaderboard' / 'leaderboard.md'}")
    return EXIT_OK


def _print_tuning(run_dir) -> None:
    """A tuned run's results table and its selected configurations as pasteable lines."""
    from ganbench.records import load_records
    from ganbench.report.tuning import load_design, results_display, summarise

    summary = summarise(load_records(run_dir), load_design(run_dir))
    print(results_display(summary.results).to_string(index=False))
    print("selected configurations, to paste into a plugin:")
    for r in summary.results:
        print(f"  {r.register}")


def _cmd_leaderboard(args) -> int:
    from ganbench.records import load_records
    from ganbench.report.publish import html_page, render, tuned, write_leaderboard
    from ganbench.utils.atomic import atomic_write_text

    records, tuning = tuned(args.run_dir, load_records(args.run_dir))
    if args.html:  # the self-contained page, to a file (never to the terminal)
        args.format = "html"
        args.out = args.out or str(Path(args.run_dir) / "leaderboard" / "leaderboard.html")
    if args.format == "html":  # the plots embedded (drawn in a temporary folder: nothing lands in the run)
        text = html_page(args.run_dir, select=args.select)
    else:
        text = render(records, args.format, title=f"ganbench leaderboard: suite {records[0].get('suite', '')}",
                      select=args.select, tuning=tuning)
    if args.out:
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        print(text)
    if args.plots:
        for name, path in write_leaderboard(args.run_dir, args.plots_dir, select=args.select).items():
            print(f"wrote {path}")
    return EXIT_OK


def _cmd_compare(args) -> int:
    from ganbench.api import run_compare
    from ganbench.report.compare import comparison_table, to_json, to_markdown, verdict_lines
    from ganbench.utils.atomic import atomic_write_text
    from ganbench.utils.io import check_writable_file

    if args.out:
        check_writable_file(args.out, "--out")
    if args.max_seeds is not None and not args.until_decided:
        raise ValueError("--max-seeds goes with --until-decided (the sequential comparison it bounds)")
    against = args.against or ("baselines/core" if args.tune is None else f"baselines/{Path(args.suite).stem}")
    comps, run_dir = run_compare(args.variant, args.suite, against, args.reference, args.run_dir,
                                 plugins=args.plugin or (), seeds=_parse_seeds(args.seeds), device=args.device,
                                 until_decided=args.until_decided, max_seeds=args.max_seeds, step=args.step,
                                 tune=args.tune, select=args.select, workers=args.workers)
    tuned = f", each tuned with {args.tune} configurations; reference = each task's best tuned baseline" \
        if args.tune is not None else ""
    print(f"ganbench compare: {args.variant} vs suite {args.suite} baselines{tuned} (records in {run_dir})")
    table = comparison_table(comps)  # the budget map and the regime go on lines of their own, below
    print(table.drop(columns=["verdict by budget", "floor → ceiling"]).to_string(index=False))
    print("verdicts by budget (every point of each task's grid; familywise α over tasks and budgets):")
    for line in verdict_lines(comps):
        print(f"  {line}")
    if args.out:
        if str(args.out).endswith(".json"):
            text = to_json(comps)
        else:  # a tuned comparison's report says first how each side was tuned
            text = (run_dir / "compare.md").read_text() if args.tune is not None else to_markdown(comps)
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    return EXIT_OK


def _cmd_check(args) -> int:
    from ganbench.report.check import check_run
    from ganbench.utils.atomic import atomic_write_text
    from ganbench.utils.io import check_writable_file

    for flag, path in (("--junit", args.junit), ("--markdown", args.markdown)):
        if path:
            check_writable_file(path, flag)
    result = check_run(args.run_dir, args.baseline, k=args.k, abs_tol=_parse_abs_tol(args.abs_tol), mode=args.mode)
    print(result.summary())
    if args.junit:
        atomic_write_text(args.junit, result.junit())
    if args.markdown:
        atomic_write_text(args.markdown, result.markdown())
    return result.exit_code


def _parse_abs_tol(text: str | None) -> float | dict:
    if not text:
        return 0.0
    try:
        if "=" in text:
            return {k.strip(): float(v) for k, v in (item.split("=", 1) for item in text.split(","))}
        return float(text)
    except ValueError:
        raise ValueError(f"--abs-tol {text!r}: give one number (0.5) or metric=value pairs (fid=0.5,modes=1)") from None


def _cmd_train(args) -> int:
    from ganbench.harness import train_seeds

    _load_plugins(args)
    seeds = [int(x) for x in args.seeds.split(",")]
    records = train_seeds(args.task, args.variant, seeds, args.budget, device=args.device,
                          deterministic=not args.nondeterministic, samples_dir=args.artefacts,
                          checkpoint_dir=args.checkpoints, progress=None, eval_at=_eval_at(args.eval_at))
    if args.artefacts:
        _draw_trials(Path(args.artefacts), records)
    for r in records:
        if args.out:
            r.save(Path(args.out) / f"{r.trial_id}.json")
        vals = "  ".join(f"{k}={v:.4g}" for k, v in r.metrics.items())
        print(f"{r.trial_id}  {r.status}  steps={r.spent['g_steps']}  gflops={r.spent['gflops']:.1f}  "
              f"train {r.spent['wall_s']:.1f}s  {vals}{('  ' + r.error) if r.error else ''}")
        headline = r.protocol.get("headline")
        for p in r.curve[:-1]:  # the earlier budget points (the last one is the line above)
            (unit, at), = p["budget"].items()
            value = p["metrics"].get(headline)
            shown = f"  {headline}={value:.4g}" if value is not None else ""
            print(f"  at {unit}={at:g}  {p['status']}{shown}")
    return EXIT_OK


def _eval_at(text: str):
    """``--eval-at``: "final", "default" or budget points "100,200,500" (numbers in the budget's unit)."""
    if text.strip() in ("final", "default"):
        return text.strip()
    try:
        return [float(x) if any(c in x for c in ".eE") else int(x) for x in (p.strip() for p in text.split(","))]
    except ValueError:
        raise ValueError(f"--eval-at {text!r}: give budget points such as 100,200,500, or final, or default") from None


def _draw_trials(folder: Path, records) -> None:
    """Sample plot and loss curves of each trained trial, next to its kept samples."""
    import numpy as np

    from ganbench.report.plots import save_loss_curves, save_samples
    from ganbench.tasks import get_task

    for r in records:
        samples = folder / f"{r.trial_id}.npy"
        if samples.is_file():
            save_samples(folder / f"{r.trial_id}_samples.png", get_task(r.task), np.load(samples),
                         title=f"{r.variant} seed {r.seed_index}")
        save_loss_curves(folder / f"{r.trial_id}_losses.png", r.history, title=r.trial_id)


def _cmd_list(args) -> int:
    from ganbench.features import EXTRACTORS
    from ganbench.metrics import METRICS

    _load_plugins(args)
    if args.what == "variants":
        import pandas as pd

        from ganbench.zoo import VARIANTS
        from ganbench.zoo.space import format_space

        rows = [{"variant": v.name, "loss": v.loss, "tricks": ", ".join(v.additions()) or "-",
                 "arch": v.arch.family or "mlp|dcgan", "n_critic": v.optim.n_critic,
                 "search space": format_space(v.search_space()), "paper": v.paper} for v in VARIANTS.values()]
        print(pd.DataFrame(rows).to_string(index=False))
    elif args.what == "claims":
        import pandas as pd

        from ganbench.claims import CLAIMS

        rows = [{"claim": c.id, "task": c.task, "better": c.better, "worse": c.worse, "metric": c.metric,
                 "published": ", ".join(f"{v} {x:g}" for v, x in c.published.items()), "source": c.source}
                for c in CLAIMS.values()]
        print(pd.DataFrame(rows).to_string(index=False))
    elif args.what == "suites":
        from ganbench.runner.suite import available_suites, load_suite

        for name in available_suites():
            s = load_suite(name)
            upto = (f" (first look; up to {s.with_seeds(s.sequential['max_seeds']).n_trials} as claims need seeds)"
                    if s.sequential else "")
            print(f"{name:6s} {s.n_trials:4d} trials{upto}  {s.description}")
    elif args.what == "tasks":
        import pandas as pd

        from ganbench.tasks import TASK_FAMILIES, TASKS, get_task

        rows = []
        for name in TASKS:
            i = get_task(name).info()
            rows.append({"task": name, "shape": "x".join(map(str, i["shape"])), "modes": i["modes"] or "",
                         "metrics": ",".join(i["metrics"]), "extractor": i["extractor"],
                         "n_real/n_fake": f"{i['n_real']}/{i['n_fake']}", "paper": i["paper"]})
        for prefix, factory in TASK_FAMILIES.items():  # a family's listing: its factory's `listing`
            i = {"arg": "PATH", "metrics": "fid,kid,pr", "n_real/n_fake": "all/50000", **getattr(factory, "listing", {})}
            rows.append({"task": f"{prefix}:{i['arg']}", "shape": "from data", "modes": "", "metrics": i["metrics"],
                         "extractor": "inception", "n_real/n_fake": i["n_real/n_fake"], "paper": "user data"})
        print(pd.DataFrame(rows).to_string(index=False))
    elif args.what == "metrics":
        import pandas as pd

        from ganbench.harness.encoders import encoder_tasks
        from ganbench.metrics.registry import VALUES
        from ganbench.tasks import TASK_FAMILIES, TASKS, get_task
        from ganbench.tasks.digits import PATH_LENGTH
        from ganbench.tasks.mixtures import GaussianMixture

        # Where a value applies, read from the tasks' protocols (their metric groups) and what each
        # task is; tests/tasks/test_vocabulary.py checks every shipped task's row against what its
        # protocol's evaluation really emits. Values the harness adds (encoders, path length,
        # truncation, cycle error) also need a variant that has the part they measure.
        protocols = {name: get_task(name) for name in TASKS}
        families = {f"{p}:{getattr(f, 'listing', {}).get('arg', 'PATH')}":
                    getattr(f, "listing", {}).get("metrics", "fid,kid,pr").split(",") for p, f in TASK_FAMILIES.items()}
        harness = {"encoder": "a variant with an encoder", "path length": "any generator",
                   "truncation": "a style-based generator"}

        def applies(v, task) -> bool:
            group = {"path length": PATH_LENGTH, "truncation": "fid"}.get(v.source, v.source)
            if v.source == "encoder":
                return task.name in encoder_tasks()
            if v.source == "truncation" and (not task.is_image or hasattr(task, "translation_stats")
                                             or hasattr(task, "conditional_stats")):
                return False  # a style-based generator draws images from z alone
            if group not in task.protocol.metrics:
                return False
            mixture = isinstance(task, GaussianMixture)
            if "mixture centres" in v.needs and "classifier" not in v.needs:
                return mixture  # a number of the mixture's 3-std rule
            if v.source == "modes" and "mixture centres" not in v.needs:
                return not mixture  # a number of a classifier's confidence
            if "paired targets" in v.needs:
                return bool(getattr(task, "judged_on_pairs", False))
            return True

        rows = []
        for v in VALUES.values():
            tasks = [name for name, task in protocols.items() if applies(v, task)]
            if v.key == "cycle_error":  # CycleGAN's way back, on any translation task
                tasks += [f for f in families if f.startswith(("paired:", "unpaired:"))]
            elif v.source != "encoder" and "classifier" not in v.needs:  # user data has no classifier
                tasks += [f for f, groups in families.items() if {"truncation": "fid"}.get(v.source, v.source) in groups
                          and not (v.source == "truncation" and f.startswith(("paired:", "unpaired:")))]
            if v.key == "ppl_w":
                computed = "path length (style-based generators)"
            elif v.key == "cycle_error":
                computed = "translation (CycleGAN)"
            else:
                computed = v.source + (f" ({harness[v.source]})" if v.source in harness else "")
            rows.append({"value": f"{v.key}[extractor]" if v.per_extractor else v.key, "label": v.header("", None),
                         "direction": {True: "higher is better", False: "lower is better", None: "-"}[v.higher_is_better],
                         "needs": ", ".join(v.needs), "computed by": computed, "tasks": ",".join(tasks) or "- (ganbench eval)",
                         "citation": v.paper})
        print(pd.DataFrame(rows).to_string(index=False))
    elif args.what == "extractors":
        for name in EXTRACTORS:
            print(name)
    return EXIT_OK


def _cmd_weights(args) -> int:
    from ganbench.features.inception_weights import (ENV_VAR, OFFICIAL, fetch, file_sha256, remove_stale_parts,
                                                     weights_dir)

    spec = OFFICIAL[args.format]
    dest = Path(args.dest) if args.dest else weights_dir()
    target = dest / spec.name
    for part in remove_stale_parts(dest):
        print(f"removed {part}: a partial download that an interrupted fetch left behind")
    if target.is_file() and file_sha256(target) == spec.sha256:
        print(f"{target} is already there (sha256 {spec.sha256[:8]}..., verified); nothing downloaded")
    else:
        print(f"downloading {args.url or spec.url} ({spec.size / 1e6:.1f} MB) to {target}")
        fetch(spec, dest, url=args.url, progress=not args.quiet)
        print(f"wrote {target} (sha256 {spec.sha256}, verified)")
    if args.dest:  # evaluation looks in weights_dir() by itself; elsewhere it must be told
        print(f"use it with --inception-weights {target} or {ENV_VAR}={target}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from ganbench import __version__
    from ganbench.features import EXTRACTORS
    from ganbench.runner.backends import BACKENDS

    p = argparse.ArgumentParser(prog="ganbench", description="GAN evaluation and benchmarking suite.")
    p.add_argument("--version", action="version", version=f"ganbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("eval", help="compute metrics between two sets of samples or features")
    e.add_argument("inputs", nargs="+", metavar="REAL FAKE",
                   help="real then generated samples/features (.npy, .npz or a folder of images); with --task only FAKE")
    e.add_argument("--task", default=None, help="judge FAKE by this task's real data and protocol (see `ganbench list tasks`)")
    e.add_argument("--real-seed", "--eval-seed", type=int, default=0, dest="real_seed",
                   help="seed of the task's real reference samples (default 0)")
    e.add_argument("--metrics", default="fid,kid,pr,dc", help="comma-separated: fid,kid,pr,dc,is (default: %(default)s)")
    e.add_argument("--features", default="identity", choices=sorted(EXTRACTORS), help="feature extractor")
    e.add_argument("--inception-weights", default=None, help="path to the InceptionV3 weights file (else $GANBENCH_INCEPTION_WEIGHTS)")
    e.add_argument("--kid-subsets", type=int, default=None)
    e.add_argument("--kid-subset-size", type=int, default=None)
    e.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    e.add_argument("--precision", default="mixed", choices=["mixed", "float64"],
                   help="Gram products of float32 features for FID/KID: float32 blocks summed in float64 (mixed, "
                        "default), or float64 throughout (for features of huge magnitude)")
    e.add_argument("--json", default=None, help="also write the values and the protocol to this JSON file")
    e.set_defaults(func=_cmd_eval)

    c = sub.add_parser("copying", help="data-copying test C_T: are generated samples closer to the training set "
                                        "than held-out data? (Meehan et al. 2020)")
    c.add_argument("inputs", nargs="+", metavar="TRAIN TEST FAKE",
                   help="training, held-out and generated samples/features (.npy, .npz or a folder of images); "
                        "with --task only FAKE")
    c.add_argument("--task", default=None, help="take TRAIN and TEST from this task's fixed splits (digits, digits32, "
                                                "digits-cond) and its feature extractor")
    c.add_argument("--features", default="identity", choices=sorted(EXTRACTORS), help="feature extractor")
    c.add_argument("--inception-weights", default=None, help="path to the InceptionV3 weights file (else $GANBENCH_INCEPTION_WEIGHTS)")
    c.add_argument("--cells", type=int, default=10, help="k-means cells on the training features (default 10); each "
                                                        "needs held-out samples")
    c.add_argument("--seed", type=int, default=0, help="k-means seed (default 0)")
    c.add_argument("--device", default="auto", help="where features are extracted: auto, cpu, cuda, cuda:N")
    c.add_argument("--json", default=None, help="also write C_T and the protocol to this JSON file")
    c.set_defaults(func=_cmd_copying)

    ls = sub.add_parser("list", help="list registered variants, suites, tasks, metrics, feature extractors or "
                                      "published claims")
    ls.add_argument("what", choices=["variants", "suites", "tasks", "metrics", "extractors", "claims"])
    ls.add_argument("--plugin", action="append", help="plugin file/module to load first (repeatable)")
    ls.set_defaults(func=_cmd_list)

    r = sub.add_parser("run", help="train and evaluate a suite; writes records and leaderboards")
    r.add_argument("--suite", default="core", help="shipped suite name (smoke, core, full) or a .toml path")
    r.add_argument("--out", default=None, help="run directory (default runs/<suite>-<timestamp>); re-use it to resume")
    r.add_argument("--seeds", default=None, help="override the seeds: a count (5) or a list (0,1,7)")
    r.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N (default: the suite's, else auto)")
    r.add_argument("--fresh", action="store_true", help="discard earlier results in --out and start over")
    r.add_argument("--dry-run", action="store_true",
                   help="train nothing: list which trials of --out would train and which are reused, why each is "
                        "stale (the code modules that changed, the recipe or budget), and the estimated GFLOPs and "
                        "time from the recorded rates")
    r.add_argument("--plugin", action="append", help="plugin file/module registering losses/variants (repeatable)")
    r.add_argument("--backend", default="local", choices=list(BACKENDS),
                   help="local: processes of this machine; dask: a Dask cluster; slurm: SLURM array tasks "
                        "(see README, Running on a cluster)")
    r.add_argument("--workers", type=int, default=None,
                   help="jobs at once: local processes (default one per CPU core; with a GPU, one per 4 cores up "
                        "to 4, sharing it), workers of the local Dask cluster (one per core or per GPU), or SLURM "
                        "tasks running at once (default: no limit)")
    seq = r.add_argument_group("claims (a suite with claims = [...], e.g. --suite claims)")
    seq.add_argument("--until-decided", action=argparse.BooleanOptionalAction, default=None,
                     help="after the suite's seeds, add seeds to the variants of every claim still undecided "
                          "(group-sequential, Holm across the claims) until decided or --max-seeds; default: on "
                          "when the suite has a [sequential] table. --no-until-decided: judge at the suite's seeds")
    seq.add_argument("--max-seeds", type=int, default=None, help="the most seeds per side (default: the suite's)")
    seq.add_argument("--step", type=int, default=None, help="seeds added per round (default: the suite's, else --seeds)")
    cluster = r.add_argument_group("cluster backends (the suite's [slurm] table gives defaults for the slurm flags)")
    cluster.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="dask: a running scheduler, e.g. tcp://10.0.0.5:8786 (default: a cluster of this "
                              "machine on 127.0.0.1)")
    cluster.add_argument("--partition", default=None, help="slurm: the partition")
    cluster.add_argument("--time-min", type=int, default=None, metavar="MINUTES",
                         help="slurm: time limit of one task (default 60); a task that runs out resumes once")
    cluster.add_argument("--gpus-per-job", type=int, default=None,
                         help="slurm: GPUs per task (default 1 with a GPU device, else 0)")
    cluster.add_argument("--mem-gb", type=float, default=None,
                         help="slurm: memory per task, GB (default: the partition's)")
    cluster.add_argument("--cpus-per-job", type=int, default=None,
                         help="slurm: CPU cores (and torch threads) per task (default 1)")
    r.add_argument("--no-pack", action="store_true",
                   help="train each variant's seeds as their own program instead of packing compatible variants "
                        "(records are identical either way)")
    r.add_argument("--fail-on-error", action="store_true", help="exit 1 when a trial failed or diverged")
    r.add_argument("--keep-failed", action="store_true",
                   help="do not retry trials recorded as failed by an earlier run (they are retried by default)")
    r.set_defaults(func=_cmd_run)

    lb = sub.add_parser("leaderboard", help="render the leaderboard of a run directory")
    lb.add_argument("run_dir")
    lb.add_argument("--format", default="md", choices=["md", "csv", "html"],
                    help="html: one self-contained page (CSS, script and plots inline; opens from file://)")
    lb.add_argument("--html", action="store_true",
                    help="--format html, written to --out (default RUN_DIR/leaderboard/leaderboard.html)")
    lb.add_argument("--out", default=None, help="write to this file instead of stdout")
    lb.add_argument("--plots", action="store_true", help="also write the plots and tables into --plots-dir")
    lb.add_argument("--plots-dir", default=None, help="default RUN_DIR/leaderboard")
    lb.add_argument("--select", default="final", choices=["final", "best"],
                    help="which point of each trial's curve the tables judge: final (default), or best: the point "
                         "whose headline is best on a selection reference disjoint from the reporting one, reported "
                         "beside the final point's with the optimism of selection")
    lb.set_defaults(func=_cmd_leaderboard)

    c = sub.add_parser("compare", help="run a candidate variant against recorded baselines, with statistics")
    c.add_argument("--variant", required=True, help="the candidate variant (registered by --plugin)")
    c.add_argument("--suite", default="core")
    c.add_argument("--against", default=None, help="folder of baseline TrialRecords (default baselines/core; with "
                                                   "--tune, baselines/<suite name>)")
    c.add_argument("--reference", default="gan-ns", help="the baseline the difference is taken against")
    c.add_argument("--plugin", action="append")
    c.add_argument("--seeds", default=None)
    c.add_argument("--device", default=None)
    c.add_argument("--run-dir", default=None, help="where the candidate's (and re-run baselines') records go")
    c.add_argument("--out", default=None, help="write the comparison as JSON (.json) or Markdown (other suffixes)")
    c.add_argument("--until-decided", action="store_true",
                   help="train more seeds of the candidate and the reference, in rounds, only on the tasks still undecided, "
                        "with a group-sequential stopping rule that keeps α under repeated looks")
    c.add_argument("--max-seeds", type=int, default=None, help="with --until-decided: the most seeds per side")
    c.add_argument("--step", type=int, default=None, help="with --until-decided: seeds added per round (default: --seeds)")
    c.add_argument("--tune", type=int, default=None, metavar="N",
                   help="compare on equal tuning budgets: the candidate and every baseline tuned with the same N "
                        "configurations of their search spaces (the suite's [tune] sampler seed, rerun seeds and "
                        "selection budget, or their defaults), recorded tuned baselines in --against reused; the "
                        "candidate's selected-and-rerun configuration judged against each task's best tuned baseline")
    c.add_argument("--select", default="final", choices=["final", "best"],
                   help="which point of each trial's curve is compared: final (default), or best: the point whose "
                        "headline is best on a selection reference disjoint from the reporting one")
    c.add_argument("--workers", type=int, default=None, help="jobs at once, as for `ganbench run`")
    c.set_defaults(func=_cmd_compare)

    tu = sub.add_parser("tune", help="tune variants on equal budgets: N configurations each, the best on a selection "
                                     "reference rerun with fresh seeds beside the default recipe")
    tu.add_argument("--suite", default="tuned", help="shipped suite name or a .toml path (default %(default)s); its "
                                                     "[tune] table gives the defaults of the flags below")
    tu.add_argument("--variant", action="append", default=None,
                    help="a variant of the suite to tune (repeatable; default: the suite's [tune] variants, else all)")
    tu.add_argument("--configs", type=int, default=None, metavar="N",
                    help="configurations per variant, configuration 0 the recipe itself (required without [tune])")
    tu.add_argument("--sampler-seed", type=int, default=None, help="seed of the configurations' draws (default 0)")
    tu.add_argument("--rerun-seeds", type=int, default=None, metavar="R",
                    help="seed indices 1..R the selected configuration and the default rerun with (>= 5, default 5)")
    tu.add_argument("--select-at", default=None, metavar="BUDGET",
                    help="the budget point selection reads: final (default) or a point of each task's budget grid")
    tu.add_argument("--out", default=None, help="run directory (default runs/<suite>-<timestamp>); re-use it to resume")
    tu.add_argument("--dry-run", action="store_true",
                    help="train nothing: print the design and every configuration's hyper-parameters")
    tu.add_argument("--plugin", action="append", help="plugin file/module registering losses/variants (repeatable)")
    tu.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N (default: the suite's, else auto)")
    tu.add_argument("--fresh", action="store_true", help="discard earlier results in --out and start over")
    tu.add_argument("--backend", default="local", choices=list(BACKENDS), help="as for `ganbench run`")
    tu.add_argument("--workers", type=int, default=None, help="jobs at once, as for `ganbench run`")
    tu.add_argument("--no-pack", action="store_true", help="train each variant's seeds as their own program")
    tu.set_defaults(func=_cmd_tune)

    ck = sub.add_parser("check", help="CI gate: exit 1 when a run regresses against a baseline beyond seed noise")
    ck.add_argument("run_dir")
    ck.add_argument("--baseline", required=True, help="folder of baseline TrialRecords, e.g. baselines/smoke")
    ck.add_argument("--k", type=float, default=3.0, help="pooled standard errors a mean may worsen by (default 3)")
    ck.add_argument("--abs-tol", default=None, help="absolute tolerance: one number, or metric=value,metric=value")
    ck.add_argument("--mode", default="auto", choices=["auto", "exact", "distribution"],
                    help="auto (default): seed by seed when both runs share the environment fingerprint and "
                         "configuration, else by the seeds' distribution, and says which and why; exact forces seed "
                         "by seed and refuses (exit 2) records from another environment; distribution forces the other")
    ck.add_argument("--junit", default=None, help="also write JUnit XML here")
    ck.add_argument("--markdown", default=None, help="also write a Markdown summary here")
    ck.set_defaults(func=_cmd_check)

    w = sub.add_parser("weights", help="download model weights ganbench evaluates with (the only command that downloads)")
    wsub = w.add_subparsers(dest="weights_command", required=True)
    wf = wsub.add_parser("fetch", help="download the official InceptionV3 weights, verify their sha256, and cache "
                                       "them where evaluation looks ($GANBENCH_CACHE_DIR/weights)")
    wf.add_argument("what", choices=["inception"])
    wf.add_argument("--format", default="torch-fidelity", choices=["torch-fidelity", "nvidia"],
                    help="torch-fidelity: its state dict (default; with logits, for IS); nvidia: NVIDIA's "
                         "TorchScript inception-2015-12-05.pt (StyleGAN2-ADA, EDM, clean-fid); both hold the "
                         "2015-12-05 graph's weights")
    wf.add_argument("--dest", default=None, help="folder to put the file in (default: ganbench's cache)")
    wf.add_argument("--url", default=None, help="a mirror of the same file (its sha256 is checked all the same)")
    wf.add_argument("--quiet", action="store_true", help="no progress bar")
    wf.set_defaults(func=_cmd_weights)

    t = sub.add_parser("train", help="train seeds of one variant on one task and print their records")
    t.add_argument("task")
    t.add_argument("variant")
    t.add_argument("--seeds", default="0", help="seed indices, comma-separated; trained together (default 0)")
    t.add_argument("--budget", default="g_steps=1000", help="KIND=VALUE with KIND in g_steps, kimg, seconds, gflops")
    t.add_argument("--device", default="auto")
    t.add_argument("--plugin", action="append")
    t.add_argument("--out", default=None, help="folder for the TrialRecord JSON files")
    t.add_argument("--artefacts", default=None, help="folder for sample and loss-curve PNGs")
    t.add_argument("--checkpoints", default=None, help="folder for checkpoints (resume after a kill)")
    t.add_argument("--nondeterministic", action="store_true", help="on GPU, allow non-deterministic kernels (faster)")
    t.add_argument("--eval-at", default="final",
                   help="budget points to judge the trials at besides the end, in the budget's unit, comma-separated "
                        "(e.g. 100,200,500; each record's curve), or 'default' (the 1-2-5 points in [budget/100, "
                        "budget)); default: final (the end only)")
    t.set_defaults(func=_cmd_train)
    return p


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (`ganbench list | head`): nothing more to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (ValueError, OSError) as exc:  # user errors and unusable paths: one line, no traceback
        print(f"ganbench: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ganbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
