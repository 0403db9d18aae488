"""``ganbench run --dry-run`` says, before anything trains, what would train, why, and at what cost."""
import json
import math

import pytest

from ganbench.cli import main
from ganbench.runner import load_suite, run_suite
from ganbench.runner.dry_run import plan_trials

SUITE = """name = "dry"
description = "one task, two variants, 30 steps"
seeds = 2
variants = ["gan-ns", "lsgan"]

[tasks.ring8]
budget = { g_steps = 30 }
n_fake = 200
n_real = 200
metrics = ["modes"]
"""


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    root = tmp_path_factory.mktemp("dry")
    (root / "dry.toml").write_text(SUITE)
    run_suite(str(root / "dry.toml"), root / "run", workers=1, progress=False)
    return root


def _by(rows):
    return {(r.variant, r.seed_index): r for r in rows}


def test_a_finished_run_reuses_everything(done):
    rows = plan_trials(load_suite(str(done / "dry.toml")), done / "run")
    assert {r.action for r in rows} == {"reuse"} and len(rows) == 2 * 2 + 2 * 10  # trials, 10 draws of real and init


def test_stale_records_say_why_and_cost_what_they_cost(done, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(done / "run", run)
    edited = run / "records" / "ring8__gan-ns__s0.json"
    rec = json.loads(edited.read_text())
    rec["config_hash"] = "0" * 16  # as a record of older code: its hash and one module's digest differ
    rec["code"]["modules"]["ganbench.zoo.losses"] = "changed"
    edited.write_text(json.dumps(rec))
    (run / "records" / "ring8__lsgan__s1.json").unlink()
    rows = _by(plan_trials(load_suite(str(done / "dry.toml")), run))
    stale, missing = rows[("gan-ns", 0)], rows[("lsgan", 1)]
    assert stale.action == "train" and stale.why == "code changed in ganbench.zoo.losses"
    assert stale.rate_from == "own record" and stale.gflops == pytest.approx(rec["spent"]["gflops"])
    assert missing.action == "train" and missing.why == "missing" and missing.rate_from == "task's records"
    assert math.isfinite(missing.seconds) and missing.seconds > 0
    assert rows[("gan-ns", 1)].action == rows[("real", 0)].action == "reuse"
    assert (rows[("real", 0)].gflops, rows[("real", 0)].seconds) == (0.0, 0.0)

    longer = (done / "dry.toml").read_text().replace("g_steps = 30", "g_steps = 60")
    (tmp_path / "longer.toml").write_text(longer)
    rows = _by(plan_trials(load_suite(str(tmp_path / "longer.toml")), done / "run"))
    assert rows[("lsgan", 0)].why == "budget {'g_steps': 30} -> {'g_steps': 60}"
    assert rows[("real", 0)].action == "reuse"  # the reference rows do not depend on the budget's length


def test_the_cli_trains_nothing_and_prints_the_plan(done, capsys):
    before = sorted(p.name for p in (done / "run" / "records").iterdir())
    assert main(["run", "--suite", str(done / "dry.toml"), "--out", str(done / "run"), "--dry-run", "--seeds", "3"]) == 0
    out = capsys.readouterr().out
    assert "2 of 26 trials and reference rows would train" in out and "missing" in out and "nothing was trained" in out
    assert sorted(p.name for p in (done / "run" / "records").iterdir()) == before
    assert main(["run", "--suite", str(done / "dry.toml"), "--dry-run"]) == 2
