"""The leaderboard's tables (ganbench.report.tables): aggregation math on hand-made records, the display
table, and the per-seed values every test reads (a diverged seed counts against its variant)."""
import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.stats import holm, mean_ci, welch_p
from ganbench.report.tables import (aggregate, display_table, load_results, long_frame, scored_frame, seed_values,
                                    worst_value)

from .records import make


def _records():
    recs = []
    for s, (m, f) in enumerate([(8, 0.1), (7, 0.2), (8, 0.15), (8, 0.12)]):
        recs.append(make("ring8", "good", s, {"modes": m, "fid": f}))
    for s, (m, f) in enumerate([(2, 0.9), (3, 1.1), (2, 1.0), (2, 0.95)]):
        recs.append(make("ring8", "bad", s, {"modes": m, "fid": f}))
    for s, (m, f) in enumerate([(8, 0.12), (6, 0.3)]):
        recs.append(make("ring8", "close", s, {"modes": m, "fid": f}))
    recs.append(make("ring8", "close", 2, {}, status="diverged"))
    return recs


def test_aggregation_math_on_hand_made_records():
    t = aggregate(_records())["ring8"]
    col = "modes[identity]"
    assert list(t.index) == ["good", "close", "bad"]  # ranked by the headline, higher is better
    assert list(t["rank"]) == [1, 2, 3]
    good = [8, 7, 8, 8]
    assert t.loc["good", f"{col} mean"] == pytest.approx(7.75)
    assert t.loc["good", f"{col} std"] == pytest.approx(np.std(good, ddof=1))
    half = stats.t.ppf(0.975, 3) * np.std(good, ddof=1) / 2
    assert t.loc["good", f"{col} ci_lo"] == pytest.approx(7.75 - half)
    assert t.loc["good", f"{col} ci_hi"] == pytest.approx(7.75 + half)
    # mean and std over the ok seeds; the diverged one is counted beside them
    assert t.loc["close", f"{col} n"] == 2 and t.loc["close", "diverged"] == 1 and t.loc["close", "ok"] == 2
    assert t.loc["close", f"{col} mean"] == 7.0
    assert bool(t.loc["good", "tie_best"]) and bool(t.loc["close", "tie_best"])  # 8,6,(0) vs 8,7,8,8: not significant
    # 4 vs 4 separated seeds reach the floor 2/70 < 0.05 (3 vs 3 could not: 2/20)
    assert not bool(t.loc["bad", "tie_best"]) and welch_p([2, 3, 2, 2], good) == pytest.approx(2 / 70)
    assert t.loc["good", "fid[identity] mean"] == pytest.approx(0.1425)


def test_lower_is_better_ranks_ascending():
    recs = [make("grid25", v, s, {"fid": x}, protocol={"headline": "fid"}) for v, xs in
            [("a", [3.0, 3.1]), ("b", [1.0, 1.1]), ("c", [2.0, 2.2])] for s, x in enumerate(xs)]
    t = aggregate(recs)["grid25"]
    assert list(t.index) == ["b", "c", "a"]


def test_display_marks_counts_and_one_rounding():
    d = display_table(aggregate(_records())["ring8"])
    assert list(d["variant"]) == ["good ≈", "close ≈", "bad"]
    assert list(d["diverged"]) == [0, 1, 0]
    # format.py's rounding (the html page's): the std keeps one digit, the mean its place; no "-0.0"
    assert list(d["modes[identity]"]) == ["7.8 ± 0.5", "7.0 ± 1.4", "2.2 ± 0.5"]
    assert d["modes[identity] 95% CI"].iloc[0] == "[7.0, 8.5]" and d["fid[identity]"].iloc[0] == "0.14 ± 0.04"


def test_one_seed_rows_are_untested_not_unlearned():
    # One seed each: Welch has no variance to test with, so nothing is ranked, and the table says
    # why instead of calling a generator that plainly beat the floor "not learned".
    recs = [make("ring8", "a", 0, {"modes": 8}), make("ring8", "init", 0, {"modes": 0}, kind="init")]
    t = aggregate(recs)["ring8"]
    assert bool(t.loc["a", "untested"]) and not bool(t.loc["a", "learned"])
    assert list(display_table(t)["variant"])[0] == "a (untested: one seed)"
    two = recs + [make("ring8", "a", 1, {"modes": 0}), make("ring8", "init", 1, {"modes": 0}, kind="init")]
    t = aggregate(two)["ring8"]  # tested now, and not better than the floor
    assert not bool(t.loc["a", "untested"]) and list(display_table(t)["variant"])[0] == "a (not learned)"


def test_learned_needs_seeds_that_can_reach_alpha():
    """Three seeds against three init draws cannot be significant one-sided (floor 1/20 = α); four can."""
    def run(n):
        return [make("ring8", "a", s, {"modes": 8}) for s in range(n)] + \
            [make("ring8", "init", s, {"modes": 0}, kind="init") for s in range(n)]
    t3, t4 = aggregate(run(3))["ring8"], aggregate(run(4))["ring8"]
    assert t3.loc["a", "p_vs_init"] == pytest.approx(0.05) and not bool(t3.loc["a", "learned"])
    assert t4.loc["a", "p_vs_init"] == pytest.approx(1 / 70) and bool(t4.loc["a", "learned"])


def test_a_diverged_seed_counts_against_learned_and_rank():
    """mode TV is bounded: a diverged seed scores 1 (its worst); FID is not: +inf, below every finite value."""
    assert worst_value("mode_tv[identity]") == 1.0 and worst_value("modes") == 0.0
    assert worst_value("fid[inception]") == math.inf and worst_value("precision[x]") == 0.0
    assert worst_value("kid_std[x]") is None and worst_value("c_t[x]") is None
    recs = [make("ring8", v, s, {"mode_tv": x}, protocol={"headline": "mode_tv"}) for v, xs in
            [("steady", [0.30, 0.31, 0.32, 0.33]), ("flaky", [0.10, 0.11, 0.12])] for s, x in enumerate(xs)]
    recs.append(make("ring8", "flaky", 3, {}, status="diverged", protocol={"headline": "mode_tv"}))
    recs += [make("ring8", "broken", s, {"mode_tv": 0.1}, protocol={"headline": "mode_tv"}) for s in range(2)]
    recs += [make("ring8", "broken", s, {}, status="diverged", protocol={"headline": "mode_tv"}) for s in (2, 3)]
    recs += [make("ring8", "init", s, {"mode_tv": 0.9 + s / 100}, kind="init", protocol={"headline": "mode_tv"})
             for s in range(4)]
    scored = scored_frame(recs)
    flaky = seed_values(scored, "ring8", "flaky", "mode_tv[identity]")
    assert list(flaky.index) == [0, 1, 2, 3] and list(flaky) == [0.10, 0.11, 0.12, 1.0]
    assert list(scored.loc[scored.variant == "flaky", "status"]) == ["ok"] * 3 + ["diverged"]
    t = aggregate(recs)["ring8"]
    # flaky's ok mean (0.11) is the best, but its diverged seed (at TV 1) ranks it behind steady (0.315 against
    # 0.3325 over four seeds); p vs init is the test on all four seeds; broken's two diverged seeds leave it
    # no better than init, whatever its ok seeds scored
    assert t.loc["flaky", "mode_tv[identity] mean"] == pytest.approx(0.11)
    assert t.loc["flaky", "p_vs_init"] == pytest.approx(welch_p(list(flaky), [0.9, 0.91, 0.92, 0.93], "less"))
    assert bool(t.loc["flaky", "learned"]) and (t.loc["steady", "rank"], t.loc["flaky", "rank"]) == (1, 2)
    assert not bool(t.loc["broken", "learned"]) and t.loc["broken", "mode_tv[identity] mean"] == pytest.approx(0.1)
    assert len(long_frame(recs)) == 13  # the long table keeps ok rows only


def test_stats_helpers():
    assert mean_ci([1.0])["n"] == 1 and math.isnan(mean_ci([1.0])["std"])
    assert mean_ci([1.0, float("inf")])["mean"] == math.inf
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_load_results_errors(tmp_path):
    with pytest.raises(ValueError, match="not a run directory"):
        load_results(tmp_path / "nope")
