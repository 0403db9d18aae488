"""One escaping rule per output format (ganbench.report.escape)."""
import io

import pandas as pd

from ganbench.report.escape import csv_cell, csv_frame, markdown, markdown_table, plot_text, shorten


def test_markdown_escapes_what_markdown_reads():
    assert markdown("x|y") == "x\\|y" and markdown("a_b*c") == "a\\_b\\*c" and markdown("`x`") == "\\`x\\`"
    assert markdown("<script>&") == "&lt;script&gt;&amp;" and markdown("$x$") == "\\$x\\$"
    assert markdown("a\\b") == "a\\\\b" and markdown("two\nlines\r\nthree") == "two lines three"
    assert markdown(7) == "7"


def test_markdown_tables_keep_names_as_text():
    table = markdown_table(pd.DataFrame({"name|x": ["a|b", "1e5", "c\nd"], "n": [1, 2, 3]}))
    rows = table.splitlines()
    assert rows[0].startswith("| name\\|x") and "a\\|b" in rows[2] and "1e5" in rows[3] and "c d" in rows[4]
    assert len(rows) == 5  # header, rule, three rows: the newline did not make a row


def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote():
    for text in ("=cmd()", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("gan-ns") == "gan-ns" and csv_cell(-1.5) == -1.5 and csv_cell(None) is None
    frame = csv_frame(pd.DataFrame({"variant": ["=x", "ok"], "mean": [-1.0, 2.0]}))
    back = pd.read_csv(io.StringIO(frame.to_csv(index=False)))
    assert list(back["variant"]) == ["'=x", "ok"] and list(back["mean"]) == [-1.0, 2.0]


def test_plot_text_and_shorten():
    assert plot_text("a$^$") == "a\\$^\\$" and plot_text("plain") == "plain"
    assert shorten("n" * 300) == "n" * 39 + "…" and len(shorten("n" * 300)) == 40
    assert shorten("a\nb") == "a b" and shorten("short") == "short"
