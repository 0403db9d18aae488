import numpy as np
import pytest

from ganbench.report.compare import compare_records, comparison_table, to_json, to_markdown

from .records import make

RNG = np.random.default_rng(0)


def _group(task, variant, values, **kw):
    return [make(task, variant, s, {"fid": float(v), "modes": 8}, protocol={"headline": "fid"}, **kw)
            for s, v in enumerate(values)]


def test_identical_distributions_give_no_significant_difference():
    base = _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8)) + _group("ring8", "wgan", RNG.normal(1.2, 0.1, 8))
    cand = _group("ring8", "mine", RNG.normal(1.0, 0.1, 8))
    (c,) = compare_records(cand, base, "mine")
    assert c.verdict == "no significant difference" and c.welch_p_holm > 0.05
    assert c.best_baseline == "gan-ns"  # lower FID is better
    assert c.diff_ci_lo < 0 < c.diff_ci_hi


@pytest.mark.parametrize("shift, verdict", [(-0.5, "better"), (+0.5, "worse")])
def test_shift_by_five_std_is_detected(shift, verdict):
    base = _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8))
    cand = _group("ring8", "mine", RNG.normal(1.0 + shift, 0.1, 8))
    (c,) = compare_records(cand, base, "mine")
    assert c.verdict == verdict and c.welch_p_holm < 1e-4 and c.mannwhitney_p_holm < 0.01
    assert c.diff == pytest.approx(c.candidate_mean - c.reference_mean)
    assert c.diff_ci_lo <= c.diff <= c.diff_ci_hi and (c.diff_ci_hi < 0 if shift < 0 else c.diff_ci_lo > 0)


def test_holm_correction_across_tasks():
    base, cand = [], []
    for task in ("ring8", "grid25", "hd"):
        base += _group(task, "gan-ns", RNG.normal(1.0, 0.1, 6))
        cand += _group(task, "mine", RNG.normal(1.0, 0.1, 6))
    comps = compare_records(cand, base, "mine")
    raw = sorted(c.welch_p for c in comps)
    adjusted = sorted(c.welch_p_holm for c in comps)
    assert adjusted[0] == pytest.approx(min(1.0, 3 * raw[0]))
    assert all(a >= r for a, r in zip(adjusted, raw))


def test_protocol_mismatch_is_an_error_naming_it():
    base = _group("ring8", "gan-ns", [1.0, 1.1, 0.9])
    cand = _group("ring8", "mine", [1.0, 1.1, 0.9], budget={"g_steps": 999})
    with pytest.raises(ValueError, match=r"budget: \{'g_steps': 999\} vs \{'g_steps': 100\}"):
        compare_records(cand, base, "mine")
    cand = [make("ring8", "mine", s, {"fid": 1.0}, protocol={"headline": "fid", "n_fake": 1000}) for s in range(3)]
    with pytest.raises(ValueError, match="n_fake: 1000 vs 2500"):
        compare_records(cand, base, "mine")
    cand = _group("ring8", "mine", [1.0, 1.1])
    with pytest.raises(ValueError, match=r"seeds \[0, 1\] vs baseline seeds \[0, 1, 2\]"):
        compare_records(cand, base, "mine")


def test_outputs():
    base = _group("ring8", "gan-ns", [1.0, 1.1, 0.9])
    cand = _group("ring8", "mine", [0.5, 0.6, 0.4])
    comps = compare_records(cand, base, "mine")
    assert "verdict" in comparison_table(comps).columns
    assert '"verdict": "better"' in to_json(comps)
    assert "Holm" in to_markdown(comps)


def _floor(task, values):
    return [make(task, "init", s, {"fid": float(v), "modes": 0}, protocol={"headline": "fid"}, kind="init")
            for s, v in enumerate(values)]


def test_a_candidate_no_better_than_the_untrained_generator_is_not_learned():
    # Against a weak reference the candidate even looks "better"; the floor says it learned nothing.
    base = _group("ring8", "gan-ns", RNG.normal(3.0, 0.1, 8)) + _floor("ring8", RNG.normal(2.0, 0.1, 8))
    (c,) = compare_records(_group("ring8", "mine", RNG.normal(2.0, 0.1, 8)), base, "mine")
    assert c.learned is False and c.p_vs_init > 0.05 and c.verdict == "not learned (not better than init)"
    assert c.welch_p_holm < 0.05  # what the verdict overrides
    (c,) = compare_records(_group("ring8", "mine", RNG.normal(1.0, 0.1, 8)), base, "mine")
    assert c.learned is True and c.p_vs_init < 1e-6 and c.verdict == "better"
    assert "p vs init" in comparison_table([c]).columns


def test_without_floor_rows_nothing_is_said_about_learning():
    (c,) = compare_records(_group("ring8", "mine", RNG.normal(1.0, 0.1, 8)),
                           _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8)), "mine")
    assert c.learned is None and comparison_table([c])["p vs init"].iloc[0] == ""
