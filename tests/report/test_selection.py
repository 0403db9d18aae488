"""Best-checkpoint selection (ganbench.report.selection): chosen on the selection reference, reported on
the reporting one, with the optimism of choosing on the reported numbers; a task without selection
values keeps the final point and says so."""
import math

import pytest

from ganbench.cli import main
from ganbench.report.publish import render, write_leaderboard
from ganbench.report.selection import select_point, selected_points, selection_notes, selection_table

from .records import curved, references, write

B = (100, 1000, 10000)


def _trial(seed=0, reported=(0.5, 0.2, 0.3), selection=(0.4, 0.35, 0.1), **kw):
    return curved("ring8", "v", seed, reported, budgets=B, selection=selection, **kw)


def test_best_point_on_the_selection_reference_reported_on_the_reporting_one():
    # the selection reference prefers 10,000 steps (0.1); the reporting reference would have picked
    # 1,000 (0.2): the selected point reports 0.3, and choosing on the reported numbers would have
    # claimed 0.1 better
    r = select_point(_trial())
    s = r["selected"]
    assert s["select"] == "best" and s["index"] == 2 and s["budget"] == {"g_steps": 10000}
    assert s["reported"] == 0.3 and s["final"] == 0.3 and s["best_reported"] == 0.2
    assert s["optimism"] == pytest.approx(0.1) and s["optimism"] > 0
    assert r["metrics"] == {"mode_tv": 0.3}


def test_selection_can_pick_an_early_point_and_ties_keep_the_earliest():
    r = select_point(_trial(reported=(0.5, 0.2, 0.3), selection=(0.3, 0.1, 0.1)))
    assert r["selected"]["index"] == 1 and r["metrics"] == {"mode_tv": 0.2}
    assert r["selected"]["optimism"] == 0 and r["selected"]["final"] == 0.3
    assert r["curve"] == _trial(reported=(0.5, 0.2, 0.3), selection=(0.3, 0.1, 0.1))["curve"]  # kept whole
    assert r["spent"]["g_steps"] == 10000  # every point had to be trained to choose among them


def test_a_trial_diverged_by_the_end_is_judged_at_its_selected_point():
    r = select_point(_trial(diverged_from=10000))
    assert r["status"] == "ok" and r["selected"]["index"] == 1 and r["metrics"] == {"mode_tv": 0.2}
    assert r["selected"]["final"] == 1.0  # the final point counts at mode TV's worst value


def test_without_selection_values_the_final_point_stands_and_the_report_says_so():
    recs = [curved("ring8", "v", s, (0.5, 0.2, 0.3), budgets=B) for s in range(3)] + references("ring8")
    chosen = selected_points(recs, "best")
    assert [r["metrics"] for r in chosen] == [r["metrics"] for r in recs]
    assert chosen[0]["selected"]["select"] == "final"
    note = selection_notes(chosen)["ring8"]
    assert note.startswith("--select best: no trial of ring8 has a selection value")
    assert note in render(recs, "md", select="best")
    assert selection_table(chosen, "ring8").empty
    mixed = recs[:2] + [_trial(seed=2)]
    assert "1 of 3" not in selection_notes(selected_points(mixed, "best"))["ring8"]
    assert "2 of 3 trials of ring8 have no selection value" in selection_notes(selected_points(mixed, "best"))["ring8"]


def test_final_is_the_default_and_changes_nothing():
    recs = [_trial(s) for s in range(3)] + references("ring8")
    assert selected_points(recs) == recs and selected_points(recs, "final") == recs
    with pytest.raises(ValueError, match="select must be one of final, best"):
        selected_points(recs, "last")


def test_the_leaderboard_reports_the_selected_point_beside_the_final_one(tmp_path, capsys):
    recs = [_trial(s, reported=(0.5, 0.2 + s / 100, 0.3 + s / 100), selection=(0.4, 0.35, 0.1)) for s in range(4)]
    recs += references("ring8")
    table = selection_table(selected_points(recs, "best"), "ring8").set_index("variant")
    assert table.loc["v", "n"] == 4 and table.loc["v", "optimism mean"] == pytest.approx(0.1)
    assert table.loc["v", "selected mean"] == pytest.approx(0.315) and table.loc["v", "budget"] == 10000
    md = render(recs, "md", select="best")
    assert "optimism of selecting on the reported numbers" in md
    assert "| 0.315 ± 0.013 " in md and "| 0.1 ± 0 " in md  # selected beside final, and the optimism
    assert "optimism" not in render(recs, "md")
    run = write(tmp_path / "run", recs)
    page = write_leaderboard(run, select="best")["html"].read_text()
    assert "optimism of selecting on the reported numbers" in page
    assert main(["leaderboard", str(run), "--select", "best"]) == 0
    assert "optimism of selecting" in capsys.readouterr().out
    assert main(["leaderboard", str(run)]) == 0 and "optimism" not in capsys.readouterr().out
    assert not math.isnan(table.loc["v", "final mean"])
