import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.leaderboard import aggregate, display_table, load_results, render, write_leaderboard
from ganbench.report.stats import holm, mean_ci

from .records import make, write


def _records():
    recs = []
    for s, (m, f) in enumerate([(8, 0.1), (7, 0.2), (8, 0.15)]):
        recs.append(make("ring8", "good", s, {"modes": m, "fid": f}))
    for s, (m, f) in enumerate([(2, 0.9), (3, 1.1), (2, 1.0)]):
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
    assert t.loc["good", f"{col} mean"] == pytest.approx(23 / 3)
    assert t.loc["good", f"{col} std"] == pytest.approx(np.std([8, 7, 8], ddof=1))
    half = stats.t.ppf(0.975, 2) * np.std([8, 7, 8], ddof=1) / math.sqrt(3)
    assert t.loc["good", f"{col} ci_lo"] == pytest.approx(23 / 3 - half)
    assert t.loc["good", f"{col} ci_hi"] == pytest.approx(23 / 3 + half)
    assert t.loc["close", f"{col} n"] == 2 and t.loc["close", "diverged"] == 1 and t.loc["close", "ok"] == 2
    assert bool(t.loc["good", "tie_best"]) and bool(t.loc["close", "tie_best"])  # 8,6 vs 8,7,8: not significant
    assert not bool(t.loc["bad", "tie_best"])
    assert t.loc["good", "fid[identity] mean"] == pytest.approx(0.15)


def test_lower_is_better_ranks_ascending():
    recs = [make("grid25", v, s, {"fid": x}, protocol={"headline": "fid"}) for v, xs in
            [("a", [3.0, 3.1]), ("b", [1.0, 1.1]), ("c", [2.0, 2.2])] for s, x in enumerate(xs)]
    t = aggregate(recs)["grid25"]
    assert list(t.index) == ["b", "c", "a"]


def test_render_formats_and_files(tmp_path):
    run = write(tmp_path / "run", _records())
    md = render(_records(), "md")
    assert "## ring8" in md and "modes[identity]" in md and "good ≈" in md and "| diverged |" in md.replace("   ", " ")
    assert "bad ≈" not in md
    assert render(_records(), "csv").startswith("variant,")
    assert "<table" in render(_records(), "html")
    with pytest.raises(ValueError, match="unknown format"):
        render(_records(), "pdf")
    paths = write_leaderboard(run)
    assert paths["md"].is_file() and paths["csv"].is_file() and (run / "leaderboard" / "ring8_modes.png").is_file()
    long = load_results(run)
    assert len(long) == 8 * 2 and set(long["column"]) == {"modes[identity]", "fid[identity]"}


def test_display_marks_and_counts():
    d = display_table(aggregate(_records())["ring8"])
    assert list(d["variant"]) == ["good ≈", "close ≈", "bad"]
    assert list(d["diverged"]) == [0, 1, 0]


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


def test_stats_helpers():
    assert mean_ci([1.0])["n"] == 1 and math.isnan(mean_ci([1.0])["std"])
    assert mean_ci([1.0, float("inf")])["mean"] == math.inf
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_load_results_errors(tmp_path):
    with pytest.raises(ValueError, match="not a run directory"):
        load_results(tmp_path / "nope")


def test_truncation_curve_plots_the_style_variants_only(tmp_path, monkeypatch):
    import math

    import matplotlib.axes
    import pandas as pd

    from ganbench.report import plots

    table = pd.DataFrame({"variant": ["stylegan", "progan"],
                          "fid[digits32] mean": [400.0, 300.0], "fid[digits32] std": [10.0, 5.0],
                          "fid_psi0.5[digits32] mean": [700.0, math.nan], "fid_psi0.5[digits32] std": [50.0, math.nan],
                          "fid_psi0.7[digits32] mean": [500.0, math.nan], "fid_psi0.7[digits32] std": [20.0, math.nan]})
    drawn, real = [], matplotlib.axes.Axes.errorbar

    def spy(self, x, y, *a, **k):
        drawn.append((k["label"], list(x), list(y)))
        return real(self, x, y, *a, **k)

    monkeypatch.setattr(matplotlib.axes.Axes, "errorbar", spy)
    plots.save_truncation_curve(tmp_path / "t.png", table)
    assert (tmp_path / "t.png").stat().st_size > 0
    assert drawn == [("stylegan", [0.5, 0.7, 1.0], [700.0, 500.0, 400.0])]  # progan has no truncated points
