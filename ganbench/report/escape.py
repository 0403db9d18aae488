"""Names a user or a plugin chose (variants, tasks, suites, claims) in every output format: one escaping
rule per format, so that no name can break a table, inject a formula or crash a plot.

- Markdown (:func:`markdown`, :func:`markdown_table`): ``\\ | ` * _ $`` are backslash-escaped, ``& < >``
  become entities, newlines become spaces; tables are written without number parsing, so a name such
  as ``1e5`` stays text.
- CSV (:func:`csv_cell`, :func:`csv_frame`): a string cell that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return gets a leading ``'`` (OWASP, "CSV Injection"); numbers stay numbers.
- Plots (:func:`plot_text`, :func:`shorten`): matplotlib reads ``$...$`` as mathtext (a name like
  ``a$^$`` raises a parse error when the figure is drawn), so ``$`` is escaped; long names are cut
  with an ellipsis so labels keep the layout (tables keep the full text).
- HTML: :func:`html.escape` at every place a name enters the page (ganbench.report.html).
"""
from __future__ import annotations

import re

import pandas as pd

_MD_BACKSLASHED = ("|", "`", "*", "_", "$")
_MD_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_NEWLINES = re.compile(r"\r\n|\r|\n")
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLOT_WIDTH = 40  # characters of a name in a plot label


def markdown(text) -> str:
    """``text`` as literal Markdown inline text (safe inside a table cell or a heading)."""
    text = _NEWLINES.sub(" ", str(text)).replace("\\", "\\\\")
    for raw, entity in _MD_ENTITIES:
        text = text.replace(raw, entity)
    for ch in _MD_BACKSLASHED:
        text = text.replace(ch, "\\" + ch)
    return text


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` as a pipe table (tabulate), every header and string cell through :func:`markdown`."""
    escaped = frame.rename(columns=lambda c: markdown(c))
    escaped = escaped.apply(lambda col: col.map(lambda x: markdown(x) if isinstance(x, str) else x))
    return escaped.to_markdown(index=False, disable_numparse=True)


def csv_cell(x):
    """A CSV cell that a spreadsheet will not run as a formula: strings starting with ``= + - @``, a tab
    or a carriage return get a leading ``'``; everything else is returned unchanged."""
    return "'" + x if isinstance(x, str) and x.startswith(CSV_TRIGGERS) else x


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every string cell through :func:`csv_cell` (numeric columns untouched)."""
    out = frame.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(csv_cell)
    return out


def shorten(text, width: int = PLOT_WIDTH) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis (for plot labels)."""
    text = _NEWLINES.sub(" ", str(text))
    return text if len(text) <= width else text[: width - 1] + "…"


def plot_text(text) -> str:
    """``text`` as matplotlib draws it literally: ``$`` escaped (no mathtext), newlines kept."""
    return str(text).replace("$", r"\$")
