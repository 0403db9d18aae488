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


# Baselines recorded by older code and not yet re-recorded, with why: their tests skip, saying so,
# instead of judging records today's code would not reproduce (and the entry must go once the suite
# is re-recorded: `recorded_by_older_code` fails on a listed baseline that is current).
STALE = {
    suite: "recorded before nested budgets (every trial judged along its run) and 10 reference draws; "
           f"not re-recorded yet: run `ganbench run --suite {suite} --out baselines/{suite}` (about 15 min on "
           "2 cores) and remove it from tests/runner/baselines.py STALE"
    for suite in ("images", "translation")
}
STALE["claims"] = ("recorded before nested budgets (claims judged at every point of their grid) and 10 reference "
                   "draws; not re-recorded yet: run `ganbench run --suite claims --out baselines/claims` (about 50 "
                   "min on 2 cores) and remove it from tests/runner/baselines.py STALE")


def recorded_by_older_code(suite: str):
    """A module mark that skips a declared-stale baseline's tests with the reason, after checking
    that it really is stale (trials to re-run), so the declaration cannot outlive the re-recording."""
    import pytest

    if suite not in STALE:
        return []
    jobs, _ = plan_jobs(load_suite(suite), baseline_dir(suite), device="cpu")
    if not jobs:
        raise AssertionError(f"baselines/{suite} is current: remove it from STALE in tests/runner/baselines.py")
    return pytest.mark.skip(reason=f"baselines/{suite}: {STALE[suite]} ({len(jobs)} programs would re-run)")


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
