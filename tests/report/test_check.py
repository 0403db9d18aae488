import numpy as np
import pytest

from ganbench.report.check import EXIT_PASS, EXIT_REGRESSION, EXIT_USAGE, check_records

from .records import make

HERE = {"torch": "2.14.1", "device": "cpu", "device_name": "AMD EPYC", "cpu_model": "AuthenticAMD 25/17",
        "cpu_capability": "AVX512", "threads": 2}
ELSEWHERE = {**HERE, "cpu_model": "AuthenticAMD 23/1", "cpu_capability": "AVX2"}


def _run(values_by_variant, env=HERE, modes=8, **kw):
    return [make("ring8", v, s, {"fid": float(x), "modes": modes}, env=env, **kw)
            for v, xs in values_by_variant.items() for s, x in enumerate(xs)]


def _statuses(r):
    return [(i.variant, i.metric, i.status) for i in r.failures]


# -- exact mode: same environment fingerprint, so every seed must reproduce -----------------------

def test_identical_rerun_passes_seed_by_seed():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]})
    r = check_records(_run({"gan-ns": [1.0, 1.1, 0.9]}), base)
    assert r.exit_code == EXIT_PASS and {i.mode for i in r.items} == {"exact"}
    assert "mode: exact" in r.summary()


def test_single_seed_regression_fails_in_exact_mode():
    base = _run({"gan-ns": [1.0, 1.1, 0.9, 1.05, 0.95]})
    new = _run({"gan-ns": [1.0, 1.1, 1e9, 1.05, 0.95]})
    r = check_records(new, base)
    assert r.exit_code == EXIT_REGRESSION and _statuses(r) == [("gan-ns", "fid", "regression")]
    assert "seed 2" in r.failures[0].message
    assert check_records(_run({"gan-ns": [1.0, 1.1, 0.5, 1.05, 0.95]}), base).passed  # better is fine
    assert check_records(new, base, abs_tol={"fid": 2e9}).passed


# -- distribution mode: another machine, so seeds are new draws -------------------------------------

def test_seed_noise_passes_on_another_machine():
    rng = np.random.default_rng(1)
    base = _run({"gan-ns": rng.normal(1.0, 0.1, 5)})
    new = _run({"gan-ns": rng.normal(1.0, 0.1, 5)}, env=ELSEWHERE)
    r = check_records(new, base)
    assert r.passed and r.exit_code == EXIT_PASS and {i.mode for i in r.items} == {"distribution"}


def test_shifted_distribution_fails_naming_task_variant_and_metric():
    base = _run({"gan-ns": [1.0, 1.1, 0.9, 1.05, 0.95]})
    new = _run({"gan-ns": [2.0, 2.1, 1.9, 2.05, 1.95]}, env=ELSEWHERE)  # FID doubled (lower is better)
    r = check_records(new, base)
    assert r.exit_code == EXIT_REGRESSION and _statuses(r) == [("gan-ns", "fid", "regression")]
    assert "distribution shifted" in r.failures[0].message and "ring8 / gan-ns / fid" in r.summary()
    assert check_records(_run({"gan-ns": [0.1, 0.2, 0.0, 0.15, 0.05]}, env=ELSEWHERE), base).passed
    assert check_records(new, base, abs_tol={"fid": 1.5}).passed


def test_one_seed_far_outside_the_baseline_fails_even_when_the_mean_barely_moves():
    # One of n seeds moving by D moves the mean by D/n and the pooled SE by as much: a mean test alone
    # can never see it. The per-seed gate does.
    base = _run({"gan-ns": [1.0, 1.1, 0.9, 1.05, 0.95]}, modes=3)
    new = _run({"gan-ns": [1.0, 1.1, 1e9, 1.05, 0.95]}, env=ELSEWHERE, modes=3)
    r = check_records(new, base)
    assert r.exit_code == EXIT_REGRESSION and "seed 2" in r.failures[0].message
    assert "outside the seed distribution" in r.failures[0].message


def test_two_seeds_bound_a_new_seed_only_loosely():
    # Measured on the smoke suite (2 seeds, an untrained wgan-gp at 400 steps): FID 0.47 and 0.66 on
    # the baseline's CPU, 1.66 for one seed on another; two seeds cannot define a spread, so the
    # Student-t prediction bound with one degree of freedom only catches gross breakage.
    base = _run({"wgan-gp": [0.4683, 0.6597]})
    assert check_records(_run({"wgan-gp": [0.52, 1.663]}, env=ELSEWHERE), base).passed
    broken = check_records(_run({"wgan-gp": [0.52, 1e9]}, env=ELSEWHERE), base)
    assert broken.exit_code == EXIT_REGRESSION and "seed 1" in broken.failures[0].message
    # a seed is judged against the others, the run's too, so a baseline without spread is not a hair trigger
    same = _run({"gan-ns": [0.0044, 0.0044]})
    assert check_records(_run({"gan-ns": [0.0036, 0.0052]}, env=ELSEWHERE), same).passed
    # measured on the smoke suite: precision 0.0044 on three seeds (11 of 2,500 samples), 0.0036 on
    # the fourth: the others agree exactly, no bound can be predicted, the mean decides
    r = check_records(_run({"gan-ns": [0.0036, 0.0044]}, env=ELSEWHERE), same)
    assert r.passed and "not bounded" in r.items[0].message


def test_forced_modes():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]})
    slightly = _run({"gan-ns": [1.0, 1.1, 0.91]})
    assert not check_records(slightly, base).passed  # exact: seed 2 got worse
    assert check_records(slightly, base, mode="distribution").passed  # but it is within the seed noise
    with pytest.raises(ValueError, match="mode must be"):
        check_records(slightly, base, mode="fuzzy")


# -- completeness, protocols, divergence --------------------------------------------------------------

def test_a_missing_seed_fails():
    base = _run({"gan-ns": [1.0, 1.1, 0.9], "pacgan": [1.0, 1.2, 1.1]})
    new = [r for r in _run({"gan-ns": [1.0, 1.1, 0.9], "pacgan": [1.0, 1.2, 1.1]}) if r["trial_id"] != "ring8__pacgan__s1"]
    r = check_records(new, base)
    assert r.exit_code == EXIT_REGRESSION and ("pacgan", "*", "missing") in _statuses(r)
    assert "seed(s) [1]" in r.summary()
    r = check_records(_run({"gan-ns": [1.0, 1.1, 0.9]}), base)
    assert ("pacgan", "*", "missing") in _statuses(r)


def test_mixed_protocols_are_a_mismatch_whichever_seed_differs():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]})
    new = _run({"gan-ns": [1.0, 1.1, 0.9]})
    new[2]["budget"] = {"g_steps": 5}  # one seed trained with another budget
    r = check_records(new, base)
    assert r.exit_code == EXIT_USAGE and _statuses(r) == [("gan-ns", "*", "mismatch")]
    assert "budget" in r.failures[0].message and "ring8__gan-ns__s2" in r.failures[0].message
    new = _run({"gan-ns": [1.0, 1.1, 0.9]})
    new[1]["protocol"] = {**new[1]["protocol"], "n_fake": 1000}
    assert check_records(new, base).exit_code == EXIT_USAGE
    whole = _run({"gan-ns": [1.0, 1.1, 0.9]}, budget={"g_steps": 5})
    r = check_records(whole, base)
    assert r.exit_code == EXIT_USAGE and "protocol differs from the baseline" in r.failures[0].message


def test_diverged_trials_are_diverged_not_a_mismatch():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]})
    new = _run({"gan-ns": [1.0, 1.1]}) + [make("ring8", "gan-ns", 2, {}, status="diverged", env=HERE)]
    r = check_records(new, base)
    assert r.exit_code == EXIT_REGRESSION and ("gan-ns", "*", "diverged") in _statuses(r)
    assert "seed 2 diverged" in r.summary()
    all_diverged = [make("ring8", "gan-ns", s, {}, status="diverged", env=HERE, protocol={"n_fake": 1}) for s in range(3)]
    r = check_records(all_diverged, base)
    assert r.exit_code == EXIT_REGRESSION and {i.status for i in r.failures} == {"diverged"}
    # A seed that diverged in the baseline too is not a regression.
    base2 = base[:2] + [make("ring8", "gan-ns", 2, {}, status="diverged", env=HERE)]
    assert check_records(new, base2).passed


def test_reference_rows_are_not_checked():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]}) + [make("ring8", "init", s, {"fid": 9.0}, kind="init", env=HERE)
                                                 for s in range(3)]
    new = _run({"gan-ns": [1.0, 1.1, 0.9]})
    r = check_records(new, base)
    assert r.passed and all(i.variant == "gan-ns" for i in r.items)


def test_reports():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]})
    new = _run({"gan-ns": [3.0, 3.1, 2.9]}, env=ELSEWHERE)
    r = check_records(new, base)
    xml = r.junit()
    assert xml.startswith("<?xml") and 'failures="1"' in xml and "<failure" in xml
    md = r.markdown()
    assert "❌ fail" in md and "| ring8 | gan-ns | fid | regression | distribution |" in md


# -- code identity: a record says which code made it ------------------------------------------------

def _with_code(records, modules, chash):
    for r in records:
        r["code"], r["config_hash"] = {"fingerprint": chash, "modules": dict(modules)}, chash
    return records


def test_a_code_change_is_reported_not_failed_and_the_seeds_are_judged_by_distribution():
    code = {"ganbench.zoo.losses": "aaa", "ganbench.zoo.steps": "bbb"}
    base = _with_code(_run({"gan-ns": [1.0, 1.1, 0.9, 1.05, 0.95]}), code, "h1")
    edited = {**code, "ganbench.zoo.losses": "ccc"}
    new = _with_code(_run({"gan-ns": [1.02, 1.08, 0.93, 1.0, 0.97]}), edited, "h2")  # same env, other code
    r = check_records(new, base)
    assert r.passed and r.exit_code == EXIT_PASS
    (note,) = r.notes
    assert note.status == "code" and "ganbench.zoo.losses" in note.message and "ganbench.zoo.steps" not in note.message
    assert {i.mode for i in r.items if i.metric == "fid"} == {"distribution"}  # not "should reproduce seed by seed"
    assert "CODE" in r.summary() and "<failure" not in r.junit() and "ganbench.zoo.losses" in r.junit()
    worse = _with_code(_run({"gan-ns": [3.0, 3.1, 2.9, 3.05, 2.95]}), edited, "h2")
    r = check_records(worse, base)
    assert r.exit_code == EXIT_REGRESSION and ("gan-ns", "fid", "regression") in _statuses(r)


def test_unchanged_code_says_nothing_and_records_without_code_count_as_changed():
    code = {"ganbench.zoo.losses": "aaa"}
    base = _with_code(_run({"gan-ns": [1.0, 1.1, 0.9]}), code, "h1")
    assert check_records(_with_code(_run({"gan-ns": [1.0, 1.1, 0.9]}), code, "h1"), base).notes == []
    old = _run({"gan-ns": [1.0, 1.1, 0.9]})  # written before records carried their code
    (note,) = check_records(old, base).notes
    assert "(not recorded)" in note.message
