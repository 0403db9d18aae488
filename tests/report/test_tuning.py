"""report/tuning: the expected-best estimator on closed cases and against brute force over every
n-subset; selection on the selection reference (direction, ties, diverged and failed configurations,
the refusal without selection values); the rerun view, the results, the orderings and the renderings,
on hand-made records."""
import itertools
import json
import math

import numpy as np
import pytest

from ganbench.report import tuning as tu
from tests.report.records import curved, make, references

GRID = (100, 200)


# --- the estimator -------------------------------------------------------------------------------------


def brute_force(values, n, higher=True):
    best = max if higher else min
    subsets = list(itertools.combinations(values, n))
    return sum(best(s) for s in subsets) / len(subsets)


def test_closed_cases():
    v = [0.3, 0.1, 0.7, 0.5]
    assert tu.expected_best(v, 4) == 0.7 and tu.expected_best(v, 4, higher_is_better=False) == 0.1
    assert math.isclose(tu.expected_best(v, 1), np.mean(v)) and math.isclose(tu.expected_best(v, 1, False), np.mean(v))
    # n = 2 of 4 by hand: the six pairs' maxima 0.3, 0.7, 0.5, 0.7, 0.5, 0.7
    assert math.isclose(tu.expected_best(v, 2), (0.3 + 0.7 + 0.5 + 0.7 + 0.5 + 0.7) / 6)
    assert tu.expected_best([2.0, 2.0, 2.0], 2) == 2.0  # all tied
    assert tu.expected_best([5.0], 1) == 5.0
    curve = tu.expected_best_curve(v)
    assert len(curve) == 4 and np.all(np.diff(curve) >= 0) and curve[-1] == 0.7
    assert np.all(np.diff(tu.expected_best_curve(v, False)) <= 0)


def test_brute_force_over_every_subset_with_ties():
    rng = np.random.default_rng(0)
    for big_n in range(1, 9):
        for trial in range(4):
            # ties: values drawn from few levels half the time
            v = rng.integers(0, 3, big_n).astype(float) if trial % 2 else rng.normal(size=big_n)
            for n in range(1, big_n + 1):
                for higher in (True, False):
                    assert math.isclose(tu.expected_best(v, n, higher), brute_force(v, n, higher), rel_tol=1e-12,
                                        abs_tol=1e-12), (v, n, higher)


def test_refusals_and_infinite_values():
    with pytest.raises(ValueError, match=r"needs 1 <= n <= N = 3 .*does not extrapolate"):
        tu.expected_best([1, 2, 3], 4)
    with pytest.raises(ValueError, match="1 <= n <= N"):
        tu.expected_best([1, 2, 3], 0)
    with pytest.raises(ValueError, match="must not be NaN"):
        tu.expected_best([1, math.nan], 1)
    # a diverged configuration of an unbounded metric (FID = inf): the mean is inf, the best of all is finite
    assert tu.expected_best([3.0, math.inf, 5.0], 1, higher_is_better=False) == math.inf
    assert tu.expected_best([3.0, math.inf, 5.0], 3, higher_is_better=False) == 3.0
    assert math.isclose(tu.expected_best([3.0, math.inf, 5.0], 2, higher_is_better=False), (3 + 3 + 5) / 3)


# --- hand-made tuned runs ------------------------------------------------------------------------------


def design(variants=("gan-ns", "lsgan"), n=4, r=5, select_at="final"):
    return tu.TuneDesign(suite="hand", variants=tuple(variants), configs=n, sampler_seed=0, rerun_seeds=r,
                         select_at=select_at,
                         configurations={v: (v, *(f"{v}+s0c{i:02d}" for i in range(1, n))) for v in variants},
                         spaces={v: "lr∈logU[1e-5,1e-2]" for v in variants})


def config_record(task, name, seed, value, selection, lr=1e-3, **kw):
    r = curved(task, name, seed, [value + 0.1, value], budgets=GRID, selection=[selection + 0.1, selection], **kw)
    r["variant_config"] = {"name": name, "loss": "ns", "lr": lr, "betas": [0.5, 0.999], "batch_size": 64,
                           "doc": name, "origin": {}}
    return r


def run_records(values, selection, reruns):
    """``values``/``selection``: per variant, per configuration (reported, selection) one-seed values;
    ``reruns``: per (variant, configuration index), the reported values of seeds 1..R."""
    d = design()
    recs = []
    for v, vals in values.items():
        for i, (x, s) in enumerate(zip(vals, selection[v])):
            recs.append(config_record("ring8", d.configurations[v][i], 0, x, s, lr=1e-3 * (i + 1)))
    for (v, i), xs in reruns.items():
        for seed, x in enumerate(xs, start=1):
            recs.append(config_record("ring8", d.configurations[v][i], seed, x, x, lr=1e-3 * (i + 1)))
    return d, recs + references("ring8")


def test_selection_reads_the_selection_reference_direction_aware_ties_to_the_lowest_index():
    values = {"gan-ns": [0.5, 0.1, 0.4, 0.3], "lsgan": [0.5, 0.6, 0.2, 0.7]}
    selection = {"gan-ns": [0.5, 0.45, 0.2, 0.2], "lsgan": [0.5, 0.9, 0.6, 0.9]}  # mode_tv: lower is better
    d, recs = run_records(values, selection, {})
    sel = tu.select(recs, d)
    # gan-ns: the best *reported* value is configuration 1 (0.1), the selection picks 2 (tie with 3: lowest)
    assert sel[("ring8", "gan-ns")].index == 2 and sel[("ring8", "gan-ns")].name == "gan-ns+s0c02"
    assert sel[("ring8", "lsgan")].index == 0 and sel[("ring8", "lsgan")].value == 0.5
    # select_at a grid point: the first point's selection values (each + 0.1) order the same here
    assert tu.select(recs, design(select_at=100))[("ring8", "gan-ns")].value == pytest.approx(0.3)
    with pytest.raises(ValueError, match=r"not judged at select_at 150 .*points: 100, 200"):
        tu.select(recs, design(select_at=150))


def test_a_diverged_configuration_counts_at_the_worst_a_failed_one_is_left_out():
    values = {"gan-ns": [0.5, 0.1, 0.4, 0.3], "lsgan": [0.5, 0.6, 0.2, 0.7]}
    selection = {"gan-ns": [0.5, 0.05, 0.2, 0.3], "lsgan": [0.5, 0.9, 0.6, 0.9]}
    d, recs = run_records(values, selection, {})
    i = next(k for k, r in enumerate(recs) if r["variant"] == "gan-ns+s0c01")
    recs[i] = curved("ring8", "gan-ns+s0c01", 0, [0.2, 0.0], budgets=GRID, selection=[0.2, 0.0], diverged_from=200)
    j = next(k for k, r in enumerate(recs) if r["variant"] == "gan-ns+s0c02")
    recs[j] = {**recs[j], "status": "failed", "error": "boom"}
    s = tu.select(recs, d)[("ring8", "gan-ns")]
    assert s.index == 3 and s.values[1] == 1.0 and s.values[2] is None  # mode_tv's worst is 1
    res = {r.variant: r for r in tu.tuning_results(recs, d)}["gan-ns"]
    assert len(res.expected) == 3 and math.isnan(res.values[2])  # N' = 3 configurations with a result


def test_a_task_without_selection_values_is_refused_naming_it():
    d = design()
    recs = [make("ring8", name, 0, {"mode_tv": 0.3}, protocol={"headline": "mode_tv"})  # no curve, no selection
            for v in d.variants for name in d.configurations[v]]
    with pytest.raises(ValueError, match=r"task 'ring8' has no selection values .*disjoint from the reported one"):
        tu.select(recs, d)


def test_results_read_the_reruns_only_and_give_a_pasteable_line():
    values = {"gan-ns": [0.5, 0.1, 0.4, 0.3], "lsgan": [0.5, 0.6, 0.2, 0.7]}
    selection = {"gan-ns": [0.5, 0.45, 0.2, 0.25], "lsgan": [0.5, 0.9, 0.6, 0.9]}
    reruns = {("gan-ns", 2): [0.20, 0.22, 0.18, 0.21, 0.19], ("gan-ns", 0): [0.40, 0.45, 0.38, 0.42, 0.41],
              ("lsgan", 0): [0.30, 0.33, 0.29, 0.31, 0.32]}
    d, recs = run_records(values, selection, reruns)
    summary = tu.summarise(recs, d)
    res = {r.variant: r for r in summary.results}
    g = res["gan-ns"]
    assert g.selected_name == "gan-ns+s0c02" and g.selected_value == 0.2 and g.default_value == 0.5
    assert g.tuned_rerun["n"] == 5 and g.tuned_rerun["mean"] == pytest.approx(0.2)  # not the one-seed 0.4
    assert g.default_rerun["mean"] == pytest.approx(0.412)
    assert g.gain == pytest.approx(0.212) and g.gain_ci_lo > 0  # lower is better: the gain is signed to be > 0
    assert g.expected[0] == pytest.approx(np.mean(selection["gan-ns"])) and g.expected[-1] == 0.2
    assert g.register == 'register_variant("gan-ns-tuned", base="gan-ns", lr=0.003)'
    assert res["lsgan"].register == 'register_variant("lsgan-tuned", base="lsgan")'  # the default was selected
    assert res["lsgan"].tuned_rerun["values"] == res["lsgan"].default_rerun["values"]
    # the view: reruns of the selected configurations and the defaults, reference rows; no one-seed trials
    view = summary.view
    assert {(r["variant"], r["seed_index"]) for r in view if r.get("kind", "trial") == "trial"} == {
        (n, s) for n in ("gan-ns", "gan-ns+s0c02", "lsgan") for s in range(1, 6)}
    assert sum(r.get("kind") == "init" for r in view) == 5
    stand_in = tu.rerun_view(recs, d, summary.selections, stand_in=True)
    assert {r["variant"] for r in stand_in if r.get("kind", "trial") == "trial"} == {"gan-ns", "lsgan"}
    assert sorted(r["metrics"]["mode_tv"] for r in stand_in if r["variant"] == "gan-ns") == sorted(
        reruns[("gan-ns", 2)])
    # the orderings: lsgan's default beats gan-ns's, tuned gan-ns beats lsgan: reversed
    (o,) = summary.orderings
    assert (o.a, o.b, o.default_order, o.tuned_order, o.outcome) == ("gan-ns", "lsgan", "lsgan better",
                                                                      "gan-ns better", "reversed")
    assert tu.ranks(summary.results, "default_rerun") == {("ring8", "lsgan"): 1, ("ring8", "gan-ns"): 2}
    assert tu.ranks(summary.results, "tuned_rerun") == {("ring8", "gan-ns"): 1, ("ring8", "lsgan"): 2}


def test_renderings_escape_names_and_show_every_part(tmp_path):
    values = {"gan-ns": [0.5, 0.1, 0.4, 0.3], "lsgan": [0.5, 0.6, 0.2, 0.7]}
    selection = {"gan-ns": [0.5, 0.45, 0.2, 0.25], "lsgan": [0.5, 0.9, 0.6, 0.9]}
    reruns = {("gan-ns", 2): [0.20, 0.22, 0.18, 0.21, 0.19], ("gan-ns", 0): [0.40, 0.45, 0.38, 0.42, 0.41],
              ("lsgan", 0): [0.30, 0.33, 0.29, 0.31, 0.32]}
    d, recs = run_records(values, selection, reruns)
    summary = tu.summarise(recs, d)
    md = tu.tuning_markdown(summary, {"ring8": "ring8_tuning.png"})
    for text in ("## Tuned on equal budgets", "![ring8: expected best of n configurations](ring8_tuning.png)",
                 "E[best of 4]", "gan-ns+s0c02", 'register_variant("gan-ns-tuned", base="gan-ns", lr=0.003)',
                 "reversed", "Tang et al. 2020"):
        assert text in md, text
    shown = tu.results_display(summary.results)
    assert list(shown["E[best of 1]"]) == ["0.35", "0.725"] and "rank: tuned" in shown
    frame = tu.tuning_frame(summary)
    assert len(frame) == 8 and frame["selected"].sum() == 2
    # the design round-trips through tune.json
    (tmp_path / tu.TUNE_FILE).write_text(json.dumps(d.to_dict()))
    assert tu.load_design(tmp_path) == d and tu.load_design(tmp_path / "nothing") is None
    assert d.to_dict()["space_digests"]["gan-ns"] == d.to_dict()["space_digests"]["lsgan"]


def test_a_tuned_run_directory_renders_its_leaderboard(tmp_path):
    from ganbench.report.publish import html_page, write_leaderboard
    from tests.report.records import write

    values = {"gan-ns": [0.5, 0.1, 0.4, 0.3], "lsgan": [0.5, 0.6, 0.2, 0.7]}
    selection = {"gan-ns": [0.5, 0.45, 0.2, 0.25], "lsgan": [0.5, 0.9, 0.6, 0.9]}
    reruns = {("gan-ns", 2): [0.20, 0.22, 0.18, 0.21, 0.19], ("gan-ns", 0): [0.40, 0.45, 0.38, 0.42, 0.41],
              ("lsgan", 0): [0.30, 0.33, 0.29, 0.31, 0.32]}
    d, recs = run_records(values, selection, reruns)
    for r in recs:
        r["trial_id"] = f"{r['task']}__{r['variant']}__{r.get('kind', 'trial')}__s{r['seed_index']}"
    write(tmp_path, recs)
    (tmp_path / tu.TUNE_FILE).write_text(json.dumps(d.to_dict()))
    written = write_leaderboard(tmp_path)
    md = written["md"].read_text()
    assert md.index("## Tuned on equal budgets") < md.index("## ring8\n")
    assert "ring8_tuning.png" in md and written["ring8 tuning"].is_file() and written["tuning"].is_file()
    board = md[md.index("## ring8\n"):]
    assert "gan-ns+s0c02" in board and "gan-ns+s0c01" not in board  # the main table shows the reruns only
    html = html_page(tmp_path)
    assert 'id="tuning"' in html and "register_variant(&quot;gan-ns-tuned&quot;" in html
