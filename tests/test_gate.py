"""The project gates itself on its own metrics: `ganbench run --suite smoke` then `ganbench check`
against the recorded baselines/smoke (exit 0); hand-edited copies of the records stand for the
regressions a gate must catch (exit 1) and the protocol errors it must refuse (exit 2)."""
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


def _copy(run, dest, edit=None, drop=()):
    """A copy of ``run``'s records with ``edit(record)`` applied and the trials in ``drop`` left out."""
    (dest / "records").mkdir(parents=True)
    for f in (run / "records").glob("*.json"):
        if f.stem in drop:
            continue
        rec = json.loads(f.read_text())
        if edit is not None:
            edit(rec)
        (dest / "records" / f.name).write_text(json.dumps(rec))
    return dest


def _foreign(rec):
    """The same record as if made on another CPU (another kernel capability): distribution mode."""
    rec["env"] = {**rec["env"], "cpu_model": "GenuineIntel 6/85", "cpu_capability": "AVX2"}


def _check(run, baseline, capsys, *extra):
    rc = main(["check", str(run), "--baseline", str(baseline), *extra])
    return rc, capsys.readouterr().out


def test_smoke_run_passes_the_gate(smoke_run, tmp_path, capsys):
    junit, md = tmp_path / "j.xml", tmp_path / "s.md"
    rc, out = _check(smoke_run, BASELINE, capsys, "--junit", str(junit), "--markdown", str(md))
    assert rc == 0, out
    assert "PASS" in out and 'failures="0"' in junit.read_text() and "✅" in md.read_text()


def test_a_rerun_on_another_machine_passes_by_the_seed_distribution(smoke_run, tmp_path, capsys):
    rc, out = _check(_copy(smoke_run, tmp_path / "foreign", _foreign), BASELINE, capsys)
    assert rc == 0, out
    assert "mode: distribution" in out


@pytest.mark.parametrize("foreign", [False, True], ids=["exact", "distribution"])
def test_one_broken_seed_fails(smoke_run, tmp_path, capsys, foreign):
    def break_one(rec):
        if foreign:
            _foreign(rec)
        if rec["trial_id"] == "grid25__wgan-gp__s1":
            rec["metrics"].update(fid=1e9, modes=0)

    rc, out = _check(_copy(smoke_run, tmp_path / "one", break_one), smoke_run, capsys)
    assert rc == 1, out
    assert "REGRESSION" in out and "grid25 / wgan-gp / fid" in out and "seed 1" in out


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
    start = text.index(f"[tasks.{other}]")
    end = text.find("[tasks.", start + 1)
    text = text[:start] + (text[end:] if end != -1 else "")
    p = tmp_path / "pair.toml"
    p.write_text(text)
    return p


def test_sabotaged_variant_fails_with_exit_1(tmp_path, monkeypatch, capsys):
    from ganbench.zoo import variants

    broken = variants.VARIANTS["wgan-gp"].replace(lr=0.0)  # a generator that never learns
    monkeypatch.setitem(variants.VARIANTS, "wgan-gp", broken)
    out = tmp_path / "sabotaged"
    # One worker: the run stays in this process, where the sabotage is patched in.
    assert main(["run", "--suite", str(_one_pair_suite(tmp_path)), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    rc, printed = _check(out, _subset(tmp_path, "grid25", "wgan-gp"), capsys)
    assert rc == 1, printed
    assert "REGRESSION" in printed and "grid25 / wgan-gp /" in printed


def test_a_missing_seed_fails(smoke_run, tmp_path, capsys):
    rc, out = _check(_copy(smoke_run, tmp_path / "gap", drop={"grid25__pacgan__s0"}), BASELINE, capsys)
    assert rc == 1 and "MISSING" in out and "grid25 / pacgan / *" in out and "seed(s) [0]" in out


def test_missing_pairs_fail(smoke_run, tmp_path, capsys):
    rc, out = _check(_copy(smoke_run, tmp_path / "partial", drop={f.stem for f in (smoke_run / "records").glob("grid25__*")}),
                     BASELINE, capsys)
    assert rc == 1 and "MISSING" in out and "grid25 / pacgan / *" in out


def test_a_diverged_seed_fails_as_diverged(smoke_run, tmp_path, capsys):
    def diverge(rec):
        if rec["trial_id"] == "ring8__gan-ns__s0":
            rec.update(status="diverged", error="non-finite loss at generator step 7", metrics={},
                       protocol={"task": "ring8"})

    rc, out = _check(_copy(smoke_run, tmp_path / "div", diverge), BASELINE, capsys)
    assert rc == 1 and "DIVERGED" in out and "ring8 / gan-ns / *" in out and "MISMATCH" not in out


@pytest.mark.parametrize("field,value,shown", [("n_fake", 1000, "n_fake: 2500 vs 1000"),
                                               ("budget", {"g_steps": 5}, "budget")])
def test_mismatched_protocol_exits_2_even_for_one_seed(smoke_run, tmp_path, capsys, field, value, shown):
    def edit(rec):
        if rec["trial_id"] == "ring8__pacgan__s1":
            if field == "budget":
                rec["budget"] = value
            else:
                rec["protocol"][field] = value

    rc, out = _check(_copy(smoke_run, tmp_path / "other", edit), BASELINE, capsys)
    assert rc == 2 and "MISMATCH" in out and shown in out, out


def test_baselines_are_standard_json():
    for f in BASELINE.glob("records/*.json"):
        json.loads(f.read_text(), parse_constant=lambda c: pytest.fail(f"{f.name}: non-standard JSON token {c}"))
