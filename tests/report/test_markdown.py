"""The Markdown and CSV leaderboard (ganbench.report.markdown), from aggregate's tables."""
import io

import pandas as pd

from ganbench.report.markdown import render_csv, render_markdown
from ganbench.report.tables import aggregate

from .records import make


def _records():
    recs = [make("ring8", "a_b", s, {"modes": 8 - s % 2, "hq_fraction": 0.9 + s / 100}) for s in range(4)]
    recs += [make("ring8", "init", s, {"modes": 0, "hq_fraction": 0.0}, kind="init") for s in range(4)]
    return recs


def test_sections_captions_and_the_shared_rounding():
    recs = _records()
    md = render_markdown(recs, aggregate(recs), title="board")
    assert md.startswith("# board\n\n## ring8\n\n") and "a\\_b" in md  # names escaped, once
    assert "one-sided Welch test raised to the exact permutation floor" in md
    assert "diverged seed counts as the metric's worst value" in md
    # percent values read as on the html page (format.py), not as 3 significant digits
    assert "91.5 ± 1.3 %" in md and "7.5 ± 0.6" in md and "| p vs init" in md and "0.014" in md


def test_csv_is_every_number_at_full_precision():
    recs = _records()
    board = pd.read_csv(io.StringIO(render_csv(aggregate(recs))))
    assert set(board["variant"]) == {"a_b", "init"} and (board["task"] == "ring8").all()
    assert board.loc[board.variant == "a_b", "modes[identity] mean"].item() == 7.5
