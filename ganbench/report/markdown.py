"""The leaderboard as Markdown and CSV, from :func:`ganbench.report.tables.aggregate`'s tables: one
section per task (caption, regime notes, the display table), the suite's published claims first.
Names are escaped by :mod:`ganbench.report.escape`; numbers are printed by
:mod:`ganbench.report.format` (the html page's rounding)."""
from __future__ import annotations

import pandas as pd

from ganbench.report import escape
from ganbench.report.claims import claims_markdown
from ganbench.report.constants import ALPHA
from ganbench.report.regime import regime_notes
from ganbench.report.tables import display_table


def _caption(task: str, table: pd.DataFrame, records: list[dict]) -> str:
    trials = [r for r in records if r["task"] == task and r.get("kind", "trial") == "trial"]
    budget = ", ".join(f"{k}={v:g}" for k, v in (trials[-1].get("budget", {}) if trials else {}).items())
    vc = trials[-1].get("variant_config", {}) if trials else {}
    p = next((r.get("protocol", {}) for r in reversed(trials) if r["status"] == "ok"), {})
    return (f"budget {budget} per trial (batch {vc.get('batch_size', '?')}); {p.get('n_fake', '?')} fakes vs "
            f"{p.get('n_real', '?')} reals; generator evaluated: {p.get('generator', 'raw')}; ranked by "
            f"{table['headline'].iloc[0]} among variants significantly better than init (one-sided Welch test "
            f"raised to the exact permutation floor, α = {ALPHA}); a diverged seed counts as the metric's worst "
            "value (or below every finite value where the metric is unbounded) in the rank, the test against init "
            "and ≈, while mean ± std are over the ok seeds; ≈: not significantly different from the best; cost "
            "columns are per trial")


def render_markdown(records: list[dict], tables: dict[str, pd.DataFrame], title: str = "",
                    claims: tuple | None = None) -> str:
    """The leaderboard of ``records`` (``tables``: their :func:`~ganbench.report.tables.aggregate`) as
    Markdown; ``claims``: the ``(verdicts, design)`` of the suite's published claims, shown first."""
    parts = []
    for task, t in tables.items():
        notes = "".join(f"\n\n{escape.markdown(n)}" for n in regime_notes(task, records, t))
        parts.append(f"## {escape.markdown(task)}\n\n{escape.markdown(_caption(task, t, records))}{notes}\n\n"
                     f"{escape.markdown_table(display_table(t))}\n")
    head = f"# {escape.markdown(title)}\n\n" if title else ""
    if claims:
        head += "## Published claims\n\n" + claims_markdown(*claims) + "\n"
    return head + "\n".join(parts)


def render_csv(tables: dict[str, pd.DataFrame]) -> str:
    """Every task's aggregated table, one row per (task, variant), every number at full precision;
    string cells guarded against formula injection (:func:`ganbench.report.escape.csv_frame`)."""
    frames = [t.reset_index().assign(task=task) for task, t in tables.items()]
    return escape.csv_frame(pd.concat(frames, ignore_index=True)).to_csv(index=False)
