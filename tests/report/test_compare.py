import numpy as np
import pytest

from ganbench.report.compare import compare_records, comparison_table, to_json, to_markdown
from ganbench.report.sequential import Design, decide_all, plan
from ganbench.report.stats import hedges_g, perm_floor, prob_improvement, welch_diff_ci, welch_p, welch_power

from .records import make

RNG = np.random.default_rng(0)


def _group(task, variant, values, **kw):
    return [make(task, variant, s, {"fid": float(v), "modes": 8}, protocol={"headline": "fid"}, **kw)
            for s, v in enumerate(values)]


def test_identical_distributions_are_equivalent_within_the_margin_or_undecided_naming_the_seeds():
    base = _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8)) + _group("ring8", "wgan", RNG.normal(1.2, 0.1, 8))
    cand = _group("ring8", "mine", RNG.normal(1.0, 0.1, 8))
    (c,) = compare_records(cand, base, "mine")
    # FID's default margin is 10% of the reference's mean (the metric registry): ~0.1 here, one sd.
    # equivalence is tested at the row's own Holm level (here the only row: alpha), as the sequential path does
    assert c.margin == pytest.approx(0.1 * c.reference_mean) and c.tost_p < c.alpha == 0.05
    assert c.verdict == "equivalent" and c.welch_p_holm > 0.05
    assert c.best_baseline == "gan-ns"  # lower FID is better
    assert c.diff_ci_lo < 0 < c.diff_ci_hi
    assert comparison_table([c])["verdict"].iloc[0].startswith("equivalent (within ±0.1")
    # A margin too tight to show: undecided, naming the seeds that would detect the observed difference.
    (c,) = compare_records(cand, base, "mine", margins={"fid": 0.001})
    assert c.margin == 0.001 and c.tost_p > 0.05
    assert c.verdict == f"undecided (~{c.seeds_needed} seeds per side would detect the observed difference)"
    sds = c.candidate_std, c.reference_std
    assert welch_power(c.diff, *sds, c.seeds_needed, c.seeds_needed, c.alpha) >= 0.8
    assert welch_power(c.diff, *sds, c.seeds_needed - 1, c.seeds_needed - 1, c.alpha) < 0.8
    with pytest.raises(ValueError, match="margin for 'fid' must be a positive number"):
        compare_records(cand, base, "mine", margins={"fid": -1})


@pytest.mark.parametrize("shift, verdict", [(-0.5, "better"), (+0.5, "worse")])
def test_shift_by_five_std_is_detected(shift, verdict):
    base = _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8))
    cand = _group("ring8", "mine", RNG.normal(1.0 + shift, 0.1, 8))
    (c,) = compare_records(cand, base, "mine")
    # as small as 8 seeds per side allow: the permutation floor 2 / C(16, 8) (Welch's own p is far below)
    assert c.verdict == verdict and c.welch_p_holm == pytest.approx(perm_floor(8, 8)) and c.mannwhitney_p_holm < 0.01
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
    table = comparison_table(comps)
    assert list(table.columns) == ["task", "metric", "mine", "reference gan-ns", "best baseline", "diff [95% CI]", "g",
                                   "P(better) [95% CI]", "MDE", "seeds needed", "p vs init", "Welch p (Holm)", "verdict",
                                   "verdict by budget", "floor → ceiling"]
    row = table.iloc[0]
    # separated seeds: P(better) 1 with Newcombe's interval, which keeps its width (the bootstrap's was [1, 1])
    assert row["P(better) [95% CI]"] == "1.0 [0.5, 1.0]" and row["diff [95% CI]"].startswith("-0.5 [")
    # three seeds per side cannot reach alpha (floor 2/20): undecided, naming the 4 seeds the rule needs at least
    assert comps[0].verdict == "undecided (~4 seeds per side would detect the observed difference)"
    assert '"verdict": "undecided (~4 seeds' in to_json(comps)
    for key in ("prob_improvement_lo", "hedges_g", "mde", "seeds_needed", "tost_p", "bootstrap_ci_lo", "margin"):
        assert f'"{key}"' in to_json(comps)
    text = to_markdown(comps)
    assert "Holm" in text and "Welch t 95% CI" in text and "Hedges' g" in text


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
    assert c.learned is True and c.p_vs_init == pytest.approx(perm_floor(8, 8, "greater")) and c.verdict == "better"
    assert "p vs init" in comparison_table([c]).columns


def test_without_floor_rows_nothing_is_said_about_learning():
    (c,) = compare_records(_group("ring8", "mine", RNG.normal(1.0, 0.1, 8)),
                           _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8)), "mine")
    assert c.learned is None and comparison_table([c])["p vs init"].iloc[0] == ""


def test_rows_carry_effect_sizes_power_and_both_intervals():
    base = _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8))
    cv = RNG.normal(0.8, 0.1, 8)
    (c,) = compare_records(_group("ring8", "mine", cv), base, "mine")
    rv = np.array([r["metrics"]["fid"] for r in base])
    assert (c.diff, c.diff_ci_lo, c.diff_ci_hi) == pytest.approx(welch_diff_ci(cv, rv))  # the Welch t CI
    assert c.bootstrap_ci_lo < c.diff < c.bootstrap_ci_hi and c.bootstrap_ci_lo != c.diff_ci_lo
    assert c.hedges_g == pytest.approx(hedges_g(cv, rv)) and c.hedges_g < 0  # the sign of the difference
    # Lower FID is better: P(better) is P(candidate seed below reference seed).
    assert (c.prob_improvement, c.prob_improvement_lo, c.prob_improvement_hi) == pytest.approx(
        prob_improvement(cv, rv, higher_is_better=False))
    assert c.prob_improvement > 0.5
    assert welch_power(c.mde, c.candidate_std, c.reference_std, 8, 8, c.alpha) == pytest.approx(0.8, abs=1e-6)
    assert c.alpha == 0.05 and c.verdict == "better"


def test_holm_levels_of_the_rows_step_down():
    base, cand = [], []
    for task, shift in (("ring8", -0.5), ("grid25", -0.05), ("hd", 0.0)):
        base += _group(task, "gan-ns", RNG.normal(1.0, 0.1, 6))
        cand += _group(task, "mine", RNG.normal(1.0 + shift, 0.1, 6))
    comps = compare_records(cand, base, "mine", margins={"fid": 1e-3})
    order = sorted(comps, key=lambda c: c.welch_p)
    assert [c.alpha for c in order] == pytest.approx([0.05 / 3, 0.05 / 2, 0.05])


def test_mode_counts_use_the_registry_margin_and_unknown_values_have_none():
    base = [make("ring8", "gan-ns", s, {"modes": v}) for s, v in enumerate([8, 8, 7, 8])]
    cand = [make("ring8", "mine", s, {"modes": v, "mine_score": 1.0 + s}) for s, v in enumerate([8, 7, 8, 8])]
    base = [dict(r, metrics={**r["metrics"], "mine_score": 1.0 + r["seed_index"]}) for r in base]
    (c,) = compare_records(cand, base, "mine")
    assert c.metric == "modes" and c.margin == 1.0 and c.prob_improvement == pytest.approx(0.5)
    from ganbench.metrics.registry import HIGHER_IS_BETTER

    HIGHER_IS_BETTER["mine_score"] = True  # a plugin's value with a direction but no registry entry
    try:
        (c,) = compare_records(cand, base, "mine", metric="mine_score")
    finally:
        del HIGHER_IS_BETTER["mine_score"]
    assert c.margin is None and np.isnan(c.tost_p) and c.verdict == "undecided (no difference observed)"


def test_a_design_takes_its_verdicts_from_decide_all_at_the_look_of_the_seeds_run():
    base, cand, pairs = [], [], []
    for task, shift in (("ring8", -0.5), ("grid25", -0.03), ("hd", 0.0)):
        rv, cv = RNG.normal(1.0, 0.1, 10), RNG.normal(1.0 + shift, 0.1, 10)
        base += _group(task, "gan-ns", rv)
        cand += _group(task, "mine", cv)
        pairs.append((cv, rv, False, 0.1 * rv.mean()))
    design = plan(5, 20, 5)
    comps = compare_records(cand, base, "mine", design=design)
    decisions = decide_all(pairs, design)
    for c, d in zip(comps, decisions):
        assert (c.look, c.stop, c.alpha) == (d.look, d.stop, d.threshold) and c.look == 1
        assert c.verdict == d.verdict or (d.verdict == "undecided" and c.verdict.startswith("undecided (")
                                          and (d.seeds_needed is None or f"~{d.seeds_needed} seeds" in c.verdict))
    assert comps[0].verdict == "better" and "group-sequential" in to_markdown(comps)
    with pytest.raises(ValueError, match=r"ring8: 10 candidate and 10 reference seeds .* looks at \[4, 8\]"):
        compare_records(cand, base, "mine", design=Design((4, 8)))


def test_a_one_look_design_gives_holms_verdicts():
    base, cand = [], []
    for task, shift in (("ring8", -0.5), ("grid25", -0.1), ("hd", 0.05), ("x", 0.0)):
        base += _group(task, "gan-ns", RNG.normal(1.0, 0.1, 8))
        cand += _group(task, "mine", RNG.normal(1.0 + shift, 0.1, 8))
    fixed = compare_records(cand, base, "mine", margins={"fid": 1e-3})
    seq = compare_records(cand, base, "mine", margins={"fid": 1e-3}, design=Design((8,)))
    assert [c.verdict.split(" (")[0] for c in fixed] == [c.verdict.split(" (")[0] for c in seq]
    assert {c.verdict for c in fixed} >= {"better"}


def _families(rng, n_tasks, n):
    """Candidate and reference records on ``n_tasks`` tasks with random values of the kinds a run gives."""
    base, cand = [], []
    for t in range(n_tasks):
        kind = rng.integers(0, 3)
        if kind == 0:
            rv, cv = rng.normal(1.0, 0.1, n), rng.normal(1.0 + rng.choice([-0.3, -0.05, 0.0, 0.1]), 0.1, n)
        elif kind == 1:
            rv, cv = rng.choice([1.0, 1.5, 2.0], n), rng.choice([1.0, 1.5, 2.0], n)
        else:
            rv, cv = np.full(n, float(rng.integers(1, 4))), np.full(n, float(rng.integers(1, 4)))
        base += _group(f"t{t}", "gan-ns", rv)
        cand += _group(f"t{t}", "mine", cv)
    return cand, base


def test_compare_without_a_design_and_with_a_one_look_design_agree():
    """The fixed-sample path and Design((n,)) give the same p-values, levels, seeds needed and verdicts
    (equivalent included) on 30 random families of tasks with normal, tied and constant values."""
    rng = np.random.default_rng(5)
    fields = ("welch_p", "welch_p_holm", "alpha", "tost_p", "mde", "seeds_needed", "verdict")
    for _ in range(30):
        n = int(rng.integers(2, 9))
        cand, base = _families(rng, int(rng.integers(1, 4)), n)
        fixed = compare_records(cand, base, "mine", margins={"fid": 0.2})
        one = compare_records(cand, base, "mine", margins={"fid": 0.2}, design=Design((n,)))
        assert [[getattr(c, f) for f in fields] for c in fixed] == [[getattr(c, f) for f in fields] for c in one]


def test_the_two_paths_say_the_same_on_the_degenerate_cases_of_the_issue():
    # [8, 8] vs [7, 7] (no spread) and [8, 8] vs [7, 7.001] (almost none): one p, one verdict, every path.
    for ref in ([7.0, 7.0], [7.0, 7.001]):
        base = _group("ring8", "gan-ns", ref)
        cand = _group("ring8", "mine", [8.0, 8.0])
        rows = [compare_records(cand, base, "mine", design=design)[0] for design in (None, Design((2,)))]
        for c in rows:
            assert c.welch_p == pytest.approx(1 / 3) and c.verdict.startswith("undecided (~")
        assert rows[0].verdict == rows[1].verdict


def test_a_diverged_seed_counts_against_its_variant():
    """A diverged seed scores its metric's worst value (mode TV: 1) or, unbounded (FID), ranks below every
    finite value; it is counted, never a ValueError, on both paths."""
    rv = [0.30, 0.32, 0.31, 0.29, 0.33]
    base = [make("ring8", "gan-ns", s, {"mode_tv": v}, protocol={"headline": "mode_tv"}) for s, v in enumerate(rv)]
    cand = [make("ring8", "mine", s, {"mode_tv": 0.1}, protocol={"headline": "mode_tv"}) for s in range(4)]
    cand.append(make("ring8", "mine", 4, {}, status="diverged", protocol={"headline": "mode_tv"}))
    for design in (None, Design((5,))):
        (c,) = compare_records(cand, base, "mine", design=design)
        assert c.n == 5 and c.candidate_diverged == 1 and c.candidate_mean == pytest.approx((4 * 0.1 + 1.0) / 5)
        assert c.welch_p == pytest.approx(welch_p([0.1] * 4 + [1.0], rv)) and c.verdict.startswith("undecided")
    assert "(1 diverged)" in comparison_table([c])["mine"].iloc[0]
    # FID: the diverged seed is +inf, the comparison falls back to ranks (Mann-Whitney with the same floor)
    base = _group("ring8", "gan-ns", [1.0, 1.1, 0.9, 1.05, 0.95])
    cand = _group("ring8", "mine", [0.5, 0.6, 0.4, 0.55]) + [make("ring8", "mine", 4, {}, status="diverged",
                                                                  protocol={"headline": "fid"})]
    for design in (None, Design((5,))):
        (c,) = compare_records(cand, base, "mine", design=design)
        assert c.candidate_mean == np.inf and np.isnan(c.diff_ci_lo) and np.isnan(c.hedges_g)
        assert c.welch_p > perm_floor(5, 5) and c.prob_improvement == pytest.approx(0.8)
        assert c.verdict.startswith("undecided (diverged seeds")
    # a failed seed is a crash, not a result: it has no value (and a design needs its look complete)
    failed = _group("ring8", "mine", [0.5, 0.6, 0.4, 0.55]) + [make("ring8", "mine", 4, {}, status="failed",
                                                                    protocol={"headline": "fid"})]
    (c,) = compare_records(failed, base, "mine")
    assert c.n == 4 and c.candidate_diverged == 0
    with pytest.raises(ValueError, match="failed seed has no value"):
        compare_records(failed, base, "mine", design=Design((5,)))


def test_the_best_baseline_comes_from_best_from_while_the_verdict_reads_the_view():
    rv, cv = RNG.normal(1.0, 0.1, 4), RNG.normal(0.8, 0.1, 4)
    view = _group("ring8", "gan-ns", rv)
    everything = view + _group("ring8", "wgan", [0.2, 0.3])  # a better baseline with the suite's 2 seeds only
    cand = _group("ring8", "mine", cv)
    (c,) = compare_records(cand, view, "mine", best_from=everything)
    assert (c.best_baseline, c.best_baseline_mean) == ("wgan", pytest.approx(0.25))
    (alone,) = compare_records(cand, view, "mine")
    assert alone.best_baseline == "gan-ns" and (alone.welch_p, alone.verdict) == (c.welch_p, c.verdict)
    with pytest.raises(ValueError, match="n_fake"):
        compare_records(cand, view, "mine", best_from=everything + [
            make("ring8", "lsgan", 0, {"fid": 0.1}, protocol={"headline": "fid", "n_fake": 10})])


def test_hostile_names_keep_the_markdown_table_whole():
    name = "x|y`<b>*_$\nz"
    base = _group("ring8", "gan-ns", [1.0, 1.1, 0.9, 1.0])
    cand = _group("ring8", name, [0.5, 0.6, 0.4, 0.5])
    table = to_markdown(compare_records(cand, base, name)).split("\n\n", 1)[1]
    import re

    rows = [r for r in table.splitlines() if r.startswith("|")]
    assert len({len(re.split(r"(?<!\\)\|", r)) for r in rows}) == 1 and "<b>" not in table


# --- verdicts at every budget of the grid (issue 41) -----------------------------------------------

STEPS = (250, 500, 1000)


def _curved(task, variant, rows, diverged_from=None):
    """Records judged at 250, 500 and 1,000 G steps: ``rows`` = per seed, mode TV at each budget."""
    out = []
    for s, values in enumerate(rows):
        r = make(task, variant, s, {"mode_tv": float(values[-1])}, budget={"g_steps": STEPS[-1]},
                 protocol={"headline": "mode_tv"})
        r["curve"] = [{"budget": {"g_steps": b}, "status": "ok", "metrics": {"mode_tv": float(v)}}
                      for b, v in zip(STEPS, values)]
        if diverged_from is not None and s == 0:  # seed 0 diverges from that budget on
            for pt in r["curve"]:
                if pt["budget"]["g_steps"] >= diverged_from:
                    pt["status"], pt["metrics"] = "diverged", {}
            r["status"], r["metrics"] = "diverged", {}
        out.append(r)
    return out


def _references(task, floor=0.95, ceiling=0.05):
    return [make(task, kind, s, {"mode_tv": v + 0.001 * s}, kind=kind, protocol={"headline": "mode_tv"})
            for kind, v in (("init", floor), ("real", ceiling)) for s in range(3)]


def _early_only(rng, n=10, task="ring8"):
    """The candidate ahead at 250 and 500 G steps by 0.3 mode TV (sd 0.03), level with the reference at 1,000."""
    ref = 0.5 + 0.03 * rng.standard_normal((n, 3))
    cand = ref.mean(0) + 0.03 * rng.standard_normal((n, 3)) - np.array([0.3, 0.3, 0.0])
    return _curved(task, "mine", cand), _curved(task, "gan-ns", ref) + _references(task), cand, ref


def test_every_budget_of_the_grid_is_judged_and_the_map_names_the_ranges():
    cand, base, cv, rv = _early_only(np.random.default_rng(1))
    (c,) = compare_records(cand, base, "mine", margins={"mode_tv": 1e-3})
    assert [b.budget for b in c.by_budget] == list(STEPS) and [b.unit for b in c.by_budget] == ["g_steps"] * 3
    assert [b.label for b in c.by_budget[:2]] == ["better", "better"] and c.by_budget[2].label == "undecided"
    assert c.verdict_map == "better at ≤ 500 G steps; undecided from 1,000"
    assert c.verdict.startswith("undecided") and c.by_budget[-1].verdict == c.verdict  # the row: its own budget
    last = c.by_budget[-1]
    assert (last.candidate_mean, last.diff, last.p, last.n) == (c.candidate_mean, c.diff, c.welch_p, 10)
    # the three budgets are one question of the graph: they share the alpha of the task
    pairs = [(cv[:, j], rv[:, j], False, 1e-3) for j in range(3)]
    expected = decide_all(pairs, questions=["ring8"] * 3)
    assert [(b.decision, b.threshold, b.p) for b in c.by_budget] == [(d.verdict, d.threshold, d.p) for d in expected]
    assert c.alpha == expected[-1].threshold and c.by_budget[0].threshold == pytest.approx(0.05 / 3)
    assert c.by_budget[0].diff == pytest.approx(cv[:, 0].mean() - rv[:, 0].mean()) and c.by_budget[0].diff_ci_hi < 0
    assert "verdict by budget" in comparison_table([c]).columns and "better at ≤ 500 G steps" in to_markdown([c])
    assert '"by_budget"' in to_json([c]) and '"verdict_map"' in to_json([c])


def test_tasks_share_alpha_first_then_their_budgets():
    rng = np.random.default_rng(2)
    cand, base, _, _ = _early_only(rng)
    for task in ("grid25", "hd"):  # two tasks without curves: one budget each
        base += _group(task, "gan-ns", RNG.normal(1.0, 0.1, 10))
        cand += _group(task, "mine", RNG.normal(1.0, 0.1, 10))
    comps = compare_records(cand, base, "mine", margins={"mode_tv": 1e-3, "fid": 1e-3})
    ring, grid25, _ = comps
    assert len(grid25.by_budget) == 1 and grid25.verdict_map.endswith("at 100 G steps")
    # the first look: ring8's budgets start at alpha / 3 / 3, the others at alpha / 3; ring8's two early
    # rejections pass alpha / 9 each to its last budget, which is then held to alpha / 3
    assert ring.by_budget[0].threshold == pytest.approx(0.05 / 9)
    assert ring.alpha == pytest.approx(0.05 / 3) and grid25.alpha >= 0.05 / 3


def test_the_regime_says_how_far_each_side_is_from_the_data():
    cand, base, cv, rv = _early_only(np.random.default_rng(3))
    (c,) = compare_records(cand, base, "mine", margins={"mode_tv": 1e-3})
    floor, ceiling = 0.951, 0.051  # the init and real rows' means
    b = c.by_budget[0]
    assert b.candidate_progress == pytest.approx((cv[:, 0].mean() - floor) / (ceiling - floor))
    assert b.reference_progress == pytest.approx((rv[:, 0].mean() - floor) / (ceiling - floor))
    assert c.regime == c.by_budget[-1].regime and c.regime.endswith("of the way from floor to ceiling")
    assert c.regime.startswith(f"mine {c.by_budget[-1].candidate_progress:.0%}, gan-ns ")
    # a weak pair: both sides under a quarter of the way at every budget
    (c,) = compare_records(cand, base[:10] + _references("ring8", floor=0.6), "mine", margins={"mode_tv": 1e-3})
    assert "both far from the data (< 25%)" in c.regime
    assert c.verdict_map.endswith("; both sides < 25% of the way from floor to ceiling from 1,000 G steps")  # not before
    (c,) = compare_records(cand, base[:10], "mine", margins={"mode_tv": 1e-3})  # no floor, no ceiling: unknown
    assert c.regime == "" and np.isnan(c.by_budget[0].candidate_progress)


def test_a_task_stays_open_while_any_budget_is_undecided():
    """With a design, ``stop`` needs every budget decided (or the last look): the early budgets decided
    and the last undecided at an earlier look keep the task open for more seeds."""
    cand, base, _, _ = _early_only(np.random.default_rng(4))
    (c,) = compare_records(cand, base, "mine", margins={"mode_tv": 1e-3}, design=plan(5, 20, 5))
    assert [b.stop for b in c.by_budget] == [True, True, False] and c.stop is False and c.look == 1
    (c,) = compare_records(cand, base, "mine", margins={"mode_tv": 1e-3}, design=Design((5, 10)))
    assert c.stop is True and c.by_budget[-1].verdict.startswith("undecided")  # the last look: closed


def test_a_diverged_point_counts_at_the_worst_value_from_that_budget_on():
    rng = np.random.default_rng(5)
    ref = 0.5 + 0.03 * rng.standard_normal((6, 3))
    cand = _curved("ring8", "mine", 0.2 + 0.03 * rng.standard_normal((6, 3)), diverged_from=500)
    (c,) = compare_records(cand, _curved("ring8", "gan-ns", ref), "mine")
    assert [b.candidate_mean > 0.3 for b in c.by_budget] == [False, True, True]  # seed 0 at 1 from 500 G steps
    assert c.candidate_diverged == 1 and c.by_budget[-1].candidate_mean == pytest.approx(c.candidate_mean)


def test_records_without_a_curve_are_one_budget_and_the_same_verdicts_as_before():
    base = _group("ring8", "gan-ns", RNG.normal(1.0, 0.1, 8))
    cand = _group("ring8", "mine", RNG.normal(0.5, 0.1, 8))
    (c,) = compare_records(cand, base, "mine")
    assert len(c.by_budget) == 1 and c.verdict == "better" and c.verdict_map == "better at 100 G steps"
    assert c.by_budget[0].threshold == c.alpha == 0.05
