import numpy as np

from ganbench.report.check import EXIT_PASS, EXIT_REGRESSION, EXIT_USAGE, check_records

from .records import make


def _run(values_by_variant, **kw):
    return [make("ring8", v, s, {"fid": float(x), "modes": 8}, **kw)
            for v, xs in values_by_variant.items() for s, x in enumerate(xs)]


def test_seed_noise_passes():
    rng = np.random.default_rng(1)
    base = _run({"gan-ns": rng.normal(1.0, 0.1, 5)})
    new = _run({"gan-ns": rng.normal(1.0, 0.1, 5)})
    r = check_records(new, base)
    assert r.passed and r.exit_code == EXIT_PASS


def test_real_regression_fails_naming_task_variant_and_metric():
    base = _run({"gan-ns": [1.0, 1.1, 0.9, 1.05, 0.95]})
    new = _run({"gan-ns": [2.0, 2.1, 1.9, 2.05, 1.95]})  # FID doubled: worse (lower is better)
    r = check_records(new, base)
    assert r.exit_code == EXIT_REGRESSION
    (f,) = r.failures
    assert (f.task, f.variant, f.metric, f.status) == ("ring8", "gan-ns", "fid", "regression")
    assert "REGRESSION" in r.summary() and "ring8 / gan-ns / fid" in r.summary()
    # An improvement of the same size is not a regression, and abs_tol can allow a known change.
    assert check_records(_run({"gan-ns": [0.1, 0.2, 0.0, 0.15, 0.05]}), base).passed
    assert check_records(new, base, abs_tol={"fid": 1.5}).passed


def test_missing_diverged_and_mismatch_have_their_own_messages():
    base = _run({"gan-ns": [1.0, 1.1], "pacgan": [1.0, 1.2]})
    new = _run({"gan-ns": [1.0, 1.1]})
    r = check_records(new, base)
    assert [(i.variant, i.status) for i in r.failures] == [("pacgan", "missing")] and r.exit_code == EXIT_REGRESSION
    new = _run({"gan-ns": [1.0, 1.1], "pacgan": [1.0]}) + [make("ring8", "pacgan", 1, {}, status="diverged")]
    r = check_records(new, base)
    assert any(i.status == "diverged" and "1 of 2 trials diverged" in i.message for i in r.failures)
    new = _run({"gan-ns": [1.0, 1.1], "pacgan": [1.0, 1.2]}, budget={"g_steps": 5})
    r = check_records(new, base)
    assert r.exit_code == EXIT_USAGE and all(i.status == "mismatch" for i in r.failures)
    assert "budget" in r.failures[0].message


def test_reports():
    base = _run({"gan-ns": [1.0, 1.1, 0.9]})
    new = _run({"gan-ns": [3.0, 3.1, 2.9]})
    r = check_records(new, base)
    xml = r.junit()
    assert xml.startswith("<?xml") and 'failures="1"' in xml and "<failure" in xml
    assert "❌ fail" in r.markdown() and "| ring8 | gan-ns | fid | regression |" in r.markdown()
