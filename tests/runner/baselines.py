"""Shared helpers of the recorded-baseline tests (baselines/<suite>): where a baseline lives, one
column's per-seed values, and the check that a baseline is the shipped suite, every trial done."""
import os
from pathlib import Path

from ganbench.records import load_records
from ganbench.runner import load_suite
from ganbench.runner.run import plan_jobs

ROOT = Path(__file__).resolve().parents[2] / "baselines"


def baseline_dir(suite: str) -> Path:
    """baselines/<suite>, or the folder in GANBENCH_<SUITE>_BASELINE (to show a test failing on another run)."""
    return Path(os.environ.get(f"GANBENCH_{suite.upper()}_BASELINE", ROOT / suite))


def values(results, task: str, variant: str, column: str):
    """One column's values of (task, variant) in seed order, from ``load_results``' long table."""
    rows = results[(results.task == task) & (results.variant == variant) & (results.column == column)]
    return rows.sort_values("seed_index").value.to_numpy()


def assert_is_shipped_suite(suite: str, folder: Path, kinds=("trial", "real", "init")) -> list[dict]:
    """Every trial and reference row (``kinds``) of ganbench/suites/<suite>.toml has an ok record whose
    config hash the current code reproduces: the committed leaderboard is the shipped suite, not a
    tweaked or stale one. Returns the records."""
    s = load_suite(suite)
    jobs, done = plan_jobs(s, folder, device="cpu")
    assert jobs == [] and done == s.n_trials, (suite, [j.label for j in jobs])
    records = load_records(folder)
    assert all(r["status"] == "ok" for r in records)
    assert {r["kind"] for r in records} == set(kinds)
    return records


def trained_seeds(records: list[dict]) -> dict[tuple[str, str], set[int]]:
    """(task, variant) -> the seed indices of its trials (reference rows left out)."""
    seeds: dict[tuple[str, str], set[int]] = {}
    for r in records:
        if r.get("kind", "trial") == "trial":
            seeds.setdefault((r["task"], r["variant"]), set()).add(r["seed_index"])
    return seeds
