from xml.etree import ElementTree

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


# -- the comparison it states is the comparison it made ------------------------------------------------

INTEL = {**HERE, "cpu_model": "GenuineIntel 6/167"}  # one fingerprint field differs
CPU_FIELD = "cpu_model AuthenticAMD 25/17 vs GenuineIntel 6/167"
BASE = [1.0, 1.1, 0.9, 1.05, 0.95]
PERTURBED = [1.0, 1.1, 5.0, 1.05, 0.95]  # seed 2's FID far worse


def _scenario(name):
    code = {"ganbench.zoo.losses": "aaa"}
    base = _with_code(_run({"gan-ns": BASE}), code, "h1")
    values = PERTURBED if "perturbed" in name else BASE
    env = INTEL if "cpu" in name else HERE
    new_code, new_hash = ({"ganbench.zoo.losses": "ccc"}, "h2") if "code" in name else (code, "h1")
    return _with_code(_run({"gan-ns": values}, env=env), new_code, new_hash), base


# scenario, mode -> exit code (None: refused), the mode used, words its basis must hold
MATRIX = {
    ("same", "auto"): (0, "exact", "auto: same environment fingerprint and configuration"),
    ("same", "exact"): (0, "exact", "--mode exact: same environment"),
    ("same", "distribution"): (0, "distribution", "--mode distribution: same environment"),
    ("same perturbed", "auto"): (1, "exact", "auto: same environment"),
    ("same perturbed", "exact"): (1, "exact", "--mode exact: same environment"),
    ("same perturbed", "distribution"): (1, "distribution", "--mode distribution: same environment"),
    ("cpu", "auto"): (0, "distribution", f"auto: the environment differs from the baseline's in {CPU_FIELD}"),
    ("cpu", "exact"): (None, None, None),
    ("cpu", "distribution"): (0, "distribution", f"--mode distribution: the environment differs from the baseline's in {CPU_FIELD}"),
    ("cpu perturbed", "auto"): (1, "distribution", f"auto: the environment differs from the baseline's in {CPU_FIELD}"),
    ("cpu perturbed", "exact"): (None, None, None),
    ("cpu perturbed", "distribution"): (1, "distribution", f"--mode distribution: the environment differs from the baseline's in {CPU_FIELD}"),
    ("code", "auto"): (0, "distribution", "auto: the code changed since the baseline (in ganbench.zoo.losses)"),
    ("code", "exact"): (0, "exact", "--mode exact: the code changed since the baseline (in ganbench.zoo.losses), so seeds "
                                    "reproduce only if that moved no number"),
    ("code", "distribution"): (0, "distribution", "--mode distribution: the code changed since the baseline"),
    ("code perturbed", "auto"): (1, "distribution", "auto: the code changed"),
    ("code perturbed", "exact"): (1, "exact", "--mode exact: the code changed"),
    ("code perturbed", "distribution"): (1, "distribution", "--mode distribution: the code changed"),
}


@pytest.mark.parametrize("scenario,mode", list(MATRIX), ids=lambda x: x.replace(" ", "-"))
def test_every_line_states_the_comparison_it_made(scenario, mode):
    exit_code, used, basis = MATRIX[(scenario, mode)]
    new, base = _scenario(scenario)
    if exit_code is None:  # exact mode across environments: refused, naming the field and the way out
        with pytest.raises(ValueError, match=r"--mode exact .*cpu_model AuthenticAMD 25/17 vs GenuineIntel 6/167.*"
                                             r"--mode distribution"):
            check_records(new, base, mode=mode)
        return
    r = check_records(new, base, mode=mode)
    assert r.exit_code == exit_code
    metrics = [i for i in r.items if i.metric != "*"]
    assert {i.mode for i in metrics} == {used} and all(basis in i.basis for i in metrics)
    words = "seed by seed" if used == "exact" else "by the seed distribution"
    assert f"ring8 / gan-ns: {words} ({basis}" in r.summary() and f"mode: {used})" in r.summary()
    assert all(i.described.startswith(f"{words} ({basis}") for i in metrics)  # markdown and JUnit show it
    assert r.markdown().count(f"{words} (") == len(metrics)
    cases = [c for c in ElementTree.fromstring(r.junit()) if not c.get("name").endswith("/*")]
    assert len(cases) == len(metrics) and all(next(iter(c)).text.startswith(f"{words} ({basis}") for c in cases)
    if used == "distribution":  # nothing claims that each seed should reproduce
        assert "same environment as the baseline" not in r.summary() and "reproduce" not in r.summary()
    (fid,) = [i for i in metrics if i.metric == "fid"]
    if exit_code:
        assert ("seed 2: 5 vs 0.9" if used == "exact" else "seed 2 = 5") in fid.message
        assert f"REGRESSION ring8 / gan-ns / fid: {words}: " in r.summary()
    else:
        assert ("identical at every seed" if used == "exact" else "every seed within the other seeds'") in fid.message
    code_notes = [i.message for i in r.notes]
    assert code_notes == ([f"the code that trains and judges this variant changed since the baseline, in "
                           f"ganbench.zoo.losses; its metrics were compared {words}"] if "code" in scenario else [])


def test_exact_mode_across_environments_is_exit_2_naming_every_differing_field(tmp_path, capsys):
    from ganbench.cli import main

    from .records import write

    elsewhere = {**HERE, "cpu_model": "GenuineIntel 6/167", "cpu_capability": "AVX2"}
    write(tmp_path / "base", _run({"gan-ns": BASE}))
    write(tmp_path / "new", _run({"gan-ns": BASE}, env=elsewhere))
    argv = ["check", str(tmp_path / "new"), "--baseline", str(tmp_path / "base")]
    assert main([*argv, "--mode", "exact"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cpu_model AuthenticAMD 25/17 vs GenuineIntel 6/167" in err
    assert "cpu_capability AVX512 vs AVX2" in err and "--mode distribution" in err
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "COMPARED   ring8 / gan-ns: by the seed distribution (auto: the environment differs from the baseline's in " \
           "cpu_model AuthenticAMD 25/17 vs GenuineIntel 6/167; cpu_capability AVX512 vs AVX2)" in out


def test_a_baseline_recorded_on_two_machines_is_no_exact_baseline():
    base = _run({"gan-ns": BASE[:3]}) + [make("ring8", "gan-ns", 3 + s, {"fid": x, "modes": 8}, env=INTEL)
                                         for s, x in enumerate(BASE[3:])]
    r = check_records(_run({"gan-ns": BASE}), base)
    assert {i.mode for i in r.items} == {"distribution"}
    assert "cpu_model AuthenticAMD 25/17 + GenuineIntel 6/167 vs AuthenticAMD 25/17" in r.items[0].basis
    with pytest.raises(ValueError, match="cpu_model"):
        check_records(_run({"gan-ns": BASE}), base, mode="exact")


# -- points of the curve: every intermediate budget is gated too -------------------------------------

def _curved_run(values_by_variant, env=HERE, at_1000=None):
    """Trials judged at 100, 1,000 and 10,000 steps on mode TV; ``at_1000``: seed -> value at 1,000 steps."""
    from .records import curved

    out = []
    for v, finals in values_by_variant.items():
        for s, x in enumerate(finals):
            mid = (at_1000 or {}).get(s, 0.4 + s / 100)
            out.append(curved("ring8", v, s, [0.9 + s / 1000, mid, x], budgets=(100, 1000, 10000), env=env))
    return out


FINALS = {"gan-ns": [0.20, 0.22, 0.18, 0.21, 0.19]}


def test_an_unchanged_rerun_with_curves_passes_at_every_point():
    r = check_records(_curved_run(FINALS), _curved_run(FINALS))
    assert r.passed and {i.budget for i in r.items} == {"", "100 G steps", "1,000 G steps"}
    assert any(i.where == "mode_tv at 1,000 G steps" and i.status == "pass" for i in r.items)
    moved = check_records(_curved_run(FINALS, env=ELSEWHERE), _curved_run(FINALS))  # another machine, same numbers
    assert moved.passed


def test_a_regression_only_at_an_intermediate_budget_fails_naming_it():
    base = _curved_run(FINALS)
    worse = _curved_run(FINALS, at_1000={2: 0.95})  # seed 2 at 1,000 steps: 0.42 -> 0.95, the end unchanged
    r = check_records(worse, base)
    assert r.exit_code == EXIT_REGRESSION and [(i.where, i.status) for i in r.failures] == [
        ("mode_tv at 1,000 G steps", "regression")]
    assert "ring8 / gan-ns / mode_tv at 1,000 G steps: seed by seed" in r.summary() and "seed 2" in r.summary()
    assert "mode_tv at 1,000 G steps" in r.junit() and "| mode_tv at 1,000 G steps |" in r.markdown()
    elsewhere = check_records(_curved_run(FINALS, env=ELSEWHERE, at_1000={2: 0.95}), base)
    assert [(i.where, i.status) for i in elsewhere.failures] == [("mode_tv at 1,000 G steps", "regression")]
    assert "Bonferroni over 2 intermediate points" in elsewhere.failures[0].message


def test_intermediate_points_split_the_final_points_tail():
    from scipy.stats import norm

    from ganbench.report.check import compare_metric, point_k

    assert point_k(3.0, 1) == 3.0 and point_k(3.0, 6) == pytest.approx(3.51, abs=0.01)
    assert norm.sf(point_k(3.0, 6)) * 6 == pytest.approx(norm.sf(3.0))
    # honest re-runs on another machine (5 seeds a side, one normal distribution at every point): how often
    # does one of 6 intermediate points fail? Measured over 3,000 experiments: the final point alone 1.4%,
    # the 6 intermediate points at k = 3 8.6%, at point_k 2.6% (the mean test's SE comes from 5 + 5 seeds,
    # so its tail is heavier than the normal one k is set by)
    rng = np.random.default_rng(0)
    k6 = point_k(3.0, 6)
    split = plain = 0
    reps = 400  # the bounds below sit 3 or more binomial SDs from the measured rates
    for _ in range(reps):
        b, x = rng.normal(0.3, 0.05, size=(2, 6, 5))
        fails = lambda k: any(compare_metric(dict(enumerate(b[i])), dict(enumerate(x[i])), "mode_tv", "distribution",  # noqa: E731
                                             k).status == "regression" for i in range(6))
        split, plain = split + fails(k6), plain + fails(3.0)
    assert split / reps < 0.05 and plain > split


def test_baseline_points_the_run_lacks_are_named_not_failed():
    base = _curved_run(FINALS)
    new = [dict(r, curve=r["curve"][1:]) for r in _curved_run(FINALS)]  # no point at 100 steps
    r = check_records(new, base)
    assert r.passed
    assert any(i.status == "skipped" and "100 G steps" in i.message for i in r.items)
