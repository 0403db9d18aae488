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
