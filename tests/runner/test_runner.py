import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ganbench.api import run_suite
from ganbench.records import load_records
from ganbench.runner.suite import REFERENCE_DRAWS
from ganbench.report.publish import render

TINY = """name = "tiny"
seeds = 2
variants = ["gan-ns", "wgan-gp"]
[tasks.ring8]
budget = { g_steps = 40 }
[tasks.grid25]
budget = { g_steps = 40 }
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    (d / "tiny.toml").write_text(TINY)
    out = run_suite(d / "tiny.toml", d / "run", progress=False)
    return d, out


def test_run_directory_layout(tiny):
    _, out = tiny
    assert sorted(p.name for p in (out / "records").iterdir()) == sorted(
        [f"{t}__{v}__s{s}.json" for t in ("ring8", "grid25") for v in ("gan-ns", "wgan-gp") for s in (0, 1)]
        + [f"{t}__{v}__s{s}.json" for t in ("ring8", "grid25") for v in ("real", "init") for s in range(REFERENCE_DRAWS)])
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"ganbench", "torch", "device_name", "cpu_capability", "suite", "finished", "workers", "programs"} <= set(manifest)
    assert json.loads((out / "suite.json").read_text())["tasks"]["ring8"]["budget"] == {"g_steps": 40}
    assert (out / "leaderboard" / "leaderboard.md").is_file() and (out / "leaderboard" / "ring8_samples.png").is_file()
    assert not any((out / "checkpoints").iterdir())


def test_rerun_skips_finished_trials(tiny):
    d, out = tiny
    before = {p.name: p.stat().st_mtime_ns for p in (out / "records").iterdir()}
    run_suite(d / "tiny.toml", out, progress=False, leaderboard=False)
    assert before == {p.name: p.stat().st_mtime_ns for p in (out / "records").iterdir()}
    # The re-run trained nothing; the manifest still says what the first invocation ran, and where.
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["programs"] == []
    first = manifest["earlier_invocations"][0]
    assert first["programs"] and first["wall_s_this_invocation"] > 0 and first["cpu_model"] == manifest["cpu_model"]


def test_failed_job_is_recorded_and_the_run_continues(tmp_path):
    plugin = tmp_path / "boom.py"
    plugin.write_text("from ganbench.zoo import register_loss, register_variant\n"
                      "@register_loss('t-boom')\ndef boom(r, f):\n    raise RuntimeError('boom')\n"
                      "register_variant('t-boom-gan', loss='t-boom')\n")
    suite = tmp_path / "s.toml"
    suite.write_text('name = "s"\nseeds = 1\nvariants = ["t-boom-gan", "gan-ns"]\n[tasks.ring8]\nbudget = { g_steps = 5 }\n')
    from ganbench.cli import main

    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "r"), "--plugin", str(plugin)]) == 0
    recs = {r["variant"]: r for r in load_records(tmp_path / "r")}
    assert recs["t-boom-gan"]["status"] == "failed" and "boom" in recs["t-boom-gan"]["error"]
    assert recs["gan-ns"]["status"] == "ok"
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "r"), "--plugin", str(plugin), "--fail-on-error"]) == 1


def test_kill_mid_run_then_resume_gives_the_same_leaderboard(tiny, tmp_path):
    d, reference = tiny
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "ganbench.cli", "run", "--suite", str(d / "tiny.toml"), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and len(list((out / "records").glob("*.json"))) < 2:
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}
    assert 2 <= len(finished) < 8, "the kill should land mid-run"
    run_suite(d / "tiny.toml", out, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json") if p.name in finished} == finished
    assert _table(out) == _table(reference)


def _table(run):
    """The leaderboard's numbers, without the training seconds (a wall-clock measurement)."""
    import io

    import pandas as pd

    return pd.read_csv(io.StringIO(render(load_records(run), "csv"))).drop(columns=["train_s"]).to_csv()


@pytest.mark.parametrize("workers", [2, 4])
def test_balance_splits_by_seed_and_orders_longest_first(tmp_path, workers):
    # The core plan: every trial stays in exactly one program, a program is over half a worker's
    # share by less than one of its seeds, and programs come longest first; on 4 workers the
    # heaviest programs must be split.
    from ganbench.runner import load_suite
    from ganbench.runner.run import balance, plan_jobs

    jobs, _ = plan_jobs(load_suite("core"), tmp_path / "run", device="cpu")
    out = balance(jobs, workers)
    trials = lambda js: sorted((j.plan.name, v, i) for j in js for v, s in j.groups for i in s)
    assert trials(out) == trials(jobs)
    target = sum(j.cost() for j in jobs) / (2 * workers)
    seeds = lambda j: len({i for _, s in j.groups for i in s})
    assert all(j.cost() - j.cost() / seeds(j) < target for j in out)
    costs = [j.cost() for j in out]
    assert costs == sorted(costs, reverse=True) and (len(out) > len(jobs) or workers == 2)
    assert balance(jobs, 1) == sorted(jobs, key=lambda j: -j.cost())
    # on a GPU (split=False) packs stay whole: a packed step costs about what one seed's does there
    assert balance(jobs, workers, split=False) == sorted(jobs, key=lambda j: -j.cost())


@pytest.mark.parametrize("cores, expected", [(1, 1), (2, 1), (7, 1), (8, 2), (16, 4), (128, 4)])
def test_processes_sharing_one_gpu_follow_the_cores(monkeypatch, cores, expected):
    from ganbench.runner.backends import LocalBackend, local

    assert local.gpu_workers(cores) == expected
    monkeypatch.setattr(local, "cpu_count", lambda: cores)
    assert LocalBackend(device="cuda").workers == expected
    assert LocalBackend(device="cpu").workers == cores
    assert LocalBackend(workers=3, device="cuda").workers == 3  # --workers wins


def test_encoder_runs_keep_reconstructions_and_plot_them_next_to_their_inputs(tmp_path):
    import numpy as np

    from ganbench.tasks import get_task

    (tmp_path / "enc.toml").write_text('name = "enc"\nseeds = 1\nvariants = ["aae", "bigan"]\n'
                                       '[tasks.digits]\nbudget = { g_steps = 3 }\nvariants = ["aae"]\n'
                                       '[tasks.ring8]\nbudget = { g_steps = 3 }\nvariants = ["bigan"]\n')
    out = run_suite(tmp_path / "enc.toml", tmp_path / "run", progress=False)
    rec = np.load(out / "samples" / "digits__aae__s0.recon.npy")
    inputs = get_task("digits").labelled_split("test")[0][:12].numpy()
    assert rec.shape == (2, 12, 1, 8, 8) and np.array_equal(rec[0], inputs)  # the held-out inputs, then G(E(x))
    assert np.load(out / "samples" / "ring8__bigan__s0.recon.npy").shape == (2, 300, 2)
    assert not (out / "samples" / "digits__init__s0.recon.npy").exists()  # reference rows have no encoder
    for task in ("digits", "ring8"):
        assert (out / "leaderboard" / f"{task}_reconstructions.png").stat().st_size > 1000


def test_planner_reuses_a_record_only_when_its_curve_covers_the_grid(tmp_path):
    from ganbench.harness import config_hash
    from ganbench.records import RunDir, TrialRecord, TrialSpec
    from ganbench.runner.run import plan_jobs, run_job, stale
    from ganbench.runner.suite import parse_suite

    suite = parse_suite({"name": "t", "seeds": 3, "variants": ["gan-ns"],
                         "tasks": {"ring8": {"budget": {"g_steps": 40}, "eval_at": [10, 20]}}})
    plan = suite.tasks[0]
    expected = config_hash(plan.task(), plan.variant("gan-ns"), plan.budget)

    def record(seed, points, chash=expected, status="ok"):
        spec = TrialSpec("t", "ring8", "gan-ns", seed)
        return TrialRecord(trial_id=spec.trial_id, suite="t", task="ring8", variant="gan-ns", seed_index=seed,
                           seed=spec.seed, fake_seed=0, status=status, config_hash=chash,
                           curve=[{"budget": {"g_steps": p}, "status": status, "metrics": {}} for p in points])

    rd = RunDir(tmp_path)
    rd.write_record(record(0, [10, 20, 40]))  # covers the grid: reused
    rd.write_record(record(1, [5, 10, 40]))  # judged at other points: lacks 20
    rd.write_record(record(2, [10, 20, 40], chash="old"))
    jobs, done = plan_jobs(suite, tmp_path, device="cpu")
    (train,) = [j for j in jobs if j.kind == "train"]
    assert done == 1 and train.groups == (("gan-ns", (1, 2)),)
    assert dict(train.replanned) == {"ring8__gan-ns__s1": "its curve lacks points [20]",
                                     "ring8__gan-ns__s2": f"its config hash old is not {expected}"}
    # an older record without a curve stands for the end of its budget, not for earlier points
    assert stale(record(0, []), expected, (40,)) is None
    assert stale(record(0, []), expected, plan.grid) == "its curve lacks points [10, 20]"
    assert stale(record(0, [], status="failed"), expected, plan.grid, retry_failed=False) is None
    assert stale(None, expected, plan.grid) == "no record"
    # the job's log says why its trials train again
    (tmp_path / "records").mkdir(exist_ok=True)
    import dataclasses

    one = dataclasses.replace(train, groups=(("gan-ns", (1,)),))
    (trained,) = run_job(one)
    assert [p["budget"] for p in trained["curve"]] == [{"g_steps": 10}, {"g_steps": 20}, {"g_steps": 40}]
    log = rd.job_log(one.label).read_text()
    assert "ring8__gan-ns__s1: trained again: its curve lacks points [20]" in log and "s2: trained again" not in log
