"""The project gates itself on its own metrics: `ganbench run --suite smoke` then `ganbench check`
against the recorded baselines/smoke (exit 0); a sabotaged variant fails (exit 1); a mismatched
protocol is a usage error (exit 2)."""
import dataclasses
import json
from pathlib import Path

import pytest

from ganbench.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "baselines" / "smoke"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gate") / "smoke"
    assert main(["run", "--suite", "smoke", "--out", str(out), "--device", "cpu"]) == 0
    return out


def test_smoke_run_passes_the_gate(smoke_run, tmp_path, capsys):
    junit, md = tmp_path / "j.xml", tmp_path / "s.md"
    rc = main(["check", str(smoke_run), "--baseline", str(BASELINE), "--junit", str(junit), "--markdown", str(md)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "PASS" in out and 'failures="0"' in junit.read_text() and "✅" in md.read_text()


def _subset(tmp_path, task, variant):
    """The baseline records of one (task, variant): the reference for a run of that pair alone."""
    d = tmp_path / "baseline-subset" / "records"
    d.mkdir(parents=True)
    for f in (BASELINE / "records").glob(f"{task}__{variant}__s*.json"):
        (d / f.name).write_text(f.read_text())
    return d.parent


def _one_pair_suite(tmp_path, task="grid25", variant="wgan-gp"):
    """The smoke suite restricted to one (task, variant): same name, budget and protocol."""
    text = (BASELINE / "suite.toml").read_text()
    text = text.replace('variants = ["gan-ns", "pacgan", "wgan-gp"]', f'variants = ["{variant}"]')
    other = "ring8" if task == "grid25" else "grid25"
    text = text.replace(f"[tasks.{other}]\nbudget = {{ g_steps = 400 }}\n", "")
    p = tmp_path / "pair.toml"
    p.write_text(text)
    return p


def test_new_seeds_of_the_same_distribution_pass(tmp_path, capsys):
    out = tmp_path / "newseeds"
    assert main(["run", "--suite", str(_one_pair_suite(tmp_path)), "--out", str(out), "--seeds", "2,3"]) == 0
    rc = main(["check", str(out), "--baseline", str(_subset(tmp_path, "grid25", "wgan-gp"))])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "PASS" in printed


def test_sabotaged_variant_fails_with_exit_1(tmp_path, monkeypatch, capsys):
    from ganbench.zoo import variants

    broken = dataclasses.replace(variants.VARIANTS["wgan-gp"], lr=0.0)  # a generator that never learns
    monkeypatch.setitem(variants.VARIANTS, "wgan-gp", broken)
    out = tmp_path / "sabotaged"
    assert main(["run", "--suite", str(_one_pair_suite(tmp_path)), "--out", str(out)]) == 0
    capsys.readouterr()
    rc = main(["check", str(out), "--baseline", str(_subset(tmp_path, "grid25", "wgan-gp"))])
    printed = capsys.readouterr().out
    assert rc == 1, printed
    assert "REGRESSION" in printed and "grid25 / wgan-gp / fid" in printed


def test_missing_pairs_fail(smoke_run, tmp_path, capsys):
    partial = tmp_path / "partial" / "records"
    partial.mkdir(parents=True)
    for f in (smoke_run / "records").glob("ring8__*.json"):
        (partial / f.name).write_text(f.read_text())
    rc = main(["check", str(partial.parent), "--baseline", str(BASELINE)])
    printed = capsys.readouterr().out
    assert rc == 1 and "MISSING" in printed and "grid25 / pacgan / *" in printed


def test_mismatched_protocol_exits_2(smoke_run, tmp_path, capsys):
    other = tmp_path / "other"
    (other / "records").mkdir(parents=True)
    for f in (smoke_run / "records").glob("*.json"):
        rec = json.loads(f.read_text())
        rec["protocol"]["n_fake"] = 1000
        (other / "records" / f.name).write_text(json.dumps(rec))
    rc = main(["check", str(other), "--baseline", str(BASELINE)])
    assert rc == 2 and "n_fake: 2500 vs 1000" in capsys.readouterr().out
