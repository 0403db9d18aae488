"""A task's budget axis (ganbench.report.budget_axis): curves, time-to-target and AUC per variant from
hand-made records, diverged seeds counted against their variant, the EMA note, and tasks judged at one
point only left as they were."""
import math

import numpy as np
import pytest

from ganbench.report.budget_axis import (add_budget_columns, budget_axes, ema_note, ert_text, order_sentence,
                                         ranks_display)
from ganbench.report.tables import aggregate

from .records import make, curved, references

B = (100, 1000, 10000)


def _records(diverge=False):
    recs = []
    for s in range(4):
        # floor 1.0, ceiling 0.0: "quick" reaches half way at 100 steps and 90% at 10,000
        recs.append(curved("ring8", "quick", s, [0.45, 0.3, 0.08], budgets=B, raw=[0.4, 0.28, 0.07]))
        recs.append(curved("ring8", "slow", s, [0.95, 0.6 - 0.2 * (s % 2), 0.3], budgets=B, raw=[0.9, 0.5, 0.3],
                           diverged_from=10000 if diverge and s == 0 else None))
    return recs + references("ring8", floor=[1.0, 1.0, 1.0, 1.0], ceiling=[0.0, 0.0, 0.0, 0.0])


def test_time_to_target_and_auc_per_variant():
    recs = _records()
    axis = budget_axes(recs)["ring8"]
    assert axis.budgets == (100.0, 1000.0, 10000.0) and axis.unit == "g_steps" and not axis.higher
    a = axis.anytime
    assert a.loc["quick", "ert50"] == 100 and a.loc["quick", "ert50 successes"] == 4
    assert a.loc["quick", "ert90"] == 10000 and a.loc["quick", "ert90 successes"] == 4
    # slow: seeds 1 and 3 reach 0.4 (60%) at 1,000, seeds 0 and 2 reach 0.3 (70%) only at 10,000
    assert a.loc["slow", "ert50"] == pytest.approx((1000 + 1000 + 10000 + 10000) / 4)
    assert math.isinf(a.loc["slow", "ert90"]) and a.loc["slow", "ert90 successes"] == 0
    assert ert_text(a.loc["slow"], 0.9) == "∞ (0/4)"
    # quick's progress [0.55, 0.7, 0.92]: trapezoid on log budget over two equal decades
    assert a.loc["quick", "auc"] == pytest.approx(((0.55 + 0.7) / 2 + (0.7 + 0.92) / 2) / 2)
    assert a.loc["quick", "auc"] > a.loc["slow", "auc"]
    assert axis.floor.mean == 1.0 and axis.ceiling.mean == 0.0
    assert [c.variant for c in axis.curves] == ["quick", "slow"] and axis.curves[0].seeds == 4
    assert [c.variant for c in axis.raw_curves] == ["quick", "slow"]  # the ranked generator is an EMA
    assert axis.raw_curves[0].mean == pytest.approx((0.4, 0.28, 0.07))


def test_a_diverged_seed_counts_against_its_variant():
    base, diverged = budget_axes(_records())["ring8"], budget_axes(_records(diverge=True))["ring8"]
    # seed 0 of slow diverged before 10,000 steps: mode TV 1 (its worst) there, so it is censored at 50%
    assert diverged.anytime.loc["slow", "ert50 successes"] == 3 and diverged.anytime.loc["slow", "ert50 seeds"] == 4
    assert diverged.anytime.loc["slow", "ert50"] > base.anytime.loc["slow", "ert50"]
    assert diverged.anytime.loc["slow", "auc"] < base.anytime.loc["slow", "auc"]
    assert diverged.curves[1].mean[-1] == pytest.approx((1.0 + 0.3 * 3) / 4)
    assert "1 div." in ranks_display(diverged).iloc[1, -1]


def test_one_point_tasks_have_no_budget_axis_and_tables_stay_as_they_were():
    recs = [make("ring8", "gan-ns", s, {"modes": 7 + s % 2}) for s in range(4)]
    tables = aggregate(recs)
    axes = budget_axes(recs, tables)
    assert axes == {} and add_budget_columns(tables, axes)["ring8"].equals(tables["ring8"])


def test_columns_join_the_leaderboard_and_reference_rows_stay_blank():
    recs = _records()
    tables = aggregate(recs)
    joined = add_budget_columns(tables, budget_axes(recs, tables))["ring8"]
    assert joined.loc["quick", "ert50"] == 100 and math.isnan(joined.loc["real", "ert50"])
    assert list(joined.index) == list(tables["ring8"].index)


def test_a_task_without_floor_or_ceiling_says_so():
    recs = [r for r in _records() if r["kind"] != "real"]
    axis = budget_axes(recs)["ring8"]
    assert axis.ceiling is None and math.isnan(axis.anytime.loc["quick", "ert50"])
    assert "lacks the real row" in axis.notes[0]


def test_the_ema_note_gives_the_share_of_the_initial_weights_at_each_point():
    note = ema_note("ema(0.999)", [100, 500, 1000], ["100 G steps", "500 G steps", "1,000 G steps"])
    assert "90% at 100 G steps" in note and "61% at 500 G steps" in note and "37% at 1,000 G steps" in note
    assert ema_note("raw", [100], ["100 G steps"]) == ""
    axis = budget_axes(_records())["ring8"]
    assert "0.999^t" in axis.ema and "90% at 100 G steps" in axis.ema


def test_kimg_grids_read_the_steps_from_the_points():
    recs = _records()
    for r in recs:
        for pt in r.get("curve", []):
            pt["budget"] = {"kimg": pt["spent"]["kimg"]}  # 100 steps of batch 64 = 6.4 kimg
    axis = budget_axes(recs)["ring8"]
    assert axis.unit == "kimg" and axis.budgets == (6.4, 64.0, 640.0)
    assert "90% at 6.4 kimg" in axis.ema


def test_order_sentence_says_why_none_is_named():
    axis = budget_axes(_records())["ring8"]
    text = order_sentence(axis)
    assert "not distinguishable" in text and "Holm" in text
    assert "0.029" in text  # 4 seeds a side: the smallest p-value, 2/70, cannot pass α/3
    assert np.isfinite(axis.order.smallest_p)
