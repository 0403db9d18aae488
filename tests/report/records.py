"""Hand-made TrialRecords for report tests (no training)."""
from ganbench.records.record import TrialRecord

PROTOCOL = {"extractor": "identity", "n_real": 2500, "n_fake": 2500, "metrics": ["modes", "fid"], "real_seed": 0,
            "data": {"task": "ring8"}, "headline": "modes", "task": "ring8"}


def make(task, variant, seed, metrics, status="ok", budget=None, protocol=None, suite="hand", env=None,
         kind="trial"):
    return TrialRecord(trial_id=f"{task}__{variant}__s{seed}", suite=suite, task=task, variant=variant,
                       seed_index=seed, seed=seed, fake_seed=0, status=status, kind=kind,
                       error="" if status == "ok" else "non-finite loss at generator step 3",
                       budget=budget or {"g_steps": 100}, metrics=metrics if status == "ok" else {},
                       protocol={**PROTOCOL, **(protocol or {})}, config_hash="x", env=env or {}).to_dict()


def write(folder, records):
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        TrialRecord.from_dict(r).save(folder / "records" / f"{r['trial_id']}.json")
    return folder


GRID = (100, 200, 500, 1000, 2000, 5000, 10000)


def curved(task, variant, seed, values, budgets=GRID, metric="mode_tv", raw=None, selection=None, diverged_from=None,
           generator="ema(0.999)", protocol=None, env=None):
    """A trial judged at ``budgets`` (g_steps) with ``metric`` ``values`` at each point (its last point
    the record's own numbers); ``raw``: the raw generator's values, ``selection``: the headline on the
    selection reference; ``diverged_from``: the first budget at which it had diverged."""
    points = []
    for i, (b, v) in enumerate(zip(budgets, values)):
        ok = diverged_from is None or b < diverged_from
        points.append({"budget": {"g_steps": b},
                       "spent": {"g_steps": b, "d_steps": b, "kimg": b * 64 / 1000, "gflops": b / 100, "wall_s": b / 50},
                       "status": "ok" if ok else "diverged", "failed_step": None if ok else diverged_from,
                       "error": "" if ok else "non-finite loss", "metrics": {metric: float(v)} if ok else {},
                       "metrics_raw": {metric: float(raw[i])} if ok and raw is not None else {},
                       "selection": {metric: float(selection[i])} if ok and selection is not None else {},
                       "eval_wall_s": 0.5})
    last = points[-1]
    r = make(task, variant, seed, last["metrics"], status=last["status"], budget={"g_steps": budgets[-1]},
             protocol={"headline": metric, "metrics": ["modes"], "generator": generator, **(protocol or {})}, env=env)
    r["metrics_raw"], r["curve"], r["spent"] = last["metrics_raw"], points, last["spent"]
    if last["status"] != "ok":
        r["failed_step"] = diverged_from
    return r


def references(task, metric="mode_tv", floor=(0.97, 0.98, 0.99, 0.975, 0.985), ceiling=(0.02, 0.03, 0.025, 0.02, 0.03)):
    """The task's floor (init) and ceiling (real) rows, one record per draw."""
    return ([make(task, "init", s, {metric: v}, kind="init", protocol={"headline": metric}) for s, v in enumerate(floor)]
            + [make(task, "real", s, {metric: v}, kind="real", protocol={"headline": metric}) for s, v in enumerate(ceiling)])
