"""The long table of evaluation points: one row per (trial, point, value), diverged points scored at the
metric's worst value, failed trials absent, reference rows budget-free, old records one point."""
import math

import numpy as np
import pytest

from ganbench.report.curves import curve_frame, grid, point_values, points
from tests.report.records import make


def _curved(task, variant, seed, values, diverged_from=None):
    """A record judged at 100, 200, 400 G steps with mode_tv ``values`` (ema and raw)."""
    r = make(task, variant, seed, {"mode_tv": values[-1]}, budget={"g_steps": 400},
             protocol={"headline": "mode_tv", "metrics": ["modes"], "generator": "ema(0.999)"})
    r["curve"] = []
    for b, v in zip((100, 200, 400), values):
        st = "diverged" if diverged_from is not None and b >= diverged_from else "ok"
        r["curve"].append({"budget": {"g_steps": b}, "status": st, "metrics": {} if st != "ok" else {"mode_tv": v},
                           "metrics_raw": {} if st != "ok" else {"mode_tv": v + 0.1}})
    if diverged_from is not None:
        r["status"], r["metrics"] = "diverged", {}
    return r


def test_points_and_imputation():
    records = [_curved("ring8", "gan-ns", 0, [0.9, 0.5, 0.2]), _curved("ring8", "gan-ns", 1, [0.8, 0.4, 0.3]),
               _curved("ring8", "lsgan", 0, [0.7, 0.6, 0.5], diverged_from=200),
               make("ring8", "lsgan", 1, {}, status="failed"),
               make("ring8", "init", 0, {"mode_tv": 1.0}, kind="init", protocol={"headline": "mode_tv"})]
    f = curve_frame(records)
    assert grid(f, "ring8") == [100.0, 200.0, 400.0]
    assert point_values(f, "ring8", "gan-ns", "mode_tv", 200).tolist() == [0.5, 0.4]
    assert point_values(f, "ring8", "gan-ns", "mode_tv[identity]", None).tolist() == [0.2, 0.3]
    lsgan = f[(f.variant == "lsgan")]
    assert set(lsgan.seed_index) == {0}  # the failed seed is a crash to retry, not a result
    assert point_values(f, "ring8", "lsgan", "mode_tv", 100).tolist() == [0.7]
    assert point_values(f, "ring8", "lsgan", "mode_tv", 400).tolist() == [1.0]  # diverged: mode_tv's worst
    assert point_values(f, "ring8", "init", "mode_tv", 200).tolist() == [1.0]  # the floor stands at every budget
    assert math.isnan(f[f.variant == "init"].budget.iloc[0])
    raw = curve_frame(records, raw=True)
    assert sorted(raw[(raw.variant == "gan-ns") & (raw.seed_index == 0) & (raw.budget == 100)].value) == [0.9, 1.0]


def test_a_record_without_a_curve_is_one_point_at_its_budget():
    r = make("ring8", "gan-ns", 0, {"modes": 7.0}, budget={"g_steps": 300})
    assert points(r)[0]["budget"] == {"g_steps": 300}
    f = curve_frame([r])
    assert f.budget.tolist() == [300.0] and f.unit.tolist() == ["g_steps"]
    assert np.isclose(point_values(f, "ring8", "gan-ns", "modes", 300.0000000001).iloc[0], 7.0)


def test_verdict_maps_name_budget_ranges_in_the_budgets_unit():
    from ganbench.report.curves import ranges, verdict_map

    steps = [750, 1500, 3000]
    assert verdict_map(steps, ["better", "better", "undecided"], "g_steps") == "better at ≤ 1,500 G steps; undecided from 3,000"
    assert verdict_map([750, 1500, 2000, 3000], ["worse", "better", "better", "worse"], "kimg") == \
        "worse at ≤ 750 kimg; better at 1,500–2,000; worse from 3,000"
    assert verdict_map(steps, ["better"] * 3, "gflops") == "better at every budget (750–3,000 GFLOP)"
    assert verdict_map([2.5], ["equivalent"], "kimg") == "equivalent at 2.5 kimg"
    assert verdict_map(steps, ["reproduced", "reproduced", "undecided"], "g_steps", {"reproduced": "(pacgan better)"}) == \
        "reproduced at ≤ 1,500 G steps (pacgan better); undecided from 3,000"
    assert verdict_map(steps, ["a", "b", "a"], "g_steps", far=[False, True, True]) == \
        "a at ≤ 750 G steps; b at 1,500; a from 3,000; both sides < 25% of the way from floor to ceiling from 1,500 G steps"
    assert ranges(steps, ["x", "y", "x"], "g_steps", keep={"x"}) == [("x", "at ≤ 750 G steps"), ("x", "from 3,000")]
    with pytest.raises(ValueError, match="one label per budget"):
        verdict_map(steps, ["a"], "g_steps")


def test_progress_from_floor_to_ceiling_and_its_words():
    from ganbench.report.curves import far_from_data, floor_ceiling, progress, regime

    records = [make("ring8", kind, s, {"mode_tv": v}, kind=kind, protocol={"headline": "mode_tv"})
               for kind, v in (("init", 0.9), ("real", 0.1)) for s in range(2)]
    assert floor_ceiling(curve_frame(records), "ring8", "mode_tv") == pytest.approx((0.9, 0.1))
    assert all(math.isnan(x) for x in floor_ceiling(curve_frame(records[:2]), "ring8", "mode_tv[identity]")[1:])
    assert progress(0.5, 0.9, 0.1) == pytest.approx(0.5) and progress(1.0, 0.9, 0.1) < 0  # worse than untrained
    assert math.isnan(progress(0.5, 0.9, 0.9)) and math.isnan(progress(0.5, math.nan, 0.1))
    assert regime({"pacgan": 0.31, "gan-ns": 0.04}) == "pacgan 31%, gan-ns 4% of the way from floor to ceiling"
    assert regime({"pacgan": 0.2, "gan-ns": 0.04}).endswith("; both far from the data (< 25%)")
    assert regime({"pacgan": math.nan, "gan-ns": 0.04}) == "" and not far_from_data({"a": math.nan, "b": 0.1})
    assert far_from_data({"a": 0.2, "b": 0.1}) and not far_from_data({"a": 0.3, "b": 0.1})
