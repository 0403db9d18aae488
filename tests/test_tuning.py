"""Tuning on equal budgets (ganbench.tuning, issue 43), on real tiny trials: phase 1 trains every
configuration with seed 0, selection reads the selection reference, phase 2 reruns the selected
configuration and the default with seeds 1..R; the design is kept in tune.json; a kill is resumed to the
same answer; a plugin's configurations resolve in worker processes; ``compare --tune`` judges the
candidate's tuned rerun against the best tuned baseline.

Until the trainer records selection values (nested budgets, ``TrialRecord.curve[i]["selection"]``),
the selection values are scripted here (as tests/test_api.py scripts verdicts); ``HAS_SELECTION`` says,
from a real tiny trial, whether they exist, and the tests that need them are marked."""
import json
from pathlib import Path

import pytest

import ganbench.api as api
import ganbench.report.tuning as report_tuning
from ganbench.cli import main
from ganbench.records import load_records
from tests.runner.baselines import trained_seeds

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = str(ROOT / "examples" / "relativistic_loss.py")

SUITE = """name = "tinytune"
description = "ring8, 30 steps, two variants tuned with 3 configurations"
seeds = 2
variants = ["gan-ns", "pacgan"]

[tasks.ring8]
budget = { g_steps = 30 }
n_fake = 200
n_real = 200
metrics = ["modes"]

[tune]
configs = 3
rerun_seeds = 5
"""


def _has_selection() -> bool:
    """Whether a real tiny trial records its headline on a selection reference (the trainer's nested budgets)."""
    from ganbench.harness import train_seeds

    (rec,) = train_seeds("ring8", "gan-ns", [0], {"g_steps": 2})
    return bool(rec.curve and rec.curve[-1].get("selection"))


HAS_SELECTION = _has_selection()
NEEDS_H4 = pytest.mark.skipif(not HAS_SELECTION, reason="the trainer records no selection values yet (nested "
                                                          "budgets' selection reference)")


def script_selection(monkeypatch, best="c02"):
    """Selection values by name: the configuration whose name ends in ``best`` scores 0.1 (mode_tv, lower is
    better), the others 0.5."""
    def scripted(record, select_at):
        return 0.1 if record["variant"].endswith(best) else 0.5

    monkeypatch.setattr(report_tuning, "selection_value", scripted)


def suite_file(tmp_path, text=SUITE) -> Path:
    p = tmp_path / "tinytune.toml"
    p.write_text(text)
    return p


def test_selection_then_rerun_on_fresh_seeds(tmp_path, monkeypatch):
    script_selection(monkeypatch)
    run_dir = api.run_suite(str(suite_file(tmp_path)), tmp_path / "run", log=lambda *_: None)  # dispatches to tuning
    seeds = trained_seeds(load_records(run_dir))
    reruns = set(range(1, 6))
    assert seeds == {("ring8", "gan-ns"): {0} | reruns, ("ring8", "gan-ns+s0c01"): {0},
                     ("ring8", "gan-ns+s0c02"): {0} | reruns, ("ring8", "pacgan"): {0} | reruns,
                     ("ring8", "pacgan+s0c01"): {0}, ("ring8", "pacgan+s0c02"): {0} | reruns}
    assert all(r["status"] == "ok" for r in load_records(run_dir))
    design = json.loads((run_dir / "tune.json").read_text())
    assert design["configurations"]["pacgan"] == ["pacgan", "pacgan+s0c01", "pacgan+s0c02"]
    assert (design["configs"], design["rerun_seeds"], design["sampler_seed"], design["select_at"]) == (3, 5, 0, "final")
    assert json.loads((run_dir / "suite.json").read_text())["tune"]["configs"] == 3  # the whole suite, not a phase
    board = (run_dir / "leaderboard" / "leaderboard.md").read_text()
    assert "## Tuned on equal budgets" in board and 'register_variant("pacgan-tuned", base="pacgan"' in board
    assert (run_dir / "leaderboard" / "ring8_tuning.png").is_file()
    summary = report_tuning.summarise(load_records(run_dir), report_tuning.load_design(run_dir))
    res = {r.variant: r for r in summary.results}
    assert res["gan-ns"].selected_name == "gan-ns+s0c02" and res["gan-ns"].tuned_rerun["n"] == 5
    # the reported tuned score is the reruns' mean on the reporting reference, not the scripted 0.1
    rerun = [r["metrics"]["mode_tv"] for r in load_records(run_dir)
             if r["variant"] == "gan-ns+s0c02" and r["seed_index"] > 0]
    assert res["gan-ns"].tuned_rerun["mean"] == pytest.approx(sum(rerun) / 5)
    # the pasted line is the measured recipe: registering it gives the selected configuration's hash
    from ganbench.zoo import get_variant, register_variant

    exec(res["pacgan"].register, {"register_variant": register_variant})
    tuned = get_variant("pacgan-tuned").replace(batch_size=64)
    assert tuned.config_hash() == get_variant("pacgan+s0c02").replace(batch_size=64).config_hash()


def test_a_killed_tuning_resumes_to_the_same_answer_and_another_design_is_refused(tmp_path, monkeypatch):
    script_selection(monkeypatch)
    args = dict(log=lambda *_: None)
    run_dir = api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", variants=["gan-ns"], **args)
    before = {p.name: json.loads(p.read_text())["metrics"] for p in (run_dir / "records").glob("*.json")}
    def tuned_section():  # the leaderboard's tables below it hold wall times, which differ from run to run
        text = (run_dir / "leaderboard" / "leaderboard.md").read_text()
        return text[:text.index("## ring8\n")]

    board = tuned_section()
    for name in ("ring8__gan-ns+s0c01__s0.json", "ring8__gan-ns+s0c02__s4.json"):  # one per phase, as a kill leaves
        (run_dir / "records" / name).unlink()
    api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", variants=["gan-ns"], **args)
    after = {p.name: json.loads(p.read_text())["metrics"] for p in (run_dir / "records").glob("*.json")}
    assert after == before and tuned_section() == board
    assert trained_seeds(load_records(run_dir))[("ring8", "pacgan")] == {0, 1}  # untuned: the suite's seeds
    n = len(after)
    with pytest.raises(ValueError, match=r"another tuning design \(configs 3 -> 4; configurations"):
        api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", variants=["gan-ns"], configs=4, **args)
    with pytest.raises(ValueError, match="another tuning design .*variants"):
        api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", **args)
    assert len(list((run_dir / "records").glob("*.json"))) == n  # refused before anything trained


def test_a_task_without_a_selection_reference_is_refused_before_training(tmp_path, monkeypatch):
    from ganbench.tasks.mixtures import GaussianMixture

    monkeypatch.setattr(GaussianMixture, "selection_reference", lambda self: (None, "none here"), raising=False)
    with pytest.raises(ValueError, match=r"^task 'ring8' has no selection reference \(none here\)"):
        api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", log=lambda *_: None)
    assert not (tmp_path / "run" / "records").exists()


@pytest.mark.skipif(HAS_SELECTION, reason="the trainer records selection values: nothing to refuse")
def test_records_without_selection_values_are_refused_after_the_first_phase(tmp_path):
    with pytest.raises(ValueError, match=r"^task 'ring8' has no selection values"):
        api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", variants=["gan-ns"], log=lambda *_: None)
    seeds = trained_seeds(load_records(tmp_path / "run"))
    assert all(s == {0} for s in seeds.values()) and len(seeds) == 3  # the configurations trained; no rerun


@NEEDS_H4
def test_real_selection_values_select_the_best_configuration(tmp_path):
    run_dir = api.run_tune(str(suite_file(tmp_path)), tmp_path / "run", variants=["gan-ns"], log=lambda *_: None)
    records = load_records(run_dir)
    design = report_tuning.load_design(run_dir)
    chosen = report_tuning.select(records, design)[("ring8", "gan-ns")]
    values = {r["variant"]: r["curve"][-1]["selection"]["mode_tv"] if r["status"] == "ok" else 1.0  # diverged: worst
              for r in records if r["seed_index"] == 0 and r.get("kind") == "trial" and r["variant"].startswith("gan-ns")}
    assert chosen.name == min(values, key=lambda k: (values[k], design.configurations["gan-ns"].index(k)))
    assert trained_seeds(records)[("ring8", chosen.name)] == {0, 1, 2, 3, 4, 5}


def test_a_plugins_configurations_resolve_in_worker_processes(tmp_path, monkeypatch):
    script_selection(monkeypatch, best="c01")
    text = SUITE.replace('variants = ["gan-ns", "pacgan"]', 'variants = ["ragan"]')
    run_dir = api.run_tune(str(suite_file(tmp_path, text)), tmp_path / "run", plugins=[PLUGIN], workers=2,
                           log=lambda *_: None)
    records = load_records(run_dir)
    assert {r["variant"] for r in records if r.get("kind") == "trial"} == {"ragan", "ragan+s0c01", "ragan+s0c02"}
    assert all(r["status"] == "ok" for r in records), [r["error"] for r in records if r["status"] != "ok"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["workers"] == 2 or any(e.get("workers") == 2 for e in manifest["earlier_invocations"])


def test_compare_tune_judges_the_tuned_candidate_against_the_best_tuned_baseline(tmp_path, monkeypatch, capsys):
    script_selection(monkeypatch)
    suite = suite_file(tmp_path, SUITE.replace('variants = ["gan-ns", "pacgan"]', 'variants = ["gan-ns", "lsgan"]')
                       .replace("[tune]\nconfigs = 3\n", "[tune]\nconfigs = 2\n"))
    # a recorded tuned baseline (as `ganbench run --suite tuned` leaves one) is reused, not retrained
    baseline = api.run_tune(str(suite), tmp_path / "baseline", configs=3, log=lambda *_: None)
    code = main(["compare", "--variant", "ragan", "--plugin", PLUGIN, "--suite", str(suite), "--tune", "3",
                 "--against", str(baseline), "--run-dir", str(tmp_path / "cmp"), "--out", str(tmp_path / "cmp.md")])
    out = capsys.readouterr().out
    assert code == 0, out
    run_dir = tmp_path / "cmp"
    assert (run_dir / "tune.json").is_file() and json.loads((run_dir / "tune.json").read_text())["configs"] == 3
    comps = json.loads((run_dir / "compare.json").read_text())
    (c,) = comps
    summary = report_tuning.summarise(load_records(run_dir), report_tuning.load_design(run_dir))
    tuned = {r.variant: r.tuned_rerun["mean"] for r in summary.results}
    best = min(("gan-ns", "lsgan"), key=tuned.get)  # mode_tv: lower is better
    assert c["candidate"] == "ragan" and c["reference"] == best == c["best_baseline"] and c["n"] == 5
    assert c["candidate_mean"] == pytest.approx(tuned["ragan"]) and c["reference_mean"] == pytest.approx(tuned[best])
    assert c["verdict"] and c["by_budget"]
    # the baselines' configurations and reruns came from the recorded baseline: same metrics, not retrained
    for name in ("gan-ns+s0c01", "lsgan+s0c02"):
        old = json.loads((baseline / "records" / f"ring8__{name}__s0.json").read_text())
        new = json.loads((run_dir / "records" / f"ring8__{name}__s0.json").read_text())
        assert new == old
    report = (tmp_path / "cmp.md").read_text()
    assert "search space of ragan: lr∈logU[1e-5,1e-2]; β1∈U[0,1]; n\\_critic∈{1,5}" in report  # Markdown-escaped
    assert 'register_variant("ragan-tuned", base="ragan"' in report
    assert "each tuned with 3 configurations" in out and "search space of gan-ns" in out


def test_tune_dry_run_prints_the_design_and_bad_settings_exit_2(tmp_path, capsys):
    suite = suite_file(tmp_path)
    assert main(["tune", "--suite", str(suite), "--dry-run", "--configs", "4", "--variant", "pacgan"]) == 0
    out = capsys.readouterr().out
    assert "4 configurations each (sampler seed 0): 4 one-seed trials" in out and "nothing was trained" in out
    assert "pacgan (the recipe)" in out and "pacgan+s0c03" in out and "gan-ns+s0c01" not in out
    assert main(["run", "--suite", str(suite), "--dry-run", "--out", str(tmp_path / "run")]) == 0  # the same design
    assert "pacgan+s0c02" in capsys.readouterr().out
    for argv, message in ((["--configs", "1"], "configs must be an integer >= 2"),
                          (["--rerun-seeds", "2"], "rerun_seeds must be an integer >= 5"),
                          (["--select-at", "soon"], "--select-at 'soon': give final or a budget point"),
                          (["--variant", "wgan"], "variants ['wgan'] are not in the suite")):
        assert main(["tune", "--suite", str(suite), "--out", str(tmp_path / "run"), *argv]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing trained, nothing written
    assert main(["run", "--suite", str(suite), "--seeds", "3", "--out", str(tmp_path / "run")]) == 2
    assert "set R with --rerun-seeds" in capsys.readouterr().err
