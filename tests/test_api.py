"""run_compare's sequential mode spends seeds only where a comparison is undecided: each round trains
the next look's seeds of the candidate and the reference on the open tasks, nothing else, and stops
a task when it is decided or at --max-seeds. The stopping rule's error rates are simulated in
tests/report/test_sequential.py; here the verdicts are scripted so the orchestration is what is
tested, on real (tiny) trials."""
import dataclasses
import json

import pytest

import ganbench.api as api
from ganbench.records import load_records
from tests.runner.baselines import trained_seeds

SUITE = """name = "tiny"
description = "two tasks, 30 steps"
seeds = 2
variants = ["gan-ns", "pacgan", "lsgan"]

[tasks.ring8]
budget = { g_steps = 30 }
n_fake = 200
n_real = 200
metrics = ["modes"]

[tasks.grid25]
budget = { g_steps = 30 }
n_fake = 200
n_real = 200
metrics = ["modes"]
variants = ["gan-ns", "pacgan"]
"""


def test_until_decided_trains_only_the_undecided_tasks_up_to_max_seeds(tmp_path, monkeypatch):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    looks = []
    _scripted_compare(monkeypatch, looks)  # ring8 is decided at its second look; grid25 never is
    comps, run_dir = api.run_compare("pacgan", str(suite), against=tmp_path / "none", out=tmp_path / "run",
                                     until_decided=True, max_seeds=6, log=lambda *_: None)
    seeds = trained_seeds(load_records(run_dir))
    assert seeds[("ring8", "pacgan")] == seeds[("ring8", "gan-ns")] == {0, 1, 2, 3}
    assert seeds[("grid25", "pacgan")] == seeds[("grid25", "gan-ns")] == set(range(6))
    assert seeds[("ring8", "lsgan")] == {0, 1}  # another baseline keeps the suite's seeds
    assert looks[-1] == {"ring8": 4, "grid25": 6}
    assert {c.task: c.verdict for c in comps} == {"ring8": "better", "grid25": "undecided"}
    # the best baseline is named among all the baselines, not only the reference the rounds trained
    from ganbench.report.tables import load_results

    long = load_results(run_dir)
    for c in comps:
        rows = long[(long.task == c.task) & (long.metric == c.metric) & (long.kind == "trial") & (long.variant != "pacgan")]
        means = rows.groupby("variant").value.mean()
        assert c.best_baseline_mean == (means.max() if c.higher_is_better else means.min())


@pytest.mark.parametrize("kw, message", [
    ({"max_seeds": None}, "needs --max-seeds"),
    ({"max_seeds": 0}, "--max-seeds must be a positive integer"),
    ({"max_seeds": 1}, "--max-seeds 1 is below the suite's 2 seeds"),
    ({"step": 0}, "--step must be a positive integer"),
    ({"seeds": [3, 4]}, "use --seeds 2"),
    ({"until_decided": False}, "go with --until-decided"),
])
def test_compare_options_are_refused_before_anything_trains(tmp_path, kw, message):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    args = {"until_decided": True, "max_seeds": 6, "step": 2, **kw}
    with pytest.raises(ValueError, match=message):
        api.run_compare("pacgan", str(suite), against=tmp_path / "none", out=tmp_path / "run", log=lambda *_: None,
                        **args)
    assert not (tmp_path / "run" / "records").exists() or not any((tmp_path / "run" / "records").iterdir())


def _scripted_compare(monkeypatch, looks=None):
    """compare_records with scripted verdicts: ring8 decided at 4 seeds per side, grid25 never."""
    real = api.compare_records

    def scripted(*args, **kw):
        out = real(*args, **kw)
        if looks is not None:
            looks.append({c.task: c.n for c in out})
        return [dataclasses.replace(c, learned=True, stop=(c.task == "ring8" and c.n >= 4) or c.n >= 6,
                                    verdict="better" if c.task == "ring8" and c.n >= 4 else "undecided")
                for c in out]

    monkeypatch.setattr(api, "compare_records", scripted)


def test_an_interrupted_round_is_finished_by_the_rerun_not_read_as_a_mismatch(tmp_path, monkeypatch):
    """Issue 42.1: a kill between two record writes of the last round left records beyond a complete look;
    the rerun judged them and exited 2 ("seeds [0..4] vs baseline seeds [0..5]"). Now it trains the missing
    trial and ends with the uninterrupted run's verdicts and records."""
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    _scripted_compare(monkeypatch)
    args = dict(against=tmp_path / "none", out=tmp_path / "run", until_decided=True, max_seeds=6, step=2,
                log=lambda *_: None)
    comps, run_dir = api.run_compare("pacgan", str(suite), **args)
    before = {p.name: p.read_text() for p in (run_dir / "records").glob("*.json")}
    report = (run_dir / "compare.json").read_text()
    killed = run_dir / "records" / "grid25__gan-ns__s5.json"  # the last round wrote grid25's pacgan seeds, then died
    killed.unlink()
    comps2, _ = api.run_compare("pacgan", str(suite), **args)
    after = {p.name: p.read_text() for p in (run_dir / "records").glob("*.json")}
    assert set(after) == set(before)
    assert json.loads(after[killed.name])["metrics"] == json.loads(before[killed.name])["metrics"]
    assert [(c.task, c.verdict, c.n) for c in comps2] == [(c.task, c.verdict, c.n) for c in comps]
    assert (run_dir / "compare.json").read_text() == report


def test_resuming_with_another_design_is_refused_before_training(tmp_path, monkeypatch):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    _scripted_compare(monkeypatch)
    args = dict(against=tmp_path / "none", out=tmp_path / "run", log=lambda *_: None)
    api.run_compare("pacgan", str(suite), until_decided=True, max_seeds=4, step=2, **args)
    n = len(list((tmp_path / "run" / "records").iterdir()))
    with pytest.raises(ValueError, match=r"another adaptive design \(looks \[2, 4\] -> \[2, 4, 6\]; max_seeds 4 -> 6\)"):
        api.run_compare("pacgan", str(suite), until_decided=True, max_seeds=6, step=2, **args)
    with pytest.raises(ValueError, match="holds an adaptive run"):
        api.run_compare("pacgan", str(suite), **args)
    assert len(list((tmp_path / "run" / "records").iterdir())) == n
    design = json.loads((tmp_path / "run" / "adaptive.json").read_text())
    assert design["looks"] == [2, 4] and design["candidate"] == "pacgan" and design["reference"] == "gan-ns"


CLAIMS_SUITE = SUITE.replace('name = "tiny"', 'name = "tinyclaims"').replace(
    'variants = ["gan-ns", "pacgan", "lsgan"]\n',
    'variants = ["gan-ns", "pacgan", "lsgan"]\nclaims = ["pacgan-ring8-modes", "pacgan-grid25-modes", '
    '"pacgan-grid25-rkl"]\n\n[sequential]\nmax_seeds = 6\nstep = 2\n').replace(
    'metrics = ["modes"]\nvariants', 'variants')  # grid25 computes reverse_kl too (the modes metric does)


def test_a_claims_suite_adds_seeds_only_to_the_variants_of_undecided_claims(tmp_path, monkeypatch):
    import ganbench.report.claims as claims

    suite = tmp_path / "claims.toml"
    suite.write_text(CLAIMS_SUITE)
    real = claims.claim_verdicts
    looks = []

    def scripted(records, ids, design):  # ring8 decided at its second look, grid25 rkl at its first, modes never
        out = real(records, ids, design)
        looks.append({v.claim: v.n for v in out})
        decided = {"pacgan-ring8-modes": 4, "pacgan-grid25-rkl": 2}
        return [dataclasses.replace(v, stop=v.n >= decided.get(v.claim, 6), verdict="reproduced"
                                    if v.n >= decided.get(v.claim, 99) else f"undecided at {v.n} seeds") for v in out]

    monkeypatch.setattr(claims, "claim_verdicts", scripted)
    run_dir = api.run_suite(str(suite), tmp_path / "run", log=lambda *_: None)
    seeds = trained_seeds(load_records(run_dir))
    assert seeds[("ring8", "pacgan")] == seeds[("ring8", "gan-ns")] == {0, 1, 2, 3}
    assert seeds[("grid25", "pacgan")] == seeds[("grid25", "gan-ns")] == set(range(6))
    assert seeds[("ring8", "lsgan")] == {0, 1}  # in no claim: the suite's seeds only
    final = {"pacgan-ring8-modes": 4, "pacgan-grid25-modes": 6}
    assert {k: looks[-1][k] for k in final} == final  # the leaderboard's judgement is the rounds' last
    suite_json = json.loads((run_dir / "suite.json").read_text())  # the whole suite again, not the last round
    assert suite_json["seeds"] == [0, 1] and suite_json["sequential"] == {"max_seeds": 6, "step": 2, "start": 2}
    board = (run_dir / "leaderboard" / "leaderboard.md").read_text()
    assert "## Published claims" in board and "pacgan-grid25-rkl" in board
    assert json.loads((run_dir / "leaderboard" / "claims.json").read_text())[0]["claim"] == "pacgan-ring8-modes"
    html = (run_dir / "leaderboard" / "leaderboard.html").read_text()
    assert 'id="claims"' in html and "pacgan-grid25-modes" in html


def test_run_until_decided_needs_claims_and_a_bound(tmp_path):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    with pytest.raises(ValueError, match="lists no claims.*compare VARIANT --until-decided"):
        api.run_suite(str(suite), tmp_path / "run", until_decided=True, max_seeds=4)
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIMS_SUITE.replace("[sequential]\nmax_seeds = 6\nstep = 2\n", ""))
    with pytest.raises(ValueError, match="give --max-seeds N"):
        api.run_suite(str(claims), tmp_path / "run", until_decided=True)
    with pytest.raises(ValueError, match="make no sense with --no-until-decided"):
        api.run_suite(str(claims), tmp_path / "run", until_decided=False, max_seeds=4)
    with pytest.raises(ValueError, match="seed count >= 2"):
        api.run_suite(str(claims), tmp_path / "run", until_decided=True, max_seeds=4, seeds=[0, 3])
    assert not (tmp_path / "run").exists()  # refused before anything trained
